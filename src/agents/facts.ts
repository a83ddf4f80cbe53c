/**
 * The plain facts of every CLI, by name (see `agents/Agent`). Registering a
 * CLI adds its facts here and its agent in `agents/registry`.
 *
 * @since 0.1.0
 */
import type { Cli } from "../domain/Cli.js"
import type { AgentFacts } from "./Agent.js"
import { facts as claude } from "./claude/facts.js"
import { facts as codex } from "./codex/facts.js"
import { facts as copilot } from "./copilot/facts.js"
import { facts as gemini } from "./gemini/facts.js"
import { facts as grok } from "./grok/facts.js"
import { facts as opencode } from "./opencode/facts.js"
import { facts as qwen } from "./qwen/facts.js"

/**
 * What to do when a CLI's binary is missing: install it, or name its path.
 *
 * @since 0.1.0
 */
export const installHint = (cli: Cli): string =>
  `Install ${agentFacts[cli].label} (${agentFacts[cli].install}), or set LLM_GATEWAY_${cli.toUpperCase()}_BIN to its path.`

/** @since 0.1.0 */
export const agentFacts: { readonly [C in Cli]: AgentFacts } = { claude, codex, gemini, grok, qwen, copilot, opencode }
