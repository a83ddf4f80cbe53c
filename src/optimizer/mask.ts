/**
 * The parts of a text the optimizer never touches, swapped out for
 * placeholders while it rewrites the rest, and put back byte for byte.
 *
 * Protected: fenced code blocks (``` or ~~~, to their closing fence or the
 * end of the text), block-quote lines (`> …`), inline code (`` `…` ``),
 * and quoted text ("…", “…”, and '…' when the quote marks stand apart from
 * words, so apostrophes are left alone). Pure.
 *
 * @since 0.1.0
 */

/** Characters of the Private Use Area that mark placeholders (U+E003 is the optimizer's own marker). */
const INLINE = "\uE000"
const BLOCK = "\uE002"
const END = "\uE001"

/**
 * True when a text already holds placeholder characters: the optimizer
 * leaves such a text as it is.
 *
 * @since 0.1.0
 */
export const hasSentinels = (text: string): boolean => /[\uE000-\uE003]/.test(text)

/**
 * A text with its protected parts replaced by placeholders.
 *
 * @since 0.1.0
 */
export interface Masked {
  readonly text: string
  readonly pieces: ReadonlyArray<string>
}

const OPEN_FENCE = /^ {0,3}(`{3,}|~{3,})/
const QUOTE_LINE = /^[ \t]*>/

/** Inline code, then double, curly and standalone single quotes. Linear: bounded, anchor-free. */
const INLINE_PARTS = /``[^\n]{1,2000}?``|`[^`\n]{1,2000}`|"[^"]{0,4000}"|“[^”]{0,4000}”|(?<![\p{L}\p{N}_])'[^'\n]{1,2000}'(?![\p{L}\p{N}_])/gu

const isClosingFence = (line: string, fence: string): boolean => {
  const m = /^ {0,3}(`{3,}|~{3,})[ \t\r]*$/.exec(line)
  return m !== null && m[1]![0] === fence[0] && m[1]!.length >= fence.length
}

/**
 * Swaps the protected parts for placeholders. Identical parts get the
 * same placeholder, so identical lines stay identical.
 *
 * @since 0.1.0
 */
export const mask = (text: string): Masked => {
  const pieces: Array<string> = []
  const ids = new Map<string, number>()
  const placeholder = (piece: string, block: boolean): string => {
    const key = (block ? "B" : "I") + piece
    let id = ids.get(key)
    if (id === undefined) {
      id = pieces.length
      pieces.push(piece)
      ids.set(key, id)
    }
    return (block ? BLOCK : INLINE) + id + END
  }

  // Fenced blocks and block-quote lines, by line.
  const lines = text.split("\n")
  const out: Array<string> = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const open = OPEN_FENCE.exec(line)
    if (open !== null) {
      let end = i + 1
      while (end < lines.length && !isClosingFence(lines[end]!, open[1]!)) end++
      const last = Math.min(end, lines.length - 1)
      out.push(placeholder(lines.slice(i, last + 1).join("\n"), true))
      i = last
    } else if (QUOTE_LINE.test(line)) {
      out.push(placeholder(line, true))
    } else {
      out.push(line)
    }
  }
  const masked = out.join("\n").replace(INLINE_PARTS, (part) => placeholder(part, false))
  return { text: masked, pieces }
}

/**
 * Puts the protected parts back.
 *
 * @since 0.1.0
 */
export const unmask = (masked: Masked, text: string): string =>
  // A quote may hold a block's placeholder (a quote across a fenced block): restore within pieces too.
  text.replace(/[\uE000\uE002](\d+)\uE001/g, (_, id: string) => unmask(masked, masked.pieces[Number(id)] ?? ""))

/**
 * Whether a line of masked text holds a protected block (a fenced block or
 * a block-quote line): such lines are never merged or dropped.
 *
 * @since 0.1.0
 */
export const holdsBlock = (line: string): boolean => line.includes(BLOCK)
