/**
 * A tool declared once: name, description, input and output Schemas,
 * annotations and a handler Effect. The JSON Schemas in `tools/list` are
 * derived from the two Schemas; the arguments of `tools/call` are decoded by
 * the input Schema, and the handler's typed answer is encoded by the output
 * Schema into `structuredContent`.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type GatewayError, InvalidRequest } from "../domain/errors.js"
import { inputJsonSchema, type JsonObject, outputJsonSchema } from "./jsonSchema.js"
import * as PreparedSchemas from "./preparedSchemas.js"

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
 * A successful answer: a readable text and the same facts as data, encoded
 * by the tool's output Schema (what `structuredContent` carries).
 *
 * @since 0.1.0
 */
export interface ToolAnswer {
  readonly text: string
  readonly structured: JsonObject
  /** The answer will not change (see `Answer.final`). */
  readonly final?: boolean | undefined
}

/**
 * What a handler answers: a readable text and the facts as the output
 * Schema's type.
 *
 * @since 0.1.0
 */
export interface Answer<A> {
  readonly text: string
  readonly structured: A
  /**
   * The answer will not change: the same call (the same arguments, from the
   * same caller) would answer it again, as a finished job's status does. The
   * server may answer such a call again without running the tool (for a
   * while: `finalAnswers.ts`).
   */
  readonly final?: boolean | undefined
}

/**
 * An output Schema: it must encode to a JSON object (MCP's `structuredContent`).
 *
 * @since 0.1.0
 */
export type OutputSchema = Schema.Schema.AnyNoContext & { readonly Encoded: { readonly [key: string]: unknown } }

/** The field names of an answer, of any branch of a union. */
type FieldOf<A> = A extends unknown ? keyof A & string : never

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
  /**
   * Derived from the input Schema on first use (not at start-up); in the
   * binary, prepared when it was built (`preparedSchemas.ts`).
   */
  readonly inputSchema: JsonObject
  /**
   * Derived from the output Schema on first use (in the binary, prepared
   * when it was built): the answer's top-level fields, or (when `isError`)
   * the error envelope `ErrorResult` describes.
   */
  readonly outputSchema: JsonObject
  readonly annotations: ToolAnnotations
  /** Decodes the raw arguments and runs the handler. */
  readonly call: (args: unknown, context?: CallContext) => Effect.Effect<ToolAnswer, GatewayError, R>
  /**
   * The answer at once, synchronously, from what the services hold in
   * memory (a running job's status); undefined when it cannot be answered
   * so (arguments that do not decode, a job not in memory), and then `call`
   * runs. Only tools that declare `answerNow` have it; the server tries it
   * before running a fiber for the call.
   */
  readonly callNow?: ((args: unknown, services: Context.Context<R>) => ToolAnswer | undefined) | undefined
}

/** Problems an `InvalidRequest` lists, at most; the rest are counted. */
const MAX_ISSUES = 8
/** Characters of one problem's message, at most (a message may quote the bad value). */
const MAX_ISSUE_CHARS = 240

/**
 * Turns a decoding failure into one readable `InvalidRequest`: each problem
 * once, each message cut to a bounded length (messages quote the bad value,
 * once per member of a union), and at most a few of them, so that a huge
 * bad argument answers a small error.
 *
 * @since 0.1.0
 */
export const invalidArguments = (tool: string, error: ParseResult.ParseError): InvalidRequest => {
  const all = ParseResult.ArrayFormatter.formatErrorSync(error)
  // An optional field that is present but wrong also fails its `undefined` branch; that says nothing.
  // (Also when the other problem is inside it: `allowedTools.0` beside `allowedTools`.)
  const issues = all.filter((issue) => {
    if (!issue.message.startsWith("Expected undefined")) return true
    const path = issue.path.join(".")
    return !all.some((other) =>
      other !== issue && (other.path.join(".") === path || other.path.join(".").startsWith(`${path}.`))
    )
  })
  const lines = new Set<string>()
  for (const issue of issues) {
    const path = issue.path.map(String).join(".")
    const full = issue.message.replace(/^is unexpected, expected: .*$/s, "is not a parameter of this tool")
    const message = full.length <= MAX_ISSUE_CHARS ? full : `${full.slice(0, MAX_ISSUE_CHARS)}…`
    lines.add(path ? `${path.length <= 80 ? path : `${path.slice(0, 80)}…`}: ${message}` : message)
    if (lines.size > MAX_ISSUES) break
  }
  const shown = [...lines].slice(0, MAX_ISSUES)
  const more = issues.length > shown.length && lines.size > MAX_ISSUES ? `; and more problems` : ""
  const first = issues[0]?.path[0]
  return new InvalidRequest({
    message: `invalid arguments for ${tool}: ${shown.join("; ")}${more}`,
    ...(first !== undefined ? { field: String(first).slice(0, 128) } : {})
  })
}

