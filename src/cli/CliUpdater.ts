/**
 * The installed CLIs' versions, and their upgrades.
 *
 * `versions` runs `<bin> --version` for each CLI at once, each bounded in
 * time, and reports a version or why there is none; one CLI failing never
 * fails the others. `upgrade` builds the command of 1.4.0's strategy for the
 * CLI and target (an argv array, never a shell line), returns it as a plan
 * on a dry run, and otherwise runs it bounded by a wall-clock timeout, with
 * the version before and after. The target must be a plain version or a
 * dist-tag; anything else is refused before anything runs.
 *
 * @since 0.1.0
 */
import { installHint } from "../agents/facts.js"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { GatewayConfig } from "../Config.js"
import { allClis, type Cli } from "../domain/Cli.js"
import type { CliIncompatible, CliNotFound, IdleTimeout, SpawnFailed } from "../domain/errors.js"
import { CliIdentity, type Identity, incompatible } from "./CliIdentity.js"
import { incompatibleHint } from "./identify.js"
import { cliInheritance } from "../process/childEnvironment.js"
import { CommandRunner, type OutputChunk } from "../process/CommandRunner.js"
import * as Providers from "../providers/Providers.js"
import { UpgradeFailed, type UpgradeTargetInvalid, UpgradeTimedOut } from "./errors.js"
import { buildPlan, formatArgv, invalidTarget, isValidTarget, type UpgradePlan } from "./upgradePlan.js"
import { redact } from "../observability/redact.js"
import { firstLine, lastLine, parseVersion, VERSION_ARGS, type VersionReport } from "./versionReport.js"

/**
 * Version reports (defined in `cli/versionReport`).
 *
 * @since 0.1.0
 */
export { parseVersion, VERSION_ARGS, VersionReport } from "./versionReport.js"

/**
 * Upgrade plans and targets (defined in `cli/upgradePlan`).
 *
 * @since 0.1.0
 */
export {
  buildPlan,
  formatArgv,
  isValidTarget,
  NPM_PACKAGES,
  TARGET_MAX_LENGTH,
  TARGET_PATTERN,
  type UpgradePlan,
  type UpgradeStrategy
} from "./upgradePlan.js"

/**
 * @since 0.1.0
 */
export interface UpgradeRequest {
  readonly cli: Cli
  /** A version or dist-tag (default `latest`). */
  readonly target?: string | undefined
  /** Only plan (default true). */
  readonly dryRun?: boolean | undefined
  /** Wall-clock bound of the upgrade command (default: the service's, 10 min). */
  readonly timeoutMs?: number | undefined
}

/**
 * What an upgrade did. A run that exits non-zero fails with `UpgradeFailed`
 * instead.
 *
 * @since 0.1.0
 */
export type UpgradeOutcome =
  | { readonly dryRun: true; readonly plan: UpgradePlan }
  | {
    readonly dryRun: false
    readonly plan: UpgradePlan
    /** What ran: the resolved path of the command, then its arguments. */
    readonly ran: ReadonlyArray<string>
    readonly exitCode: number
    readonly durationMs: number
    readonly stdoutTail: string
    readonly stderrTail: string
    readonly versionBefore: VersionReport
    readonly versionAfter: VersionReport
    /** Whether the version changed; null when one of the two is unknown. */
    readonly changed: boolean | null
  }

/**
 * @since 0.1.0
 */
