/**
 * The plain facts of Claude Code (`claude`): how to install it, sign in, upgrade it, and
 * the models it knows without being told. Data only (read through
 * `agents/facts` by any module).
 *
 * @since 0.1.0
 */
import { type AgentFacts, type FallbackModel, secret, toggle } from "../Agent.js"

// claude (@anthropic-ai/claude-code 2.1.332), read 2026-12-05:
// - `claude --help`: `--model` takes "an alias for the latest model (e.g. 'fable', 'opus', or 'sonnet') or a
//   model's full name";
// - the binary's model catalog: aliases sonnet, opus, haiku, fable (also best, opusplan and the `[1m]`
//   forms); first-party targets opus → claude-opus-5-5, sonnet → claude-sonnet-5-5, haiku → claude-haiku-5-5
//   (claude-haiku-4-5 on Bedrock, Vertex and Foundry), fable → claude-fable-5-2; `best: "opus"`; the
//   descriptions are the /model picker's own;
// - the default: the init event of 2.1.332 with no `--model` reports "model":"claude-opus-5-5"
//   (test/fixtures/real/claude/not-logged-in.stdout);
// - https://docs.claude.com/de/docs/claude-code/model-config (the stored copy read; aliases default, sonnet,
//   opus, haiku, sonnet[1m], opusplan; its "currently" versions, Sonnet 4.5 and Opus 4.1, lag the binary).
const fallbackModels: ReadonlyArray<FallbackModel> = [
  {
    name: "opus",
    description:
      "claude's alias for the latest Opus (claude-opus-5-5 in claude 2.1.332, which runs it by default): best for everyday, complex tasks"
  },
  {
    name: "sonnet",
    description: "claude's alias for the latest Sonnet (claude-sonnet-5-5 in claude 2.1.332): efficient for routine tasks"
  },
  {
    name: "haiku",
    description: "claude's alias for the latest Haiku (claude-haiku-5-5 in claude 2.1.332): fastest for quick answers"
  },
  {
    name: "fable",
    description:
      "claude's alias for the latest Fable (claude-fable-5-2 in claude 2.1.332): most capable, for the hardest and longest-running tasks"
  }
]

/** @since 0.1.0 */
export const facts: AgentFacts = {
  label: "Claude Code",
  install: "npm install -g @anthropic-ai/claude-code (or its native installer)",
  login: "claude /login (or set ANTHROPIC_API_KEY)",
  endpointSettings: "ANTHROPIC_BASE_URL (or the Bedrock/Vertex settings)",
  npmPackage: "@anthropic-ai/claude-code",
  // claude update / claude install <version>
  takesMcpServers: true,
  upgrade: (target) =>
    target === "latest"
      ? { _tag: "Self", strategy: "self-update", args: ["update"] }
      : { _tag: "Self", strategy: "self-install", args: ["install", target] },
  fallbackModels,
  signIn: {
    variables: [
      secret("ANTHROPIC_API_KEY"),
      secret("CLAUDE_CODE_OAUTH_TOKEN"),
      secret("ANTHROPIC_AUTH_TOKEN"),
      toggle("CLAUDE_CODE_USE_BEDROCK"),
      toggle("CLAUDE_CODE_USE_VERTEX")
    ],
    files: [{ folder: ".claude", folderVariable: "CLAUDE_CONFIG_DIR", file: ".credentials.json" }],
    elsewhere: { platforms: ["darwin"], place: "the macOS keychain" }
  }
}
