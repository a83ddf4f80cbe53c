/**
 * The JSON Schemas a client sees for a tool's input and output, derived from
 * the same `effect/Schema`s that decode the input and encode the output, so
 * they cannot drift.
 *
 * The tool list is part of every prompt the client's model sees, so both are
 * kept small: an input schema keeps every parameter's name, type, enum,
 * bounds and default, and only the descriptions a Schema states itself; an
 * output schema is the answer's top level (each field and its JSON type) and
 * the error envelope, which is the same small object for every tool.
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

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value)

/**
 * The descriptions Effect derives from refinements ("a string matching the
 * pattern …", "an integer", "a number between 1 and 5") start with a
 * lower-case article; the gateway's own never do.
 */
const isDerivedDescription = (text: string): boolean => /^an? [a-z]/.test(text)

/**
 * Drops what says nothing to a client: Effect's titles ("maxLength(100000)")
 * and derived descriptions, and the `$id`s of its built-in schemas
 * ("/schemas/unknown"), which validators would read as base URIs; with
 * `descriptions: false`, every description.
 */
const clean = (value: unknown, descriptions: boolean): unknown => {
  if (Array.isArray(value)) return value.map((v) => clean(v, descriptions))
  if (!isObject(value)) return value
  const out: Json = {}
  for (const [k, v] of Object.entries(value)) {
    if (k === "title" && typeof v === "string") continue
    if (k === "$id" && typeof v === "string" && v.startsWith("/schemas/")) continue
    if (k === "description" && typeof v === "string" && (!descriptions || isDerivedDescription(v))) continue
    // `properties` maps names to schemas: a property named "title" or "description" is kept.
    out[k] = k === "properties" && isObject(v)
      ? Object.fromEntries(Object.entries(v).map(([name, s]) => [name, clean(s, descriptions)]))
      : clean(v, descriptions)
  }
  return out
}

const render = (schema: Schema.Schema.Any): Json => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const json = JSONSchema.fromAST(schema.ast, { definitions, topLevelReferenceStrategy: "skip" }) as unknown as Json
  // A named schema nested in another renders as a `$ref`; tool schemas are inline, so it is resolved here.
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve)
    if (!isObject(value)) return value
    const ref = value.$ref
    if (typeof ref === "string" && ref.startsWith("#/$defs/")) {
      const target = definitions[ref.slice("#/$defs/".length)]
      if (target === undefined) throw new Error(`unresolved ${ref}`)
      return resolve(target)
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]))
  }
  const { $schema: _schema, $defs: _defs, ...rest } = resolve(json) as Json
  return rest
}

/**
 * An inline JSON Schema (no `$ref`, no `$schema`) for a tool's input. With
 * `descriptions: false` the parameters carry none (a twin tool whose
 * description points at the tool that explains them).
 *
 * @since 0.1.0
 */
export const inputJsonSchema = (
  schema: Schema.Schema.Any,
  options: { readonly descriptions?: boolean } = {}
): JsonObject => {
  // Effect renders a struct without fields as "any object or array"; a tool without parameters is an empty object.
  if (AST.isTypeLiteral(schema.ast) && schema.ast.propertySignatures.length === 0 && schema.ast.indexSignatures.length === 0) {
    return { type: "object", properties: {}, additionalProperties: false }
  }
  const json = clean(render(schema), options.descriptions ?? true) as JsonObject
  // An empty `required` says nothing and costs the model's context on every turn.
  if (Array.isArray(json.required) && json.required.length === 0) {
    const { required: _none, ...rest } = json
    return rest
  }
  return json
}

/**
 * What every failed call carries in `structuredContent.error` (see
 * `results.ts`): the error's tag and message, and its own fields beside them.
 *
 * @since 0.1.0
 */
export const errorJsonSchema: JsonObject = {
  type: "object",
  required: ["_tag", "message"],
  properties: { _tag: { type: "string" }, message: { type: "string" } }
}

const TYPES = ["string", "number", "integer", "boolean", "object", "array", "null"] as const

const typeOfValue = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value

/** The JSON types a schema admits, from its `type`, `enum`, `const` or `anyOf`. */
const typesOf = (node: Json, where: string): ReadonlyArray<string> => {
  if (typeof node.type === "string") return [node.type]
  if (Array.isArray(node.enum)) return node.enum.map(typeOfValue)
  if ("const" in node) return [typeOfValue(node.const)]
  if (Array.isArray(node.anyOf)) return node.anyOf.flatMap((branch) => typesOf(branch as Json, where))
  throw new Error(`the output field ${where} has no JSON type: give its Schema one`)
}

/** One type, or `anyOf` single-typed branches (a `type` array is less portable). */
const typeSchema = (types: Iterable<string>): Json => {
  const set = new Set(types)
  if (set.has("number")) set.delete("integer")
  const ordered = TYPES.filter((t) => set.has(t))
  return ordered.length === 1 ? { type: ordered[0] } : { anyOf: ordered.map((type) => ({ type })) }
}

/** The object branches of a rendered answer (a union renders as `anyOf`). */
const branchesOf = (node: Json): ReadonlyArray<Json> => {
  if (Array.isArray(node.anyOf)) return node.anyOf.flatMap((branch) => branchesOf(branch as Json))
  if (node.type === "object" && isObject(node.properties)) return [node]
  throw new Error("a tool's answer must be an object (or a union of objects)")
}

/**
 * The JSON Schema of a tool's `structuredContent`: either the answer — its
 * top-level fields (all of them, or the `fields` named) with their JSON
 * types, nested values typed but not detailed, open to the fields not
 * named — or `error`, the envelope of a failed call. MCP requires
 * `type: "object"`; the SDK's `Client.callTool` validates
 * `structuredContent` against it even when `isError` is true
 * (modelcontextprotocol/typescript-sdk#1943).
 *
 * @since 0.1.0
 */
export const outputJsonSchema = (schema: Schema.Schema.Any, fields?: ReadonlyArray<string>): JsonObject => {
  const branches = branchesOf(render(schema))
  const types = new Map<string, Set<string>>()
  for (const branch of branches) {
    for (const [name, property] of Object.entries(branch.properties as Json)) {
      const seen = types.get(name) ?? new Set<string>()
      for (const t of typesOf(property as Json, name)) seen.add(t)
      types.set(name, seen)
    }
  }
  for (const name of fields ?? []) {
    if (!types.has(name)) throw new Error(`the answer has no field ${name} to list`)
  }
  const listed = (name: string) => fields === undefined || fields.includes(name)
  const required = branches
    .map((b) => new Set(Array.isArray(b.required) ? (b.required as ReadonlyArray<string>).filter(listed) : []))
    .reduce((common, next) => new Set([...common].filter((name) => next.has(name))))
  const properties: Json = {}
  for (const [name, seen] of types) if (listed(name)) properties[name] = typeSchema(seen)
  return {
    type: "object",
    anyOf: [
      { ...(required.size > 0 ? { required: [...required] } : {}), properties },
      { required: ["error"], properties: { error: errorJsonSchema } }
    ]
  }
}
