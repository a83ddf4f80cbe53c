/**
 * The settings only the `llm-cli-gateway` binary reads: how its launcher
 * tunes V8 before the server runs. They are no part of `GatewayConfig`,
 * the configuration every service gets: an app that embeds the gateway
 * owns its process's V8 settings and never reads these.
 *
 * The launcher applies them before the Effect runtime exists, reading the
 * environment itself (`heapMode.ts`, `compileCache.ts`); `main.ts` reads
 * them again here, so that a bad value stops the server with an error that
 * names the variable, and `doctor` / `config` show them.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"

/**
 * @since 0.1.0
 */
export interface BinaryConfigShape {
  /** The V8 heap mode, `lean` (the default) or `default` (`LLM_GATEWAY_HEAP`; see `heapMode.ts`). */
  readonly heap: "lean" | "default"
  /**
   * Whether the server is compiled through V8's code cache in `<home>/cache` (`LLM_GATEWAY_COMPILE_CACHE`,
   * default true; see `compileCache.ts`).
   */
  readonly compileCache: boolean
}

/**
 * The binary's settings, read from the environment.
 *
 * @since 0.1.0
 */
export const config: Config.Config<BinaryConfigShape> = Config.all({
  heap: Config.literal("lean", "default")("LLM_GATEWAY_HEAP").pipe(Config.withDefault("lean" as const)),
  compileCache: Config.boolean("LLM_GATEWAY_COMPILE_CACHE").pipe(Config.withDefault(true))
})
