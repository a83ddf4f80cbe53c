/**
 * The JSON Schema a client sees for a tool's input, derived from the same
 * `effect/Schema` that decodes it, so the two cannot drift.
 *
 * @since 0.1.0
 */
import * as JSONSchema from "effect/JSONSchema"
import * as AST from "effect/SchemaAST"
import type * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 */
export type JsonObject = { readonly [key: string]: unknown }

// Titles that Effect derives from refinements ("maxLength(100000)") say nothing to a client.
const dropTitles = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(dropTitles)
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (k === "title" && typeof v === "string") continue
      out[k] = dropTitles(v)
    }
    return out
  }
  return value
}

/**
 * An inline JSON Schema (no `$ref`, no `$schema`) for a tool's input.
 *
 * @since 0.1.0
 */
export const inputJsonSchema = (schema: Schema.Schema.Any): JsonObject => {
  // Effect renders a struct without fields as "any object or array"; a tool without parameters is an empty object.
  if (AST.isTypeLiteral(schema.ast) && schema.ast.propertySignatures.length === 0 && schema.ast.indexSignatures.length === 0) {
    return { type: "object", properties: {}, additionalProperties: false }
  }
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const json = JSONSchema.fromAST(schema.ast, { definitions, topLevelReferenceStrategy: "skip" })
  return dropTitles(json) as JsonObject
}
