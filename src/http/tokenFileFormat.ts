/**
 * The format of the tokens file (see `http/tokenFile`): what a token's name
 * is, the Schema of the file, the errors of the file and of the tokens
 * commands, and the decoding of the file's text, which says what is wrong
 * by place and never quotes it. Also how a token is made and hashed.
 * Re-exported by `http/tokens`.
 *
 * The file is `{ "version": 1, "tokens": [{ "name", "sha256", "createdAt" }] }`,
 * `sha256` being the hex of the token's hash: the token itself is never
 * kept, so `token add` shows it once.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { createHash, randomBytes } from "node:crypto"
import { jsonSyntaxError } from "../mcpServers/jsonSyntax.js"

// ---------------------------------------------------------------------------
// The file format
// ---------------------------------------------------------------------------

/**
 * What a token name is, in words.
 *
 * @since 0.1.0
 */
export const TOKEN_NAME_RULE = "1 to 64 letters, digits and . _ -, starting with a letter or digit"
const NAME_RULE = TOKEN_NAME_RULE

/**
 * A token's name: 1 to 64 letters, digits and `._-`, starting with a letter
 * or digit (so that it never reads as an option). The principal's name.
 *
 * @since 0.1.0
 */
export const TokenName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: () => `must be a token name: ${NAME_RULE}` })
)

const Sha256Hex = Schema.String.pipe(
  Schema.pattern(/^[0-9a-fA-F]{64}$/, { message: () => "must be 64 hex digits (the SHA-256 of the token)" })
)

const Timestamp = Schema.String.pipe(
  Schema.filter((s) => !Number.isNaN(Date.parse(s)), { message: () => "must be a date and time (ISO 8601)" })
)

/**
 * One token as the file keeps it.
 *
 * @since 0.1.0
 */
export const TokenRecord = Schema.Struct({
  name: TokenName,
  /** The hex of the SHA-256 of the token. */
  sha256: Sha256Hex,
  createdAt: Timestamp
})

/** @since 0.1.0 */
export type TokenRecord = typeof TokenRecord.Type

/** The positions of the first two records with the same name, if two have one. */
const sameName = (records: ReadonlyArray<{ readonly name: string }>): readonly [number, number] | undefined => {
  const seen = new Map<string, number>()
  for (const [i, record] of records.entries()) {
    const earlier = seen.get(record.name)
    if (earlier !== undefined) return [earlier, i]
    seen.set(record.name, i)
  }
  return undefined
}

/**
 * The tokens file: version 1, names unique.
 *
 * @since 0.1.0
 */
export const TokensFile = Schema.Struct({
  version: Schema.Literal(1),
  tokens: Schema.Array(TokenRecord).pipe(
    Schema.filter((records) => sameName(records) === undefined, {
      message: (issue) => {
        const pair = Array.isArray(issue.actual) ? sameName(issue.actual) : undefined
        return pair === undefined ? "names must be unique" : `tokens ${pair[0]} and ${pair[1]} have the same name`
      }
    })
  )
})

/** @since 0.1.0 */
export type TokensFile = typeof TokensFile.Type

/**
 * The start of every token this gateway issues, so that one is recognised
 * (by people, and by secret scanners) for what it is.
 *
 * @since 0.1.0
 */
export const TOKEN_PREFIX = "lcg_"

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * The tokens file cannot be used: `Unsafe` (a symbolic link, not a regular
 * file, open to other users, in a folder every user may write), `Malformed`
 * (not JSON, or not the format), `Unreadable`, `Unwritable`, or `Setting`
 * (`LLM_GATEWAY_TOKENS_FILE` itself is wrong). `message` names the file and
 * what to do, and never quotes it.
 *
 * @since 0.1.0
 */
export class TokenFileError extends Schema.TaggedError<TokenFileError>()("TokenFileError", {
  message: Schema.String,
  path: Schema.String,
  reason: Schema.Literal("Unsafe", "Malformed", "Unreadable", "Unwritable", "Setting")
}) {}

/**
 * A name that cannot be a token's.
 *
 * @since 0.1.0
 */
export class TokenNameInvalid extends Schema.TaggedError<TokenNameInvalid>()("TokenNameInvalid", {
  message: Schema.String,
  name: Schema.String
}) {}

/**
 * `token add` of a name the file already has, without `replace`.
 *
 * @since 0.1.0
 */