/** No tool's parameters nest deeper than a few levels; a value nested deeper is refused before decoding. */
const MAX_ARGUMENT_DEPTH = 32

/**
 * No tool takes more than a few hundred values (its lists are bounded: see
 * `LIST_MAX_ITEMS`); arguments of more values are refused before decoding,
 * whose error for each of them would cost time and bytes.
 */
const MAX_ARGUMENT_VALUES = 4096

/**
 * Whether a value nests objects or arrays deeper than `max` levels. Walks
 * it with a stack of its own (never the call stack), so a value nested a
 * million deep is measured, not a stack overflow.
 *
 * @since 0.1.0
 */
export const nestsDeeperThan = (value: unknown, max: number): boolean => measure(value, max, Infinity) === "deep"

/** One walk for both bounds: "deep", "many" (more than `maxValues` values in all), or undefined. */
const measure = (value: unknown, maxDepth: number, maxValues: number): "deep" | "many" | undefined => {
  // The arguments object itself is level 1.
  const stack: Array<readonly [unknown, number]> = [[value, 1]]
  let values = 0
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (typeof v !== "object" || v === null) continue
    if (depth > maxDepth) return "deep"
    const children = Array.isArray(v) ? v : Object.values(v)
    values += children.length
    if (values > maxValues) return "many"
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1])
    }
  }
  return undefined
}

/**
 * Refuses arguments nested deeper, or made of more values, than any tool's
 * parameters (before they are decoded, whose messages would quote them).
 *
 * @since 0.1.0
 */
export const shallowArguments = (tool: string, args: unknown): Effect.Effect<void, InvalidRequest> =>
  Effect.suspend(() => {
    const shape = measure(args, MAX_ARGUMENT_DEPTH, MAX_ARGUMENT_VALUES)
    return shape === undefined ? Effect.void : Effect.fail(
      new InvalidRequest({
        message: shape === "deep"
          ? `invalid arguments for ${tool}: they nest deeper than ${MAX_ARGUMENT_DEPTH} levels; ` +
            "no parameter of this tool nests that deep"
          : `invalid arguments for ${tool}: they hold more than ${MAX_ARGUMENT_VALUES} values; ` +
            "no parameter of this tool takes that many"
      })
    )
  })

// Several tools share an output Schema (the request tools, the job tools): derive each JSON Schema once.
const outputJsonSchemas = new WeakMap<OutputSchema, Map<string, JsonObject>>()
const outputJsonSchemaOf = (output: OutputSchema, fields: ReadonlyArray<string> | undefined): JsonObject => {
  let byFields = outputJsonSchemas.get(output)
  if (byFields === undefined) {
    byFields = new Map()
    outputJsonSchemas.set(output, byFields)
  }
  const key = fields?.join(",") ?? "*"
  let json = byFields.get(key)
  if (json === undefined) {
    json = outputJsonSchema(output, fields)
    byFields.set(key, json)
  }
  return json
}

/**
 * Declares a tool. The handler answers a text and a value of the output
 * Schema's type; `call` encodes the value with that Schema (fields the
 * Schema does not name are dropped) into `ToolAnswer.structured`.
 *
 * @since 0.1.0
 */
