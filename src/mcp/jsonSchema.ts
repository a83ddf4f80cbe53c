/**
 * The JSON Schemas a client sees for a tool's input and output, derived from
 * the same `effect/Schema`s that decode the input and encode the output, so
 * they cannot drift.
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

// Titles that Effect derives from refinements ("maxLength(100000)") say nothing to a client; the `$id`s it
// gives its built-in schemas ("/schemas/unknown") would be read by validators as base URIs.
const dropTitles = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(dropTitles)
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (k === "title" && typeof v === "string") continue
      if (k === "$id" && typeof v === "string" && v.startsWith("/schemas/")) continue
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

/**
 * The JSON Schema of a tool's `structuredContent`. MCP requires an
 * `outputSchema` of `type: "object"`; a union of objects renders as `anyOf`,
 * so the type is stated beside it. Named schemas (if any) travel in `$defs`.
 *
 * @since 0.1.0
 */
export const outputJsonSchema = (schema: Schema.Schema.Any): JsonObject => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const json: Record<string, unknown> = { ...JSONSchema.fromAST(schema.ast, { definitions, topLevelReferenceStrategy: "skip" }) }
  const { $schema: _schema, ...rest } = json
  const out: Record<string, unknown> = { type: "object", ...rest }
  if (Object.keys(definitions).length > 0) out.$defs = definitions
  return dropTitles(out) as JsonObject
}
