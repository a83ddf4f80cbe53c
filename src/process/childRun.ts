/**
 * One child process of a `CommandRunner` run, driven by Node's callbacks:
 * spawned in a process group of its own, its output kept (`OutputBuffer`)
 * and, when the run reads it as it arrives, handed to the run's fiber in
 * order through a mailbox; its end noticed at 'close' (or soon after 'exit'
 * when a grandchild holds the pipes open); its process tree walked while it
 * runs. The fiber that owns it waits with `next`: woken once per batch of
 * output, at the end, or when the idle window may have passed. No queue, no
 * second fiber, no race: a run is one fiber from spawn to end.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { type ChildProcess, spawn } from "node:child_process"
import type { CliNotFound, SpawnFailed } from "../domain/errors.js"
import { OutputBuffer } from "./OutputBuffer.js"
import { childListsAvailable } from "./processInfo.js"
import { identify, ProcessTree } from "./processTree.js"
import { spawnError } from "./spawnErrors.js"

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
 * How the child ended.
 *
 * @since 0.1.0
 */
export interface ChildEnd {
  readonly code: number | null
  readonly signal: string | null
}

/**
 * What wakes the run's fiber: output read since it last looked (only when it
 * reads output), the child's end (after all its output), or a tick when the
 * idle window may have passed (the fiber checks).
 *
 * @since 0.1.0
 */
export type ChildEvent =
  | { readonly _tag: "Output"; readonly chunks: ReadonlyArray<OutputChunk> }
  | { readonly _tag: "Ended"; readonly end: ChildEnd }
  | { readonly _tag: "Tick" }

const TICK: ChildEvent = { _tag: "Tick" }

/** How long to wait, after the child exits, for its pipes to drain. */
const DRAIN_AFTER_EXIT_MS = 250
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

/** The clock of Effect's default services: its time is the wall clock's, so a plain timer keeps it. */
const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

/**
 * What to spawn.
 *
 * @since 0.1.0
 */
export interface ChildSpec {
  readonly path: string
  readonly args: ReadonlyArray<string>
  readonly cwd: string | undefined
  readonly env: NodeJS.ProcessEnv
  /** Written to stdin, which is then closed; without it stdin is empty. */
  readonly stdin: string | undefined
  /** Bytes kept of each stream (stdout's 0 when the run reads it as it arrives). */
  readonly stdoutCap: number
  readonly stderrCap: number
  /** Whether output is handed to the fiber (`next`) as it arrives. */
  readonly readsOutput: boolean
}

/**
 * A spawned child and what it printed, for the fiber that owns it.
 *
 * @since 0.1.0
 */
