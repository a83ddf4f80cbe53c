/**
 * Strict shapes for every request value that reaches a CLI's argv.
 *
 * No value a client sends may become an option of the CLI: names must not
 * start with `-`, and free text never goes into argv at all (the prompt
 * travels on stdin or in a private file).
 *
 * The decoder checks every pattern here, and its message says what is
 * accepted; the tool list leaves the patterns out (`jsonSchema: {}`): they
 * cost the client's model tokens on every turn and tell it little. A field
 * describes itself only where its name, type and bounds do not.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * A bad value as an error message quotes it: JSON, its first `max`
 * characters at most (a hostile value may be megabytes long), and how long
 * it was when cut.
 *
 * @since 0.1.0
 */
export const quoted = (value: unknown, max = 64): string => {
  if (typeof value === "string") {
    return value.length <= max
      ? JSON.stringify(value)
      : `${JSON.stringify(value.slice(0, max))}… (${value.length} characters)`
  }
  const json = JSON.stringify(value) ?? String(value)
  return json.length <= max ? json : `${json.slice(0, max)}… (${json.length} characters)`
}

/** Upper bound of a prompt, as 1.4.0 has it. @since 0.1.0 */
export const PROMPT_MAX_LENGTH = 100_000

/**
 * The patterns the decoder checks (left out of the tool list; see above),
 * for tools that generate valid values.
 *
 * @since 0.1.0
 */
export const patterns = {
  model: /^[A-Za-z0-9][A-Za-z0-9._:/@[\]-]{0,127}$/,
  sessionId: /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/,
  toolName: /^[A-Za-z_][A-Za-z0-9_.-]{0,127}(\([^()\u0000-\u001f]{0,512}\))?$/,
  correlationId: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
} as const

/**
 * The prompt: 1 – 100,000 characters, no NUL byte. It travels on stdin or
 * in a private file, never as an option.
 *
 * @since 0.1.0
 */
export const Prompt = Schema.String.pipe(
  Schema.minLength(1, { message: () => "prompt must not be empty" }),
  Schema.maxLength(PROMPT_MAX_LENGTH, {
    message: (issue) =>
      `prompt is ${String(issue.actual).length} characters long; at most ${PROMPT_MAX_LENGTH} are accepted`
  }),
  Schema.filter((s) => !s.includes("\u0000"), {
    message: () => "prompt contains a NUL byte (\\u0000), which no CLI can receive; remove it",
    jsonSchema: {}
  })
)

/**
 * A model name or alias: letters, digits and `._:/@[]-`, starting with a
 * letter or digit, at most 128 characters.
 *
 * @since 0.1.0
 */
export const ModelName = Schema.String.pipe(
  Schema.pattern(patterns.model, {
    message: (issue) =>
      `model ${quoted(issue.actual)} is not a model name: use letters, digits and . _ : / @ [ ] -, starting with a letter or digit (at most 128 characters)`,
    jsonSchema: {}
  })
).annotations({ description: "A name or alias (see list_models)." })

/**
 * A session id: letters, digits, `_` and `-`, starting with a letter or
 * digit, at most 128 characters (UUIDs and gateway `gw-` ids fit).
 *
 * @since 0.1.0
 */
export const SessionId = Schema.String.pipe(
  Schema.pattern(patterns.sessionId, {
    message: (issue) =>
      `sessionId ${quoted(issue.actual)} is not a session id: use letters, digits, _ and -, starting with a letter or digit (at most 128 characters)`,
    jsonSchema: {}
  })
).annotations({ description: "A reply's sessionId, or a gw- session." })

/**
 * A tool name or permission rule such as `Read`, `mcp__server__tool` or
 * `Bash(git log:*)`: a name of letters, digits and `_.-`, optionally followed
 * by one parenthesised rule on one line.
 *
 * @since 0.1.0
 */
export const ToolName = Schema.String.pipe(
  Schema.pattern(patterns.toolName, {
    message: (issue) =>
      `tool ${quoted(issue.actual)} is not a tool name: a name of letters, digits and _ . - (starting with a letter or _), optionally followed by one (rule) on one line`,
    jsonSchema: {}
  })
)

/**
 * A directory: a path without control characters, not starting with `-`,
 * without `..` segments, at most 4,096 characters.
 *
 * @since 0.1.0
 */
export const DirectoryPath = Schema.String.pipe(
  Schema.filter((s) => s.length > 0 && s.length <= 4096, {
    message: () => "a directory path has 1 – 4,096 characters",
    jsonSchema: {}
  }),
  Schema.filter((s) => !/[\u0000-\u001f\u007f]/.test(s), {
    message: (issue) => `directory ${quoted(issue.actual)} contains a control character`,
    jsonSchema: {}
  }),
  Schema.filter((s) => !s.startsWith("-"), {
    message: (issue) => `directory ${quoted(issue.actual)} starts with "-"; write it as ./ followed by the path`,
    jsonSchema: {}
  }),
  Schema.filter((s) => !s.split(/[\\/]/).includes(".."), {
    message: (issue) => `directory ${quoted(issue.actual)} contains a ".." segment; give the path without it`,
    jsonSchema: {}
  })
)

/**
 * A correlation id for tracing: letters, digits and `._:-`, at most 128
 * characters.
 *
 * @since 0.1.0
 */
export const CorrelationId = Schema.String.pipe(
  Schema.pattern(patterns.correlationId, {
    message: (issue) =>
      `correlationId ${quoted(issue.actual)} is not accepted: use letters, digits and . _ : -, at most 128 characters`,
    jsonSchema: {}
  })
)

/**
 * An idle timeout: 30 s – 1 h, as 1.4.0 bounds it.
 *
 * @since 0.1.0
 */
export const IdleTimeoutMs = Schema.Int.pipe(Schema.between(30_000, 3_600_000))

/**
 * The longest a request may run, all attempts included (1 s – 24 h). The
 * default is `LLM_GATEWAY_MAX_RUN_MS` (1 hour).
 *
 * @since 0.1.0
 */
export const MaxRunMs = Schema.Int.pipe(Schema.between(1_000, 86_400_000))

/**
 * An optional field with a default, whose default also shows in the JSON
 * Schema that clients see.
 *
 * @since 0.1.0
 */
export const withDefault = <S extends Schema.Schema.Any>(
  schema: S,
  value: Schema.Schema.Type<S> & Schema.Schema.Encoded<S>
) =>
  Schema.optionalWith(schema.annotations({ default: value }) as unknown as S, {
    default: () => value
  })
