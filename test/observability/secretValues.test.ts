/**
 * The secret values of the server's environment: which names count, which
 * values are collected, and their redaction (metacharacters, overlaps,
 * short values, JSON escapes, text in pieces, linear time on 5 MB).
 */
import { describe, expect, it } from "@effect/vitest"
import { vi } from "vitest"
import fc from "fast-check"
import { redact, REDACTED, redactWith } from "../../src/observability/redact.js"
import {
  collectSecretValues,
  fromValues,
  isSecretName,
  MIN_SECRET_LENGTH,
  none,
  processSecretValues,
  redactValues,
  SecretStreamRedactor,
  secretSpans
} from "../../src/observability/secretValues.js"

// The process's own environment, before anything reads it: `redact` must find this value.
vi.hoisted(() => {
  process.env.SOME_SERVICE_TOKEN = "unshaped-4f9c2e71b8"
})

describe("isSecretName", () => {
  it("a word part of the name says secret, in any case and separator", () => {
    for (
      const name of [
        "MY_SERVICE_TOKEN",
        "DATABASE_PASSWORD",
        "DB_PASSWD",
        "DB_PWD",
        "GITHUB_PAT",
        "AWS_SECRET_ACCESS_KEY",
        "OPENAI_APIKEY",
        "apiKey",
        "myServiceToken",
        "npm_config__auth",
        "SESSION_COOKIE",
        "CLIENT_CREDENTIALS",
        "CLAUDE_CODE_OAUTH_TOKEN",
        "SSH_PRIVATE_KEY",
        "app.secret",
        "SMTP_PASS",
        "GPG_PASSPHRASE",
        "FLASK_SESSION"
      ]
    ) expect(isSecretName(name), name).toBe(true)
  })

  it("a part must be the whole word; the shell's folders and where-a-secret-is names are not secrets", () => {
    for (
      const name of [
        "PATH",
        "HOME",
        "PWD",
        "OLDPWD",
        "LLM_GATEWAY_OAUTH_ISSUER",
        "LLM_GATEWAY_OAUTH_SCOPES",
        "KEYBOARD_LAYOUT",
        "TOX_TESTENV_PASSENV",
        "MONKEY_BUSINESS",
        "AUTHOR_NAME",
        "SSH_AUTH_SOCK",
        "GOOGLE_APPLICATION_CREDENTIALS_FILE",
        "SSL_KEY_PATH",
        "GNUPG_KEY_DIR",
        "NODE_EXTRA_CA_CERTS",
        "TOKENIZERS_PARALLELISM",
        "SESSIONS_DIR",
        ""
      ]
    ) expect(isSecretName(name), name).toBe(false)
  })
})

describe("collectSecretValues", () => {
  it("collects the values of secret-named variables that are long enough, and nothing else", () => {
    const secrets = collectSecretValues({
      MY_SERVICE_TOKEN: "hunter2hunter2",
      DATABASE_PASSWORD: "correct horse battery",
      FEATURE_TOKEN: "true",
      SHORT_SECRET: "abc1234",
      EDITOR: "some-long-editor-name",
      UNSET_TOKEN: undefined
    })
    expect(secrets.values).toContain("hunter2hunter2")
    expect(secrets.values).toContain("correct horse battery")
    expect(secrets.values).not.toContain("true")
    expect(secrets.values).not.toContain("abc1234")
    expect(secrets.values).not.toContain("some-long-editor-name")
    expect("abc1234".length).toBeLessThan(MIN_SECRET_LENGTH)
    // Longest first.
    expect([...secrets.values]).toEqual([...secrets.values].sort((a, b) => b.length - a.length || a.localeCompare(b)))
  })

  it("processSecretValues reads process.env once", () => {
    expect(processSecretValues().values).toContain("unshaped-4f9c2e71b8")
    process.env.LATER_TOKEN = "set-after-the-start-0001"
    try {
      expect(processSecretValues().values).not.toContain("set-after-the-start-0001")
      expect(processSecretValues()).toBe(processSecretValues())
    } finally {
      delete process.env.LATER_TOKEN
    }
  })
})