export class ChildRun {
  readonly stdout: OutputBuffer
  readonly stderr: OutputBuffer
  /** When it last printed (or started), on the run's clock. */
  lastActivity: number
  /** Its process tree, rooted at the child as spawned (undefined until it runs, or off Linux). */
  tree: ProcessTree | undefined
  private chunks: Array<OutputChunk> = []
  private ended: ChildEnd | undefined
  private wake: (() => void) | undefined
  private drainTimer: ReturnType<typeof setTimeout> | undefined
  private treeTimer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly spec: ChildSpec, private readonly clock: Clock.Clock) {
    this.stdout = new OutputBuffer(spec.stdoutCap)
    this.stderr = new OutputBuffer(spec.stderrCap)
    this.lastActivity = clock.unsafeCurrentTimeMillis()
  }

  /**
   * Spawns the child; succeeds once it runs. `onMissing` is told when the
   * path turned out not to exist (a cached lookup gone stale).
   */
  start(onMissing: () => void): Effect.Effect<ChildProcess, CliNotFound | SpawnFailed> {
    return Effect.async((resume) => {
      const spec = this.spec
      const path = spec.path
      let child: ChildProcess
      try {
        child = spawn(path, spec.args as Array<string>, {
          cwd: spec.cwd,
          env: spec.env,
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
        if (started) return
        if ((e as NodeJS.ErrnoException).code === "ENOENT") onMissing()
        resume(Effect.fail(spawnError(path, e)))
      })
      child.on("spawn", () => {
        started = true
        // Identified before anything can reap it: the root of the walks, and what a walk started later
        // than it cannot be.
        this.tree = new ProcessTree(child.pid === undefined ? undefined : identify(child.pid))
        if (childListsAvailable()) this.treeTimer = setTimeout(this.walk, FIRST_TREE_WALK_MS).unref()
        resume(Effect.succeed(child))
      })
      child.stdout!.on("data", this.onData("stdout", this.stdout))
      child.stderr!.on("data", this.onData("stderr", this.stderr))
      child.on("exit", () => {
        // Output already in the pipes must be read before the run ends, however late the event loop is:
        // the timer fires in the timers phase, before that turn's reads (the poll phase), so the check
        // waits for the check phase after them, and waits again while output still arrives.
        let seen = this.stdout.totalBytes + this.stderr.totalBytes
        const exitedAt = Date.now()
        const settle = () => {
          const now = this.stdout.totalBytes + this.stderr.totalBytes
          // A grandchild that keeps printing into the pipes does not hold the run past DRAIN_MAX.
          if (now !== seen && Date.now() - exitedAt < DRAIN_MAX_MS) {
            seen = now
            this.drainTimer = setTimeout(() => setImmediate(settle), DRAIN_AFTER_EXIT_MS)
            return
          }
          this.end({ code: child.exitCode, signal: child.signalCode })
        }
        this.drainTimer = setTimeout(() => setImmediate(settle), DRAIN_AFTER_EXIT_MS)
      })
      child.on("close", (code, signal) => this.end({ code, signal }))
      if (child.stdin) {
        // A CLI that exits without reading its prompt must not crash us (EPIPE).
        child.stdin.on("error", () => {})
        child.stdin.end(spec.stdin)
      }
    })
  }

  /**
   * What happened since the fiber last looked: output first, then the end;
   * when nothing has, waits for either, or for a tick once `idleMs` may have
   * passed with no output (on the run's clock: a `TestClock` moves it).
   */
  next(idleMs: number): Effect.Effect<ChildEvent> {
    return Effect.suspend(() => {
      const ready = this.take()
      if (ready !== undefined) return Effect.succeed(ready)
      const left = idleMs - (this.clock.unsafeCurrentTimeMillis() - this.lastActivity)
      if (left <= 0) return Effect.succeed(TICK)
      if (this.clock === liveClock) return this.waitAtMost(left)
      // Another clock (a TestClock): its sleep is what moves the window.
      return Effect.raceFirst(this.waitAtMost(undefined), Effect.as(this.clock.sleep(Duration.millis(left)), TICK))
    })
  }

  /** Stops the timers of the drain and of the walks. */
  dispose(): void {
    clearTimeout(this.drainTimer)
    clearTimeout(this.treeTimer)
  }

  private waitAtMost(ms: number | undefined): Effect.Effect<ChildEvent> {
    return Effect.async((resume) => {
      const timer = ms === undefined ? undefined : setTimeout(() => {
        this.wake = undefined
        resume(Effect.succeed(TICK))
      }, ms)
      this.wake = () => {
        this.wake = undefined
        clearTimeout(timer)
        resume(Effect.succeed(this.take() ?? TICK))
      }
      return Effect.sync(() => {
        this.wake = undefined
        clearTimeout(timer)
      })
    })
  }

  private take(): ChildEvent | undefined {
    if (this.chunks.length > 0) {
      const chunks = this.chunks
      this.chunks = []
      return { _tag: "Output", chunks }
    }
    return this.ended === undefined ? undefined : { _tag: "Ended", end: this.ended }
  }

  private end(end: ChildEnd): void {
    clearTimeout(this.drainTimer)
    if (this.ended !== undefined) return
    this.ended = end
    this.wake?.()
  }

  private onData(stream: "stdout" | "stderr", buffer: OutputBuffer) {
    return (data: Buffer) => {
      this.lastActivity = this.clock.unsafeCurrentTimeMillis()
      buffer.append(data)
      if (this.spec.readsOutput) {
        this.chunks.push({ stream, data })
        this.wake?.()
      }
    }
  }

  private readonly walk = () => {
    try {
      this.tree?.walk()
    } catch {
      // A walk that fails finds nothing this time; the next one, or the one at the end, may.
    }
    this.treeTimer = setTimeout(this.walk, TREE_WALK_MS).unref()
  }
}
