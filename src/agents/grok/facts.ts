/**
 * The plain facts of xAI's Grok Build (`grok`): how to install it, sign in, upgrade it, and
 * the models it knows without being told. Data only (read through
 * `agents/facts` by any module).
 *
 * @since 0.1.0
 */
import { type AgentFacts, type FallbackModel, secret } from "../Agent.js"

// grok (xAI's Grok Build CLI), read 2026-12-05; not installed here (the npm package called `grok`,
// @vibe-kit/grok-cli, is a different, community CLI), so from its sources and docs:
// - github.com/xai-org/grok-build at 19d42e35 (2026-08-19), crates/codegen/xai-grok-models/default_models.json:
//   `"default": "grok-4.6"`, models grok-4.6 and grok-4.5; `grok-build` was the default and only model up to
//   2026-07-16 and is no longer listed; the CLI also fetches its model list from xAI (`grok models`);
// - https://docs.x.ai/build/overview: custom models, `-m <model>`, and "Use Grok 4.7 on the API";
// - third-party, not verified: Grok Build 1.0.48 reported grok-4.7 as its default
//   (https://www.skills.sh/pedroknigge/grok-build-skill/grok-build, 2026-10).
const fallbackModels: ReadonlyArray<FallbackModel> = [
  { name: "grok-4.7", description: "Grok 4.7: xAI's newest model for coding, agentic tasks and knowledge work" },
  { name: "grok-4.6", description: "Grok 4.6: the default in Grok Build's bundled model list" },
  { name: "grok-4.5", description: "Grok 4.5: the previous Grok Build default" }
]

/** @since 0.1.0 */
export const facts: AgentFacts = {
  label: "Grok Build",
  install: "curl -fsSL https://x.ai/cli/install.sh | bash (xAI's installer; see docs.x.ai)",
  login: "grok login (or set XAI_API_KEY)",
  endpointSettings: "XAI_BASE_URL",
  // grok update [--version <target>]
  takesMcpServers: false,
  upgrade: (target) =>
    target === "latest"
      ? { _tag: "Self", strategy: "self-update", args: ["update"] }
      : { _tag: "Self", strategy: "self-update", args: ["update", "--version", target] },
  fallbackModels,
  signIn: {
    variables: [secret("XAI_API_KEY"), secret("GROK_CODE_XAI_API_KEY")],
    files: [{ folder: ".grok", folderVariable: "GROK_HOME", file: "auth.json" }]
  }
}