export class TokenExists extends Schema.TaggedError<TokenExists>()("TokenExists", {
  message: Schema.String,
  name: Schema.String,
  path: Schema.String
}) {}

/**
 * `token remove` of a name the file does not have.
 *
 * @since 0.1.0
 */
export class TokenNotFound extends Schema.TaggedError<TokenNotFound>()("TokenNotFound", {
  message: Schema.String,
  name: Schema.String,
  path: Schema.String
}) {}

// ---------------------------------------------------------------------------
// Decoding the text
// ---------------------------------------------------------------------------

/**
 * Why a tokens file is refused.
 *
 * @since 0.1.0
 * @internal
 */
export type Reason = TokenFileError["reason"]

/**
 * The `TokenFileError` of the file at `path`: `problem` says what is wrong and what to do.
 *
 * @since 0.1.0
 * @internal
 */
export const refuse = (path: string, reason: Reason, problem: string) =>
  new TokenFileError({ message: `the tokens file ${path} ${problem}`, path, reason })

const decodeFile = Schema.decodeUnknownEither(TokensFile, { errors: "all" })

/** The problems of a malformed file said, at most; the rest are counted. */
const MAX_PROBLEMS = 10

/** What a field must be, by where it is: said from the format, never from the file. */
const expectedAt = (path: ReadonlyArray<PropertyKey>): string => {
  const last = path[path.length - 1]
  switch (last) {
    case undefined:
      return `must be an object {"version": 1, "tokens": [...]}`
    case "version":
      return "must be 1 (the only version of this format)"
    case "tokens":
      return "must be a list of tokens"
    case "name":
      return `must be a token name: ${NAME_RULE}`
    case "sha256":
      return "must be 64 hex digits (the SHA-256 of the token)"
    case "createdAt":
      return "must be a date and time (ISO 8601)"
    default:
      return `must be an object {"name", "sha256", "createdAt"}`
  }
}

/**
 * Decodes the text of a tokens file read from `path`. What is wrong is
 * said by place (line and column, or the field's path) and by what was
 * expected, never by quoting the text.
 *
 * @since 0.1.0
 */
export const parseTokensFile = (text: string, path: string): Either.Either<TokensFile, TokenFileError> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    // JSON.parse's message quotes the text: the place is found again without it.
    const syntax = jsonSyntaxError(text)
    const where = syntax === undefined ? "a syntax error" : `line ${syntax.line}, column ${syntax.column}: ${syntax.problem}`
    return Either.left(refuse(path, "Malformed", `is not valid JSON (${where}); fix it, or remove it and add the tokens again`))
  }
  return Either.mapLeft(decodeFile(json), (error) => {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
    const problems = issues.slice(0, MAX_PROBLEMS).map((issue) => {
      // A refinement's message is one of ours above (none quotes the value); a type's would quote it.
      const what = issue._tag === "Missing" ? "is missing" : issue._tag === "Refinement" ? issue.message : expectedAt(issue.path)
      return issue.path.length === 0 ? what : `at ${issue.path.map(String).join(".")}: ${what}`
    })
    const more = issues.length > MAX_PROBLEMS ? `; and ${issues.length - MAX_PROBLEMS} more` : ""
    return refuse(
      path,
      "Malformed",
      `is not a tokens file ({"version": 1, "tokens": [{"name", "sha256", "createdAt"}]}): ${problems.join("; ")}${more}; ` +
        "fix it, or remove it and add the tokens again"
    )
  })
}

// ---------------------------------------------------------------------------
// Names and tokens
// ---------------------------------------------------------------------------

const isTokenName = Schema.is(TokenName)

/**
 * Whether a name can be a token's.
 *
 * @since 0.1.0
 */
export const isValidTokenName = (name: string): boolean => isTokenName(name)

/**
 * Checks that `name` can be a token's.
 *
 * @since 0.1.0
 * @internal
 */
export const checkName = (name: string): Effect.Effect<string, TokenNameInvalid> =>
  isValidTokenName(name)
    ? Effect.succeed(name)
    : Effect.fail(
      new TokenNameInvalid({ message: `${JSON.stringify(name.slice(0, 80))} is not a token name: use ${NAME_RULE}`, name })
    )

/**
 * The SHA-256 of a token: what the file keeps (in hex), and what `verify` compares.
 *
 * @since 0.1.0
 * @internal
 */
export const sha256 = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest()

/**
 * A new token: the prefix and 32 random bytes in base64url.
 *
 * @since 0.1.0
 */
export const generateToken = (): string => `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`
