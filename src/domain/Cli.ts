/**
 * The coding-agent CLIs the gateway runs.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** @since 0.1.0 */
export const Cli = Schema.Literal("claude", "codex", "gemini", "grok")

/** @since 0.1.0 */
export type Cli = typeof Cli.Type

/** @since 0.1.0 */
export const allClis: ReadonlyArray<Cli> = Cli.literals
