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
import * as FiberRef from "effect/FiberRef"
import * as HashSet from "effect/HashSet"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import type * as Scope from "effect/Scope"
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

/** Effect's default logger, on stderr. */
const defaultOnStderr: Logger.Logger<unknown, void> = Logger.withConsoleError(Logger.stringLogger)

/** Effect's pretty logger (as `NodeRuntime.runMain` installs it), on stderr. */
const prettyOnStderr: Logger.Logger<unknown, void> = Logger.prettyLogger({ stderr: true })

/**
 * The loggers as they are, but Effect's own two that write to stdout (its
 * default logger, and the pretty logger `runMain` installs) write the same
 * lines to stderr instead. Every other logger, the app's own and the
 * gateway's, is left alone.
 *
 * @since 0.1.0
 */
export const offStdout = (
  loggers: HashSet.HashSet<Logger.Logger<unknown, any>>
): HashSet.HashSet<Logger.Logger<unknown, any>> => {
  let out = loggers
  if (HashSet.has(out, Logger.defaultLogger)) out = HashSet.add(HashSet.remove(out, Logger.defaultLogger), defaultOnStderr)
  if (HashSet.has(out, Logger.prettyLoggerDefault)) {
    out = HashSet.add(HashSet.remove(out, Logger.prettyLoggerDefault), prettyOnStderr)
  }
  return out
}

/**
 * `offStdout` for the rest of the scope, in the current fiber and those it
 * forks: what a server does first, so that no log line of its reaches stdout
 * (on stdio, the protocol's channel).
 *
 * @since 0.1.0
 */
export const offStdoutScoped: Effect.Effect<void, never, Scope.Scope> = Effect.locallyScopedWith(
  FiberRef.currentLoggers,
  offStdout
)
