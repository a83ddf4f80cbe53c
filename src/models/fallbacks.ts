/**
 * The models the gateway knows of without being told: low-confidence hints,
 * listed with `source: "fallback"` so a client has names to start from.
 * They never become the default and are never checked against: a request
 * may name any model, and the CLI decides.
 *
 * Names that are the CLI's own aliases (claude's `sonnet`, gemini's `pro`)
 * are passed to the CLI unchanged; the CLI maps them to its current model.
 *
 * @since 0.1.0
 */
import type { Cli } from "../domain/Cli.js"

/**
 * @since 0.1.0
 */
export interface FallbackModel {
  readonly name: string
  readonly description: string
}

/**
 * @since 0.1.0
 */
export const fallbackModels: Readonly<Record<Cli, ReadonlyArray<FallbackModel>>> = {
  claude: [
    { name: "sonnet", description: "claude's alias for the latest Sonnet: balanced speed and depth, the usual choice" },
    { name: "opus", description: "claude's alias for the latest Opus: deepest reasoning, slower and dearer" },
    { name: "haiku", description: "claude's alias for the latest Haiku: fastest and cheapest, for small tasks" }
  ],
  codex: [
    { name: "gpt-5.5", description: "OpenAI's frontier model for complex coding in Codex" },
    { name: "gpt-5.3-codex", description: "OpenAI's coding model for long software-engineering tasks" },
    { name: "gpt-5.4-mini", description: "small, fast model for quick coding tasks" }
  ],
  gemini: [
    { name: "auto", description: "gemini picks the model per request (the CLI's own default)" },
    { name: "pro", description: "gemini's alias for its current Pro model" },
    { name: "flash", description: "gemini's alias for its current Flash model" },
    { name: "flash-lite", description: "gemini's alias for its current Flash-Lite model" },
    { name: "gemini-2.5-pro", description: "Gemini 2.5 Pro: strongest reasoning and coding" },
    { name: "gemini-2.5-flash", description: "Gemini 2.5 Flash: fast, good price-performance" },
    { name: "gemini-2.5-flash-lite", description: "Gemini 2.5 Flash-Lite: fastest and cheapest" }
  ],
  grok: [
    { name: "grok-build", description: "xAI's Grok Build coding model (the CLI's default)" }
  ]
}