export const make = <S extends Schema.Schema.AnyNoContext, O extends OutputSchema, R>(definition: {
  readonly name: string
  readonly description: string
  readonly input: S
  /** Whether the listed input schema carries the parameters' descriptions (default true). */
  readonly describeInput?: boolean
  /**
   * The input schema as listed, when it is not the input Schema's own (an
   * async twin lists only `prompt` and points at its sync tool's
   * parameters); the call is still decoded by `input`, strictly.
   */
  readonly listedInput?: JsonObject | undefined
  readonly output: O
  /**
   * The answer's fields the listed output schema names (default: all of its
   * top-level fields); the others are still sent, and the schema admits them.
   */
  readonly outputFields?: ReadonlyArray<FieldOf<Schema.Schema.Encoded<O>>>
  readonly annotations: ToolAnnotations
  readonly handler: (
    input: Schema.Schema.Type<S>,
    context: CallContext
  ) => Effect.Effect<Answer<Schema.Schema.Type<O>>, GatewayError, R>
  /**
   * The handler's answer at once, from memory, when it has one (see
   * `Tool.callNow`): the same answer the handler would give, or undefined.
   */
  readonly answerNow?: (
    input: Schema.Schema.Type<S>,
    services: Context.Context<R>
  ) => Answer<Schema.Schema.Type<O>> | undefined
}): Tool<R> => {
  // All are derived on first use: start-up is part of the product.
  let decoder:
    | ((u: unknown) => Effect.Effect<Schema.Schema.Type<S>, ParseResult.ParseError>)
    | undefined
  const decode = (args: unknown) =>
    (decoder ??= Schema.decodeUnknown(definition.input, { onExcessProperty: "error", errors: "all" }))(args)
  let encoder:
    | ((a: Schema.Schema.Type<O>) => Effect.Effect<Schema.Schema.Encoded<O>, ParseResult.ParseError>)
    | undefined
  // An answer its own Schema refuses is a bug of ours: a defect, not a typed failure.
  const encode = (a: Schema.Schema.Type<O>): Effect.Effect<JsonObject> =>
    Effect.orDie((encoder ??= Schema.encode(definition.output))(a)) as Effect.Effect<JsonObject>
  // The binary's bundle holds them, prepared when it was built (see preparedSchemas.ts).
  const prepared = PreparedSchemas.bundled?.[PreparedSchemas.keyOf(definition.name, definition.description)]
  let inputJson: JsonObject | undefined = prepared?.input
  let outputJson: JsonObject | undefined = prepared?.output
  const answerNow = definition.answerNow
  let decodeNow: ((u: unknown) => Either.Either<Schema.Schema.Type<S>, ParseResult.ParseError>) | undefined
  let encodeNow:
    | ((a: Schema.Schema.Type<O>) => Either.Either<Schema.Schema.Encoded<O>, ParseResult.ParseError>)
    | undefined
  // Anything unusual (arguments too large or wrong, an answer its Schema refuses) takes the call's own path,
  // which answers it as it should.
  const callNow = answerNow === undefined ? undefined : (args: unknown, services: Context.Context<R>): ToolAnswer | undefined => {
    if (measure(args, MAX_ARGUMENT_DEPTH, MAX_ARGUMENT_VALUES) !== undefined) return undefined
    const input = (decodeNow ??= Schema.decodeUnknownEither(definition.input, { onExcessProperty: "error", errors: "all" }))(args ?? {})
    if (Either.isLeft(input)) return undefined
    const answer = answerNow(input.right, services)
    if (answer === undefined) return undefined
    const structured = (encodeNow ??= Schema.encodeEither(definition.output))(answer.structured)
    if (Either.isLeft(structured)) return undefined
    return answer.final === true
      ? { text: answer.text, structured: structured.right as JsonObject, final: true }
      : { text: answer.text, structured: structured.right as JsonObject }
  }
  return {
    name: definition.name,
    description: definition.description,
    get inputSchema() {
      return (inputJson ??= definition.listedInput ??
        inputJsonSchema(definition.input, { descriptions: definition.describeInput ?? true }))
    },
    get outputSchema() {
      return (outputJson ??= outputJsonSchemaOf(definition.output, definition.outputFields))
    },
    annotations: definition.annotations,
    call: (args, context = {}) =>
      Effect.zipRight(
        shallowArguments(definition.name, args),
        // Suspended: a decoder may run as soon as it is called.
        Effect.suspend(() => Effect.mapError(decode(args ?? {}), (e) => invalidArguments(definition.name, e)))
      ).pipe(
        Effect.flatMap((input) => definition.handler(input, context)),
        Effect.flatMap((answer) =>
          Effect.map(encode(answer.structured), (structured): ToolAnswer =>
            answer.final === true ? { text: answer.text, structured, final: true } : { text: answer.text, structured })
        )
      ),
    ...(callNow !== undefined ? { callNow } : {})
  }
}
