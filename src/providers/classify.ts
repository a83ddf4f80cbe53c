/**
 * Shared rules for telling, from a failed run's words, what went wrong.
 * Each adapter adds what is specific to its CLI (exit codes, result
 * subtypes) and falls back to these.
 *
 * @since 0.1.0
 */
import { agentFacts } from "../agents/facts.js"
import { byCli, type Cli } from "../domain/Cli.js"
import {
  CliAuthRequired,
  CliExitedNonZero,
  type CliFailure,
  CliModelUnknown,
  CliNetworkError,
  CliRateLimited,
  SessionNotFound
} from "../domain/errors.js"
import type { FailedRun } from "./Provider.js"

/** The command that logs each CLI in. @since 0.1.0 */
export const loginCommands: Readonly<Record<Cli, string>> = byCli((cli) => agentFacts[cli].login)

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
/**
 * What the CLIs print when they cannot reach their service (Node's and
 * Rust's resolver and socket errors, undici's "fetch failed", claude's
 * "Can't reach the API server", codex's reconnect and transport words,
 * proxy failures). Bounded alternations only: linear on any input.
 *
 * @since 0.1.0
 */
export const NETWORK =
  /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|fetch failed|can'?t reach the api server|unable to connect to (the )?api|failed to lookup address|name does not resolve|getaddrinfo|stream disconnected|waiting for network|error sending request|connection (refused|reset|failed|error)|network (is )?unreachable|socket hang up|tunneling socket could not be established|proxy (error|authentication required|connection failed)|407 proxy)/i
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

const tellingNetworkLine = (text: string): string | undefined =>
  text.split("\n").map((l) => l.trim()).find((l) => NETWORK.test(l))?.slice(0, 2000)

const describeEnd = (run: FailedRun): string =>
  run.signal !== null ? `was ended by ${run.signal}` : `exited with code ${run.exitCode}`

/**
 * Words with which a CLI says that it retries by itself (gemini's "Attempt
 * 2 failed. Retrying with backoff", codex's "Reconnecting... 3/5").
 *
 * @since 0.1.0
 */
export const RETRIED = /\b(attempt \d+ failed|reconnecting\.\.\.|retrying (with|in|after)\b)/i

/**
 * The same failure, saying whether the CLI retried by itself, when it is a
 * network failure.
 *
 * @since 0.1.0
 */
export const withRetriedByCli = (failure: CliFailure, retried: boolean): CliFailure =>
  failure._tag === "CliNetworkError" && failure.retriedByCli !== retried
    ? new CliNetworkError({
      message: failure.message,
      cli: failure.cli,
      hint: failure.hint,
      cliMessage: failure.cliMessage,
      exitCode: failure.exitCode,
      ...(failure.endpoint !== undefined ? { endpoint: failure.endpoint } : {}),
      retriedByCli: retried
    })
    : failure

