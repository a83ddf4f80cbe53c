/**
 * Redaction: named cases for each kind of secret, properties over random
 * text (secrets never survive, harmless text is untouched, idempotent), and
 * hostile inputs that would make a backtracking pattern take forever.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { redact, REDACTED } from "../../src/observability/redact.js"

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...alphabet.split("")), { minLength: min, maxLength: max }).map((a) => a.join(""))

/** Secrets of every kind the redactor knows, as a generator. */
const secret = fc.oneof(
  chars(alnum + "_-", 20, 60).map((s) => `sk-${s}`),
  chars(alnum + "_-", 20, 60).map((s) => `sk-ant-api03-${s}`),
  chars(alnum + "_-", 20, 60).map((s) => `sk-proj-${s}`),
  chars(alnum, 24, 60).map((s) => `xai-${s}`),
  chars(alnum + "_-", 35, 35).map((s) => `AIza${s}`),
  chars(alnum, 36, 40).map((s) => `ghp_${s}`),
  chars(alnum, 36, 40).map((s) => `gho_${s}`),
  chars(alnum + "_", 22, 82).map((s) => `github_pat_${s}`),
  chars(upperDigits, 16, 16).map((s) => `AKIA${s}`),
  chars(alnum, 10, 40).map((s) => `eyJhbGciOiJIUzI1NiJ9.eyJ${s}sub.${s}sig`)
)

/** Words that contain no secret, whichever way they are joined. */
const harmless = fc.array(
  fc.constantFrom(
    "review",
    "the",
    "diff",
    "in",
    "src/index.ts",
    "skip",
    "sk",
    "task-list",
    "keys",
    "token",
    "tokens:",
    "max_tokens:",
    "42",
    "a",
    "\n",
    "(x)",
    "AKIA",
    "ghp",
    "Bear",
    "https://example.com/path",
    "`code`",
    "[REDACTED]"
  ),
  { maxLength: 40 }
).map((w) => w.join(" "))

describe("redact: named cases", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["OpenAI key", "use sk-proj-abcdefghijklmnop1234567890 now", `use ${REDACTED} now`],
    ["Anthropic key", "key=sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv_wx-yz012345", `key=${REDACTED}`],
    ["xAI key", "xai-AbCdEfGhIjKlMnOpQrStUvWxYz0123", REDACTED],
    ["Google key", "AIzaSyA1234567890abcdefghijklmnopqrstu", REDACTED],
    ["GitHub token", "token ghp_abcdefghijklmnopqrstuvwxyz0123456789", `token ${REDACTED}`],
    ["GitHub fine-grained PAT", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", REDACTED],
    ["AWS access key id", "aws AKIAIOSFODNN7EXAMPLE here", `aws ${REDACTED} here`],
    ["Bearer token", "curl -H 'x: Bearer abc.def-123_456789'", `curl -H 'x: Bearer ${REDACTED}'`],
    ["Authorization header", "Authorization: Bearer abcdefgh12345678", `Authorization: ${REDACTED}`],
    ["Authorization header, Basic", "authorization: Basic dXNlcjpwYXNz", `authorization: ${REDACTED}`],
    ["Authorization in JSON", `{"Authorization": "token abc123"}`, `{"Authorization": "${REDACTED}"}`],
    ["API key assignment", "export OPENAI_API_KEY=whatever-value-1", `export OPENAI_API_KEY=${REDACTED}`],
    ["API key assignment, quoted", `GEMINI_API_KEY="short"`, `GEMINI_API_KEY=${REDACTED}`],
    ["bare API_KEY", "API_KEY: hunter2", `API_KEY: ${REDACTED}`],
    ["token variable", "GITHUB_TOKEN=abc", `GITHUB_TOKEN=${REDACTED}`],
    ["AWS secret", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", `AWS_SECRET_ACCESS_KEY=${REDACTED}`],
    ["password field", `{"password": "hunter2", "user": "bob"}`, `{"password": ${REDACTED}, "user": "bob"}`],
    ["api_key in YAML", "api_key: abcdef", `api_key: ${REDACTED}`],
    ["URL password", "postgres://bob:s3cret@db.local/x", `postgres://bob:${REDACTED}@db.local/x`],
    [
      "JWT",
      "jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
      `jwt ${REDACTED}`
    ],
    [
      "private key block",
      "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nabc\n-----END RSA PRIVATE KEY-----\nb",
      `a\n${REDACTED}\nb`
    ],
    ["private key block without an end", "x -----BEGIN PRIVATE KEY-----\nMIIE", `x ${REDACTED}`],
    ["a public key stays", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"],
    ["plain prose stays", "Please review src/sk-learn.ts and the max_tokens: 100 setting", "Please review src/sk-learn.ts and the max_tokens: 100 setting"],
    ["a short sk- word stays", "sk-learn sk-12", "sk-learn sk-12"]
  ]
  for (const [name, input, expected] of cases) {
    it(name, () => {
      expect(redact(input)).toBe(expected)
    })
  }
})

describe("redact: properties", () => {
  it("no secret survives, wherever it sits in text", () => {
    fc.assert(
      fc.property(harmless, secret, harmless, fc.constantFrom(" ", "\n", "\t", "=", ": ", "\"", "'"), (before, s, after, sep) => {
        const out = redact(`${before}${sep}${s}${sep}${after}`)
        expect(out).not.toContain(s)
        expect(out).toContain(REDACTED)
      })
    )
  })

  it("text without secrets is unchanged", () => {
    fc.assert(fc.property(harmless, (text) => {
      expect(redact(text)).toBe(text)
    }))
  })

  it("is idempotent", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(harmless, secret, fc.string()), { maxLength: 8 }), (parts) => {
        const once = redact(parts.join(" "))
        expect(redact(once)).toBe(once)
      })
    )
  })

  it("never makes text longer than the text plus one marker per secret found", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(redact(text).length).toBeLessThanOrEqual(text.length + REDACTED.length * (text.length + 1))
      })
    )
  })
})

describe("redact: hostile input stays linear", () => {
  const inputs: ReadonlyArray<readonly [string, string]> = [
    ["repeated sk-", "sk-".repeat(100_000)],
    ["a long word", "A".repeat(300_000)],
    ["long uppercase run before =", "A".repeat(300_000) + "=x"],
    ["many schemes without credentials", "a://b:".repeat(50_000)],
    ["many BEGIN lines", "-----BEGIN ".repeat(50_000)],
    ["many private key headers without end", "-----BEGIN PRIVATE KEY-----x".repeat(20_000)],
    ["many Bearer words", "Bearer ".repeat(50_000)],
    ["many authorization:", "authorization:".repeat(30_000)],
    ["almost-JWTs", "eyJaaaaaaaaaaa.".repeat(30_000)]
  ]
  for (const [name, input] of inputs) {
    it(name, () => {
      const started = performance.now()
      redact(input)
      expect(performance.now() - started).toBeLessThan(1_000)
    })
  }
})
