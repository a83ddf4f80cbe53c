/**
 * The registry of adapters, one per CLI, configured once (built from
 * `agents/registry`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AdapterOptions } from "../agents/Agent.js"
import { agents, type RequestOf } from "../agents/registry.js"
import { GatewayConfig } from "../Config.js"
import { byCli, type Cli } from "../domain/Cli.js"
import type { Provider } from "./Provider.js"

export type { RequestOf } from "../agents/registry.js"

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
 * Every CLI's adapter, built with the same options.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: AdapterOptions): ProvidersShape =>
  byCli((cli) => agents[cli].adapter(options)) as unknown as ProvidersShape

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Providers, never, GatewayConfig> = Layer.effect(
  Providers,
  Effect.map(GatewayConfig, (config) => make({ trustWorkspace: config.geminiTrustWorkspace }))
)
