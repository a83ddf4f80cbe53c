/**
 * The values of the secrets in the server's own environment, and their
 * removal from text. A token whose value has no known shape
 * (`MY_SERVICE_TOKEN=hunter2hunter2`, `DATABASE_PASSWORD=…`) escapes the
 * shape rules of `redact.ts`; a CLI that prints it on stderr would carry it
 * into answers, job rows, logs and the flight recorder. So the value of
 * every variable whose *name* looks secret is collected once, and every
 * occurrence of it is replaced by `[REDACTED]`.
 *
 * A name looks secret when one of its word parts (split at `_`, `-`, `.`
 * and lower→upper case changes; case does not matter) is one of
 * `SECRET_NAME_PARTS`: KEY(S), APIKEY, ACCESSKEY, SECRETKEY, PRIVATEKEY,
 * TOKEN(S), AUTHTOKEN, ACCESSTOKEN, REFRESHTOKEN, BEARER, JWT, SECRET(S),
 * CLIENTSECRET, PASSWORD(S), PASSWD, PASS, PASSPHRASE, PWD, CREDENTIAL(S),
 * CRED(S), AUTH, OAUTH, PRIVATE, SESSION, COOKIE(S), PAT. `KEYBOARD`,
 * `PATH` or `PASSENV` are not (a part must be the whole word). Not
 * collected: `PWD` and `OLDPWD` (the shell's folders), names whose last
 * part says the value is where a secret is, not the secret (`…_FILE`,
 * `…_PATH`, `…_DIR`, `…_SOCK`, `…_SOCKET`: `SSH_AUTH_SOCK`,
 * `GOOGLE_APPLICATION_CREDENTIALS_FILE`), and values shorter than
 * `MIN_SECRET_LENGTH` characters (`1`, `true`, `x11`), which would redact
 * ordinary words. Each value is also looked for as JSON escapes it (how it
 * appears in JSON log lines, logfmt quotes and JSON event streams) and
 * without surrounding whitespace.
 *
 * Finding them is linear in the text whatever the values: one Aho–Corasick
 * automaton over all of them. Where occurrences overlap, their
 * union becomes one marker, so no part of any value survives (longest
 * first, and more). Pure, but for `processSecretValues`, which reads
 * `process.env` once, the first time it is asked.
 *
 * @since 0.1.0
 */

/**
 * The word parts that make a variable's name look secret (upper case).
 *
 * @since 0.1.0
 */
export const SECRET_NAME_PARTS: ReadonlyArray<string> = [
  "KEY",
  "KEYS",
  "APIKEY",
  "ACCESSKEY",
  "SECRETKEY",
  "PRIVATEKEY",
  "TOKEN",
  "TOKENS",
  "AUTHTOKEN",
  "ACCESSTOKEN",
  "REFRESHTOKEN",
  "BEARER",
  "JWT",
  "SECRET",
  "SECRETS",
  "CLIENTSECRET",
  "PASSWORD",
  "PASSWORDS",
  "PASSWD",
  "PASS",
  "PASSPHRASE",
  "PWD",
  "CREDENTIAL",
  "CREDENTIALS",
  "CRED",
  "CREDS",
  "AUTH",
  "OAUTH",
  "PRIVATE",
  "SESSION",
  "COOKIE",
  "COOKIES",
  "PAT"
]

/** Whole names that are not secrets although a part says so. */
const NOT_SECRET_NAMES: ReadonlySet<string> = new Set([
  "PWD",
  "OLDPWD",
  // The gateway's own OAuth settings name an issuer and what its tokens must say: public facts, not secrets.
  "LLM_GATEWAY_OAUTH_ISSUER",
  "LLM_GATEWAY_OAUTH_AUDIENCE",
  "LLM_GATEWAY_OAUTH_JWKS_URL",
  "LLM_GATEWAY_OAUTH_SCOPES",
  "LLM_GATEWAY_OAUTH_ALGORITHMS",
  "LLM_GATEWAY_OAUTH_CLOCK_SKEW_MS",
  "LLM_GATEWAY_OAUTH_FETCH_TIMEOUT_MS",
  "LLM_GATEWAY_OAUTH_JWKS_COOLDOWN_MS"
])

