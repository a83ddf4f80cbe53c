/**
 * `llm-cli-gateway doctor`: whether this install can serve, without the
 * network and without running any agent. It reads the configuration as
 * the server does, checks Node.js, each CLI (through the services
 * `cli_versions` uses: `--version` and the identity check, nothing else),
 * each CLI's sign-in as its variables and files show it, the database
 * (read-only), and with `LLM_GATEWAY_HTTP` set the HTTP mode (where, whether
 * loopback, how many bearer tokens; never a token). Exit code 0 when the
 * server can serve, 1 when not.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { GatewayConfig, type GatewayConfigShape } from "../Config.js"
import * as Gateway from "../Gateway.js"
import * as Logging from "../observability/Logging.js"
import * as CommandRunner from "../process/CommandRunner.js"
import { VERSION } from "../version.js"
import { checkClis } from "./cliChecks.js"
import { checkDatabase, type DatabaseCheck } from "./databaseCheck.js"
import { checkPostgres } from "./databaseCheckPg.js"
import { formatReport } from "./doctorFormat.js"
import { checkHttp, type HttpCheck } from "./doctorHttp.js"
import { type CliCheck, DoctorReport, type Problem } from "./doctorReport.js"
import { checkNode, type NodeCheck } from "./nodeSupport.js"
import { readSettings } from "./settings.js"

/**
 * @since 0.1.0
 */
export interface DoctorOptions {
  /** The environment to diagnose (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined
  readonly platform?: NodeJS.Platform | undefined
  readonly node?: NodeCheck | undefined
}

/** The services `cli_versions` uses, on a configuration, with log lines on stderr. */
const cliServices = (config: GatewayConfigShape, env: Readonly<Record<string, string | undefined>>) =>
  Layer.mergeAll(
    Gateway.layerRunners(Layer.effect(CommandRunner.CommandRunner, CommandRunner.make({ inheritedEnv: env }))),
    Logging.layer
  ).pipe(Layer.provide(Layer.succeed(GatewayConfig, config)))

const names = (checks: ReadonlyArray<CliCheck>) => checks.map((c) => c.cli).join(", ")

/**
 * The problems a report shows, worst first.
 *
 * @since 0.1.0
 */
export const problemsOf = (
  node: NodeCheck,
  configError: string | null,
  clis: ReadonlyArray<CliCheck>,
  database: DatabaseCheck | null,
  http: HttpCheck | null = null
): ReadonlyArray<Problem> => {
  const errors: Array<Problem> = []
  const warnings: Array<Problem> = []
  if (node.supported === false) {
    errors.push({ level: "error", message: `Node.js ${node.version} is older than this version supports (${node.required}): install a newer Node.js.` })
  }
  if (configError !== null) errors.push({ level: "error", message: `The configuration does not load, so the server would not start: ${configError}` })
  if (database?.status === "unusable") errors.push({ level: "error", message: `The database ${database.path} ${database.message}` })
  if (http !== null && http.status !== "ok") {
    errors.push({
      level: "error",
      message: `HTTP (LLM_GATEWAY_HTTP=${http.address}): ${http.message}${http.fix === null ? "." : `: ${http.fix}.`}`
    })
  }
  if (http?.status === "ok" && http.cleartext) {
    warnings.push({
      level: "warning",
      message: `HTTP on ${http.address} is reachable from other machines over plain HTTP: tokens and prompts cross the ` +
        "network in clear text. Put TLS in front (a reverse proxy) and set LLM_GATEWAY_HTTP_PUBLIC_URL to its https:// URL."
    })
  }
  const missing = clis.filter((c) => c.status === "missing")
  const wrong = clis.filter((c) => c.status === "wrong_program")
  const broken = clis.filter((c) => c.status === "broken")
  const unsigned = clis.filter((c) => c.status === "ok" && c.signIn.credentials === "none_found")
  if (configError === null && clis.every((c) => c.status !== "ok")) {
    warnings.push({ level: "warning", message: "No CLI is usable: every request fails until one is installed (see each CLI's fix)." })
  }
  if (wrong.length > 0) warnings.push({ level: "warning", message: `Another program answers as ${names(wrong)}: requests to it are refused until it is replaced.` })
  if (broken.length > 0) warnings.push({ level: "warning", message: `${names(broken)} did not answer --version: requests to it may fail.` })
  if (missing.length > 0) {
    warnings.push({ level: "warning", message: `Not installed: ${names(missing)} (requests to ${missing.length === 1 ? "it" : "them"} fail).` })
  }
  if (unsigned.length > 0) warnings.push({ level: "warning", message: `No sign-in found for ${names(unsigned)}: requests to it may fail until you sign in.` })
  return [...errors, ...warnings]
}

/**
 * The report of this install. Never fails: what cannot be checked is
 * reported.
 *
 * @since 0.1.0
 */
export const diagnose = (options: DoctorOptions = {}): Effect.Effect<DoctorReport> =>
  Effect.gen(function*() {
    const env = options.env ?? process.env
    const platform = options.platform ?? process.platform
    const node = options.node ?? checkNode()
    const { config, settings } = yield* readSettings(env)
    const configuration = {
      valid: config._tag === "Right",
      error: config._tag === "Left" ? config.left : null,
      settings
    }
    const [clis, database, http] = config._tag === "Left"
      ? [[], null, null] as const
      : yield* Effect.all([
        Effect.provide(checkClis(env, platform), cliServices(config.right, env)),
        Option.match(config.right.databaseUrl, {
          onNone: () => checkDatabase(config.right.databasePath),
          onSome: checkPostgres
        }),
        checkHttp(config.right, env)
      ], { concurrency: "unbounded" })
    const problems = problemsOf(node, configuration.error, clis, database, http)
    return {
      gateway: { version: VERSION },
      node,
      clis,
      database,
      http,
      configuration,
      problems,
      ok: problems.every((p) => p.level !== "error")
    }
  })

const encode = Schema.encodeSync(DoctorReport)

/**
 * `doctor` and `doctor --json`: the text to print and the exit code.
 *
 * @since 0.1.0
 */
export const doctor = (
  options: DoctorOptions & { readonly json: boolean }
): Effect.Effect<{ readonly output: string; readonly exitCode: number }> =>
  Effect.map(diagnose(options), (report) => ({
    output: options.json ? `${JSON.stringify(encode(report), null, 2)}\n` : formatReport(report),
    exitCode: report.ok ? 0 : 1
  }))
