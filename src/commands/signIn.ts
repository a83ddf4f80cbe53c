/**
 * What each CLI needs to be installed and signed in, and whether it looks
 * signed in as far as its own variables and files can tell. The facts are
 * one data object keyed by CLI name (`signInFacts`), so they can move into
 * each agent's descriptor later. Reads only the environment given and the
 * existence of files; never runs the CLI, never reads a secret's value.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { existsSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import type { Cli } from "../domain/Cli.js"

/**
 * A variable that lets a CLI authenticate: a secret (any non-empty value)
 * or a switch to another provider (a true-ish value).
 *
 * @since 0.1.0
 */
export interface SignInVariable {
  readonly name: string
  readonly kind: "secret" | "switch"
}

/**
 * A file where the CLI keeps its sign-in, in its own folder: `folder` under
 * the home folder, or the folder a variable names when it is set.
 *
 * @since 0.1.0
 */
export interface SignInFile {
  readonly folder: string
  readonly folderVariable?: string | undefined
  readonly file: string
}

/**
 * @since 0.1.0
 */
export interface SignInFacts {
  /** How to install the CLI. */
  readonly install: string
  /** How to sign in. */
  readonly login: string
  readonly variables: ReadonlyArray<SignInVariable>
  readonly files: ReadonlyArray<SignInFile>
  /** Platforms where the CLI may keep its sign-in where no file shows it (a keychain). */
  readonly elsewhere?: { readonly platforms: ReadonlyArray<NodeJS.Platform>; readonly place: string } | undefined
}

const secret = (name: string): SignInVariable => ({ name, kind: "secret" })
const toggle = (name: string): SignInVariable => ({ name, kind: "switch" })

/**
 * Per CLI: how to install it and sign in, and where its sign-in shows.
 *
 * @since 0.1.0
 */
export const signInFacts: { readonly [C in Cli]: SignInFacts } = {
  claude: {
    install: "npm install -g @anthropic-ai/claude-code (or Claude Code's native installer)",
    login: "run `claude` and type /login (or set ANTHROPIC_API_KEY)",
    variables: [
      secret("ANTHROPIC_API_KEY"),
      secret("CLAUDE_CODE_OAUTH_TOKEN"),
      secret("ANTHROPIC_AUTH_TOKEN"),
      toggle("CLAUDE_CODE_USE_BEDROCK"),
      toggle("CLAUDE_CODE_USE_VERTEX")
    ],
    files: [{ folder: ".claude", folderVariable: "CLAUDE_CONFIG_DIR", file: ".credentials.json" }],
    elsewhere: { platforms: ["darwin"], place: "the macOS keychain" }
  },
  codex: {
    install: "npm install -g @openai/codex",
    login: "codex login (or set OPENAI_API_KEY / CODEX_API_KEY)",
    variables: [secret("OPENAI_API_KEY"), secret("CODEX_API_KEY")],
    files: [{ folder: ".codex", folderVariable: "CODEX_HOME", file: "auth.json" }]
  },
  gemini: {
    install: "npm install -g @google/gemini-cli",
    login: "run `gemini` and choose Sign in with Google (or set GEMINI_API_KEY)",
    variables: [secret("GEMINI_API_KEY"), secret("GOOGLE_API_KEY"), toggle("GOOGLE_GENAI_USE_VERTEXAI")],
    files: [{ folder: ".gemini", file: "oauth_creds.json" }]
  },
  grok: {
    install: "curl -fsSL https://x.ai/cli/install.sh | bash (xAI's Grok Build; see docs.x.ai)",
    login: "grok login (or set XAI_API_KEY)",
    variables: [secret("XAI_API_KEY"), secret("GROK_CODE_XAI_API_KEY")],
    files: [{ folder: ".grok", folderVariable: "GROK_HOME", file: "auth.json" }]
  },
  qwen: {
    install: "npm install -g @qwen-code/qwen-code",
    login: "run `qwen` and use /auth (or set OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_MODEL)",
    variables: [
      secret("OPENAI_API_KEY"),
      secret("DASHSCOPE_API_KEY"),
      secret("BAILIAN_CODING_PLAN_API_KEY"),
      secret("BAILIAN_TOKEN_PLAN_API_KEY"),
      secret("OPENROUTER_API_KEY")
    ],
    files: [{ folder: ".qwen", folderVariable: "QWEN_HOME", file: ".env" }]
  },
  copilot: {
    install: "npm install -g @github/copilot",
    login: "copilot login (or gh auth login, or set GH_TOKEN to a fine-grained token with Copilot Requests)",
    variables: [secret("COPILOT_GITHUB_TOKEN"), secret("GH_TOKEN"), secret("GITHUB_TOKEN"), toggle("COPILOT_PROVIDER_BASE_URL")],
    files: [{ folder: ".config/gh", folderVariable: "GH_CONFIG_DIR", file: "hosts.yml" }],
    elsewhere: { platforms: ["darwin", "linux", "win32"], place: "copilot's own credential store (copilot login)" }
  },
  opencode: {
    install: "npm install -g opencode-ai",
    login: "opencode auth login (or set the provider's key, e.g. ANTHROPIC_API_KEY; opencode/* models need none)",
    variables: [
      secret("ANTHROPIC_API_KEY"),
      secret("OPENAI_API_KEY"),
      secret("GEMINI_API_KEY"),
      secret("GOOGLE_GENERATIVE_AI_API_KEY"),
      secret("OPENROUTER_API_KEY"),
      secret("XAI_API_KEY"),
      secret("OPENCODE_API_KEY"),
      secret("OPENCODE_AUTH_CONTENT")
    ],
    files: [{ folder: ".local/share", folderVariable: "XDG_DATA_HOME", file: "opencode/auth.json" }]
  }
}

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
