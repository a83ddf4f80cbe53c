/**
 * What an upgrade of a CLI runs, as a plan: which targets are accepted (a
 * plain version or a dist-tag) and the argv of 1.4.0's strategy for each
 * CLI and target. Pure: nothing here runs anything.
 *
 * @since 0.1.0
 */
import { agentFacts } from "../agents/facts.js"
import { allClis, type Cli } from "../domain/Cli.js"
import { UpgradeTargetInvalid } from "./errors.js"

/** Longest target accepted. @since 0.1.0 */
export const TARGET_MAX_LENGTH = 64

/**
 * A plain version (`1.2.3`, `1.2.3-rc.1`) or a dist-tag (a lowercase word:
 * `latest`, `next`, `beta`, `stable`, `preview`, `nightly`…). Nothing that
 * npm reads as another package (`npm:x`, `x@y`), a URL, a path, a range or
 * an option, and no space, so it stays one harmless argument.
 *
 * @since 0.1.0
 */
export const TARGET_PATTERN = /^(?:[a-z][a-z0-9-]*|[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)$/

/** @since 0.1.0 */
export const isValidTarget = (target: string): boolean =>
  target.length >= 1 && target.length <= TARGET_MAX_LENGTH && TARGET_PATTERN.test(target)

/** The npm packages of the CLIs installed with npm. @since 0.1.0 */
export const NPM_PACKAGES: Readonly<Partial<Record<Cli, string>>> = Object.fromEntries(
  allClis.flatMap((cli) => {
    const pkg = agentFacts[cli].npmPackage
    return pkg === undefined ? [] : [[cli, pkg]]
  })
)

/**
 * How a plan upgrades: the CLI's own updater, its own installer of a given
 * version, or a global npm install.
 *
 * @since 0.1.0
 */
export type UpgradeStrategy = "self-update" | "self-install" | "npm-global-install"

/**
 * What an upgrade runs: `command` (the configured binary of the CLI, or npm)
 * with `args`; `argv` is the two together.
 *
 * @since 0.1.0
 */
export interface UpgradePlan {
  readonly cli: Cli
  readonly target: string
  readonly strategy: UpgradeStrategy
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly argv: ReadonlyArray<string>
}

const targetHint = "Give a version such as 1.2.3 or 1.2.3-rc.1, or a dist-tag such as latest, next, beta or stable."

/**
 * The plan of a CLI's upgrade strategy (its agent's `upgrade`) for a target (already validated); 1.4.0's:
 * claude `update` / `install <target>`; codex `update` / npm
 * `@openai/codex@<target>`; gemini npm `@google/gemini-cli@<target>`; grok
 * `update` / `update --version <target>`.
 *
 * @since 0.1.0
 */
export const buildPlan = (
  cli: Cli,
  target: string,
  commands: { readonly binary: string; readonly npm: string }
): UpgradePlan => {
  const plan = (strategy: UpgradeStrategy, command: string, args: ReadonlyArray<string>): UpgradePlan => ({
    cli,
    target,
    strategy,
    command,
    args,
    argv: [command, ...args]
  })
  const step = agentFacts[cli].upgrade(target)
  return step._tag === "Self"
    ? plan(step.strategy, commands.binary, step.args)
    : plan("npm-global-install", commands.npm, ["install", "-g", `${step.package}@${target}`])
}

/**
 * The refusal of a target that is not a plain version or dist-tag.
 *
 * @since 0.1.0
 */
export const invalidTarget = (cli: Cli, target: string): UpgradeTargetInvalid =>
  new UpgradeTargetInvalid({
    message: `upgrade target ${JSON.stringify(target.slice(0, 100))} is not a plain version or dist-tag` +
      (target.length > TARGET_MAX_LENGTH ? ` (it is longer than ${TARGET_MAX_LENGTH} characters)` : ""),
    cli,
    target,
    hint: targetHint
  })

/**
 * An argv as one readable line (for messages only: it is never run by a
 * shell), quoting the words that need it.
 *
 * @since 0.1.0
 */
export const formatArgv = (argv: ReadonlyArray<string>): string =>
  argv.map((a) => /^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a)).join(" ")
