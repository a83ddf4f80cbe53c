/**
 * gemini's usage figures: the `json` format's `SessionMetrics` and the
 * `stream-json` result's flat `stats`, and the model that did most of the
 * work. Pure; used by the gemini adapter (`Gemini.ts`).
 *
 * @since 0.1.0
 */
import type { Usage } from "../../domain/Usage.js"
import { heaviestKey, isObject, type JsonObject, num, obj, sumOf, usageOf } from "../../providers/jsonl.js"

/** Usage of the `json` format's `SessionMetrics` (summed over models). */
export const usageFromMetrics = (stats: JsonObject | undefined): Usage | undefined => {
  const models = obj(stats, "models")
  if (models === undefined) return undefined
  const tokens = Object.values(models).flatMap((m) => {
    const t = isObject(m) ? obj(m, "tokens") : undefined
    return t !== undefined ? [t] : []
  })
  if (tokens.length === 0) return undefined
  return usageOf({
    inputTokens: sumOf(tokens.map((t) => num(t, "prompt") ?? num(t, "input"))),
    outputTokens: sumOf(tokens.map((t) => num(t, "candidates"))),
    cachedInputTokens: sumOf(tokens.map((t) => num(t, "cached"))),
    cacheCreationInputTokens: undefined,
    reasoningTokens: sumOf(tokens.map((t) => num(t, "thoughts"))),
    totalTokens: sumOf(tokens.map((t) => num(t, "total")))
  })
}

/** Usage of a stream-json `result` event's flat `stats`. */
export const usageFromStreamStats = (stats: JsonObject | undefined): Usage | undefined => {
  if (stats === undefined) return undefined
  const perModel = Object.values(obj(stats, "models") ?? {}).filter(isObject)
  const thoughts = sumOf(
    perModel.map((m) => num(m, "thoughts") ?? num(m, "thoughts_tokens") ?? num(obj(m, "tokens"), "thoughts"))
  )
  return usageOf({
    inputTokens: num(stats, "input_tokens"),
    outputTokens: num(stats, "output_tokens"),
    cachedInputTokens: num(stats, "cached"),
    cacheCreationInputTokens: undefined,
    reasoningTokens: num(stats, "thoughts") ?? thoughts,
    totalTokens: num(stats, "total_tokens")
  })
}

/** The model that did most of the work, from a `models` map. */
export const mainModel = (stats: JsonObject | undefined): string | undefined =>
  heaviestKey(obj(stats, "models"), (m) => num(obj(m, "tokens"), "total") ?? num(m, "total_tokens") ?? 0)
