/**
 * Redaction of secrets from text before it is written anywhere durable (the
 * flight recorder, job rows) or shown (a log, an answer): first the value
 * of every secret-named variable of the server's environment, whatever its
 * shape (`secretValues.ts`), then the known shapes: API keys, bearer tokens
 * and `Authorization` headers, `*_API_KEY=value` style assignments, AWS
 * access key ids, JWTs, private key blocks and passwords in URLs. Pure, but
 * for the environment's values, collected once from `process.env`
 * (`redactWith` takes them as an argument).
 *
 * Every pattern runs in linear time: each starts with a literal or a word
 * boundary and has bounded or non-overlapping repetitions, so a hostile
 * input cannot make it backtrack catastrophically. PEM blocks are found by
 * scanning, not by a regular expression.
 *
 * @since 0.1.0
 */

import { processSecretValues, redactValues, type SecretValues } from "./secretValues.js"

/**
 * What a secret is replaced with.
 *
 * @since 0.1.0
 */
export const REDACTED = "[REDACTED]"

interface Rule {
  readonly name: string
  readonly pattern: RegExp
  /** The replacement; `$1` keeps a prefix (a header or variable name). */
  readonly replace: string
}

/**
 * The rules, applied in order. Those that keep a name (headers,
 * assignments) come first, so the name stays and only the value goes.
 */
const rules: ReadonlyArray<Rule> = [
  {
    // Authorization: Bearer x / "authorization": "Basic x" / Proxy-Authorization=x
    name: "authorization-header",
    pattern:
      /(\b(?:proxy-)?authorization["']?[ \t]{0,8}[:=][ \t]{0,8}["']?)(?:(?:bearer|basic|token|digest)[ \t]{1,8})?[^\s"',;}\\]{1,4096}/gi,
    replace: `$1${REDACTED}`
  },
  {
    // OPENAI_API_KEY=sk-… / GITHUB_TOKEN: "…" / export AWS_SECRET_ACCESS_KEY='…'
    name: "secret-assignment",
    pattern:
      /(\b(?:[A-Z][A-Z0-9_]{0,63})?(?:API_?KEY|_TOKEN|_SECRET|SECRET_ACCESS_KEY|_PASSWORD|_PASSWD|_PAT)[ \t]{0,8}[=:][ \t]{0,8})(?:"[^"\r\n]{0,4096}"|'[^'\r\n]{0,4096}'|[^\s"',;\\]{1,4096})/g,
    replace: `$1${REDACTED}`
  },
  {
    // "api_key": "…" / apiKey: … / password=… / client_secret: … (JSON, YAML, query strings)
    name: "secret-field",
    pattern:
      /(\b(?:api[_-]?key|access[_-]?token|auth[_-]?token|refresh[_-]?token|secret[_-]?key|client[_-]?secret|password|passwd)["']?[ \t]{0,8}[=:][ \t]{0,8})(?:"[^"\r\n]{0,4096}"|'[^'\r\n]{0,4096}'|[^\s"',;&}\\]{1,4096})/gi,
    replace: `$1${REDACTED}`
  },
  { name: "bearer", pattern: /\b(bearer)[ \t]{1,8}[A-Za-z0-9._~+/=-]{8,}/gi, replace: `$1 ${REDACTED}` },
  // sk-…, sk-ant-…, sk-proj-… (OpenAI, Anthropic)
  { name: "sk-key", pattern: /\bsk-[A-Za-z0-9_-]{16,}/g, replace: REDACTED },
  { name: "xai-key", pattern: /\bxai-[A-Za-z0-9_-]{20,}/g, replace: REDACTED },
  { name: "google-key", pattern: /\bAIza[0-9A-Za-z_-]{30,}/g, replace: REDACTED },
  { name: "github-token", pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}/g, replace: REDACTED },
  { name: "github-pat", pattern: /\bgithub_pat_[A-Za-z0-9_]{20,}/g, replace: REDACTED },
  { name: "aws-access-key", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: REDACTED },
  { name: "slack-token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, replace: REDACTED },
  { name: "jwt", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: REDACTED },
  // scheme://user:password@host
  {
    name: "url-password",
    pattern: /(\b[a-z][a-z0-9+.-]{0,15}:\/\/[^\s:/@]{1,256}:)[^\s/@]{1,256}@/gi,
    replace: `$1${REDACTED}@`
  }
]

/** The names of the rules, for documentation and tests. @since 0.1.0 */
export const ruleNames: ReadonlyArray<string> = ["private-key-block", ...rules.map((r) => r.name)]

const PEM_BEGIN = "-----BEGIN "
const PEM_END = "-----END "
const PEM_TAIL = "-----"

/** Replaces every `-----BEGIN … PRIVATE KEY-----` block (to its END line, or to the end). */
const redactPrivateKeys = (text: string): string => {
  let from = text.indexOf(PEM_BEGIN)
  if (from < 0) return text
  let out = ""
  let kept = 0
  while (from >= 0) {
    const headerEnd = text.indexOf(PEM_TAIL, from + PEM_BEGIN.length)
    const label = headerEnd < 0 ? "" : text.slice(from + PEM_BEGIN.length, headerEnd)
    if (headerEnd < 0 || label.length > 64 || !label.endsWith("PRIVATE KEY")) {
      from = text.indexOf(PEM_BEGIN, from + PEM_BEGIN.length)
      continue
    }
    const end = text.indexOf(PEM_END, headerEnd + PEM_TAIL.length)
    const endTail = end < 0 ? -1 : text.indexOf(PEM_TAIL, end + PEM_END.length)
    const stop = endTail < 0 ? text.length : endTail + PEM_TAIL.length
    out += text.slice(kept, from) + REDACTED
    kept = stop
    from = text.indexOf(PEM_BEGIN, stop)
  }
  return out + text.slice(kept)
}

/**
 * The text with every secret it recognises replaced by `[REDACTED]`: the
 * given secret values (longest first, wherever they occur), then the known
 * shapes (a header or variable name before the secret is kept).
 * Idempotent.
 *
 * @since 0.1.0
 */
export const redactWith = (secrets: SecretValues, text: string): string => {
  let out = redactPrivateKeys(redactValues(secrets, text))
  for (const rule of rules) {
    rule.pattern.lastIndex = 0
    out = out.replace(rule.pattern, rule.replace)
  }
  return out
}

/**
 * The text with every secret it recognises replaced by `[REDACTED]`: the
 * values of the secret-named variables of the server's environment
 * (`secretValues.ts`), then the known shapes (a header or variable name
 * before the secret is kept). Idempotent.
 *
 * @since 0.1.0
 */
export const redact = (text: string): string => redactWith(processSecretValues(), text)

/**
 * Every string inside a JSON-like value redacted (`redact`), the shape kept:
 * for log lines, stored errors and answers that are objects.
 *
 * @since 0.1.0
 */
export const redactStrings = (value: unknown): unknown => {
  if (typeof value === "string") return redact(value)
  if (Array.isArray(value)) return value.map(redactStrings)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v)]))
  }
  return value
}

/**
 * `redact` for a value that may be absent.
 *
 * @since 0.1.0
 */
export const redactNullable = (text: string | null | undefined): string | null =>
  text === null || text === undefined ? null : redact(text)