// A URL, or the host[:port] after a resolver or socket error code.
const ENDPOINT_URL = /\bhttps?:\/\/[^\s"'<>()\]]{1,200}/i
const ENDPOINT_HOST = /\b(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|getaddrinfo \w+)\s+\[?([A-Za-z0-9.-]{1,253}(?::\d{1,5})?|[0-9a-fA-F:]{2,39}\]?(?::\d{1,5})?)/

/**
 * The endpoint a network failure names: a URL, else the host (and port)
 * after an error code such as `ENOTFOUND api.anthropic.com` or
 * `ECONNREFUSED 127.0.0.1:9`.
 *
 * @since 0.1.0
 */
export const endpointOf = (text: string): string | undefined => {
  const url = ENDPOINT_URL.exec(text)
  if (url !== null) return url[0].replace(/[.,;:]+$/, "")
  const host = ENDPOINT_HOST.exec(text)
  return host?.[1]
}

/**
 * The failure for a CLI that could not reach its service.
 *
 * @since 0.1.0
 */
export const networkError = (
  cli: Cli,
  words: string,
  exitCode: number | null,
  options: {
    readonly endpoint?: string | undefined
    readonly stillRunningAfterMs?: number | undefined
    /** Whether the output shows that the CLI retried by itself (default: as `RETRIED` finds in `words`). */
    readonly retriedByCli?: boolean | undefined
  } = {}
): CliNetworkError => {
  const endpoint = options.endpoint ?? endpointOf(words)
  const when = options.stillRunningAfterMs !== undefined
    ? ` (it kept failing for ${Math.round(options.stillRunningAfterMs / 1000)} s and was stopped)`
    : ""
  return new CliNetworkError({
    cli,
    cliMessage: words,
    exitCode,
    retriedByCli: options.retriedByCli ?? (options.stillRunningAfterMs !== undefined || RETRIED.test(words)),
    ...(endpoint !== undefined ? { endpoint } : {}),
    message: `${cli} could not reach its service${endpoint !== undefined ? ` at ${endpoint}` : ""}${when}: ${words}`,
    hint: `Check this machine's network and DNS, the proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and ${
      agentFacts[cli].endpointSettings
    }; the gateway passes only allowed variables to the CLI (add others with LLM_GATEWAY_CHILD_ENV).`
  })
}


/**
 * The failure for a session id the CLI does not know.
 *
 * @since 0.1.0
 */
export const sessionNotFound = (cli: Cli, sessionId: string | undefined, words: string): SessionNotFound =>
  new SessionNotFound({
    cli,
    sessionId: sessionId ?? "",
    cliMessage: words,
    message: `${cli} has no session ${sessionId !== undefined ? JSON.stringify(sessionId) : "to resume"}: ${words}`,
    hint:
      `The CLI keeps its sessions per user and (for claude and gemini) per working folder: resume from the same HOME and cwd, ` +
      `pass an id that session_list or an earlier reply reported, or leave sessionId out to start a new session.`
  })

/**
 * The hint of a run that the CLI refused for an option it does not know.
 *
 * @since 0.1.0
 */
export const unknownOptionHint = (cli: Cli): string =>
  `${cli} did not accept an option the gateway passes: it may be too old, or not the ${cli} CLI the gateway expects. ` +
  `Call cli_versions, upgrade it (cli_upgrade), or point LLM_GATEWAY_${cli.toUpperCase()}_BIN at the right binary.`

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
    stdoutTail: tail(run.stdout),
    ...(e.hint !== undefined ? { hint: e.hint } : {})
  })

/**
 * The words with which the CLIs refuse an option they do not know (pinned
 * on the real binaries: claude and the community grok "error: unknown
 * option '--x'", codex "error: unexpected argument '--x' found", gemini
 * "Unknown arguments: x").
 *
 * @since 0.1.0
 */
export const UNKNOWN_OPTION = /\b(error: unknown option|error: unexpected argument|unknown arguments?:|unrecognized option|error: invalid value '[^'\n]{0,80}' for '--)/i

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
  if (NETWORK.test(haystack)) {
    return networkError(cli, NETWORK.test(words) ? words : (tellingNetworkLine(haystack) ?? words), run.exitCode, {
      retriedByCli: RETRIED.test(haystack)
    })
  }
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
  const unknownOption = UNKNOWN_OPTION.exec(haystack)
  const optionWords = unknownOption === null
    ? undefined
    : haystack.split("\n").map((l) => l.trim()).find((l) => UNKNOWN_OPTION.test(l))
  return new CliExitedNonZero({
    message: `${cli} ${describeEnd(run)}${optionWords ? `: ${optionWords}` : words ? `: ${words}` : ""}`,
    command: run.command,
    cli,
    exitCode: run.exitCode,
    signal: run.signal,
    stderrTail: tail(run.stderr),
    stdoutTail: tail(run.stdout),
    ...(unknownOption !== null ? { hint: unknownOptionHint(cli) } : {})
  })
}
