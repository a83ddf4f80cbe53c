/**
 * What opencode's error reports mean: an `error` event of `--format json`
 * (or the error object the default format prints) as a classified failure,
 * in the order of docs/agents/opencode.md, "Failures". Pure.
 *
 * @since 0.1.0
 */
import { CliAuthRequired, type CliFailure, CliModelUnknown, CliRateLimited, CliRunFailed } from "../../domain/errors.js"
import { networkError } from "../../providers/classify.js"
import { num, obj, str } from "../../providers/jsonl.js"
import { facts } from "./facts.js"
import type { OpencodeError } from "./stream.js"

/** The AI SDK's words when the provider cannot be reached (opencode retried first). @since 0.1.0 */
export const CANNOT_CONNECT = /Cannot connect to API|Unable to connect\. Is the computer able to access the url/
const USAGE_LIMIT = /FreeUsageLimitError|GoUsageLimitError|usage limit reached/i
// "Model not found: <provider>/<model>. Did you mean: a, b, c?" (an event, or --print-logs' ProviderModelNotFoundError)
const MODEL_NOT_FOUND = /Model not found: (\S{1,300}?)\.(?= Did you mean|["\s)]|$)(?: Did you mean: ([^?"\n]{1,1000})\?)?/
const PROVIDER_INIT = /Failed to initialize provider "([^"\n]{1,100})"/
const OVERFLOW = new Set(["ContextOverflowError", "OutputLengthError"])

const auth = (words: string, exitCode: number | null, provider?: string): CliAuthRequired =>
  new CliAuthRequired({
    cli: "opencode",
    cliMessage: words,
    exitCode,
    message: `opencode has no working credentials${provider !== undefined ? ` for the provider "${provider}"` : ""}: ${words}`,
    hint: `Sign in with \`opencode auth login\` or set the provider's key (ANTHROPIC_API_KEY, OPENAI_API_KEY, ...); ` +
      "the gateway passes opencode only the keys it knows (add others with LLM_GATEWAY_CHILD_ENV). opencode/* models need no key.",
    loginCommand: facts.login
  })

const modelUnknown = (words: string, exitCode: number | null, model: string | undefined): CliModelUnknown =>
  new CliModelUnknown({
    cli: "opencode",
    cliMessage: words,
    exitCode,
    message: `opencode does not know the model${model !== undefined ? ` "${model}"` : ""}: ${words}`,
    hint: "Call list_models (or `opencode models`) for the provider/model names opencode offers, or omit `model`.",
    ...(model !== undefined ? { model } : {})
  })

/** A run that failed for a reason opencode stated. @since 0.1.0 */
export const runFailed = (message: string, words: string, exitCode: number | null, hint: string): CliRunFailed =>
  new CliRunFailed({ cli: "opencode", cliMessage: words, exitCode, message: `${message}: ${words}`, hint })

/**
 * "Model not found": a provider opencode did not load (no key) is reported
 * so too; its suggestions then hold the requested model's own id.
 */
const modelNotFound = (text: string, exitCode: number | null, requested: string | undefined): CliFailure | undefined => {
  const found = MODEL_NOT_FOUND.exec(text)
  if (found === null) return undefined
  const model = found[1]!
  const [provider = "", ...rest] = model.split("/")
  const suggestions = (found[2] ?? "").split(",").map((s) => s.trim())
  const words = found[0].trim()
  return provider !== "opencode" && suggestions.includes(rest.join("/"))
    ? auth(words, exitCode, provider)
    : modelUnknown(words, exitCode, requested ?? model)
}

/**
 * What an error event (or the default format's error object) says, when it
 * says something specific; `logs` are the `--print-logs` lines, which name
 * the cause of an "Unexpected server error".
 *
 * @since 0.1.0
 */
export const classifyError = (e: OpencodeError, exitCode: number | null, logs: string, model: string | undefined): CliFailure | undefined => {
  const words = e.message
  switch (e.name) {
    case "ProviderAuthError":
      return auth(words, exitCode, str(e.data, "providerID"))
    case "APIError": {
      const status = num(e.data, "statusCode")
      const body = str(e.data, "responseBody") ?? ""
      if (status === 401 || status === 403) return auth(words, exitCode)
      if (status === 429 || USAGE_LIMIT.test(body) || USAGE_LIMIT.test(words)) {
        return new CliRateLimited({
          cli: "opencode",
          cliMessage: words,
          exitCode,
          message: `opencode was rate limited or is out of quota: ${words}`,
          hint: "opencode has already retried (about five times, obeying retry-after); wait and retry later, or use another model or CLI."
        })
      }
      if (status === undefined && CANNOT_CONNECT.test(words)) {
        const url = str(obj(e.data, "metadata"), "url")
        return networkError("opencode", words, exitCode, { retriedByCli: true, ...(url !== undefined ? { endpoint: url } : {}) })
      }
      if (status !== undefined && status >= 500) {
        const hint = "Retry later, or use another model or CLI."
        return runFailed(`opencode's provider failed (HTTP ${status}) after opencode's retries`, words, exitCode, hint)
      }
      return undefined
    }
    case "UnknownError": {
      const specific = modelNotFound(words, exitCode, model) ?? modelNotFound(logs, exitCode, model)
      if (specific !== undefined) return specific
      const init = PROVIDER_INIT.exec(logs)
      if (init !== null) return auth(init[0], exitCode, init[1])
      return undefined
    }
    default:
      return OVERFLOW.has(e.name)
        ? runFailed(`opencode stopped (${e.name})`, words, exitCode, "Shorten the prompt or start a new session, or ask for less output.")
        : undefined
  }
}

