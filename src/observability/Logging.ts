/**
 * Logs go to stderr, never stdout (stdout is the MCP channel): one line per
 * log entry, as logfmt (`timestamp=… level=INFO fiber=… message="…"
 * correlationId=… jobId=…`) or, with `LLM_GATEWAY_LOG_FORMAT=json`, as one
 * JSON object per line (`{"message":…,"logLevel":…,"timestamp":…,
 * "annotations":{"correlationId":…,"jobId":…},…}`). A request's lines carry
 * its `correlationId`, `jobId` and `cli` as annotations. The level comes
 * from `LLM_GATEWAY_LOG_LEVEL`, else `DEBUG` (any value but `0`/`false`
 * means debug), else info. Secrets are redacted from every line
 * (`redact.ts`): the values of the server's secret-named variables, as
 * they are and as the line's quoting escapes them, and the known shapes.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import { GatewayConfig, type GatewayConfigShape } from "../Config.js"
import { redact, redactStrings } from "./redact.js"

/**
 * Where a finished line goes.
 *
 * @since 0.1.0
 */
export type LineWriter = (line: string) => void

/** @since 0.1.0 */
export const writeStderr: LineWriter = (line) => {
  process.stderr.write(line + "\n")
}

/**
 * A logger that writes each entry as one line in the format.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLogger = (
  format: GatewayConfigShape["logFormat"],
  write: LineWriter = writeStderr
): Logger.Logger<unknown, void> =>
  format === "json"
    ? Logger.jsonLogger.pipe(Logger.map((line) => write(redactJsonLine(line))))
    : Logger.logfmtLogger.pipe(Logger.map((line) => write(redact(line))))

/** Redacts the strings inside a JSON line, so the line stays valid JSON. */
const redactJsonLine = (line: string): string => {
  try {
    return JSON.stringify(redactStrings(JSON.parse(line)))
  } catch {
    return redact(line)
  }
}

/**
 * logfmt lines on stderr.
 *
 * @since 0.1.0
 */
export const stderrLogger: Logger.Logger<unknown, void> = makeLogger("logfmt")

/**
 * Replaces the default logger (which writes to stdout) with one writing
 * lines in the configured format, and sets the level from the
 * configuration. `write` is for tests and embedding apps (default: stderr).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (write: LineWriter = writeStderr): Layer.Layer<never, never, GatewayConfig> =>
  Layer.unwrapEffect(
    Effect.map(GatewayConfig, (config) =>
      Layer.merge(
        Logger.replace(Logger.defaultLogger, makeLogger(config.logFormat, write)),
        Logger.minimumLogLevel(config.logLevel)
      ))
  )

/**
 * `layerWith` stderr.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<never, never, GatewayConfig> = layerWith()
