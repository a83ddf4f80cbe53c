/**
 * Each CLI as the doctor reports it: what `cli_versions` finds (the
 * configured binary resolved, its `--version`, the identity check that
 * tells the CLI from another program of the same name), with its sign-in.
 * Runs nothing but what `cli_versions` runs; never a request.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { VersionReport } from "../cli/versionReport.js"
import { CliUpdater } from "../cli/CliUpdater.js"
import type { Cli } from "../domain/Cli.js"
import type { CliCheck } from "./doctorReport.js"
import { checkSignIn } from "./signIn.js"

const binVariable = (cli: Cli) => `LLM_GATEWAY_${cli.toUpperCase()}_BIN`

/**
 * The check of one CLI from its version report.
 *
 * @since 0.1.0
 */
export const fromReport = (
  report: VersionReport,
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform
): CliCheck => {
  const signIn = checkSignIn(report.cli, env, { platform })
  const base = { cli: report.cli, command: report.command, signIn }
  const byHand = `Run \`${report.command} --version\` by hand to see why; reinstall with ${signIn.install} if it is broken.`
  switch (report.status) {
    case "installed":
      return { ...base, status: "ok", path: report.path, version: report.version, detail: report.raw, fix: null }
    case "unparsable":
      return { ...base, status: "ok", path: report.path, version: null, detail: `--version printed ${JSON.stringify(report.raw)}`, fix: null }
    case "not_installed":
      return {
        ...base,
        status: "missing",
        path: null,
        version: null,
        detail: report.message,
        fix: `Install it: ${signIn.install}; or point ${binVariable(report.cli)} at it.`
      }
    case "incompatible":
      return {
        ...base,
        status: "wrong_program",
        path: report.path,
        version: null,
        detail: `${report.path} is ${report.found}`,
        fix: report.hint
      }
    case "timed_out":
      return {
        ...base,
        status: "broken",
        path: report.path,
        version: null,
        detail: `--version did not answer within ${report.timeoutMs} ms`,
        fix: byHand
      }
    case "exited_non_zero":
      return {
        ...base,
        status: "broken",
        path: report.path,
        version: null,
        detail: `--version exited with ${report.exitCode === null ? `signal ${report.signal}` : `code ${report.exitCode}`}` +
          (report.message !== "" ? `: ${report.message}` : ""),
        fix: byHand
      }
    case "spawn_failed":
      return { ...base, status: "broken", path: null, version: null, detail: report.message, fix: byHand }
  }
}

/**
 * Every CLI's check, at once.
 *
 * @since 0.1.0
 */
export const checkClis = (
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform = process.platform
): Effect.Effect<ReadonlyArray<CliCheck>, never, CliUpdater> =>
  Effect.flatMap(CliUpdater, (updater) =>
    Effect.map(updater.versions(), (reports) => reports.map((report) => fromReport(report, env, platform))))
