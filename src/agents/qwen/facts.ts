/**
 * The plain facts of Qwen Code (`qwen`): how to install it, sign in, upgrade it, and
 * the models it knows without being told. Data only (read through
 * `agents/facts` by any module).
 *
 * @since 0.1.0
 */
import { type AgentFacts, type FallbackModel, secret } from "../Agent.js"

// qwen (@qwen-code/qwen-code 0.24.4), read 2026-12-05 (docs/agents/qwen.md):
// - chunks/*.js, packages/core/src/models/constants.ts (`DEFAULT_MODELS`): the default for OpenAI-compatible
//   auth is "qwen3.7-max" (test/fixtures/real/qwen/no-network.stdout: init "model":"qwen3.7-max" with no
//   `--model`), "coder-model" for Qwen OAuth;
// - packages/core/src/providers/presets/*.ts (Alibaba standard / DashScope): qwen3.6-plus, qwen3.7-plus,
//   qwen3.7-max, qwen3.8-max, qwen3.8-flash, deepseek-v4-pro, deepseek-v4-flash, kimi-k2.7-code, …;
// - bundled/qc-helper/docs/configuration/auth.md: the Qwen OAuth free tier was discontinued on 2026-04-15.
// qwen has no headless model listing; an OpenAI-compatible endpoint lists its own at `GET <base>/models`.
const fallbackModels: ReadonlyArray<FallbackModel> = [
  {
    name: "qwen3.7-max",
    description: "qwen's default for OpenAI-compatible auth (DashScope when OPENAI_BASE_URL is not set)"
  },
  { name: "qwen3.7-plus", description: "Qwen 3.7 Plus, a DashScope preset: balanced speed and capability" },
  { name: "qwen3.6-plus", description: "Qwen 3.6 Plus, a DashScope preset: the previous Plus model" },
  { name: "qwen3.8-max", description: "Qwen 3.8 Max, a DashScope preset: the newest Max model, where the account has it" },
  { name: "qwen3.8-flash", description: "Qwen 3.8 Flash, a DashScope preset: fastest and cheapest" },
  {
    name: "coder-model",
    description: "Qwen OAuth's model alias (the OAuth free tier was discontinued on 2026-04-15)"
  }
]

/** @since 0.1.0 */
export const facts: AgentFacts = {
  label: "Qwen Code",
  install: "npm install -g @qwen-code/qwen-code",
  login: "qwen (then /auth, once) or set OPENAI_API_KEY, OPENAI_BASE_URL and OPENAI_MODEL",
  endpointSettings: "OPENAI_BASE_URL (or --openai-base-url, settings security.auth.baseUrl)",
  npmPackage: "@qwen-code/qwen-code",
  takesMcpServers: true,
  // qwen's own `qwen update` installs managed updates under ~/.qwen/updates; the gateway upgrades the npm install.
  upgrade: () => ({ _tag: "Npm", package: "@qwen-code/qwen-code" }),
  fallbackModels,
  signIn: {
    variables: [
      secret("OPENAI_API_KEY"),
      secret("DASHSCOPE_API_KEY"),
      secret("BAILIAN_CODING_PLAN_API_KEY"),
      secret("BAILIAN_TOKEN_PLAN_API_KEY"),
      secret("OPENROUTER_API_KEY")
    ],
    files: [{ folder: ".qwen", folderVariable: "QWEN_HOME", file: ".env" }]
  }
}
