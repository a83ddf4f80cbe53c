/**
 * Shared rules for telling, from a failed run's words, what went wrong.
 * Each adapter adds what is specific to its CLI (exit codes, result
 * subtypes) and falls back to these.
 *
 * @since 0.1.0
 */
import type { Cli } from "../domain/Cli.js"
import {
  CliAuthRequired,
  CliExitedNonZero,
  type CliFailure,
  CliModelUnknown,
  CliRateLimited
} from "../domain/errors.js"
import type { FailedRun } from "./Provider.js"

/** The command that logs each CLI in. @since 0.1.0 */
export const loginCommands: Readonly<Record<Cli, string>> = {
  claude: "claude /login (or set ANTHROPIC_API_KEY)",
  codex: "codex login (or set CODEX_API_KEY)",
  gemini: "gemini (sign in interactively once) or set GEMINI_API_KEY",
  grok: "grok login (or set XAI_API_KEY)"
}

const TAIL_BYTES = 4096

/**
 * The last `max` characters of a text, whole lines where possible.
 *
 * @since 0.1.0
 */
export const tail = (text: string, max: number = TAIL_BYTES): string => {
  if (text.length <= max) return text
  const cut = text.slice(text.length - max)
  const nl = cut.indexOf("\n")
  return nl >= 0 && nl < cut.length - 1 ? cut.slice(nl + 1) : cut
}

// Bounded, anchor-free alternations only: linear on any input.
const AUTH = /\b(not logged in|please log ?in|login required|unauthori[sz]ed|invalid api key|invalid x-api-key|authentication (failed|required|error)|api key (is )?(missing|not set|invalid)|401\b|oauth token (has )?expired|credentials? (not found|expired|invalid))/i
const RATE = /\b(rate[ -]?limit(ed)?|too many requests|429\b|quota (exceeded|exhausted)|usage limit|resource[_ ]exhausted|overloaded)/i
const MODEL = /\b(model[^\n]{0,80}(not found|does not exist|not supported|unknown|invalid|not available)|(unknown|invalid|unsupported) model|model_not_found)/i

/**
 * The most telling line of a failed run's output, for messages.
 *
 * @since 0.1.0
 */
export const cliWords = (run: Pick<FailedRun, "stderr" | "stdout">): string => {
  const text = run.stderr.trim() !== "" ? run.stderr : run.stdout
  const lines = tail(text).split("\n").map((l) => l.trim()).filter((l) => l !== "")
  const telling = lines.find((l) => AUTH.test(l) || RATE.test(l) || MODEL.test(l) || /error/i.test(l))
  return (telling ?? lines[lines.length - 1] ?? "").slice(0, 2000)
}

const describeEnd = (run: FailedRun): string =>
  run.signal !== null ? `was ended by ${run.signal}` : `exited with code ${run.exitCode}`

/**
 * The failure for a CLI that is not signed in or whose credentials were
 * refused.
 *
 * @since 0.1.0
 */
export const authRequired = (cli: Cli, words: string, exitCode: number | null): CliAuthRequired =>
  new CliAuthRequired({
    cli,
    cliMessage: words,
    exitCode,
    message: `${cli} is not signed in or its credentials were refused: ${words}`,
    hint: `Sign in with \`${loginCommands[cli]}\`, then retry.`,
    loginCommand: loginCommands[cli]
  })

/**
 * A generic failure again, with the tails of the run's real output (for when
 * it was classified from chosen words instead).
 *
 * @since 0.1.0
 */
export const withRunTails = (
  e: CliExitedNonZero,
  run: Pick<FailedRun, "stderr" | "stdout">
): CliExitedNonZero =>
  new CliExitedNonZero({
    message: e.message,
    command: e.command,
    ...(e.cli !== undefined ? { cli: e.cli } : {}),
    exitCode: e.exitCode,
    signal: e.signal,
    stderrTail: tail(run.stderr),
    stdoutTail: tail(run.stdout)
  })

/**
 * Classifies by the words of the output alone; `CliExitedNonZero` when
 * nothing specific is found.
 *
 * @since 0.1.0
 */
export const classifyByText = (cli: Cli, run: FailedRun, words: string = cliWords(run)): CliFailure => {
  const haystack = `${tail(run.stderr)}\n${tail(run.stdout)}`
  const base = { cli, cliMessage: words, exitCode: run.exitCode }
  if (AUTH.test(haystack)) return authRequired(cli, words, run.exitCode)
  if (RATE.test(haystack)) {
    return new CliRateLimited({
      ...base,
      message: `${cli} was rate limited or is out of quota: ${words}`,
      hint: "Wait and retry later, or switch to another model or CLI."
    })
  }
  if (MODEL.test(haystack)) {
    return new CliModelUnknown({
      ...base,
      message: `${cli} does not know the model${run.model ? ` "${run.model}"` : ""}: ${words}`,
      hint: "Call list_models for the models this CLI offers, or omit `model` to use its default.",
      ...(run.model !== undefined ? { model: run.model } : {})
    })
  }
  return new CliExitedNonZero({
    message: `${cli} ${describeEnd(run)}${words ? `: ${words}` : ""}`,
    command: run.command,
    cli,
    exitCode: run.exitCode,
    signal: run.signal,
    stderrTail: tail(run.stderr),
    stdoutTail: tail(run.stdout)
  })
}
