/**
 * Collects a running job's output between flushes: decodes each stream as
 * UTF-8 across chunk boundaries, redacts the secret values it is given (the
 * server's secret-named variables: `observability/secretValues`) even when
 * one is cut between chunks or flushes, numbers the pieces, counts bytes
 * and characters, and keeps no more than the job's cap. Memory holds only
 * what has not been flushed yet (and, with secrets, up to the longest
 * secret's length of held-back text). Characters are counted as stored,
 * after redaction, so offsets into the stored output stay exact.
 *
 * @since 0.1.0
 */
import { StringDecoder } from "node:string_decoder"
import { none, SecretStreamRedactor, type SecretValues } from "../observability/secretValues.js"
import type { OutputChunk } from "../process/CommandRunner.js"
import type { OutputFlush } from "./JobStore.js"

interface StreamState {
  readonly decoder: StringDecoder
  readonly redactor: SecretStreamRedactor
  seq: number
  chars: number
  bytes: number
  keptBytes: number
  pending: Array<string>
}

const newStream = (secrets: SecretValues): StreamState => ({
  decoder: new StringDecoder("utf8"),
  redactor: new SecretStreamRedactor(secrets),
  seq: 0,
  chars: 0,
  bytes: 0,
  keptBytes: 0,
  pending: []
})

/**
 * @since 0.1.0
 */
export class OutputTracker {
  private readonly streams: Record<"stdout" | "stderr", StreamState>
  private truncated = false
  private dirty = false

  /**
   * @param capBytes bytes kept per stream; the rest is counted, not kept.
   * @param secrets values never stored (default: none).
   */
  constructor(private readonly capBytes: number, secrets: SecretValues = none) {
    this.streams = { stdout: newStream(secrets), stderr: newStream(secrets) }
  }

  push(chunk: OutputChunk): void {
    const s = this.streams[chunk.stream]
    s.bytes += chunk.data.length
    const room = this.capBytes - s.keptBytes
    if (room <= 0) {
      this.truncated = true
      return
    }
    const piece = chunk.data.length <= room ? chunk.data : chunk.data.subarray(0, room)
    if (piece.length < chunk.data.length) this.truncated = true
    s.keptBytes += piece.length
    const text = s.decoder.write(Buffer.from(piece.buffer, piece.byteOffset, piece.length))
    if (text.length > 0) {
      s.pending.push(text)
      this.pending += text.length
      this.dirty = true
    }
  }

  private pending = 0

  /** Characters arrived since the last `take`. */
  get pendingChars(): number {
    return this.pending
  }

  /** True when output arrived since the last `take`. */
  get hasPending(): boolean {
    return this.dirty
  }

  /** What arrived since the last call, as one flush; `final` also ends the decoders. */
  take(final = false): OutputFlush {
    const chunks: Array<OutputFlush["chunks"][number]> = []
    for (const stream of ["stdout", "stderr"] as const) {
      const s = this.streams[stream]
      if (final) {
        const rest = s.decoder.end()
        if (rest.length > 0) s.pending.push(rest)
      }
      if (s.pending.length === 0 && !final) continue
      const joined = s.pending.join("")
      s.pending = []
      const data = final ? s.redactor.write(joined) + s.redactor.end() : s.redactor.write(joined)
      if (data.length === 0) continue
      chunks.push({ stream, seq: s.seq++, charStart: s.chars, data })
      s.chars += data.length
    }
    this.dirty = false
    this.pending = 0
    this.taken = {
      stdoutBytes: this.streams.stdout.bytes,
      stderrBytes: this.streams.stderr.bytes,
      stdoutChars: this.streams.stdout.chars,
      stderrChars: this.streams.stderr.chars,
      truncated: this.truncated
    }
    return { chunks, ...this.taken }
  }

  private taken: Omit<OutputFlush, "chunks"> = {
    stdoutBytes: 0,
    stderrBytes: 0,
    stdoutChars: 0,
    stderrChars: 0,
    truncated: false
  }

  /** The counters as of the last `take`: what the job's row says once that flush is written. */
  get flushed(): Omit<OutputFlush, "chunks"> {
    return this.taken
  }
}
