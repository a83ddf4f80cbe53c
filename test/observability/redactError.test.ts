/**
 * A typed failure with its secrets redacted: every string field, the same
 * class, the very same value when there is nothing to redact; and the
 * failures the CLIs' words become (classify) lose the secrets they quote.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { vi } from "vitest"
import { CliExitedNonZero, GatewayError, InternalError } from "../../src/domain/errors.js"
import { REDACTED } from "../../src/observability/redact.js"
import { redactError } from "../../src/observability/redactError.js"
import { classifyByText } from "../../src/providers/classify.js"

// The server's environment: an unshaped token, and (absurdly) a secret equal to a CLI's name.
vi.hoisted(() => {
  process.env.SOME_SERVICE_TOKEN = "hunter2hunter2"
  process.env.ODD_SECRET = "opencode"
})

const encode = Schema.encodeSync(GatewayError)

describe("redactError", () => {
  it("redacts every string field and keeps the class, tag and other fields", () => {
    const error = new CliExitedNonZero({
      message: "claude exited with code 1: token hunter2hunter2 refused",
      command: "claude -p --api-key=sk-abcdefghijklmnop1234",
      cli: "claude",
      exitCode: 1,
      signal: null,
      stderrTail: "Error: SOME_SERVICE_TOKEN hunter2hunter2 is not valid\n",
      stdoutTail: "{\"error\":\"hunter2hunter2\"}",
      hint: "check hunter2hunter2"
    })
    const clean = redactError(error)
    expect(clean).toBeInstanceOf(CliExitedNonZero)
    expect(clean._tag).toBe("CliExitedNonZero")
    expect(clean.exitCode).toBe(1)
    expect(clean.cli).toBe("claude")
    expect(clean.message).toBe(`claude exited with code 1: token ${REDACTED} refused`)
    expect(clean.stderrTail).toBe(`Error: SOME_SERVICE_TOKEN ${REDACTED} is not valid\n`)
    expect(clean.command).not.toContain("sk-abcdefghijklmnop1234")
    const shown = JSON.stringify(encode(clean)) + String(clean.stack)
    expect(shown).not.toContain("hunter2hunter2")
  })

  it("a failure with nothing to redact is answered unchanged", () => {
    const error = new InternalError({ message: "nothing secret" })
    expect(redactError(error)).toBe(error)
  })

  it("a field that no longer decodes once redacted: the same class, the fields redacted", () => {
    const error = new CliExitedNonZero({
      message: "opencode exited with code 2",
      command: "opencode run",
      cli: "opencode",
      exitCode: 2,
      signal: null,
      stderrTail: "",
      stdoutTail: ""
    })
    const clean = redactError(error)
    expect(clean).toBeInstanceOf(CliExitedNonZero)
    expect(clean.exitCode).toBe(2)
    expect(clean.message).toBe(`${REDACTED} exited with code 2`)
    expect(JSON.stringify({ ...clean, message: clean.message }) + String(clean.stack)).not.toContain("opencode")
  })

  it("the failures classified from a CLI's words lose the secrets they quote", () => {
    const stderrs = [
      "Error: not logged in (token hunter2hunter2 expired)",
      "429 Too Many Requests for key hunter2hunter2",
      "Error: getaddrinfo ENOTFOUND hunter2hunter2.example.com",
      "model hunter2hunter2 not found",
      "TypeError: Cannot read properties of undefined (SOME_SERVICE_TOKEN=hunter2hunter2)"
    ]
    const tags = new Set<string>()
    for (const stderr of stderrs) {
      const failure = classifyByText("claude", {
        exitCode: 1,
        signal: null,
        stdout: "",
        stderr,
        stdoutTruncated: false,
        command: "claude -p",
        model: undefined,
        cwd: "/tmp"
      })
      tags.add(failure._tag)
      const clean = redactError(failure)
      expect(clean._tag).toBe(failure._tag)
      expect(JSON.stringify(encode(clean)), failure._tag).not.toContain("hunter2hunter2")
    }
    expect(tags.size).toBe(stderrs.length)
  })
})
