/**
 * The failures of a run that are not the CLI's own words: the binary is
 * another program, or the run went past its time bound. Tagged errors that
 * serialize.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Cli } from "./Cli.js"

/**
 * The binary configured for a CLI is another program, or a version too old
 * to take the flags the gateway passes. Nothing was run with a prompt.
 *
 * @since 0.1.0
 */
export class CliIncompatible extends Schema.TaggedError<CliIncompatible>()("CliIncompatible", {
  message: Schema.String,
  cli: Cli,
  /** The configured command (a name on PATH or a path). */
  command: Schema.String,
  /** The path it resolved to. */
  path: Schema.String,
  /** What was found there (its version line, its package when known). */
  found: Schema.String,
  /** What the gateway expects. */
  expected: Schema.String,
  hint: Schema.String
}) {}

/**
 * The request ran past its maximum run time (`maxRunMs`, default
 * `LLM_GATEWAY_MAX_RUN_MS`), all attempts included; the CLI was ended.
 *
 * @since 0.1.0
 */
export class RunTimedOut extends Schema.TaggedError<RunTimedOut>()("RunTimedOut", {
  message: Schema.String,
  cli: Cli,
  maxRunMs: Schema.Number,
  hint: Schema.String
}) {}
