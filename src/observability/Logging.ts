/**
 * Logs go to stderr, never stdout (stdout is the MCP channel).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { GatewayConfig } from "../Config.js"

/**
 * logfmt lines on stderr.
 *
 * @since 0.1.0
 */
export const stderrLogger: Logger.Logger<unknown, void> = Logger.logfmtLogger.pipe(
  Logger.map((line) => {
    process.stderr.write(line + "\n")
  })
)

/**
 * Replaces the default logger (which writes to stdout) and sets the level
 * from the configuration.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<never, never, GatewayConfig> = Layer.unwrapEffect(
  Effect.map(GatewayConfig, (config) =>
    Layer.merge(
      Logger.replace(Logger.defaultLogger, stderrLogger),
      Logger.minimumLogLevel(config.logLevel)
    ))
)
