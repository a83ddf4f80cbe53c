/**
 * A `CommandRunner` that spawns nothing and plays scripted runs instead:
 * for each command it is asked to run, a script answers with what the run
 * prints (in chunks, each after a delay on the Effect `Clock`, so that
 * `TestClock` drives it) and how it ends.
 *
 * It behaves as the live runner does where a caller can tell: it calls
 * `onSpawn` once the run "starts" and `onOutput` with each chunk in order,
 * keeps each stream up to the byte cap (the same `OutputBuffer`), fails
 * with `IdleTimeout` when no chunk arrives for the idle window (the spec's
 * or the layer's, when one is set), stops where it is when its fiber is
 * interrupted, and `run` fails a non-zero exit with `CliExitedNonZero`
 * through the live runner's own `requireSuccess`. It does not check that
 * `cwd` exists. Every spec it is given is recorded, in order.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { basename } from "node:path"
import type { CliNotFound, IdleTimeout, SpawnFailed } from "../domain/errors.js"
import {
  CommandRunner,
  type CommandResult,
  type CommandRunnerShape,
  type CommandSpec,
  requireSuccess
} from "../process/CommandRunner.js"
import { idleWatch } from "../process/idleWatch.js"
import { OutputBuffer, streamsOf } from "../process/OutputBuffer.js"
import { unresolved } from "../process/spawnErrors.js"
import type { CliRun } from "./CliRun.js"

/**
 * A piece of output, printed `afterMs` after the one before it (or after
 * the spawn, for the first).
 *
 * @since 0.1.0
 */
export interface Chunk {
  readonly stream: "stdout" | "stderr"
  readonly text: string
  readonly afterMs?: number | undefined
}

/**
 * A scripted run: its chunks, then how it ends, `endAfterMs` after the last
 * chunk. A run that `hangs` never ends by itself: it lasts until its fiber
 * is interrupted or its idle window passes.
 *
 * @since 0.1.0
 */
export interface Playback {
  readonly chunks: ReadonlyArray<Chunk>
  /** Default 0 (unless `signal` is set). */
  readonly exitCode?: number | null | undefined
  readonly signal?: string | null | undefined
  readonly endAfterMs?: number | undefined
  readonly hangs?: boolean | undefined
  /** The pid `onSpawn` is told and the result carries (default 1000 + the run's number). */
  readonly pid?: number | undefined
  /** The path the run reports having run (default: the command as `resolve` answers it). */
  readonly path?: string | undefined
}

/**
 * What a script answers for one spec: a run as the output builders return
 * it (played all at once), a playback, or an effect of either, which may
 * sleep, log, or fail as the live runner fails before a run starts.
 *
 * @since 0.1.0
 */
export type Answer =
  | CliRun
  | Playback
  | Effect.Effect<CliRun | Playback, CliNotFound | SpawnFailed | IdleTimeout>

/**
 * A script: the spec to run and its number (from 1, in the order the
 * runner was asked) in, the run's answer out.
 *
 * @since 0.1.0
 */
export type Script = (spec: CommandSpec, n: number) => Answer

/**
 * @since 0.1.0
 */
export interface Options {
  /** The idle window of specs that set none (default: none, a run may be silent for ever). */
  readonly idleTimeoutMs?: number | undefined
  /** The byte cap of specs that set none (default 10 MiB). */
  readonly maxOutputBytes?: number | undefined
  /** Where `resolve` finds a command (default: the command itself). */
  readonly resolve?: ((command: string) => Effect.Effect<string, CliNotFound>) | undefined
  /** An array that every spec is pushed to, for a test that reads it outside the layer. */
  readonly seen?: Array<CommandSpec> | undefined
}

/**
 * The specs a scripted runner was given, in order.
 *
 * @since 0.1.0
 * @category tags
 */
export class Recorded extends Context.Tag("llm-cli-gateway/testing/ScriptedRunner/Recorded")<
  Recorded,
  { readonly specs: Effect.Effect<ReadonlyArray<CommandSpec>> }
>() {}

const DEFAULT_CAP = 10 * 1024 * 1024

/**
 * The chunks of a run as the builders return it: stdout line by line, then
 * stderr line by line, the first `firstAfterMs` after the spawn and each
 * next one `everyMs` later; the run ends as `run` says.
 *
 * @since 0.1.0
 */
export const play = (
  run: CliRun,
  options: { readonly everyMs?: number; readonly firstAfterMs?: number; readonly pid?: number; readonly path?: string } = {}
): Playback => {
  const pieces = [
    ...splitLines(run.stdout).map((text) => ({ stream: "stdout" as const, text })),
    ...splitLines(run.stderr).map((text) => ({ stream: "stderr" as const, text }))
  ]
  return {
    chunks: pieces.map((piece, i) => ({ ...piece, afterMs: i === 0 ? (options.firstAfterMs ?? 0) : (options.everyMs ?? 0) })),
    exitCode: run.exitCode,
    signal: run.signal,
    ...(options.pid !== undefined ? { pid: options.pid } : {}),
    ...(options.path !== undefined ? { path: options.path } : {})
  }
}