/** A last part that says the value tells where a secret is, not what it is. */
const LOCATION_PARTS: ReadonlySet<string> = new Set(["FILE", "PATH", "DIR", "SOCK", "SOCKET"])

const secretParts: ReadonlySet<string> = new Set(SECRET_NAME_PARTS)

/**
 * Values shorter than this are never collected.
 *
 * @since 0.1.0
 */
export const MIN_SECRET_LENGTH = 8

/** What a found secret becomes (the same marker as `redact.ts`'s `REDACTED`). */
const MARKER = "[REDACTED]"

/** A name's word parts, upper case: `myServiceToken` and `MY_SERVICE_TOKEN` both give MY, SERVICE, TOKEN. */
const nameParts = (name: string): Array<string> =>
  name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").split(/[^A-Za-z0-9]+/).filter((p) => p !== "").map((p) => p.toUpperCase())

/**
 * Whether a variable's value is collected as a secret, by its name alone.
 *
 * @since 0.1.0
 */
export const isSecretName = (name: string): boolean => {
  if (NOT_SECRET_NAMES.has(name.toUpperCase())) return false
  const parts = nameParts(name)
  const last = parts[parts.length - 1]
  if (last === undefined || LOCATION_PARTS.has(last)) return false
  return parts.some((p) => secretParts.has(p))
}

/**
 * A set of secret values, compiled for searching.
 *
 * @since 0.1.0
 */
export interface SecretValues {
  /** The values searched for (with their escaped and trimmed forms), longest first. */
  readonly values: ReadonlyArray<string>
  /** The length of the longest value (0 when there is none). */
  readonly longest: number
  /** @internal the automaton */
  readonly automaton: Automaton | undefined
}

/**
 * The values searched for, given the raw ones: each with its JSON-escaped
 * and trimmed forms, none shorter than `MIN_SECRET_LENGTH`, none that the
 * marker itself contains (so redacting twice changes nothing), longest
 * first, each once.
 */
const variants = (raw: Iterable<string>): Array<string> => {
  const out = new Set<string>()
  const add = (v: string) => {
    if (v.length >= MIN_SECRET_LENGTH && !MARKER.includes(v)) out.add(v)
  }
  for (const value of raw) {
    add(value)
    add(value.trim())
    add(JSON.stringify(value).slice(1, -1))
    add(JSON.stringify(value.trim()).slice(1, -1))
  }
  return [...out].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * Secret values given as such (for tests and embedding apps).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromValues = (raw: Iterable<string>): SecretValues => {
  const values = variants(raw)
  return {
    values,
    longest: values[0]?.length ?? 0,
    automaton: values.length === 0 ? undefined : build(values)
  }
}

/**
 * The values of the variables of `env` whose names look secret
 * (`isSecretName`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const collectSecretValues = (env: Readonly<Record<string, string | undefined>>): SecretValues =>
  fromValues(
    Object.entries(env).flatMap(([name, value]) => value !== undefined && isSecretName(name) ? [value] : [])
  )

/**
 * No secret values: text passes unchanged.
 *
 * @since 0.1.0
 */
export const none: SecretValues = fromValues([])

let fromProcess: SecretValues | undefined

/**
 * The secret values of this process's environment, collected the first
 * time they are asked for and kept.
 *
 * @since 0.1.0
 */
export const processSecretValues = (): SecretValues => {
  if (fromProcess === undefined) fromProcess = collectSecretValues(process.env)
  return fromProcess
}

// ---------------------------------------------------------------------------
// The automaton
// ---------------------------------------------------------------------------

/**
 * The compiled search: a trie of the values with failure links.
 *
 * @since 0.1.0
 * @internal
 */
export interface Automaton {
  /** Each state's transitions, by UTF-16 code unit. */
  readonly next: Array<Map<number, number>>
  /** The start state's transitions as a table (most characters start nothing: one read each). */
  readonly root: Int32Array
  /** Each state's failure link. */
  readonly fail: Array<number>
  /** The length of the longest value that ends at each state (0: none). */
  readonly out: Array<number>
}

const build = (values: ReadonlyArray<string>): Automaton => {
  const next: Array<Map<number, number>> = [new Map()]
  const depth: Array<number> = [0]
  const own: Array<number> = [0]
  for (const value of values) {
    let state = 0
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i)
      let to = next[state]!.get(c)
      if (to === undefined) {
        to = next.length
        next.push(new Map())
        depth.push(depth[state]! + 1)
        own.push(0)
        next[state]!.set(c, to)
      }
      state = to
    }
    own[state] = value.length
  }
  const fail: Array<number> = new Array(next.length).fill(0)
  const out: Array<number> = [...own]
  // Breadth first, so each state's failure link is final before its children's.
  const queue: Array<number> = [...next[0]!.values()]
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!
    for (const [c, child] of next[state]!) {
      let f = fail[state]!
      while (f !== 0 && !next[f]!.has(c)) f = fail[f]!
      const to = next[f]!.get(c)
      fail[child] = to !== undefined && to !== child ? to : 0
      // The longest value ending here: its own (the deepest), else the failure link's.
      if (out[child] === 0) out[child] = out[fail[child]!]!
      queue.push(child)
    }
  }
  const root = new Int32Array(0x10000)
  for (const [c, to] of next[0]!) root[c] = to
  return { next, root, fail, out }
}

