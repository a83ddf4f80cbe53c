/**
 * The plain facts of GitHub Copilot CLI (`copilot`): how to install it, sign
 * in, upgrade it, and the models it knows without being told. Data only
 * (read through `agents/facts` by any module).
 *
 * @since 0.1.0
 */
import { type AgentFacts, type FallbackModel, secret, toggle } from "../Agent.js"

// copilot (@github/copilot 1.0.102), read 2026-12-05 (docs/agents/copilot.md):
// - `copilot --help`: `--model <model>` "Set the AI model to use (use 'auto' to let Copilot pick
//   automatically)"; `auto` is always accepted;
// - `copilot help config` (test/fixtures/real/copilot/help-config.stdout): the model names this build knows,
//   under `model` (claude-sonnet-5.5, claude-opus-5.5, claude-haiku-5.5, gpt-6.1-sol, gpt-5.5, gpt-5.3-codex,
//   gemini-4-argon, grok-4.7, kimi-k3, …); which of them an account may use comes from the Copilot catalog
//   at run time, and no command lists them headlessly;
// - the default with no `--model`, COPILOT_MODEL or settings' `model` is not recorded: `auto` is listed
//   first as the choice that always works.
const fallbackModels: ReadonlyArray<FallbackModel> = [
  { name: "auto", description: "Copilot picks the model for each request (always accepted)" },
  { name: "claude-sonnet-5.5", description: "Anthropic's Claude Sonnet 5.5, as Copilot offers it" },
  { name: "claude-opus-5.5", description: "Anthropic's Claude Opus 5.5, as Copilot offers it" },
  { name: "claude-haiku-5.5", description: "Anthropic's Claude Haiku 5.5, as Copilot offers it" },
  { name: "gpt-6.1-sol", description: "OpenAI's GPT-6.1 Sol, as Copilot offers it" },
  { name: "gpt-5.5", description: "OpenAI's GPT-5.5, as Copilot offers it" },
  { name: "gpt-5.3-codex", description: "OpenAI's GPT-5.3 Codex, as Copilot offers it" },
  { name: "gemini-4-argon", description: "Google's Gemini 4 Argon, as Copilot offers it" },
  { name: "grok-4.7", description: "xAI's Grok 4.7, as Copilot offers it" },
  { name: "kimi-k3", description: "Moonshot's Kimi K3, as Copilot offers it" }
]

/** @since 0.1.0 */
export const facts: AgentFacts = {
  label: "GitHub Copilot CLI",
  install: "npm install -g @github/copilot",
  login: "copilot login (or gh auth login, or set GH_TOKEN to a fine-grained PAT with Copilot Requests)",
  endpointSettings:
    "GH_HOST / COPILOT_GH_HOST (GitHub Enterprise), or COPILOT_PROVIDER_BASE_URL for a custom model provider",
  npmPackage: "@github/copilot",
  takesMcpServers: true,
  // npm for every target: `copilot update` downloads into copilot's package cache, and the gateway runs
  // copilot with --no-auto-update, which makes it ignore that cache and run the installed version.
  upgrade: () => ({ _tag: "Npm", package: "@github/copilot" }),
  fallbackModels,
  signIn: {
    variables: [secret("COPILOT_GITHUB_TOKEN"), secret("GH_TOKEN"), secret("GITHUB_TOKEN"), toggle("COPILOT_PROVIDER_BASE_URL")],
    files: [{ folder: ".config/gh", folderVariable: "GH_CONFIG_DIR", file: "hosts.yml" }],
    elsewhere: { platforms: ["darwin", "linux", "win32"], place: "copilot's own credential store (copilot login)" }
  }
}
