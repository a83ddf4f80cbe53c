/**
 * A tool declared once: name, description, input Schema, annotations and a
 * handler Effect. The JSON Schema in `tools/list` is derived from the input
 * Schema; the arguments of `tools/call` are decoded by the same Schema.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type GatewayError, InvalidRequest } from "../domain/errors.js"
import { inputJsonSchema, type JsonObject } from "./jsonSchema.js"

/**
 * What the tool tells the client about itself (MCP tool annotations).
 *
 * @since 0.1.0
 */
export interface ToolAnnotations {
  readonly title?: string
  readonly readOnlyHint?: boolean
  readonly destructiveHint?: boolean
  readonly idempotentHint?: boolean
  readonly openWorldHint?: boolean
}

/**
 * The annotations of a tool that only reads the gateway's own state.
 *
 * @since 0.1.0
 */
export const readOnly = (title: string): ToolAnnotations => ({
  title,
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false
})

/**
 * A successful answer: a readable text and the same facts as data.
 *
 * @since 0.1.0
 */
export interface ToolAnswer {
  readonly text: string
  readonly structured: JsonObject
}

/**
 * A progress notification: `progress` grows with each one.
 *
 * @since 0.1.0
 */
export interface Progress {
  readonly progress: number
  readonly total?: number | undefined
  readonly message?: string | undefined
}

/**
 * What a call knows of its caller: how to report progress, when the client
 * asked for it (a `progressToken`).
 *
 * @since 0.1.0
 */
export interface CallContext {
  readonly reportProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

/**
 * @since 0.1.0
 */
export interface Tool<R> {
  readonly name: string
  readonly description: string
  /** Derived from the input Schema on first use (not at start-up). */
  readonly inputSchema: JsonObject
  readonly annotations: ToolAnnotations
  /** Decodes the raw arguments and runs the handler. */
  readonly call: (args: unknown, context?: CallContext) => Effect.Effect<ToolAnswer, GatewayError, R>
}

/**
 * Turns a decoding failure into one readable `InvalidRequest`.
 *
 * @since 0.1.0
 */
export const invalidArguments = (tool: string, error: ParseResult.ParseError): InvalidRequest => {
  const all = ParseResult.ArrayFormatter.formatErrorSync(error)
  // An optional field that is present but wrong also fails its `undefined` branch; that says nothing.
  const issues = all.filter((issue) =>
    !(issue.message.startsWith("Expected undefined") &&
      all.some((other) => other !== issue && other.path.join(".") === issue.path.join(".")))
  )
  const lines = issues.map((issue) => {
    const path = issue.path.map(String).join(".")
    const message = issue.message.replace(/^is unexpected, expected: .*$/s, "is not a parameter of this tool")
    return path ? `${path}: ${message}` : message
  })
  const first = issues[0]?.path[0]
  return new InvalidRequest({
    message: `invalid arguments for ${tool}: ${lines.join("; ")}`,
    ...(first !== undefined ? { field: String(first) } : {})
  })
}

/**
 * Declares a tool.
 *
 * @since 0.1.0
 */
export const make = <S extends Schema.Schema<any, any, never>, R>(definition: {
  readonly name: string
  readonly description: string
  readonly input: S
  readonly annotations: ToolAnnotations
  readonly handler: (input: Schema.Schema.Type<S>, context: CallContext) => Effect.Effect<ToolAnswer, GatewayError, R>
}): Tool<R> => {
  // Both are derived on first use: start-up is part of the product.
  let decoder:
    | ((u: unknown) => Effect.Effect<Schema.Schema.Type<S>, ParseResult.ParseError>)
    | undefined
  const decode = (args: unknown) =>
    (decoder ??= Schema.decodeUnknown(definition.input, { onExcessProperty: "error", errors: "all" }))(args)
  let jsonSchema: JsonObject | undefined
  return {
    name: definition.name,
    description: definition.description,
    get inputSchema() {
      return (jsonSchema ??= inputJsonSchema(definition.input))
    },
    annotations: definition.annotations,
    call: (args, context = {}) =>
      decode(args ?? {}).pipe(
        Effect.mapError((e) => invalidArguments(definition.name, e)),
        Effect.flatMap((input) => definition.handler(input, context))
      )
  }
}
