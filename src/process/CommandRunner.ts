/**
 * Runs one CLI invocation as a child process owned by the calling fiber.
 *
 * The child gets its own process group; its stdout and stderr are kept up
 * to a byte cap each (the rest counted); no output for the idle window
 * fails the run with `IdleTimeout`; and when the run ends for any reason
 * (exit, failure, interruption) whatever is left of the group is ended:
 * SIGTERM, a grace period, then SIGKILL. So are the child's descendants that
 * left the group (a `setsid` daemon): its process tree is walked while the
 * run lasts (soon after the spawn, then each second, where Linux lists a
 * process's children cheaply) and when it ends. Interrupting the fiber is the one way to stop a command.
 *
 * @since 0.1.0
 */
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { GatewayConfig } from "../Config.js"
import {
  CliExitedNonZero,
  type CliNotFound,
  type CommandError,
  IdleTimeout,
  type SpawnFailed
} from "../domain/errors.js"
import { childEnvironment } from "./childEnvironment.js"
import { type ChildEnd, ChildRun, type OutputChunk } from "./childRun.js"
import { streamsOf } from "./OutputBuffer.js"
import { terminateGroup } from "./processGroup.js"
import { resolveBinary } from "./resolveBinary.js"
import { isDirectory, missingCwd, unresolved } from "./spawnErrors.js"

/**
 * A piece of output as it arrives.
 *
 * @since 0.1.0
 */
export type { OutputChunk }

/**
 * What to run.
 *
 * @since 0.1.0
 */
export interface CommandSpec {
  /** A name looked up on PATH, or a path. Never run through a shell. */
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly cwd?: string | undefined
  /** Variables set on top of the inherited environment (less nesting markers). */
  readonly env?: Readonly<Record<string, string>> | undefined
  /** Which inherited variables the child keeps (default: all but the nesting markers). */
  readonly inheritEnv?: ((name: string, env: Readonly<Record<string, string | undefined>>) => boolean) | undefined
  /** Written to the child's stdin, which is then closed. Without it stdin is empty. */
  readonly stdin?: string | undefined
  /** Overrides the configured idle window (ms). */
  readonly idleTimeoutMs?: number | undefined
  /** Overrides the configured cap of bytes kept per stream. */
  readonly maxOutputBytes?: number | undefined
  /**
   * False when the caller reads stdout from `onOutput` as it arrives: the
   * runner then keeps only its tail and byte count (`stdout` is empty).
   */
  readonly keepStdout?: boolean | undefined
  /** Overrides the configured SIGTERM → SIGKILL grace (ms). */
  readonly killGraceMs?: number | undefined
  /** Called with each chunk of output, in order. */
  readonly onOutput?: ((chunk: OutputChunk) => Effect.Effect<void>) | undefined
  /** Called once the child runs, with its pid (which is also its process group id) and the path run. */
  readonly onSpawn?: ((pid: number, command: string) => Effect.Effect<void>) | undefined
}

/**
 * How a run ended and what it printed.
 *
 * @since 0.1.0
 */
export interface CommandResult {
  /** The absolute path that was run. */
  readonly command: string
  readonly pid: number
  readonly exitCode: number | null
  readonly signal: string | null
  readonly stdout: string
  readonly stderr: string
  readonly stdoutTruncated: boolean
  readonly stderrTruncated: boolean
  /** Every byte printed, kept or not. */
  readonly stdoutBytes: number
  readonly stderrBytes: number
  /** The last 8 KiB of each stream, even when the kept part was cut. */
  readonly stdoutTail: string
  readonly stderrTail: string
  readonly durationMs: number
}

/**
 * @since 0.1.0
 */
