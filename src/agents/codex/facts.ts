/**
 * The plain facts of Codex (`codex`): how to install it, sign in, upgrade it, and
 * the models it knows without being told. Data only (read through
 * `agents/facts` by any module).
 *
 * @since 0.1.0
 */
import { type AgentFacts, type FallbackModel, secret } from "../Agent.js"

// codex (@openai/codex 0.171.0), read 2026-12-05:
// - `codex debug models --bundled` (the catalog inside the binary): listed models by priority gpt-6.2-sol (1),
//   gpt-6.2-astra (2), gpt-6.1-terra (3), gpt-6.1-sol (4), gpt-6-astra (5), gpt-6-sol (6), gpt-6-luna (7),
//   then the legacy gpt-5.6-sol/-terra/-luna and gpt-5.5 (each with an upgrade to gpt-6-sol or gpt-6-luna);
//   gpt-5.3-codex and gpt-5.4-mini are no longer in it; the descriptions are the catalog's own;
// - the default: with no `model` configured, codex takes the first listed model by priority
//   (`get_default_model` → `mark_default_by_picker_visibility`, codex-rs/models-manager/src/manager.rs in
//   github.com/openai/codex), so gpt-6.2-sol; a ChatGPT login refreshes the catalog from the server, which
//   may list others;
// - https://developers.openai.com/codex/models.md (the stored copy still recommends gpt-5.5: behind the
//   0.171.0 catalog).
const fallbackModels: ReadonlyArray<FallbackModel> = [
  { name: "gpt-6.2-sol", description: "GPT-6.2 Sol: fast, go-to model for coding and everyday work (the CLI's own default)" },
  { name: "gpt-6.2-astra", description: "GPT-6.2 Astra: OpenAI's most capable model for complex coding and professional work" },
  { name: "gpt-6.1-terra", description: "GPT-6.1 Terra: efficient model that excels at visual understanding and computer use" },
  { name: "gpt-6-luna", description: "GPT-6 Luna: fast and affordable model for easier tasks" }
]

/** @since 0.1.0 */
export const facts: AgentFacts = {
  label: "Codex",
  install: "npm install -g @openai/codex",
  login: "codex login (or set CODEX_API_KEY)",
  endpointSettings:
    "openai_base_url and model_providers in ~/.codex/config.toml (codex exec reads its key from CODEX_API_KEY)",
  npmPackage: "@openai/codex",
  // codex update, or npm for a given version
  takesMcpServers: false,
  upgrade: (target) =>
    target === "latest"
      ? { _tag: "Self", strategy: "self-update", args: ["update"] }
      : { _tag: "Npm", package: "@openai/codex" },
  fallbackModels,
  signIn: {
    variables: [secret("OPENAI_API_KEY"), secret("CODEX_API_KEY")],
    files: [{ folder: ".codex", folderVariable: "CODEX_HOME", file: "auth.json" }]
  }
}