/**
 * The spans `[start, end)` of `text` that hold a secret value: every
 * occurrence, overlapping ones joined (touching ones stay apart), in order. Linear in the
 * text.
 *
 * @since 0.1.0
 */
export const secretSpans = (secrets: SecretValues, text: string): Array<readonly [number, number]> => {
  const spans: Array<[number, number]> = []
  const a = secrets.automaton
  if (a === undefined) return spans
  const { fail, next, out, root } = a
  let state = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (state === 0) {
      state = root[c]!
      if (state === 0) continue
    } else {
      let to = next[state]!.get(c)
      while (to === undefined && state !== 0) {
        state = fail[state]!
        to = state === 0 ? root[c]! : next[state]!.get(c)
      }
      state = to ?? 0
    }
    const length = out[state]!
    if (length === 0) continue
    let start = i + 1 - length
    const end = i + 1
    // Spans come in order of their ends; one that reaches back swallows those it overlaps.
    while (spans.length > 0 && spans[spans.length - 1]![1] > start) start = Math.min(start, spans.pop()![0])
    spans.push([start, end])
  }
  return spans
}

const replaceSpans = (text: string, spans: ReadonlyArray<readonly [number, number]>, upTo: number): string => {
  let out = ""
  let kept = 0
  for (const [start, end] of spans) {
    if (end > upTo) break
    out += text.slice(kept, start) + MARKER
    kept = end
  }
  return out + text.slice(kept, upTo)
}

/**
 * The text with every occurrence of a secret value replaced by
 * `[REDACTED]`. Linear in the text; idempotent.
 *
 * @since 0.1.0
 */
export const redactValues = (secrets: SecretValues, text: string): string => {
  if (secrets.automaton === undefined || text.length < MIN_SECRET_LENGTH) return text
  const spans = secretSpans(secrets, text)
  return spans.length === 0 ? text : replaceSpans(text, spans, text.length)
}

/**
 * Redacts a text that arrives in pieces (a CLI's output as it is stored):
 * a value cut between two pieces is still found. Each `write` answers what
 * can be let out so far; up to `longest - 1` characters (more while they
 * are part of a secret) wait for the next piece, and `end` lets out the
 * rest.
 *
 * @since 0.1.0
 */
export class SecretStreamRedactor {
  private held = ""

  constructor(private readonly secrets: SecretValues) {}

  /** The redacted text that no later piece can change. */
  write(piece: string): string {
    if (this.secrets.automaton === undefined) return piece
    const text = this.held + piece
    const spans = secretSpans(this.secrets, text)
    // A value not yet complete starts in the last `longest - 1` characters; a span across the cut waits whole.
    let cut = Math.max(0, text.length - (this.secrets.longest - 1))
    for (const [start, end] of spans) {
      if (start < cut && end > cut) cut = start
      if (start >= cut) break
    }
    this.held = text.slice(cut)
    return replaceSpans(text, spans, cut)
  }

  /** The rest, redacted: the text has ended. */
  end(): string {
    const rest = this.held
    this.held = ""
    return redactValues(this.secrets, rest)
  }
}
