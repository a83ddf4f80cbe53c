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
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import { spawn, type ChildProcess } from "node:child_process"
import { GatewayConfig } from "../Config.js"
import {
  CliExitedNonZero,
  type CliNotFound,
  type CommandError,
  IdleTimeout,
  type SpawnFailed
} from "../domain/errors.js"
import { childEnvironment } from "./childEnvironment.js"
import { OutputBuffer, streamsOf } from "./OutputBuffer.js"
import { terminateGroup } from "./processGroup.js"
import { childListsAvailable } from "./processInfo.js"
import { idleWatch } from "./idleWatch.js"
import { identify, ProcessTree } from "./processTree.js"
import { resolveBinary } from "./resolveBinary.js"
import { isDirectory, missingCwd, spawnError, unresolved } from "./spawnErrors.js"

/**
 * A piece of output as it arrives.
 *
 * @since 0.1.0
 */
export interface OutputChunk {
  readonly stream: "stdout" | "stderr"
  readonly data: Uint8Array
}

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

/** How long to wait, after the child exits, for its pipes to drain. */
const DRAIN_AFTER_EXIT = Duration.millis(250)
/** The longest the run waits after the child's exit for output that keeps arriving. */
const DRAIN_MAX_MS = 2_000
/**
 * When a running child's process tree is walked: soon after the spawn, then
 * at each interval; so that a descendant that left the group is known even
 * after its parent exits (when nothing links it to the tree any more). A
 * walk reads a few small files per process of the tree.
 */
const FIRST_TREE_WALK_MS = 100
const TREE_WALK_MS = 1_000

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
      Effect.scoped(Effect.gen(function*() {
        const path = yield* resolve(spec.command)
        if (spec.cwd !== undefined && !isDirectory(spec.cwd)) {
          return yield* missingCwd(spec.cwd, path)
        }
        const idleMs = spec.idleTimeoutMs ?? config.idleTimeoutMs
        const graceMs = spec.killGraceMs ?? config.killGraceMs
        const cap = spec.maxOutputBytes ?? config.maxOutputBytes
        const stdout = new OutputBuffer(spec.keepStdout === false ? 0 : cap)
        const stderr = new OutputBuffer(cap)
        const clock = yield* Effect.clock
        const startedAt = clock.unsafeCurrentTimeMillis()
        let lastActivity = startedAt
        // Ends at 'close' (the process exited and its pipes are drained), or DRAIN_AFTER_EXIT after
        // 'exit' with no more output when something else (a grandchild) still holds the pipes open.
        const ended = yield* Deferred.make<{ readonly code: number | null; readonly signal: string | null }>()
        let drainTimer: ReturnType<typeof setTimeout> | undefined
        let treeTimer: ReturnType<typeof setTimeout> | undefined
        let tree: ProcessTree | undefined
        const chunks = spec.onOutput !== undefined ? yield* Queue.unbounded<OutputChunk | null>() : undefined

        const onData = (stream: "stdout" | "stderr", buffer: OutputBuffer) => (data: Buffer) => {
          lastActivity = clock.unsafeCurrentTimeMillis()
          buffer.append(data)
          if (chunks !== undefined) Queue.unsafeOffer(chunks, { stream, data })
        }

        const child = yield* Effect.acquireRelease(
          Effect.async<ChildProcess, CliNotFound | SpawnFailed>((resume) => {
            let child: ChildProcess
            try {
              child = spawn(path, spec.args as Array<string>, {
                cwd: spec.cwd,
                env: childEnvironment(inherited, spec.env, spec.inheritEnv),
                stdio: [spec.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
                detached: true,
                windowsHide: true
              })
            } catch (e) {
              resume(Effect.fail(spawnError(path, e)))
              return
            }
            let started = false
            child.on("error", (e) => {
              if (!started) {
                if ((e as NodeJS.ErrnoException).code === "ENOENT") resolved.delete(spec.command)
                resume(Effect.fail(spawnError(path, e)))
              }
            })
            child.on("spawn", () => {
              started = true
              // Identified before anything can reap it: the root of the walks, and what a walk started later
              // than it cannot be.
              tree = new ProcessTree(child.pid === undefined ? undefined : identify(child.pid))
              if (childListsAvailable()) {
                const walk = () => {
                  try {
                    tree?.walk()
                  } catch {
                    // A walk that fails finds nothing this time; the next one, or the one at the end, may.
                  }
                  treeTimer = setTimeout(walk, TREE_WALK_MS).unref()
                }
                treeTimer = setTimeout(walk, FIRST_TREE_WALK_MS).unref()
              }
              resume(Effect.succeed(child))
            })
            child.stdout!.on("data", onData("stdout", stdout))
            child.stderr!.on("data", onData("stderr", stderr))
            child.on("exit", (code, signal) => {
              // Output already in the pipes must be read before the run ends, however late the event loop
              // is: the timer fires in the timers phase, before that turn's reads (the poll phase), so the
              // check waits for the check phase after them, and waits again while output still arrives.
              let seen = stdout.totalBytes + stderr.totalBytes
              const exitedAt = Date.now()
              const settle = () => {
                const now = stdout.totalBytes + stderr.totalBytes
                // A grandchild that keeps printing into the pipes does not hold the run past DRAIN_MAX.
                if (now !== seen && Date.now() - exitedAt < DRAIN_MAX_MS) {
                  seen = now
                  drainTimer = setTimeout(() => setImmediate(settle), Duration.toMillis(DRAIN_AFTER_EXIT))
                  return
                }
                Deferred.unsafeDone(ended, Effect.succeed({ code, signal }))
              }
              drainTimer = setTimeout(() => setImmediate(settle), Duration.toMillis(DRAIN_AFTER_EXIT))
            })
            child.on("close", (code, signal) => {
              clearTimeout(drainTimer)
              Deferred.unsafeDone(ended, Effect.succeed({ code, signal }))
            })
            if (child.stdin) {
              // A CLI that exits without reading its prompt must not crash us (EPIPE).
              child.stdin.on("error", () => {})
              child.stdin.end(spec.stdin)
            }
          }),
          (child) =>
            Effect.suspend(() => {
              clearTimeout(drainTimer)
              clearTimeout(treeTimer)
              return child.pid === undefined ? Effect.void : terminateGroup(child.pid, graceMs, tree)
            })
        )
        const pid = child.pid!

        if (spec.onSpawn !== undefined) yield* spec.onSpawn(pid, path)

        const consumer = chunks !== undefined && spec.onOutput !== undefined
          ? yield* Effect.forkScoped(drain(chunks, spec.onOutput))
          : undefined

        const idle = idleWatch(idleMs, { command: spec.command, path }, () => lastActivity)

        const status = yield* Effect.raceFirst(Deferred.await(ended), idle)

        if (chunks !== undefined && consumer !== undefined) {
          Queue.unsafeOffer(chunks, null)
          yield* Fiber.join(consumer)
        }

        return {
          command: path,
          pid,
          exitCode: status.code,
          signal: status.signal,
          ...streamsOf(stdout, stderr),
          durationMs: clock.unsafeCurrentTimeMillis() - startedAt
        } satisfies CommandResult
      }))

    const run = (spec: CommandSpec) => Effect.flatMap(exec(spec), requireSuccess)

    return { exec, run, resolve }
  })

const drain = (
  chunks: Queue.Queue<OutputChunk | null>,
  onOutput: (chunk: OutputChunk) => Effect.Effect<void>
): Effect.Effect<void> =>
  Effect.gen(function*() {
    while (true) {
      const chunk = yield* Queue.take(chunks)
      if (chunk === null) return
      yield* onOutput(chunk)
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
