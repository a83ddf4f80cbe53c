/**
 * What each CLI needs to be installed and signed in, and whether it looks
 * signed in as far as its own variables and files can tell. The facts are
 * in each agent's facts (`src/agents/<cli>/facts.ts`). Reads only the environment given and the
 * existence of files; never runs the CLI, never reads a secret's value.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { existsSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import type { SignIn } from "../agents/Agent.js"
import { agentFacts } from "../agents/facts.js"
import { byCli, type Cli } from "../domain/Cli.js"

export type { SignInFile, SignInVariable } from "../agents/Agent.js"

/**
 * @since 0.1.0
 */
export interface SignInFacts extends SignIn {
  /** How to install the CLI. */
  readonly install: string
  /** How to sign in. */
  readonly login: string
}

/**
 * Per CLI: how to install it and sign in, and where its sign-in shows (each
 * agent's facts).
 *
 * @since 0.1.0
 */
export const signInFacts: { readonly [C in Cli]: SignInFacts } = byCli((cli) => ({
  install: agentFacts[cli].install,
  login: agentFacts[cli].login,
  ...agentFacts[cli].signIn
}))

/**
 * What the variables and files tell of a CLI's sign-in. `found`: some
 * credential is there (it may still be expired); `none_found`: none is;
 * `unknown`: none shows, but the CLI may keep it where we cannot look.
 *
 * @since 0.1.0
 */
export const SignInCheck = Schema.Struct({
  credentials: Schema.Literal("found", "none_found", "unknown"),
  /** The variables set and the files present (names and paths only, never values). */
  via: Schema.Array(Schema.String),
  login: Schema.String,
  install: Schema.String
})

/** @since 0.1.0 */
export type SignInCheck = typeof SignInCheck.Type

const truthy = (value: string): boolean => !["", "0", "false", "no", "off"].includes(value.trim().toLowerCase())

/**
 * The sign-in of a CLI as its variables and files show it.
 *
 * @since 0.1.0
 */
export const checkSignIn = (
  cli: Cli,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly platform?: NodeJS.Platform; readonly exists?: (path: string) => boolean } = {}
): SignInCheck => {
  const facts = signInFacts[cli]
  const exists = options.exists ?? existsSync
  const home = env["HOME"] !== undefined && env["HOME"] !== "" ? env["HOME"] : homedir()
  const via: Array<string> = []
  for (const variable of facts.variables) {
    const value = env[variable.name]
    if (value === undefined || value.trim() === "") continue
    if (variable.kind === "secret" || truthy(value)) via.push(`${variable.name} is set`)
  }
  for (const file of facts.files) {
    const override = file.folderVariable === undefined ? undefined : env[file.folderVariable]
    const folder = override !== undefined && override.trim() !== "" ? override : join(home, file.folder)
    const path = join(folder, file.file)
    if (exists(path)) via.push(path)
  }
  const platform = options.platform ?? process.platform
  const credentials = via.length > 0
    ? "found"
    : facts.elsewhere?.platforms.includes(platform) === true
    ? "unknown"
    : "none_found"
  return { credentials, via, login: facts.login, install: facts.install }
}
