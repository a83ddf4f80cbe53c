/**
 * The coding-agent CLIs the gateway runs: their names. Everything else the
 * gateway knows of a CLI is in its agent (`src/agents/`), registered in
 * `src/agents/registry.ts`; adding a CLI adds its name here and its agent
 * there.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/** @since 0.1.0 */
export const Cli = Schema.Literal("claude", "codex", "gemini", "grok", "qwen", "copilot", "opencode")

/** @since 0.1.0 */
export type Cli = typeof Cli.Type

/** @since 0.1.0 */
export const allClis: ReadonlyArray<Cli> = Cli.literals

/**
 * A record with one entry per CLI, each made by `f`.
 *
 * @since 0.1.0
 */
export const byCli = <A>(f: (cli: Cli) => A): { readonly [C in Cli]: A } =>
  Object.fromEntries(allClis.map((cli) => [cli, f(cli)])) as { readonly [C in Cli]: A }

/**
 * The CLIs as words: `claude, codex, gemini or grok`.
 *
 * @since 0.1.0
 */
export const cliList = (conjunction: "or" | "and" = "or"): string =>
  `${allClis.slice(0, -1).join(", ")} ${conjunction} ${allClis[allClis.length - 1]}`
