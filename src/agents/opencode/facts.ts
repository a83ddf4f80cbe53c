/**
 * The plain facts of opencode (`opencode`, npm `opencode-ai`): how to
 * install it, sign in, upgrade it, and the models it knows without being
 * told. Data only (read through `agents/facts` by any module).
 *
 * @since 0.1.0
 */
import { type AgentFacts, type FallbackModel, secret } from "../Agent.js"

// opencode (opencode-ai 1.18.33), read 2026-12-05 (docs/agents/opencode.md, "Login, providers, models"):
// - models are named `provider/model`; with no credentials and no `-m`, `run` picks `opencode/big-pickle`, a
//   free model served by opencode Zen (test/fixtures/real/opencode/not-logged-in.stdout calls
//   https://opencode.ai/zen/v1/chat/completions);
// - `opencode models` with no key lists the 8 free `opencode/*` models (real/opencode/models.stdout), with
//   ANTHROPIC_API_KEY also 18 `anthropic/*` ones (real/opencode/models-anthropic.stdout); other providers
//   appear once their key is set (models.dev's catalog, bundled in the binary).
const fallbackModels: ReadonlyArray<FallbackModel> = [
  {
    name: "opencode/big-pickle",
    description: "opencode's pick with no credentials: a free model served by opencode Zen (no key needed)"
  },
  { name: "opencode/nemotron-3-ultra-free", description: "A free model on opencode Zen (no key needed)" },
  { name: "opencode/mimo-v2.6-flash-free", description: "A free, fast model on opencode Zen (no key needed)" },
  { name: "anthropic/claude-sonnet-5", description: "Anthropic's Claude Sonnet 5 (needs ANTHROPIC_API_KEY or opencode auth login)" },
  { name: "anthropic/claude-opus-5-5", description: "Anthropic's Claude Opus 5.5 (needs ANTHROPIC_API_KEY or opencode auth login)" },
  { name: "anthropic/claude-haiku-4-5", description: "Anthropic's Claude Haiku 4.5 (needs ANTHROPIC_API_KEY or opencode auth login)" }
]

/** @since 0.1.0 */
export const facts: AgentFacts = {
  label: "opencode",
  install: "npm install -g opencode-ai",
  login: "opencode auth login (or set the provider's key, e.g. ANTHROPIC_API_KEY)",
  endpointSettings:
    "provider.<id>.options.baseURL in opencode.json (its free opencode/* models use https://opencode.ai/zen/v1)",
  npmPackage: "opencode-ai",
  takesMcpServers: true,
  // `opencode upgrade` runs the same npm install for an npm install, but needs GitHub to find "latest".
  upgrade: () => ({ _tag: "Npm", package: "opencode-ai" }),
  fallbackModels,
  signIn: {
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
