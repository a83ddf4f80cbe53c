/**
 * Keeps the first `cap` bytes of a stream and its last few kilobytes,
 * counting (not keeping) everything else, so memory does not grow with
 * output.
 *
 * @since 0.1.0
 */

import { StringDecoder } from "node:string_decoder"

const TAIL_BYTES = 8192

/**
 * @since 0.1.0
 */
export class OutputBuffer {
  private readonly chunks: Array<Buffer> = []
  private kept = 0
  private tailBuffer: Buffer = Buffer.alloc(0)
  /** Every byte seen, kept or not. */
  totalBytes = 0

  constructor(readonly cap: number) {}

  /** True once a byte was dropped past the cap. */
  get truncated(): boolean {
    return this.totalBytes > this.kept
  }

  get keptBytes(): number {
    return this.kept
  }

  append(chunk: Buffer): void {
    this.totalBytes += chunk.length
    const room = this.cap - this.kept
    if (room > 0) {
      const piece = chunk.length <= room ? chunk : chunk.subarray(0, room)
      this.chunks.push(piece)
      this.kept += piece.length
    }
    this.tailBuffer = chunk.length >= TAIL_BYTES
      ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES))
      : Buffer.concat([this.tailBuffer, chunk]).subarray(-TAIL_BYTES)
  }

  /**
   * The kept bytes, decoded as UTF-8 (invalid sequences become U+FFFD),
   * piece by piece: no second copy of the bytes is made.
   */
  text(): string {
    const decoder = new StringDecoder("utf8")
    let out = ""
    for (const chunk of this.chunks) out += decoder.write(chunk)
    return out + decoder.end()
  }

  /** The last bytes seen (up to 8 KiB), decoded as UTF-8. */
  tail(): string {
    return this.tailBuffer.toString("utf8")
  }
}

/**
 * What a run's result says of its two streams: the text kept, whether it
 * was cut, the bytes seen, and the tails.
 *
 * @since 0.1.0
 */
export const streamsOf = (stdout: OutputBuffer, stderr: OutputBuffer) => ({
  stdout: stdout.text(),
  stderr: stderr.text(),
  stdoutTruncated: stdout.truncated,
  stderrTruncated: stderr.truncated,
  stdoutBytes: stdout.totalBytes,
  stderrBytes: stderr.totalBytes,
  stdoutTail: stdout.tail(),
  stderrTail: stderr.tail()
})
