/**
 * Every agent the gateway runs, by CLI name. Adding a CLI: its name in
 * `domain/Cli`, its folder under `src/agents/`, its facts in `agents/facts`
 * and its agent here; the request tools, tasks, approvals, models, versions,
 * upgrades, sessions, metrics and resources all follow from this list.
 *
 * @since 0.1.0
 */
import type * as Schema from "effect/Schema"
import type { Cli } from "../domain/Cli.js"
import type { Agent } from "./Agent.js"
import { agent as claude } from "./claude/agent.js"
import { agent as codex } from "./codex/agent.js"
import { agent as copilot } from "./copilot/agent.js"
import { agent as gemini } from "./gemini/agent.js"
import { agent as grok } from "./grok/agent.js"
import { agent as opencode } from "./opencode/agent.js"
import { agent as qwen } from "./qwen/agent.js"

/**
 * Every agent by name; `satisfies` checks that each CLI has one, of its own
 * name, while keeping each agent's own request types.
 *
 * @since 0.1.0
 */
export const agents = { claude, codex, gemini, grok, qwen, copilot, opencode } as const satisfies { readonly [C in Cli]: Agent<C, any, any> }

/** @since 0.1.0 */
export type Agents = typeof agents

/**
 * The request each CLI's adapter takes (its async tool's parameters).
 *
 * @since 0.1.0
 */
export type RequestOf = { readonly [C in Cli]: Schema.Schema.Type<Agents[C]["asyncRequest"]> }

/**
 * The request each CLI's sync tool takes.
 *
 * @since 0.1.0
 */
export type SyncRequestOf = { readonly [C in Cli]: Schema.Schema.Type<Agents[C]["request"]> }

/**
 * The agent of a CLI, typed by its name.
 *
 * @since 0.1.0
 */
export const agentOf = <C extends Cli>(cli: C): Agents[C] => agents[cli]
