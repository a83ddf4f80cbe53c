/**
 * The failures of `cli_upgrade`, as tagged errors that serialize.
 *
 * A missing binary (the CLI's or npm's), a refused spawn and an idle window
 * are the runner's own errors (`CliNotFound`, `SpawnFailed`, `IdleTimeout`)
 * and pass through unchanged.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Cli } from "./Cli.js"

/**
 * The upgrade target is not a plain version (`1.2.3`, `1.2.3-rc.1`) or a
 * dist-tag (`latest`, `next`, `beta`…). Refused before anything runs: an
 * npm alias (`npm:other-pkg`), a URL, a path or an option would install or
 * run something else.
 *
 * @since 0.1.0
 */
export class UpgradeTargetInvalid extends Schema.TaggedError<UpgradeTargetInvalid>()("UpgradeTargetInvalid", {
  message: Schema.String,
  cli: Cli,
  target: Schema.String,
  hint: Schema.String
}) {}

/**
 * The upgrade command ran and exited non-zero (or was ended by a signal).
 *
 * @since 0.1.0
 */
export class UpgradeFailed extends Schema.TaggedError<UpgradeFailed>()("UpgradeFailed", {
  message: Schema.String,
  cli: Cli,
  /** What ran: the resolved path of the command, then its arguments. */
  argv: Schema.Array(Schema.String),
  exitCode: Schema.NullOr(Schema.Number),
  signal: Schema.NullOr(Schema.String),
  durationMs: Schema.Number,
  stdoutTail: Schema.String,
  stderrTail: Schema.String,
  hint: Schema.String
}) {}

/**
 * The upgrade command did not end within `timeoutMs`; its whole process
 * group was ended. What it printed until then is in the tails.
 *
 * @since 0.1.0
 */
export class UpgradeTimedOut extends Schema.TaggedError<UpgradeTimedOut>()("UpgradeTimedOut", {
  message: Schema.String,
  cli: Cli,
  argv: Schema.Array(Schema.String),
  timeoutMs: Schema.Number,
  stdoutTail: Schema.String,
  stderrTail: Schema.String,
  hint: Schema.String
}) {}

/**
 * What `cli_upgrade` can fail with, besides the runner's `CliNotFound`,
 * `SpawnFailed` and `IdleTimeout`.
 *
 * @since 0.1.0
 */
export type UpgradeError = UpgradeTargetInvalid | UpgradeFailed | UpgradeTimedOut
