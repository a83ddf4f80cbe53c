/**
 * `llm-cli-gateway token add NAME [--replace] | list | remove NAME`: the
 * bearer tokens of the HTTP transport, in the tokens file
 * (`LLM_GATEWAY_TOKENS_FILE`). `add` prints the new token alone on stdout,
 * once (so `$(llm-cli-gateway token add ci)` captures it), and on stderr
 * that it is not shown again and how a client sends it; `list` prints one
 * line per token (name, created), never a hash. Exit code 0 when done, 1
 * when the file refuses (unsafe, malformed, a name taken or unknown); the
 * arguments are checked by `parseTokenArgs` (exit code 2 when wrong).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Tokens from "../http/tokens.js"
import type { CommandOutput } from "./config.js"

/**
 * @since 0.1.0
 */
export type TokenAction =
  | { readonly _tag: "Add"; readonly name: string; readonly replace: boolean }
  | { readonly _tag: "List" }
  | { readonly _tag: "Remove"; readonly name: string }

const NAME_RULE = Tokens.TOKEN_NAME_RULE

const nameArg = (verb: string, words: ReadonlyArray<string>): Either.Either<string, string> => {
  const options = words.filter((w) => w.startsWith("-"))
  if (options.length > 0) return Either.left(`token ${verb}: unknown option ${JSON.stringify(options[0])}`)
  const [name, ...extra] = words
  if (name === undefined) return Either.left(`token ${verb} needs a NAME (${NAME_RULE})`)
  if (extra.length > 0) return Either.left(`token ${verb} takes one NAME, not ${JSON.stringify(words)}`)
  if (!Tokens.isValidTokenName(name)) {
    return Either.left(`${JSON.stringify(name.slice(0, 80))} is not a token name: use ${NAME_RULE}`)
  }
  return Either.right(name)
}

/**
 * The token command the words after `token` ask for, or what is wrong with
 * them (a usage error: exit code 2). Pure.
 *
 * @since 0.1.0
 */
export const parseTokenArgs = (args: ReadonlyArray<string>): Either.Either<TokenAction, string> => {
  const [verb, ...rest] = args
  switch (verb) {
    case "add": {
      const replace = rest.includes("--replace")
      return Either.map(nameArg("add", rest.filter((w) => w !== "--replace")), (name) => ({ _tag: "Add", name, replace }))
    }
    case "remove":
      return Either.map(nameArg("remove", rest), (name) => ({ _tag: "Remove", name }))
    case "list":
      return rest.length === 0 ? Either.right({ _tag: "List" }) : Either.left(`token list takes no arguments, not ${JSON.stringify(rest)}`)
    case undefined:
      return Either.left(`token needs a command: add NAME [--replace], list, remove NAME`)
    default:
      return Either.left(`unknown token command ${JSON.stringify(verb)}; the commands are: add NAME [--replace], list, remove NAME`)
  }
}

const done = (stdout: string, stderr: string): CommandOutput => ({ stdout, stderr, exitCode: 0 })

const failed = (error: { readonly message: string }): Effect.Effect<CommandOutput> =>
  Effect.succeed({ stdout: "", stderr: `llm-cli-gateway token: ${error.message}\n`, exitCode: 1 })

const added = (path: string, name: string, replace: boolean) =>
  [
    `The token above is ${JSON.stringify(name)}, kept as a hash in ${path}. It is not shown again: store it now.`,
    "A client sends it with each HTTP request, as the header:",
    "  Authorization: Bearer <the token>",
    `A running server accepts it within a second, without a restart${
      replace ? "; the token this name had before stops working" : ""
    }.`,
    ""
  ].join("\n")

const listing = (tokens: ReadonlyArray<Tokens.TokenInfo>): string => {
  const width = Math.max(4, ...tokens.map((t) => t.name.length))
  return tokens.map((t) => `${t.name.padEnd(width)}  ${t.createdAt}\n`).join("")
}

/**
 * The output of a token command on the tokens file at `path`.
 *
 * @since 0.1.0
 */
export const tokenCommand = (action: TokenAction, path: string): Effect.Effect<CommandOutput> => {
  switch (action._tag) {
    case "Add":
      return Tokens.addToken(path, action.name, { replace: action.replace }).pipe(
        Effect.map((token) => done(`${token}\n`, added(path, action.name, action.replace))),
        Effect.catchAll(failed)
      )
    case "List":
      return Tokens.listTokens(path).pipe(
        Effect.map((tokens) =>
          done(
            listing(tokens),
            tokens.length === 0
              ? `No tokens in ${path}. Add one with \`llm-cli-gateway token add NAME\`.\n`
              : `${tokens.length} token${tokens.length === 1 ? "" : "s"} in ${path} (name, created).\n`
          )
        ),
        Effect.catchAll(failed)
      )
    case "Remove":
      return Tokens.removeToken(path, action.name).pipe(
        Effect.map(() =>
          done("", `Removed the token ${JSON.stringify(action.name)} from ${path}; a running server refuses it within a second.\n`)
        ),
        Effect.catchAll(failed)
      )
  }
}

/**
 * A token command on the configured tokens file (`LLM_GATEWAY_TOKENS_FILE`,
 * read through the current `ConfigProvider`).
 *
 * @since 0.1.0
 */
export const runTokenCommand = (action: TokenAction): Effect.Effect<CommandOutput> =>
  Tokens.configuredPath.pipe(
    Effect.flatMap((path) => tokenCommand(action, path)),
    Effect.catchAll(failed)
  )
