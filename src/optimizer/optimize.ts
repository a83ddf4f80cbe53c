/**
 * The token-saving rewrite of `optimizePrompt` / `optimizeResponse`, kept to
 * the rewrites that cannot change what a text says. Pure.
 *
 * 1.4.0 also dropped words such as "critical" or "detailed" and folded task
 * lists; those can change what a prompt asks for, so they are left out.
 *
 * - Prompts: trailing whitespace, runs of spaces and tabs inside a line
 *   (indentation is kept), runs of blank lines, and courtesy phrases at the
 *   start of a sentence ("Please", "Kindly", "Could you please", "I would
 *   like you to", "I need you to", …); the next word is capitalised when
 *   the phrase was and the word is a plain lowercase word.
 * - Responses: ANSI escape sequences, carriage-return redraws (progress
 *   bars, spinners: a line keeps what a terminal would show last), trailing
 *   whitespace, runs of blank lines, and runs of identical lines, folded to
 *   one line with a count (`line [×3]`) where that is shorter.
 *
 * Never touched: fenced code blocks, block quotes, inline code and quoted
 * text (see `mask`). Paths and numbers are never rewritten either: no rule
 * edits a character that is not whitespace, a courtesy word or an escape
 * sequence. A text that holds the mask's Private Use Area characters
 * (U+E000–U+E003) is left as it is. The result is never longer than the
 * input, and optimizing it again changes nothing.
 *
 * @since 0.1.0
 */
import { hasSentinels, holdsBlock, mask, unmask } from "./mask.js"

/**
 * The size of a text: characters, and tokens as estimated (a quarter of the
 * characters, rounded up: the usual rule of thumb for BPE tokenizers;
 * 1.4.0 counted words × 1.3, which sees no saving in whitespace or escapes).
 *
 * @since 0.1.0
 */
export interface TextSize {
  readonly chars: number
  readonly tokens: number
}

/**
 * A rewritten text and what the rewrite saved, measured.
 *
 * @since 0.1.0
 */
export interface Optimized {
  readonly text: string
  readonly before: TextSize
  readonly after: TextSize
  readonly savedChars: number
  readonly savedTokens: number
}

/**
 * @since 0.1.0
 */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4)

const size = (text: string): TextSize => ({ chars: text.length, tokens: estimateTokens(text) })

const measured = (input: string, output: string): Optimized => {
  // Never longer: a rewrite that did not pay keeps the input.
  const text = output.length <= input.length ? output : input
  const before = size(input)
  const after = size(text)
  return { text, before, after, savedChars: before.chars - after.chars, savedTokens: before.tokens - after.tokens }
}

const rewrite = (input: string, f: (masked: string) => string): Optimized => {
  if (hasSentinels(input)) return measured(input, input)
  const masked = mask(input)
  return measured(input, unmask(masked, f(masked.text)))
}

// ---------------------------------------------------------------------------
// Shared
// ---------------------------------------------------------------------------

const trimLineEnds = (text: string): string => text.replace(/[ \t]+$/gm, "")

/** At most one blank line in a row, none at the start or the end. */
const collapseBlankLines = (text: string): string =>
  text.replace(/\n{3,}/g, "\n\n").replace(/^\n+/, "").replace(/\n+$/, "")

// ---------------------------------------------------------------------------
// Prompts
// ---------------------------------------------------------------------------

const COURTESY = "(?:please|kindly|(?:could|can|would) you (?:please|kindly)|i would like you to|i[’']d like you to|" +
  "i need you to|i want you to)"

/** A sentence start (text or line start, past a list marker; or after . ! ?), then courtesy phrases before a word or a protected part. */
const COURTESY_AT_START = new RegExp(
  `(^[ \\t]*(?:[-*+][ \\t]+|\\d{1,3}[.)][ \\t]+)?|[.!?][ \\t]+)((?:${COURTESY}[ \\t]+)+)(?=[A-Za-z\\uE000])`,
  "gim"
)

const PLAIN_WORD = /^[a-z]+[,.;:!?]?$/

/** A marker, never in the text (it holds no sentinels), for "capitalise the word after me". */
const CAPITALIZE = "\uE003"
const CAPITALIZE_NEXT = /\uE003(\S*)/g

const dropCourtesy = (text: string): string =>
  text
    .replace(COURTESY_AT_START, (_m, lead: string, phrases: string) => lead + (/^[A-Z]/.test(phrases) ? CAPITALIZE : ""))
    .replace(CAPITALIZE_NEXT, (_m, word: string) => PLAIN_WORD.test(word) ? word[0]!.toUpperCase() + word.slice(1) : word)

const collapseInnerSpaces = (text: string): string => text.replace(/(\S)[ \t]{2,}(?=\S)/g, "$1 ")

/**
 * Rewrites a prompt to save tokens without changing what it asks.
 *
 * @since 0.1.0
 */
export const optimizePrompt = (input: string): Optimized =>
  rewrite(input, (text) => dropCourtesy(collapseBlankLines(collapseInnerSpaces(trimLineEnds(text)))))

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

/** CSI and OSC sequences, and the two-character escapes. */
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g

const stripAnsi = (text: string): string => text.replace(ANSI, "").replace(/\x1b/g, "")

/** What a terminal shows last of a line redrawn with carriage returns (its last visible segment). */
const lastRedraw = (line: string): string => {
  if (!line.includes("\r")) return stripAnsi(line)
  const segments = line.split("\r").map(stripAnsi)
  for (let i = segments.length - 1; i >= 0; i--) if (segments[i]!.trim() !== "") return segments[i]!
  return ""
}

const REPEATED = /^(.*) \[×(\d{1,9})\]$/

/** A line as its text and how many times it stands for (a line folded earlier counts its copies). */
const parseRepeat = (line: string): readonly [string, number] => {
  const m = REPEATED.exec(line)
  if (m === null || Number(m[2]) < 2) return [line, 1]
  return [m[1]!, Number(m[2])]
}

/** Folds runs of identical non-blank lines into one line with a count, where that is shorter. */
const foldRepeats = (text: string): string => {
  const lines = text.split("\n")
  const out: Array<string> = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i]!
    const [base, count] = parseRepeat(line)
    if (base.trim() === "" || holdsBlock(line) || base.startsWith("|")) {
      out.push(line)
      i++
      continue
    }
    let total = count
    let j = i + 1
    while (j < lines.length) {
      const [b, c] = parseRepeat(lines[j]!)
      if (b !== base || holdsBlock(lines[j]!)) break
      total += c
      j++
    }
    const run = lines.slice(i, j)
    const folded = `${base} [×${total}]`
    out.push(...(j - i > 1 && folded.length < run.join("\n").length ? [folded] : run))
    i = j
  }
  return out.join("\n")
}

/**
 * Strips terminal noise from a reply without changing what it says.
 *
 * @since 0.1.0
 */
export const optimizeResponse = (input: string): Optimized =>
  rewrite(input, (text) => {
    const visible = text.split("\n").map(lastRedraw).join("\n")
    return foldRepeats(collapseBlankLines(trimLineEnds(visible)))
  })
