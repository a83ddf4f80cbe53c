/**
 * The bytes of the line the stdio transport is reading, held in linear
 * time and bounded memory: the pieces of a line within the bound as they
 * came (the small ones copied together), and, for a line past the bound,
 * only its first and last `PROBE_BYTES`, where its id is looked for (see
 * `lineMembers`).
 *
 * @since 0.1.0
 */

/** Bytes kept at each end of a line over the bound, to find its id. */
const PROBE_BYTES = 8 * 1024

/** Pieces smaller than this are copied together: a line sent a byte at a time is not held as a Buffer per byte. */
const SMALL_PIECE = 4 * 1024
const SMALL_BUFFER = 64 * 1024

// ---------------------------------------------------------------------------
// The bytes of a line
// ---------------------------------------------------------------------------

/**
 * The bytes of a line within the bound: the pieces as they came, the small ones copied together.
 *
 * @since 0.1.0
 */
export class LineBytes {
  bytes = 0
  private parts: Array<Buffer> = []
  private small: Buffer | undefined = undefined
  private smallUsed = 0

  add(piece: Buffer): void {
    this.bytes += piece.length
    if (piece.length >= SMALL_PIECE) {
      this.flushSmall()
      this.parts.push(piece)
      return
    }
    if (this.small === undefined || this.smallUsed + piece.length > this.small.length) {
      this.flushSmall()
      this.small = Buffer.allocUnsafe(SMALL_BUFFER)
    }
    piece.copy(this.small, this.smallUsed)
    this.smallUsed += piece.length
  }

  /** The parts, in order; the line starts over empty. */
  take(): Array<Buffer> {
    this.flushSmall()
    const parts = this.parts
    this.parts = []
    this.bytes = 0
    return parts
  }

  private flushSmall(): void {
    if (this.small !== undefined && this.smallUsed > 0) this.parts.push(this.small.subarray(0, this.smallUsed))
    this.small = undefined
    this.smallUsed = 0
  }
}

/**
 * The last bytes of a line past the bound: at least PROBE_BYTES (once that many came), at most twice that.
 *
 * @since 0.1.0
 */
export class Tail {
  private readonly buffer = Buffer.allocUnsafe(2 * PROBE_BYTES)
  private used = 0

  constructor(first: Buffer) {
    this.add(first)
  }

  add(piece: Buffer): void {
    if (piece.length >= PROBE_BYTES) {
      piece.copy(this.buffer, 0, piece.length - PROBE_BYTES)
      this.used = PROBE_BYTES
      return
    }
    if (this.used + piece.length > this.buffer.length) {
      // Here used > PROBE_BYTES: its last PROBE_BYTES move to the front, once per PROBE_BYTES added at least.
      this.buffer.copyWithin(0, this.used - PROBE_BYTES, this.used)
      this.used = PROBE_BYTES
    }
    piece.copy(this.buffer, this.used)
    this.used += piece.length
  }

  get bytes(): Buffer {
    return this.buffer.subarray(0, this.used)
  }
}

// ---------------------------------------------------------------------------
// The ends of a long line
// ---------------------------------------------------------------------------

/**
 * A copy of the first PROBE_BYTES of some parts (a copy: the parts themselves are let go).
 *
 * @since 0.1.0
 */
export const firstBytes = (parts: ReadonlyArray<Buffer>): Buffer => {
  const out: Array<Buffer> = []
  let n = 0
  for (const part of parts) {
    if (n >= PROBE_BYTES) break
    const piece = part.subarray(0, PROBE_BYTES - n)
    out.push(piece)
    n += piece.length
  }
  return Buffer.concat(out, n)
}

/**
 * A copy of the last PROBE_BYTES of some parts.
 *
 * @since 0.1.0
 */
export const lastBytes = (parts: ReadonlyArray<Buffer>): Buffer => {
  const out: Array<Buffer> = []
  let n = 0
  for (let i = parts.length - 1; i >= 0 && n < PROBE_BYTES; i--) {
    const part = parts[i]!
    const piece = part.subarray(Math.max(0, part.length - (PROBE_BYTES - n)))
    out.unshift(piece)
    n += piece.length
  }
  return Buffer.concat(out, n)
}
