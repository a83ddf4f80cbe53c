/**
 * The optimizer applied to requests and answers: `optimizePrompt` to a
 * request before it is planned, `optimizeResponse` to a sync answer's reply.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { type Optimized, optimizePrompt, optimizeResponse } from "./optimize.js"

/**
 * The request with its prompt optimized when it asks for it (`optimizePrompt:
 * true`), and the measured saving (undefined when it did not ask).
 *
 * @since 0.1.0
 */
export const optimizeRequestPrompt = <R extends { readonly prompt: string; readonly optimizePrompt?: boolean | undefined }>(
  request: R
): { readonly request: R; readonly saving: Optimized | undefined } => {
  if (request.optimizePrompt !== true) return { request, saving: undefined }
  const saving = optimizePrompt(request.prompt)
  return { request: { ...request, prompt: saving.text }, saving }
}

/**
 * Logs what an optimization saved (at debug level), when one ran.
 *
 * @since 0.1.0
 */
export const logSaving = (what: "prompt" | "response", saving: Optimized | undefined): Effect.Effect<void> =>
  saving === undefined
    ? Effect.void
    : Effect.logDebug(`optimized the ${what}`).pipe(
      Effect.annotateLogs({
        optimized: what,
        charsBefore: saving.before.chars,
        charsAfter: saving.after.chars,
        tokensBefore: saving.before.tokens,
        tokensAfter: saving.after.tokens
      })
    )

/**
 * What `optimizeResponse` saved on the reply a sync request answered with
 * (tokens estimated as characters / 4).
 *
 * @since 0.1.0
 */
export const ResponseOptimization = Schema.Struct({
  charsBefore: Schema.Number,
  charsAfter: Schema.Number,
  tokensBefore: Schema.Number,
  tokensAfter: Schema.Number
}).annotations({ description: "What optimizeResponse saved on the reply shown (tokens estimated as characters / 4)." })

/** @since 0.1.0 */
export type ResponseOptimization = typeof ResponseOptimization.Type

/**
 * A sync answer with its reply page optimized (`optimizeResponse: true`):
 * the page in `structured.text` and at the head of `text` is rewritten, the
 * rest of `text` (a note on where to read on) is kept, and the saving is
 * reported in `structured.responseOptimization`. Offsets for reading on
 * still count in the stored reply, which is never rewritten.
 *
 * @since 0.1.0
 */
export const optimizeAnswer = <S extends { readonly text: string }>(
  answer: { readonly text: string; readonly structured: S }
): Effect.Effect<{ readonly text: string; readonly structured: S & { readonly responseOptimization: ResponseOptimization } }> => {
  const page = answer.structured.text
  const saving = optimizeResponse(page)
  const text = answer.text.startsWith(page) ? saving.text + answer.text.slice(page.length) : answer.text
  const responseOptimization: ResponseOptimization = {
    charsBefore: saving.before.chars,
    charsAfter: saving.after.chars,
    tokensBefore: saving.before.tokens,
    tokensAfter: saving.after.tokens
  }
  return Effect.as(logSaving("response", saving), {
    text,
    structured: { ...answer.structured, text: saving.text, responseOptimization }
  })
}
