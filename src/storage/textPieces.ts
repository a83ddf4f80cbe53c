/**
 * Long texts are stored as rows of pieces: no SQLite record, and no copy the
 * binding makes, is ever larger than one piece.
 *
 * @since 0.1.0
 */

/**
 * The most UTF-16 code units a piece holds.
 *
 * @since 0.1.0
 */
export const PIECE_CHARS = 1 << 20

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff

/**
 * Cuts a text into pieces of at most `PIECE_CHARS` units, never between the
 * two halves of a surrogate pair (SQLite stores UTF-8, where half a pair is
 * lost). An empty text is one empty piece.
 *
 * @since 0.1.0
 */
export const textPieces = (text: string): Array<{ readonly start: number; readonly data: string }> => {
  const pieces: Array<{ readonly start: number; readonly data: string }> = []
  let start = 0
  do {
    let end = Math.min(text.length, start + PIECE_CHARS)
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--
    pieces.push({ start, data: text.slice(start, end) })
    start = end
  } while (start < text.length)
  return pieces
}

/**
 * `maxChars` units from `offset`, out of pieces (in order) that start at
 * `char_start`.
 *
 * @since 0.1.0
 */
export const slicePieces = (
  rows: ReadonlyArray<{ readonly char_start: number; readonly data: string }>,
  offset: number,
  maxChars: number
): string => {
  let out = ""
  for (const row of rows) {
    if (row.char_start + row.data.length <= offset) continue
    const from = Math.max(0, offset - row.char_start)
    out += row.data.slice(from, from + (maxChars - out.length))
    if (out.length >= maxChars) break
  }
  return out
}
