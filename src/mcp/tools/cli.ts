/**
 * The CLI lifecycle tools: `cli_versions`, `cli_upgrade`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { CliUpdater, formatArgv, type UpgradeOutcome, VersionReport } from "../../cli/CliUpdater.js"
import { Cli } from "../../domain/Cli.js"
import { withDefault } from "../../domain/fields.js"
import * as Tool from "../Tool.js"

/**
 * What `cli_versions` answers: one report per CLI.
 *
 * @since 0.1.0
 */
export const CliVersionsOutput = Schema.Struct({ versions: Schema.Array(VersionReport) })

/**
 * An upgrade's plan: the command it runs.
 *
 * @since 0.1.0
 */
export const UpgradePlanView = Schema.Struct({
  cli: Cli,
  target: Schema.String,
  strategy: Schema.Literal("self-update", "self-install", "npm-global-install"),
  command: Schema.String,
  args: Schema.Array(Schema.String),
  argv: Schema.Array(Schema.String)
})

/**
 * What `cli_upgrade` answers: the plan of a dry run, or what the upgrade did.
 *
 * @since 0.1.0
 */
export const CliUpgradeOutput = Schema.Union(
  Schema.Struct({ dryRun: Schema.Literal(true), plan: UpgradePlanView }),
  Schema.Struct({
    dryRun: Schema.Literal(false),
    plan: UpgradePlanView,
    ran: Schema.Array(Schema.String).annotations({ description: "The resolved command, then its arguments." }),
    exitCode: Schema.Number,
    durationMs: Schema.Number,
    stdoutTail: Schema.String,
    stderrTail: Schema.String,
    versionBefore: VersionReport,
    versionAfter: VersionReport,
    changed: Schema.NullOr(Schema.Boolean).annotations({ description: "Null when a version is unknown." })
  })
)

const versionLine = (r: VersionReport): string => {
  switch (r.status) {
    case "installed":
      return `${r.cli} ${r.version} (${r.path})`
    case "not_installed":
      return `${r.cli}: not installed (${r.message}). ${r.hint}`
    case "timed_out":
      return `${r.cli}: \`${r.path} --version\` did not answer within ${r.timeoutMs} ms`
    case "exited_non_zero":
      return `${r.cli}: \`${r.path} --version\` ${
        r.signal !== null ? `was ended by ${r.signal}` : `exited with code ${r.exitCode}`
      }${r.message !== "" ? `: ${r.message}` : ""}`
    case "unparsable":
      return `${r.cli}: no version in the output of \`${r.path} --version\`: ${JSON.stringify(r.raw)}`
    case "incompatible":
      return `${r.cli}: ${r.path} is not the ${r.cli} CLI the gateway speaks to: it is ${r.found}. ${r.hint}`
    case "spawn_failed":
      return `${r.cli}: could not start ${r.command}: ${r.message}`
  }
}

const shown = (v: VersionReport): string => v.status === "installed" ? v.version : v.status.replace(/_/g, " ")

const upgradeText = (o: UpgradeOutcome): string =>
  o.dryRun
    ? `Dry run: the upgrade of ${o.plan.cli} to ${o.plan.target} would run \`${formatArgv(o.plan.argv)}\` (${o.plan.strategy}). ` +
      `Nothing was run; call again with dryRun: false to run it.`
    : `${o.plan.cli}: ran \`${formatArgv(o.plan.argv)}\` in ${o.durationMs} ms (exit 0). Version ${shown(o.versionBefore)} → ` +
      `${shown(o.versionAfter)}${o.changed === false ? " (unchanged)" : ""}.`

/** @since 0.1.0 */
export const cliVersions = Tool.make({
  name: "cli_versions",
  description: "Each CLI's (or one CLI's) installed version and path, or why there is none.",
  input: Schema.Struct({ cli: Schema.optional(Cli) }),
  output: CliVersionsOutput,
  annotations: Tool.readOnly("CLI versions"),
  handler: ({ cli }) =>
    Effect.gen(function*() {
      const updater = yield* CliUpdater
      const versions = yield* updater.versions(cli !== undefined ? [cli] : undefined)
      return {
        text: versions.map(versionLine).join("\n"),
        structured: { versions }
      }
    })
})

/** @since 0.1.0 */
export const cliUpgrade = Tool.make({
  name: "cli_upgrade",
  description: "Upgrade a CLI by its own updater or npm. A dry run (the default) only shows the command; " +
    "dryRun: false runs it, answering versions before and after.",
  input: Schema.Struct({
    cli: Cli,
    // The pattern is checked by the service (UpgradeTargetInvalid); the JSON Schema keeps 1.4.0's shape.
    target: withDefault(
      Schema.String.pipe(Schema.minLength(1)).annotations({ description: "A version (1.2.3) or a dist-tag." }),
      "latest"
    ),
    dryRun: withDefault(Schema.Boolean, true),
    timeoutMs: Schema.optional(Schema.Int.pipe(Schema.between(30_000, 3_600_000)))
  }),
  output: CliUpgradeOutput,
  annotations: {
    title: "Upgrade a CLI",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true
  },
  handler: ({ cli, dryRun, target, timeoutMs }) =>
    Effect.gen(function*() {
      const updater = yield* CliUpdater
      const outcome = yield* updater.upgrade({ cli, target, dryRun, timeoutMs })
      return { text: upgradeText(outcome), structured: outcome }
    })
})

/** @since 0.1.0 */
export const cliTools = [cliVersions, cliUpgrade] as const
