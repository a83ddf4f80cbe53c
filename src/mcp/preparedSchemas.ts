/**
 * The tools' JSON Schemas, derived once when the server is bundled.
 *
 * Deriving a tool's input and output JSON Schemas from its `effect/Schema`s
 * is the costliest part of a new server's first `tools/list` (15–25 ms of a
 * cold process for the 29 tools). The binary does not pay it: the bundle
 * step (`scripts/bundle.mjs`) runs `prepare` on every tool the binary can
 * serve and writes the result into the bundle as a constant, and `Tool.make`
 * takes a tool's schemas from it when the tool's name and description match
 * an entry. The entries come from the same build of the same Schemas, so
 * they are what the derivation would give; the library (`dist/lib`, and any
 * tool a user declares) has no such constant and derives on first use.
 *
 * @since 0.1.0
 */
import type { JsonObject } from "./jsonSchema.js"

/**
 * A tool's JSON Schemas as `tools/list` lists them, by `keyOf` its name and
 * description.
 *
 * @since 0.1.0
 */
export interface PreparedSchemas {
  readonly [key: string]: { readonly input: JsonObject; readonly output: JsonObject }
}

// Defined by the bundle step (esbuild `define`); absent anywhere else.
declare const __LLM_GATEWAY_PREPARED_SCHEMAS__: PreparedSchemas | undefined

/**
 * The schemas written into the binary's bundle; undefined in the library.
 *
 * @since 0.1.0
 */
export const bundled: PreparedSchemas | undefined = typeof __LLM_GATEWAY_PREPARED_SCHEMAS__ === "undefined"
  ? undefined
  : __LLM_GATEWAY_PREPARED_SCHEMAS__

/**
 * A tool's entry: its name and its description (a CLI's async tool served
 * without its sync tool has a description and an input schema of its own).
 *
 * @since 0.1.0
 */
export const keyOf = (name: string, description: string): string => `${name}\n${description}`

/**
 * Derives the schemas of the tools. Two tools with the same name and
 * description but different schemas could not be told apart: that throws
 * (the bundle step then fails).
 *
 * @since 0.1.0
 */
export const prepare = (
  tools: Iterable<{
    readonly name: string
    readonly description: string
    readonly inputSchema: JsonObject
    readonly outputSchema: JsonObject
  }>
): PreparedSchemas => {
  const prepared: Record<string, PreparedSchemas[string]> = {}
  for (const tool of tools) {
    const key = keyOf(tool.name, tool.description)
    const entry = { input: tool.inputSchema, output: tool.outputSchema }
    const seen = prepared[key]
    if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(entry)) {
      throw new Error(`two tools named ${tool.name} with the same description list different schemas`)
    }
    prepared[key] = entry
  }
  return prepared
}
