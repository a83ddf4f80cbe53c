/**
 * The models the gateway knows of without being told: low-confidence hints,
 * listed with `source: "fallback"` so a client has names to start from.
 * They never become the default and are never checked against: a request
 * may name any model, and the CLI decides.
 *
 * Names that are the CLI's own aliases (claude's `opus`, gemini's `pro`)
 * are passed to the CLI unchanged; the CLI maps them to its current model.
 * Each list starts with what the CLI runs when no `--model` is passed (for
 * grok, whose default moves with xAI's server-side list, the newest model);
 * the sources, and the date they were read, are noted beside each list in
 * the agent's facts (`src/agents/<cli>/facts.ts`). The CLIs move faster
 * than those lists: refresh them from the same sources.
 *
 * @since 0.1.0
 */
import { agentFacts } from "../agents/facts.js"
import { byCli, type Cli } from "../domain/Cli.js"

export type { FallbackModel } from "../agents/Agent.js"

/**
 * @since 0.1.0
 */
export const fallbackModels: Readonly<Record<Cli, ReadonlyArray<import("../agents/Agent.js").FallbackModel>>> = byCli(
  (cli) => agentFacts[cli].fallbackModels
)
