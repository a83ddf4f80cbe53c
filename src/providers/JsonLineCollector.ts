/**
 * Reads a CLI's JSON-lines stdout while it arrives: each complete line is
 * parsed at once and only the parsed events (and the lines that were not
 * JSON objects) are kept, so the raw text never has to exist as a whole.
 * For a 10 MB reply, whose event stream repeats the reply and so runs to
 * 20 MB, this spares the runner's copy of the bytes and their decoded text.
 *
 * It reads lines exactly as `readJsonLines` does, and keeps at most `cap`
 * bytes of stdout (the rest is counted; `truncated` says so).
 *
 * @since 0.1.0
 */
import { StringDecoder } from "node:string_decoder"
import { isObject, type JsonObject, type JsonStream } from "./jsonl.js"

/**
 * @since 0.1.0
 */
export class JsonLineCollector {
  private readonly decoder = new StringDecoder("utf8")
  /** The unfinished last line, in pieces (joined once, when its newline arrives). */
  private partial: Array<string> = []
  private readonly events: Array<JsonObject> = []
  private readonly noise: Array<string> = []
  private kept = 0
  /** Every byte seen, kept or not. */
  totalBytes = 0

  /** @param cap bytes of stdout read; past it, bytes are counted, not read. */
  constructor(private readonly cap: number) {}

  /** True once a byte was dropped past the cap. */
  get truncated(): boolean {
    return this.totalBytes > this.kept
  }

  push(data: Uint8Array): void {
    this.totalBytes += data.length
    const room = this.cap - this.kept
    if (room <= 0) return
    const piece = data.length <= room ? data : data.subarray(0, room)
    this.kept += piece.length
    const text = this.decoder.write(Buffer.from(piece.buffer, piece.byteOffset, piece.length))
    let start = 0
    let newline = text.indexOf("\n")
    while (newline !== -1) {
      this.partial.push(text.slice(start, newline))
      this.line(this.partial.join(""))
      this.partial = []
      start = newline + 1
      newline = text.indexOf("\n", start)
    }
    if (start < text.length) this.partial.push(text.slice(start))
  }

  /** The stream as read: the last line need not end with a newline. */
  end(): JsonStream {
    const rest = this.decoder.end()
    if (rest.length > 0) this.partial.push(rest)
    if (this.partial.length > 0) this.line(this.partial.join(""))
    this.partial = []
    return { events: this.events, noise: this.noise }
  }

  private line(raw: string): void {
    const line = raw.trim()
    if (line === "") return
    if (line.startsWith("{")) {
      try {
        const value: unknown = JSON.parse(line)
        if (isObject(value)) {
          this.events.push(value)
          return
        }
      } catch {
        // not JSON: noise, as readJsonLines has it
      }
    }
    this.noise.push(line)
  }
}
