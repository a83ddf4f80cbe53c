/**
 * The plain facts of Gemini CLI (`gemini`): how to install it, sign in, upgrade it, and
 * the models it knows without being told. Data only (read through
 * `agents/facts` by any module).
 *
 * @since 0.1.0
 */
import { type AgentFacts, type FallbackModel, secret, toggle } from "../Agent.js"

// gemini (@google/gemini-cli 0.61.0), read 2026-12-05:
// - bundle/chunk-*.js, packages/core/src/config/models.ts: GEMINI_MODEL_ALIAS_AUTO "auto", _PRO "pro",
//   _FLASH "flash", _FLASH_LITE "flash-lite"; DEFAULT_GEMINI_MODEL "gemini-2.5-pro"; PREVIEW_GEMINI_MODEL
//   "gemini-3-pro-preview" (PREVIEW_GEMINI_3_1_MODEL "gemini-3.1-pro-preview" when enabled);
//   PREVIEW_GEMINI_FLASH_MODEL "gemini-3-flash-preview"; BASE_GEMINI_FLASH_MODEL "gemini-3.5-flash"
//   (LATEST_ "gemini-3.8-flash"); BASE_GEMINI_FLASH_LITE_MODEL "gemini-3.1-flash-lite" (LATEST_
//   "gemini-3.5-flash-lite"); `resolveModel`: auto and pro → gemini-3-pro-preview, or gemini-2.5-pro
//   without preview access; flash → gemini-3-flash-preview, or gemini-3.5-flash without preview access;
//   flash-lite → gemini-3.1-flash-lite;
// - the default: the CLI's config loader sets `defaultModel = GEMINI_MODEL_ALIAS_AUTO` when neither
//   `--model`, GEMINI_MODEL nor settings' `model.name` is set; bundle/docs/cli/model-routing.md: "The
//   default model is `auto`";
// - https://geminicli.com/docs/cli/model/ (Auto recommended; aliases Pro, Flash, Flash-Lite; its model
//   names, Gemini 2.5 and 3 Pro, lag the 0.61.0 bundle).
const fallbackModels: ReadonlyArray<FallbackModel> = [
  { name: "auto", description: "gemini routes each request between its Pro and Flash models (the CLI's own default)" },
  {
    name: "pro",
    description: "gemini's alias for its current Pro model: gemini-3-pro-preview, or gemini-2.5-pro without preview access"
  },
  {
    name: "flash",
    description: "gemini's alias for its current Flash model: gemini-3-flash-preview, or gemini-3.5-flash without preview access"
  },
  { name: "flash-lite", description: "gemini's alias for its current Flash-Lite model: gemini-3.1-flash-lite" },
  { name: "gemini-3-pro-preview", description: "Gemini 3 Pro (preview): strongest reasoning and coding, with preview access" },
  { name: "gemini-3.1-pro-preview", description: "Gemini 3.1 Pro (preview): newer Pro preview, where the account has it" },
  { name: "gemini-3-flash-preview", description: "Gemini 3 Flash (preview): fast, with preview access" },
  { name: "gemini-2.5-pro", description: "Gemini 2.5 Pro: the CLI's stable Pro model, used without preview access" },
  { name: "gemini-3.5-flash", description: "Gemini 3.5 Flash: the CLI's stable Flash model, good price-performance" },
  { name: "gemini-3.1-flash-lite", description: "Gemini 3.1 Flash-Lite: the CLI's stable Flash-Lite model, fastest and cheapest" }
]

/** @since 0.1.0 */
export const facts: AgentFacts = {
  label: "Gemini CLI",
  install: "npm install -g @google/gemini-cli",
  login: "gemini (sign in interactively once) or set GEMINI_API_KEY",
  endpointSettings: "GOOGLE_GEMINI_BASE_URL / GOOGLE_VERTEX_BASE_URL",
  npmPackage: "@google/gemini-cli",
  takesMcpServers: true,
  upgrade: () => ({ _tag: "Npm", package: "@google/gemini-cli" }),
  fallbackModels,
  signIn: {
    variables: [secret("GEMINI_API_KEY"), secret("GOOGLE_API_KEY"), toggle("GOOGLE_GENAI_USE_VERTEXAI")],
    files: [{ folder: ".gemini", file: "oauth_creds.json" }]
  }
}
