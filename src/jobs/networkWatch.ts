/**
 * Watching a running CLI for network trouble. Some CLIs never give up on
 * an unreachable service (codex reconnects for ever, and each reconnect
 * line resets the idle window), others retry for minutes (claude about
 * three, gemini about five). The adapter's `watch` reads each output line;
 * once the CLI has said it cannot reach its service, and nothing since
 * showed the service answering, for `failAfterMs`, the run fails with
 * `CliNetworkError` and its process group is ended.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type { Cli } from "../domain/Cli.js"
import type { CliNetworkError } from "../domain/errors.js"
import type { OutputChunk } from "../process/CommandRunner.js"
import { networkError } from "../providers/classify.js"
import { type RunSignal, WATCHED_LINE_MAX } from "../providers/Provider.js"

/**
 * Splits a stream's bytes into lines and hands each to `onLine`. Lines
 * longer than `WATCHED_LINE_MAX` bytes are not decoded: they are reported
 * as `undefined` (content, not a status line).
 *
 * @since 0.1.0
 */
export class LineSplitter {
  private pending: Array<Buffer> = []
  private pendingBytes = 0
  private overlong = false

  constructor(private readonly onLine: (line: string | undefined) => void) {}

  push(data: Uint8Array): void {
    const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    let start = 0
    let newline = buffer.indexOf(10, start)
    while (newline !== -1) {
      this.take(buffer.subarray(start, newline))
      this.flush()
      start = newline + 1
      newline = buffer.indexOf(10, start)
    }
    if (start < buffer.length) this.take(buffer.subarray(start))
  }

  /** The last line, when the stream ended without a newline. */
  end(): void {
    if (this.pendingBytes > 0 || this.overlong) this.flush()
  }

  private take(piece: Buffer): void {
    if (this.overlong) return
    if (this.pendingBytes + piece.length > WATCHED_LINE_MAX) {
      this.overlong = true
      this.pending = []
      this.pendingBytes = 0
      return
    }
    // A copy: the chunk's memory may be reused once this returns.
    this.pending.push(Buffer.from(piece))
    this.pendingBytes += piece.length
  }

  private flush(): void {
    const line = this.overlong ? undefined : Buffer.concat(this.pending, this.pendingBytes).toString("utf8").trim()
    this.pending = []
    this.pendingBytes = 0
    this.overlong = false
    if (line === "") return
    this.onLine(line)
  }
}

/**
 * The trouble state of one run: since when the CLI has been saying that it
 * cannot reach its service (nothing since showed it answering), and its
 * last words about it.
 *
 * @since 0.1.0
 */
export interface NetworkWatch {
  /** The output hook: feed it every chunk, in order. */
  readonly observe: (chunk: OutputChunk) => void
  /**
   * Fails with `CliNetworkError` once the trouble has lasted `failAfterMs`;
   * never succeeds. Race it with the run.
   */
  readonly expire: Effect.Effect<never, CliNetworkError>
}

/**
 * Builds the watch of one run.
 *
 * @since 0.1.0
 */
export const make = (
  cli: Cli,
  watch: (stream: "stdout" | "stderr", line: string) => RunSignal,
  failAfterMs: number
): Effect.Effect<NetworkWatch> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    // Wakes the expiry fiber when trouble starts; it sleeps otherwise.
    const started = yield* Queue.sliding<void>(1)
    let since: number | undefined
    let words = ""

    const signal = (stream: "stdout" | "stderr") => (line: string | undefined) => {
      const seen: RunSignal = line === undefined ? { _tag: "Progress" } : watch(stream, line)
      if (seen === undefined) return
      if (seen._tag === "Progress") {
        since = undefined
        return
      }
      words = seen.words
      if (since === undefined) {
        since = clock.unsafeCurrentTimeMillis()
        Queue.unsafeOffer(started, undefined)
      }
    }
    const splitters = { stdout: new LineSplitter(signal("stdout")), stderr: new LineSplitter(signal("stderr")) }

    const expire: Effect.Effect<never, CliNetworkError> = Effect.gen(function*() {
      while (true) {
        if (since === undefined) {
          yield* Queue.take(started)
          continue
        }
        const lasted = clock.unsafeCurrentTimeMillis() - since
        if (lasted >= failAfterMs) {
          return yield* Effect.fail(networkError(cli, words, null, { stillRunningAfterMs: lasted }))
        }
        yield* Effect.sleep(Duration.millis(failAfterMs - lasted))
      }
    })

    return {
      observe: (chunk) => splitters[chunk.stream].push(chunk.data),
      expire: failAfterMs > 0 ? expire : Effect.never
    }
  })