export interface CommandRunnerShape {
  /** Runs to the end; any exit code is a result. */
  readonly exec: (spec: CommandSpec) => Effect.Effect<CommandResult, CliNotFound | SpawnFailed | IdleTimeout>
  /** Runs to the end; a non-zero exit or a signal fails with `CliExitedNonZero`. */
  readonly run: (spec: CommandSpec) => Effect.Effect<CommandResult, CommandError>
  /** The absolute path a command resolves to (cached after the first success). */
  readonly resolve: (command: string) => Effect.Effect<string, CliNotFound>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CommandRunner extends Context.Tag("llm-cli-gateway/CommandRunner")<CommandRunner, CommandRunnerShape>() {}

/**
 * Fails a result that did not exit 0.
 *
 * @since 0.1.0
 */
export const requireSuccess = (result: CommandResult): Effect.Effect<CommandResult, CliExitedNonZero> =>
  result.exitCode === 0
    ? Effect.succeed(result)
    : Effect.fail(
      new CliExitedNonZero({
        message: `${result.command} ${
          result.signal !== null ? `was ended by ${result.signal}` : `exited with code ${result.exitCode}`
        }${result.stderrTail.trim() ? `: ${lastLine(result.stderrTail)}` : ""}`,
        command: result.command,
        exitCode: result.exitCode,
        signal: result.signal,
        stderrTail: result.stderrTail,
        stdoutTail: result.stdoutTail
      })
    )

const lastLine = (text: string): string => {
  const lines = text.trim().split("\n")
  return (lines[lines.length - 1] ?? "").slice(0, 500)
}

/**
 * Options of the live runner.
 *
 * @since 0.1.0
 */
export interface MakeOptions {
  /** The environment children inherit (default: the gateway's own). */
  readonly inheritedEnv?: Readonly<Record<string, string | undefined>> | undefined
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: MakeOptions = {}): Effect.Effect<CommandRunnerShape, never, GatewayConfig> =>
  Effect.gen(function*() {
    const config = yield* GatewayConfig
    const inherited = options.inheritedEnv ?? { ...process.env }
    const pathVariable = inherited.PATH
    const resolved = new Map<string, string>()

    const resolve = (command: string): Effect.Effect<string, CliNotFound> =>
      Effect.suspend(() => {
        const cached = resolved.get(command)
        if (cached !== undefined) return Effect.succeed(cached)
        const found = resolveBinary(command, pathVariable)
        if (found._tag !== "Found") return Effect.fail(unresolved(command, found))
        resolved.set(command, found.path)
        return Effect.succeed(found.path)
      })

    const exec = (spec: CommandSpec): Effect.Effect<CommandResult, CliNotFound | SpawnFailed | IdleTimeout> =>
      Effect.flatMap(resolve(spec.command), (path) => {
        if (spec.cwd !== undefined && !isDirectory(spec.cwd)) return missingCwd(spec.cwd, path)
        const idleMs = spec.idleTimeoutMs ?? config.idleTimeoutMs
        const graceMs = spec.killGraceMs ?? config.killGraceMs
        const cap = spec.maxOutputBytes ?? config.maxOutputBytes
        return Effect.flatMap(Effect.clock, (clock) => {
          const startedAt = clock.unsafeCurrentTimeMillis()
          const child = new ChildRun({
            path,
            args: spec.args,
            cwd: spec.cwd,
            env: childEnvironment(inherited, spec.env, spec.inheritEnv),
            stdin: spec.stdin,
            stdoutCap: spec.keepStdout === false ? 0 : cap,
            stderrCap: cap,
            readsOutput: spec.onOutput !== undefined
          }, clock)
          // Started and ended uninterruptibly, like a resource; what runs between is the caller's to interrupt.
          return Effect.acquireUseRelease(
            child.start(() => resolved.delete(spec.command)),
            ({ pid }) =>
              Effect.map(follow(child, spec, pid!, path, idleMs, clock), (end) => ({
                command: path,
                pid: pid!,
                exitCode: end.code,
                signal: end.signal,
                ...streamsOf(child.stdout, child.stderr),
                durationMs: clock.unsafeCurrentTimeMillis() - startedAt
              } satisfies CommandResult)),
            // However the run ends, what is left of the group and of the child's tree is ended.
            ({ pid }) =>
              Effect.suspend(() => {
                child.dispose()
                return terminateGroup(pid!, graceMs, child.tree)
              })
          )
        })
      })

    const run = (spec: CommandSpec) => Effect.flatMap(exec(spec), requireSuccess)

    return { exec, run, resolve }
  })

/**
 * A started run, followed to its end in its own fiber: `onSpawn`, then each
 * batch of output handed to `onOutput` in order, until the child has ended
 * (its end), or has printed nothing for `idleMs` (`IdleTimeout`).
 */
const follow = (
  child: ChildRun,
  spec: CommandSpec,
  pid: number,
  path: string,
  idleMs: number,
  clock: Clock.Clock
): Effect.Effect<ChildEnd, IdleTimeout> =>
  Effect.gen(function*() {
    if (spec.onSpawn !== undefined) yield* spec.onSpawn(pid, path)
    while (true) {
      const event = yield* child.next(idleMs)
      if (event._tag === "Ended") return event.end
      if (event._tag === "Output") {
        for (const chunk of event.chunks) yield* spec.onOutput!(chunk)
      } else if (clock.unsafeCurrentTimeMillis() - child.lastActivity >= idleMs) {
        return yield* new IdleTimeout({
          message: `${spec.command} printed nothing for ${idleMs} ms and was stopped`,
          command: path,
          idleTimeoutMs: idleMs
        })
      }
    }
  })

/**
 * The live runner, spawning real processes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CommandRunner, never, GatewayConfig> = Layer.effect(CommandRunner, make())

/**
 * A scripted answer of the test runner.
 *
 * @since 0.1.0
 */
export interface ScriptedRun {
  readonly exitCode?: number | null
  readonly signal?: string | null
  readonly stdout?: string
  readonly stderr?: string
}

/**
 * A runner that answers from a script and spawns nothing. The script sees
 * each spec and returns the run's outcome, or fails with a command error.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (
  script: (spec: CommandSpec) => Effect.Effect<ScriptedRun, CliNotFound | SpawnFailed | IdleTimeout>
): Layer.Layer<CommandRunner> =>
  Layer.succeed(
    CommandRunner,
    (() => {
      const exec = (spec: CommandSpec) =>
        Effect.gen(function*() {
          const out = yield* script(spec)
          const stdout = out.stdout ?? ""
          const stderr = out.stderr ?? ""
          if (spec.onSpawn) yield* spec.onSpawn(0, spec.command)
          if (spec.onOutput) {
            if (stdout) yield* spec.onOutput({ stream: "stdout", data: Buffer.from(stdout) })
            if (stderr) yield* spec.onOutput({ stream: "stderr", data: Buffer.from(stderr) })
          }
          return {
            command: spec.command,
            pid: 0,
            exitCode: out.exitCode === undefined ? 0 : out.exitCode,
            signal: out.signal ?? null,
            stdout,
            stderr,
            stdoutTruncated: false,
            stderrTruncated: false,
            stdoutBytes: Buffer.byteLength(stdout),
            stderrBytes: Buffer.byteLength(stderr),
            stdoutTail: stdout.slice(-8192),
            stderrTail: stderr.slice(-8192),
            durationMs: 0
          } satisfies CommandResult
        })
      return {
        exec,
        run: (spec: CommandSpec) => Effect.flatMap(exec(spec), requireSuccess),
        resolve: (command: string) => Effect.succeed(command)
      }
    })()
  )