export interface CliUpdaterShape {
  /** One CLI's version report. Never fails. */
  readonly version: (cli: Cli) => Effect.Effect<VersionReport>
  /** The reports of the CLIs given (default all), run at once, in the order given. Never fails. */
  readonly versions: (clis?: ReadonlyArray<Cli>) => Effect.Effect<ReadonlyArray<VersionReport>>
  /** The plan for a CLI and target; an invalid target is refused. */
  readonly plan: (cli: Cli, target?: string) => Effect.Effect<UpgradePlan, UpgradeTargetInvalid>
  /** Plans, and unless `dryRun` (the default), runs the plan. Upgrades run one at a time. */
  readonly upgrade: (
    request: UpgradeRequest
  ) => Effect.Effect<
    UpgradeOutcome,
    UpgradeTargetInvalid | UpgradeFailed | UpgradeTimedOut | CliIncompatible | CliNotFound | SpawnFailed | IdleTimeout
  >
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CliUpdater extends Context.Tag("llm-cli-gateway/CliUpdater")<CliUpdater, CliUpdaterShape>() {}

/**
 * Options of the live service.
 *
 * @since 0.1.0
 */
export interface MakeOptions {
  /** The npm to run for npm installs: a name on PATH or a path (default `npm`). */
  readonly npmCommand?: string | undefined
  /** Bound of each version command (default 10,000 ms). */
  readonly versionTimeoutMs?: number | undefined
  /** Bound of an upgrade command when the request gives none (default 600,000 ms). */
  readonly upgradeTimeoutMs?: number | undefined
}

/** @since 0.1.0 */
export const DEFAULT_VERSION_TIMEOUT_MS = 10_000
/** @since 0.1.0 */
export const DEFAULT_UPGRADE_TIMEOUT_MS = 600_000

const TAIL_CHARS = 4_000
const VERSION_OUTPUT_BYTES = 64 * 1024

const incompatibleReport = (
  cli: Cli,
  command: string,
  found: Extract<Identity, { readonly _tag: "Incompatible" }>
): VersionReport => ({
  cli,
  status: "incompatible",
  command,
  path: found.path,
  found: found.found,
  expected: found.expected,
  hint: incompatibleHint(cli, found.expected)
})

/** The last characters of a stream, kept as output arrives. */
class Tail {
  private text = ""
  private readonly decoder = new TextDecoder()
  push(data: Uint8Array): void {
    this.text = (this.text + this.decoder.decode(data, { stream: true })).slice(-TAIL_CHARS)
  }
  get value(): string {
    return this.text
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: MakeOptions = {}
): Effect.Effect<CliUpdaterShape, never, GatewayConfig | CommandRunner | CliIdentity> =>
  Effect.gen(function*() {
    const config = yield* GatewayConfig
    const runner = yield* CommandRunner
    const identity = yield* CliIdentity
    const npmCommand = options.npmCommand ?? config.npmBinary
    const versionTimeoutMs = options.versionTimeoutMs ?? DEFAULT_VERSION_TIMEOUT_MS
    const defaultUpgradeTimeoutMs = options.upgradeTimeoutMs ?? DEFAULT_UPGRADE_TIMEOUT_MS
    const oneUpgradeAtATime = yield* Effect.makeSemaphore(1)
    // A CLI's version and update commands get what its requests get: the shared variables, its own vendor's
    // and LLM_GATEWAY_CHILD_ENV's; npm gets no vendor's.
    const adapters = Providers.make({ trustWorkspace: config.geminiTrustWorkspace })
    const inheritEnvOf = (cli: Cli | undefined) =>
      cliInheritance(cli === undefined ? undefined : adapters[cli].environment, config.childEnv)

    const version = (cli: Cli): Effect.Effect<VersionReport> => {
      const command = config.binaries[cli]
      return Effect.gen(function*() {
        const resolved = yield* Effect.either(runner.resolve(command))
        if (resolved._tag === "Left") {
          const e = resolved.left
          return { cli, status: "not_installed", command, message: e.message, hint: `${e.hint} ${installHint(cli)}` } as const
        }
        const path = resolved.right
        // A binary already known to be another program (its package says so, or an earlier check did) is not run.
        const known = yield* Effect.either(identity.identify(cli, { spawn: false }))
        if (known._tag === "Right" && known.right._tag === "Incompatible") return incompatibleReport(cli, command, known.right)
        const run = yield* runner.exec({
          command: path,
          args: VERSION_ARGS,
          inheritEnv: inheritEnvOf(cli),
          idleTimeoutMs: versionTimeoutMs,
          maxOutputBytes: VERSION_OUTPUT_BYTES
        }).pipe(Effect.timeoutOption(Duration.millis(versionTimeoutMs)), Effect.either)
        if (run._tag === "Left") {
          const e = run.left
          switch (e._tag) {
            case "CliNotFound":
              return { cli, status: "not_installed", command, message: e.message, hint: `${e.hint} ${installHint(cli)}` } as const
            case "IdleTimeout":
              return { cli, status: "timed_out", command, path, timeoutMs: versionTimeoutMs } as const
            case "SpawnFailed":
              return { cli, status: "spawn_failed", command, message: e.message } as const
          }
        }
        if (Option.isNone(run.right)) {
          return { cli, status: "timed_out", command, path, timeoutMs: versionTimeoutMs } as const
        }
        const result = run.right.value
        if (result.exitCode !== 0) {
          return {
            cli,
            status: "exited_non_zero",
            command,
            path,
            exitCode: result.exitCode,
            signal: result.signal,
            message: redact(lastLine(result.stderr) || lastLine(result.stdout))
          } as const
        }
        // Another program under the CLI's name is reported as such, whatever version it prints.
        const identified = yield* Effect.either(identity.identify(cli, { versionText: `${result.stdout}\n${result.stderr}` }))
        if (identified._tag === "Right" && identified.right._tag === "Incompatible") {
          return incompatibleReport(cli, command, identified.right)
        }
        const parsed = parseVersion(result.stdout).pipe(Option.orElse(() => parseVersion(result.stderr)))
        const raw = redact(firstLine(result.stdout) || firstLine(result.stderr))
        return Option.isSome(parsed)
          ? { cli, status: "installed", command, path, version: parsed.value, raw } as const
          : { cli, status: "unparsable", command, path, raw } as const
      })
    }

    const versions = (clis: ReadonlyArray<Cli> = allClis) =>
      Effect.forEach([...new Set(clis)], version, { concurrency: "unbounded" })

    const plan = (cli: Cli, target: string = "latest"): Effect.Effect<UpgradePlan, UpgradeTargetInvalid> =>
      isValidTarget(target)
        ? Effect.succeed(buildPlan(cli, target, { binary: config.binaries[cli], npm: npmCommand }))
        : Effect.fail(invalidTarget(cli, target))

    const runPlan = (p: UpgradePlan, timeoutMs: number) =>
      Effect.gen(function*() {
        const stdout = new Tail()
        const stderr = new Tail()
        const onOutput = (chunk: OutputChunk) =>
          Effect.sync(() => (chunk.stream === "stdout" ? stdout : stderr).push(chunk.data))
        const ran = [yield* runner.resolve(p.command), ...p.args]
        const outcome = yield* runner.exec({
          command: ran[0]!,
          args: p.args,
          inheritEnv: inheritEnvOf(p.strategy === "npm-global-install" ? undefined : p.cli),
          // The wall clock is the bound; the idle window must not end it earlier.
          idleTimeoutMs: timeoutMs,
          onOutput
        }).pipe(Effect.timeoutOption(Duration.millis(timeoutMs)))
        if (Option.isNone(outcome)) {
          return yield* new UpgradeTimedOut({
            message: `${formatArgv(p.argv)} did not finish within ${timeoutMs} ms and was stopped`,
            cli: p.cli,
            argv: ran,
            timeoutMs,
            stdoutTail: redact(stdout.value),
            stderrTail: redact(stderr.value),
            hint: `Give it more time (timeoutMs, up to 3,600,000), or run \`${formatArgv(p.argv)}\` yourself.`
          })
        }
        const result = outcome.value
        if (result.exitCode !== 0) {
          const why = redact(lastLine(result.stderr) || lastLine(result.stdout))
          return yield* new UpgradeFailed({
            message: `${formatArgv(p.argv)} ${
              result.signal !== null ? `was ended by ${result.signal}` : `exited with code ${result.exitCode}`
            }${why !== "" ? `: ${why}` : ""}`,
            cli: p.cli,
            argv: ran,
            exitCode: result.exitCode,
            signal: result.signal,
            durationMs: result.durationMs,
            stdoutTail: redact(result.stdoutTail.slice(-TAIL_CHARS)),
            stderrTail: redact(result.stderrTail.slice(-TAIL_CHARS)),
            hint: p.strategy === "npm-global-install"
              ? `Run \`${formatArgv(p.argv)}\` yourself to see why; npm may need write access to its global folder.`
              : `Run \`${formatArgv(p.argv)}\` yourself to see why.`
          })
        }
        return { ran, result }
      })

    // An upgrade runs the CLI's own command (`grok update`…) or npm's install over it: never against a
    // binary that is another program (a community `grok` takes `update` as a prompt to its agent). A dry run
    // runs nothing, so it tells only from what needs no process (the package, an earlier check); a real run
    // checks through its version report first.
    const refuseIncompatible = (cli: Cli, found: Identity | VersionReport | undefined) => {
      if (found === undefined) return Effect.void
      if ("_tag" in found) return found._tag === "Incompatible" ? Effect.fail(incompatible(cli, config.binaries[cli], found)) : Effect.void
      return found.status === "incompatible"
        ? Effect.fail(incompatible(cli, found.command, { _tag: "Incompatible", path: found.path, found: found.found, expected: found.expected }))
        : Effect.void
    }
    const knownIdentity = (cli: Cli) =>
      identity.identify(cli, { spawn: false }).pipe(Effect.catchTag("CliNotFound", () => Effect.succeed(undefined)))

    const upgrade = (request: UpgradeRequest) =>
      Effect.gen(function*() {
        const p = yield* plan(request.cli, request.target)
        yield* refuseIncompatible(request.cli, yield* knownIdentity(request.cli))
        if (request.dryRun ?? true) return { dryRun: true, plan: p } as const
        const timeoutMs = request.timeoutMs ?? defaultUpgradeTimeoutMs
        return yield* oneUpgradeAtATime.withPermits(1)(Effect.gen(function*() {
          const versionBefore = yield* version(request.cli)
          yield* refuseIncompatible(request.cli, versionBefore)
          const { ran, result } = yield* runPlan(p, timeoutMs)
          const versionAfter = yield* version(request.cli)
          return {
            dryRun: false,
            plan: p,
            ran,
            exitCode: 0,
            durationMs: result.durationMs,
            stdoutTail: redact(result.stdoutTail.slice(-TAIL_CHARS)),
            stderrTail: redact(result.stderrTail.slice(-TAIL_CHARS)),
            versionBefore,
            versionAfter,
            changed: versionBefore.status === "installed" && versionAfter.status === "installed"
              ? versionBefore.version !== versionAfter.version
              : null
          } as const
        }))
      })

    return { version, versions, plan, upgrade } satisfies CliUpdaterShape
  })

/**
 * The live service, with npm from PATH and the default bounds.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CliUpdater, never, GatewayConfig | CommandRunner | CliIdentity> = Layer.effect(
  CliUpdater,
  make()
)

/**
 * The live service with options (another npm, other bounds).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options: MakeOptions
): Layer.Layer<CliUpdater, never, GatewayConfig | CommandRunner | CliIdentity> =>
  Layer.effect(CliUpdater, make(options))