describe("redactValues", () => {
  const secrets = collectSecretValues({
    MY_SERVICE_TOKEN: "hunter2hunter2",
    REGEX_PASSWORD: "p4ss.w*rd+(x)[y]{2}^$|\\d",
    SHORT_TOKEN: "abc1234"
  })

  it("replaces every occurrence of an unshaped value; text without one is unchanged", () => {
    expect(redactValues(secrets, "auth failed for hunter2hunter2 (retry: hunter2hunter2)")).toBe(
      `auth failed for ${REDACTED} (retry: ${REDACTED})`
    )
    expect(redactValues(secrets, "nothing secret here")).toBe("nothing secret here")
    expect(redactValues(none, "hunter2hunter2")).toBe("hunter2hunter2")
  })

  it("a value with regular-expression metacharacters is matched literally", () => {
    expect(redactValues(secrets, "pw=p4ss.w*rd+(x)[y]{2}^$|\\d;")).toBe(`pw=${REDACTED};`)
    // What the value would match as a pattern is left alone.
    expect(redactValues(secrets, "p4ssXw*rd+(x)[y]{2}^$|\\d")).toBe("p4ssXw*rd+(x)[y]{2}^$|\\d")
    expect(redactValues(secrets, "p4ss.wwrd+(x)[y]{2}^$|\\d")).toBe("p4ss.wwrd+(x)[y]{2}^$|\\d")
  })

  it("a value shorter than the minimum is not redacted", () => {
    expect(redactValues(secrets, "abc1234 stays")).toBe("abc1234 stays")
  })

  it("overlapping and nested values: their union is one marker, no fragment of either survives", () => {
    const overlapping = fromValues(["abcdefgh1234", "1234wxyzabcd", "hunter2hunter2", "hunter2hunter2xyz"])
    expect(redactValues(overlapping, "<abcdefgh1234wxyzabcd>")).toBe(`<${REDACTED}>`)
    expect(redactValues(overlapping, "<1234wxyzabcdefgh1234>")).toBe(`<${REDACTED}>`)
    expect(redactValues(overlapping, "<hunter2hunter2xyz>")).toBe(`<${REDACTED}>`)
    expect(redactValues(overlapping, "<hunter2hunter2xy>")).toBe(`<${REDACTED}xy>`)
    expect(secretSpans(overlapping, "abcdefgh1234wxyzabcd")).toEqual([[0, 20]])
  })

  it("the value as JSON escapes it, and without surrounding whitespace, are found too", () => {
    const quoted = collectSecretValues({ ODD_SECRET: "pa\"ss\\word\n1 " })
    expect(redactValues(quoted, JSON.stringify({ e: "pa\"ss\\word\n1 " }))).toBe(`{"e":"${REDACTED}"}`)
    expect(redactValues(quoted, "x pa\"ss\\word\n1 y")).toBe(`x ${REDACTED}y`)
    expect(redactValues(quoted, "x pa\"ss\\word\n1.")).toBe(`x ${REDACTED}.`)
  })

  it("is idempotent, and a value the marker contains is never collected", () => {
    const marker = fromValues(["REDACTED", "[REDACTED]", "hunter2hunter2"])
    const once = redactValues(marker, "a hunter2hunter2 b")
    expect(once).toBe(`a ${REDACTED} b`)
    expect(redactValues(marker, once)).toBe(once)
    fc.assert(
      fc.property(fc.array(fc.constantFrom("hunter2", "hunter2hunter2", "p4ss.w*rd+(x)[y]{2}^$|\\d", " ", "x", "abc1234")), (parts) => {
        const text = parts.join("")
        const first = redactValues(secrets, text)
        expect(redactValues(secrets, first)).toBe(first)
        expect(first).not.toContain("hunter2hunter2")
      })
    )
  })

  it("redact and redactWith remove the values before the known shapes", () => {
    expect(redactWith(secrets, "MY_SERVICE_TOKEN=hunter2hunter2 and sk-abcdefghijklmnop1234")).toBe(
      `MY_SERVICE_TOKEN=${REDACTED} and ${REDACTED}`
    )
    // The default: the process's own secret-named variables.
    expect(redact("the CLI said: unshaped-4f9c2e71b8 was refused")).toBe(`the CLI said: ${REDACTED} was refused`)
  })

  it("is linear: 5 MB with 200 secret values, plain and adversarial", () => {
    const random = (n: number, seed: number) => {
      let x = seed
      let out = ""
      for (let i = 0; i < n; i++) {
        x = (x * 1103515245 + 12345) & 0x7fffffff
        out += "abcdefghijklmnopqrstuvwxyz0123456789"[x % 36]
      }
      return out
    }
    const values = Array.from({ length: 200 }, (_, i) => random(16 + (i % 25), i + 1))
    const many = fromValues(values)
    const fillers = Array.from({ length: 97 }, (_, i) => random(100, 1_000 + i))
    const chunks: Array<string> = []
    for (let size = 0, i = 0; size < 5_000_000; i++) {
      const piece = i % 50 === 0 ? values[i % 200]! : fillers[i % fillers.length]!
      chunks.push(piece, " ")
      size += piece.length + 1
    }
    const text = chunks.join("")
    let started = performance.now()
    const out = redactValues(many, text)
    const plainMs = performance.now() - started
    for (const v of values.slice(0, 20)) expect(out.includes(v)).toBe(false)
    expect(out).toContain(REDACTED)

    // Values sharing a long prefix, on a text of that prefix repeated: a backtracking search would be quadratic.
    const prefixed = fromValues(Array.from({ length: 200 }, (_, i) => `${"a".repeat(40)}${i}z`))
    const adversarial = "a".repeat(5_000_000)
    started = performance.now()
    expect(redactValues(prefixed, adversarial)).toBe(adversarial)
    const adversarialMs = performance.now() - started
    expect(plainMs, "5 MB, 200 values").toBeLessThan(5_000)
    expect(adversarialMs, "5 MB of a shared prefix").toBeLessThan(5_000)
  })
})

describe("SecretStreamRedactor", () => {
  const secrets = fromValues(["hunter2hunter2", "abcdefgh1234", "1234wxyzabcd"])

  it("text in pieces comes out as the whole text redacted, wherever it is cut", () => {
    const word = fc.constantFrom("hunter2hunter2", "abcdefgh1234", "1234wxyzabcd", "hunter2", "abcd", " ", "\n", "xyz")
    fc.assert(
      fc.property(fc.array(word, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 8 }), (words, cuts) => {
        const text = words.join("")
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
        const stream = new SecretStreamRedactor(secrets)
        let out = ""
        let from = 0
        for (const cut of [...at, text.length]) {
          out += stream.write(text.slice(from, cut))
          from = cut
        }
        out += stream.end()
        expect(out).toBe(redactValues(secrets, text))
      }),
      { numRuns: 500 }
    )
  })

  it("holds back no more than a value's length, and nothing without secrets", () => {
    const stream = new SecretStreamRedactor(secrets)
    expect(stream.write("x".repeat(100))).toBe("x".repeat(100 - ("hunter2hunter2".length - 1)))
    expect(new SecretStreamRedactor(none).write("hunter2")).toBe("hunter2")
  })
})
