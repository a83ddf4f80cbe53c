/**
 * What `llm-cli-gateway doctor` reports, as effect/Schema: `doctor --json`
 * prints one `DoctorReport`, encoded.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Cli } from "../domain/Cli.js"
import { DatabaseCheck } from "./databaseCheck.js"
import { HttpCheck } from "./doctorHttp.js"
import { NodeCheck } from "./nodeSupport.js"
import { Setting } from "./settings.js"
import { SignInCheck } from "./signIn.js"

/**
 * One CLI: found where, which version, whether it is the right program,
 * and its sign-in.
 *
 * - `ok`: found, and the CLI the gateway speaks to (or it cannot be told
 *   otherwise); usable.
 * - `missing`: not found (not on PATH, or the configured path is not there).
 * - `wrong_program`: another program under the CLI's name, or a version
 *   without the flags the gateway passes.
 * - `broken`: found, but its `--version` failed, hung or could not start.
 *
 * @since 0.1.0
 */
export const CliCheck = Schema.Struct({
  cli: Cli,
  /** The configured binary: a name looked up on PATH, or a path (`LLM_GATEWAY_<CLI>_BIN`). */
  command: Schema.String,
  status: Schema.Literal("ok", "missing", "wrong_program", "broken"),
  /** What the command resolved to. */
  path: Schema.NullOr(Schema.String),
  version: Schema.NullOr(Schema.String),
  /** What was found, in words: the version line, or what is wrong. */
  detail: Schema.String,
  /** What to do about it; null when nothing needs doing. */
  fix: Schema.NullOr(Schema.String),
  signIn: SignInCheck
})

/** @since 0.1.0 */
export type CliCheck = typeof CliCheck.Type

/**
 * @since 0.1.0
 */
export const Problem = Schema.Struct({
  /** `error`: the server cannot serve; `warning`: it serves, but something will fail or surprise. */
  level: Schema.Literal("error", "warning"),
  message: Schema.String
})

/** @since 0.1.0 */
export type Problem = typeof Problem.Type

/**
 * @since 0.1.0
 */
export const DoctorReport = Schema.Struct({
  gateway: Schema.Struct({ version: Schema.String }),
  node: NodeCheck,
  /** Empty when the configuration does not load. */
  clis: Schema.Array(CliCheck),
  /** Null when the configuration does not load. */
  database: Schema.NullOr(DatabaseCheck),
  /** The Streamable HTTP mode (`LLM_GATEWAY_HTTP`); null when the server speaks stdio, or the configuration does not load. */
  http: Schema.NullOr(HttpCheck),
  configuration: Schema.Struct({
    valid: Schema.Boolean,
    /** Why it does not load, as the server would say at start. */
    error: Schema.NullOr(Schema.String),
    settings: Schema.Array(Setting)
  }),
  problems: Schema.Array(Problem),
  /** True when nothing is an error: the server can start and serve (exit code 0). */
  ok: Schema.Boolean
})

/** @since 0.1.0 */
export type DoctorReport = typeof DoctorReport.Type
