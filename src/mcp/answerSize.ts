/**
 * Sizes of answers as they travel: bytes of UTF-8 JSON, after escaping. A
 * page of text bounded in characters is not bounded in bytes: a control
 * character takes 6 bytes once JSON-escaped (`\u0001`), a CJK character 3.
 * Pages are cut here by what they will weigh on the wire. Pure, and linear
 * in the text.
 *
 * @since 0.1.0
 */

/**
 * Room kept, in a page's budget, for everything around the page's text
 * (status fields, the stderr tail, the JSON-RPC envelope).
 *
 * @since 0.1.0
 */
export const ENVELOPE_BYTES = 64 * 1024

/** Bytes one UTF-16 code unit takes in JSON (surrogate pairs: see `fitJsonChars`). */
const unitBytes = (code: number): number => {
  if (code < 0x20) return code === 8 || code === 9 || code === 10 || code === 12 || code === 13 ? 2 : 6
  if (code === 0x22 || code === 0x5c) return 2
  if (code < 0x80) return 1
  if (code < 0x800) return 2
  return 3
}

/**
 * How many characters (UTF-16 code units) of `text`, from its start, fit
 * in `maxBytes` once written as a JSON string's contents in UTF-8. Never
 * splits a surrogate pair.
 *
 * @since 0.1.0
 */
export const fitJsonChars = (text: string, maxBytes: number): number => {
  let bytes = 0
  let i = 0
  while (i < text.length) {
    const code = text.charCodeAt(i)
    let width = 1
    let cost: number
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      // A pair is 4 bytes of UTF-8; a lone surrogate is written as a `\udxxx` escape.
      if (next >= 0xdc00 && next <= 0xdfff) {
        width = 2
        cost = 4
      } else cost = 6
    } else if (code >= 0xd800 && code <= 0xdfff) cost = 6
    else cost = unitBytes(code)
    if (bytes + cost > maxBytes) break
    bytes += cost
    i += width
  }
  return i
}

/**
 * Bytes of a string as a JSON string's contents (without its quotes).
 *
 * @since 0.1.0
 */
export const jsonStringBytes = (text: string): number => {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4
        i++
        continue
      }
      bytes += 6
    } else if (code >= 0xd800 && code <= 0xdfff) bytes += 6
    else bytes += unitBytes(code)
  }
  return bytes
}

/**
 * The bytes a page of text may take when an answer carries it twice (in
 * `content` and in `structuredContent`, as every tool's answer does), for
 * an answer budget of `maxAnswerBytes`.
 *
 * @since 0.1.0
 */
export const pageBytes = (maxAnswerBytes: number): number =>
  Math.max(4096, Math.floor((maxAnswerBytes - ENVELOPE_BYTES) / 2))

/**
 * Bytes of a value as JSON, in UTF-8.
 *
 * @since 0.1.0
 */
export const jsonBytes = (value: unknown): number => {
  const json = JSON.stringify(value) ?? ""
  return Buffer.byteLength(json, "utf8")
}
