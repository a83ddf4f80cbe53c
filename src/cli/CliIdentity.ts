/**
 * Whether the binary configured for a CLI is that CLI, checked before its
 * first use and remembered per path and modification time (a binary
 * replaced in place, by an upgrade say, is checked again).
 *
 * The checks, cheapest first: the npm package the binary belongs to; its
 * `--version` line; its help, where the version line cannot tell (gemini
 * prints a bare number, and several programs are called `grok`). Each
 * command is bounded in time; a check that cannot tell (a hang, a crash)
 * lets the binary run and is not remembered.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { statSync } from "node:fs"
import { GatewayConfig } from "../Config.js"
import { allClis, type Cli } from "../domain/Cli.js"
import { CliIncompatible, type CliNotFound } from "../domain/errors.js"
import { cliInheritance } from "../process/childEnvironment.js"
import { CommandRunner } from "../process/CommandRunner.js"
import { Providers } from "../providers/Providers.js"
import { byHelp, byPackage, byVersion, type Identity, incompatibleHint, packageOf } from "./identify.js"

export { type Identity } from "./identify.js"

/**
 * @since 0.1.0
 */
export interface CliIdentityShape {
  /**
   * What the configured binary of a CLI is. Fails only when there is no
   * binary. `versionText`: what its `--version` just printed, when the
   * caller ran it (so it is not run again).
   */
  readonly identify: (
    cli: Cli,
    options?: {
      readonly versionText?: string | undefined
      /** False: tell only from what needs no process (the package, an earlier check); `Unknown` otherwise. */
      readonly spawn?: boolean | undefined
    }
  ) => Effect.Effect<Identity, CliNotFound>
  /** Passes when the binary is the CLI (or cannot be told), fails with `CliIncompatible` when it is another program. */
  readonly check: (cli: Cli) => Effect.Effect<void, CliIncompatible | CliNotFound>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CliIdentity extends Context.Tag("llm-cli-gateway/CliIdentity")<CliIdentity, CliIdentityShape>() {}

const PROBE_OUTPUT_BYTES = 256 * 1024

/**
 * The error of an incompatible binary.
 *
 * @since 0.1.0
 */
export const incompatible = (
  cli: Cli,
  command: string,
  identity: Extract<Identity, { readonly _tag: "Incompatible" }>
): CliIncompatible =>
  new CliIncompatible({
    cli,
    command,
    path: identity.path,
    found: identity.found,
    expected: identity.expected,
    message: `${identity.path} is not the ${cli} CLI the gateway speaks to: it is ${identity.found}`,
    hint: incompatibleHint(cli, identity.expected)
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<CliIdentityShape, never, GatewayConfig | CommandRunner | Providers> = Effect.gen(
  function*() {
    const config = yield* GatewayConfig
    const runner = yield* CommandRunner
    const providers = yield* Providers
    const known = new Map<string, Identity>()
    // One check at a time per CLI: concurrent first requests share its result.
    const locks = Object.fromEntries(
      yield* Effect.forEach(allClis, (cli) => Effect.map(Effect.makeSemaphore(1), (s) => [cli, s] as const))
    ) as Record<Cli, Effect.Semaphore>

    /** A command's output (stdout then stderr), or why there is none. */
    const probe = (cli: Cli, path: string, args: ReadonlyArray<string>) =>
      runner.exec({
        command: path,
        args,
        inheritEnv: cliInheritance(providers[cli].environment, config.childEnv),
        idleTimeoutMs: config.identifyTimeoutMs,
        maxOutputBytes: PROBE_OUTPUT_BYTES
      }).pipe(
        Effect.timeoutOption(Duration.millis(config.identifyTimeoutMs)),
        Effect.map((run) =>
          Option.isNone(run)
            ? ({ ok: false, reason: `${args.join(" ")} did not answer within ${config.identifyTimeoutMs} ms` } as const)
            : run.value.exitCode === 0
            ? ({ ok: true, text: `${run.value.stdout}\n${run.value.stderr}` } as const)
            : ({ ok: false, reason: `${args.join(" ")} exited with code ${run.value.exitCode}` } as const)
        ),
        Effect.catchAll((e) => Effect.succeed({ ok: false, reason: e.message } as const))
      )

    const examine = (cli: Cli, path: string, known: string | undefined, spawn: boolean): Effect.Effect<Identity> =>
      Effect.gen(function*() {
        const spec = providers[cli].identity
        const fromPackage = byPackage(spec, path, packageOf(path))
        if (fromPackage !== undefined) return fromPackage
        if (!spawn) return { _tag: "Unknown", path, reason: "not checked yet" } as const
        let versionText = known
        if (spec.version !== undefined) {
          if (versionText === undefined) {
            const version = yield* probe(cli, path, ["--version"])
            if (!version.ok) return { _tag: "Unknown", path, reason: version.reason } as const
            versionText = version.text
          }
          const fromVersion = byVersion(spec, path, versionText)
          if (fromVersion !== undefined) return fromVersion
        }
        if (spec.help === undefined) return { _tag: "Compatible", path, by: "nothing" } as const
        const help = yield* probe(cli, path, spec.help.args)
        // A help that fails says nothing about which program this is.
        if (!help.ok) return { _tag: "Unknown", path, reason: help.reason } as const
        const identity = byHelp(spec, path, help.text, versionText)
        if (identity._tag === "Compatible" || versionText !== undefined) return identity
        // Not the CLI: say what its --version prints, when it prints anything.
        const version = yield* probe(cli, path, ["--version"])
        return byHelp(spec, path, help.text, version.ok ? version.text : undefined)
      })

    const identify = (
      cli: Cli,
      options: { readonly versionText?: string | undefined; readonly spawn?: boolean | undefined } = {}
    ): Effect.Effect<Identity, CliNotFound> =>
      Effect.flatMap(runner.resolve(config.binaries[cli]), (path) =>
        locks[cli].withPermits(1)(Effect.suspend(() => {
          let key: string
          try {
            const stat = statSync(path)
            key = `${path}\u0000${stat.mtimeMs}\u0000${stat.size}`
          } catch {
            return examine(cli, path, options.versionText, options.spawn ?? true)
          }
          const cached = known.get(key)
          if (cached !== undefined) return Effect.succeed(cached)
          return Effect.tap(examine(cli, path, options.versionText, options.spawn ?? true), (identity) =>
            identity._tag === "Unknown"
              ? options.spawn === false ? Effect.void : Effect.logWarning(`could not tell whether ${path} is the ${cli} CLI (${identity.reason}); using it`)
              : Effect.sync(() => known.set(key, identity)))
        })))

    const check = (cli: Cli): Effect.Effect<void, CliIncompatible | CliNotFound> =>
      Effect.flatMap(identify(cli), (identity) =>
        identity._tag === "Incompatible"
          ? Effect.fail(incompatible(cli, config.binaries[cli], identity))
          : Effect.void)

    return { identify, check }
  }
)

/**
 * The live service: checks each binary before its first use.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CliIdentity, never, GatewayConfig | CommandRunner | Providers> = Layer.effect(
  CliIdentity,
  make
)

/**
 * A service that takes every binary for the CLI it is named after, and
 * runs nothing: for tests with a scripted `CommandRunner`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTrusting: Layer.Layer<CliIdentity> = Layer.succeed(CliIdentity, {
  identify: (cli) => Effect.succeed({ _tag: "Compatible", path: cli, by: "nothing" }),
  check: () => Effect.void
})
