/**
 * The registry of adapters, one per CLI, configured once.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { GatewayConfig } from "../Config.js"
import type { Cli } from "../domain/Cli.js"
import type {
  ClaudeAsyncRequest,
  CodexAsyncRequest,
  GeminiAsyncRequest,
  GrokAsyncRequest
} from "../domain/requests.js"
import * as Claude from "./Claude.js"
import * as Codex from "./Codex.js"
import * as Gemini from "./Gemini.js"
import * as Grok from "./Grok.js"
import type { Provider } from "./Provider.js"

/**
 * The request each CLI's adapter takes.
 *
 * @since 0.1.0
 */
export interface RequestOf {
  readonly claude: typeof ClaudeAsyncRequest.Type
  readonly codex: typeof CodexAsyncRequest.Type
  readonly gemini: typeof GeminiAsyncRequest.Type
  readonly grok: typeof GrokAsyncRequest.Type
}

/**
 * @since 0.1.0
 */
export type ProvidersShape = { readonly [C in Cli]: Provider<RequestOf[C]> }

/**
 * @since 0.1.0
 * @category tags
 */
export class Providers extends Context.Tag("llm-cli-gateway/Providers")<Providers, ProvidersShape>() {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: { readonly geminiTrustWorkspace: boolean }): ProvidersShape => ({
  claude: Claude.make(),
  codex: Codex.make(),
  gemini: Gemini.make({ trustWorkspace: options.geminiTrustWorkspace }),
  grok: Grok.make()
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Providers, never, GatewayConfig> = Layer.effect(
  Providers,
  Effect.map(GatewayConfig, (config) => make({ geminiTrustWorkspace: config.geminiTrustWorkspace }))
)