/** Lines with their newlines kept. */
const splitLines = (text: string): ReadonlyArray<string> => text.match(/[^\n]*\n|[^\n]+$/g) ?? []

/**
 * A run that prints `chunks` and then never ends by itself.
 *
 * @since 0.1.0
 */
export const hang = (chunks: ReadonlyArray<Chunk> = []): Playback => ({ chunks, hangs: true })

/**
 * The answer of a command that is not installed: `CliNotFound`, as the
 * live runner says it.
 *
 * @since 0.1.0
 */
export const notFound = (command: string): Effect.Effect<never, CliNotFound> =>
  Effect.fail(unresolved(command, { _tag: "Missing", searched: [] }))

/**
 * The prompt of a spec (what it writes to stdin; "" when none).
 *
 * @since 0.1.0
 */
export const promptOf = (spec: CommandSpec): string => spec.stdin ?? ""

/**
 * The name of the command a spec runs (`claude` for `/usr/bin/claude`).
 *
 * @since 0.1.0
 */
export const commandOf = (spec: CommandSpec): string => basename(spec.command)

const isPlayback = (answer: CliRun | Playback): answer is Playback => "chunks" in answer

const toEffect = (answer: Answer): Effect.Effect<Playback, CliNotFound | SpawnFailed | IdleTimeout> =>
  Effect.isEffect(answer)
    ? Effect.map(answer, (a) => (isPlayback(a) ? a : play(a)))
    : Effect.succeed(isPlayback(answer) ? answer : play(answer))

/**
 * Builds a scripted runner and the record of the specs it was given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (script: Script, options: Options = {}): CommandRunnerShape & { readonly specs: ReadonlyArray<CommandSpec> } => {
  const specs: Array<CommandSpec> = []
  const resolve = options.resolve ?? ((command: string) => Effect.succeed(command))

  const exec = (spec: CommandSpec): Effect.Effect<CommandResult, CliNotFound | SpawnFailed | IdleTimeout> =>
    Effect.gen(function*() {
      specs.push(spec)
      options.seen?.push(spec)
      const n = specs.length
      const playback = yield* toEffect(script(spec, n))
      const path = playback.path ?? (yield* resolve(spec.command))
      const pid = playback.pid ?? 1000 + n
      const cap = spec.maxOutputBytes ?? options.maxOutputBytes ?? DEFAULT_CAP
      const stdout = new OutputBuffer(spec.keepStdout === false ? 0 : cap)
      const stderr = new OutputBuffer(cap)
      const clock = yield* Effect.clock
      const startedAt = clock.unsafeCurrentTimeMillis()
      let lastActivity = startedAt
      if (spec.onSpawn !== undefined) yield* spec.onSpawn(pid, path)

      const playing = Effect.gen(function*() {
        for (const chunk of playback.chunks) {
          if ((chunk.afterMs ?? 0) > 0) yield* Effect.sleep(Duration.millis(chunk.afterMs!))
          const data = Buffer.from(chunk.text)
          lastActivity = clock.unsafeCurrentTimeMillis()
          ;(chunk.stream === "stdout" ? stdout : stderr).append(data)
          if (spec.onOutput !== undefined) yield* spec.onOutput({ stream: chunk.stream, data })
        }
        if (playback.hangs === true) return yield* Effect.never
        if ((playback.endAfterMs ?? 0) > 0) yield* Effect.sleep(Duration.millis(playback.endAfterMs!))
      })

      const idleMs = spec.idleTimeoutMs ?? options.idleTimeoutMs
      // The live runner's idle watch, on the same clock.
      yield* idleMs === undefined
        ? playing
        : Effect.raceFirst(playing, idleWatch(idleMs, { command: spec.command, path }, () => lastActivity))

      const signal = playback.signal ?? null
      return {
        command: path,
        pid,
        exitCode: playback.exitCode !== undefined ? playback.exitCode : signal !== null ? null : 0,
        signal,
        ...streamsOf(stdout, stderr),
        durationMs: clock.unsafeCurrentTimeMillis() - startedAt
      } satisfies CommandResult
    })

  return {
    exec,
    run: (spec) => Effect.flatMap(exec(spec), requireSuccess),
    resolve,
    specs
  }
}

/**
 * The scripted runner as a layer, with the record of its specs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (script: Script, options: Options = {}): Layer.Layer<CommandRunner | Recorded> =>
  Layer.suspend(() => {
    const runner = make(script, options)
    return Layer.merge(
      Layer.succeed(CommandRunner, { exec: runner.exec, run: runner.run, resolve: runner.resolve }),
      Layer.succeed(Recorded, { specs: Effect.sync(() => [...runner.specs]) })
    )
  })

/**
 * The specs the scripted runner of the layer was given, in order.
 *
 * @since 0.1.0
 */
export const specs: Effect.Effect<ReadonlyArray<CommandSpec>, never, Recorded> = Effect.flatMap(Recorded, (r) => r.specs)
