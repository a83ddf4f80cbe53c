import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { ClaudeAsyncRequest, ClaudeRequest } from "../../../src/agents/claude/request.js"
import * as Claude from "../../../src/agents/claude/adapter.js"
import type { FailedRun, Invocation, RawOutput } from "../../../src/providers/Provider.js"

const root = resolve(import.meta.dirname, "../../..")
const fixture = (name: string) => readFileSync(join(root, "test/fixtures/output/claude", name), "utf8")
const fakeClaude = join(root, "test/fixtures/bin/claude")

const decode = Schema.decodeUnknownSync(ClaudeAsyncRequest)

const plan = (input: Record<string, unknown>, provider = Claude.provider): Invocation =>
  Either.getOrThrowWith(provider.plan(decode({ prompt: "hi", ...input })), (e) => new Error(e.message))

const argv = (input: Record<string, unknown>, provider = Claude.provider) => plan(input, provider).args

const BASE = ["-p", "--output-format", "stream-json", "--verbose"]

const out = (stdout: string, stdoutTruncated = false): RawOutput => ({ stdout, stderr: "", stdoutTruncated })

const invocation = (outputFormat: string, model?: string): Invocation => ({
  cli: "claude",
  args: BASE,
  prompt: { _tag: "Stdin", text: "hi" },
  env: {},
  model,
  outputFormat
})

const parseOk = (stdout: string, outputFormat = "text", model?: string) =>
  Either.getOrThrowWith(Claude.provider.parse(invocation(outputFormat, model), out(stdout)), (e) => new Error(e.message))

const parseErr = (stdout: string, model?: string) =>
  Either.match(Claude.provider.parse(invocation("text", model), out(stdout)), {
    onLeft: (e) => e,
    onRight: (r) => {
      throw new Error(`expected a failure, got ${JSON.stringify(r)}`)
    }
  })

const failed = (run: Partial<FailedRun>): FailedRun => ({
  stdout: "",
  stderr: "",
  stdoutTruncated: false,
  exitCode: 1,
  signal: null,
  command: "claude -p --output-format stream-json --verbose",
  model: undefined,
  cwd: "/home/dev/project",
  ...run
})

const lastLine = (text: string) => JSON.parse(text.trim().split("\n").at(-1)!)

describe("claude plan: argv", () => {
  it("always runs print mode with stream-json and --verbose, prompt on stdin", () => {
    const inv = plan({ prompt: "hello there" })
    expect(inv.args).toEqual(BASE)
    expect(inv.prompt).toEqual({ _tag: "Stdin", text: "hello there" })
    expect(inv.cli).toBe("claude")
    expect(inv.env).toEqual({})
    expect(inv.model).toBeUndefined()
    expect(inv.outputFormat).toBe("text")
  })

  it("uses the same internal format for text and json; adds --include-partial-messages for stream-json only", () => {
    expect(argv({ outputFormat: "text" })).toEqual(BASE)
    expect(argv({ outputFormat: "json" })).toEqual(BASE)
    expect(argv({ outputFormat: "stream-json" })).toEqual([...BASE, "--include-partial-messages"])
    expect(plan({ outputFormat: "json" }).outputFormat).toBe("json")
    expect(plan({ outputFormat: "stream-json" }).outputFormat).toBe("stream-json")
  })

  it("passes the model as --model M", () => {
    const inv = plan({ model: "claude-sonnet-4-5-20250929" })
    expect(inv.args).toEqual([...BASE, "--model", "claude-sonnet-4-5-20250929"])
    expect(inv.model).toBe("claude-sonnet-4-5-20250929")
  })

  it("uses the default model of its options unless the request names one", () => {
    const provider = Claude.make({ defaultModel: "opus" })
    expect(argv({}, provider)).toEqual([...BASE, "--model", "opus"])
    expect(argv({ model: "haiku" }, provider)).toEqual([...BASE, "--model", "haiku"])
  })

  it("passes each allowed and disallowed tool in the one-value --flag=value form", () => {
    expect(argv({ allowedTools: ["Read", "Bash(git log:*)"] })).toEqual([
      ...BASE,
      "--allowedTools=Read",
      "--allowedTools=Bash(git log:*)"
    ])
    expect(argv({ disallowedTools: ["Write", "WebFetch"] })).toEqual([
      ...BASE,
      "--disallowedTools=Write",
      "--disallowedTools=WebFetch"
    ])
    expect(argv({ allowedTools: [], disallowedTools: [] })).toEqual(BASE)
  })

  it("bypasses permissions only under the legacy strategy", () => {
    expect(argv({ dangerouslySkipPermissions: true })).toEqual([...BASE, "--permission-mode", "bypassPermissions"])
    expect(argv({ dangerouslySkipPermissions: true, approvalStrategy: "legacy" })).toEqual([
      ...BASE,
      "--permission-mode",
      "bypassPermissions"
    ])
    expect(argv({ dangerouslySkipPermissions: true, approvalStrategy: "mcp_managed" })).toEqual(BASE)
    expect(argv({ dangerouslySkipPermissions: false })).toEqual(BASE)
  })

  it("resumes a session with --resume <id> and continues with --continue", () => {
    const id = "8f0c1a52-3b7e-4c1d-9a3f-2d6e5b4c7a10"
    expect(argv({ sessionId: id })).toEqual([...BASE, "--resume", id])
    expect(argv({ continueSession: true })).toEqual([...BASE, "--continue"])
  })

  it("applies session precedence: createNewSession > sessionId > continueSession", () => {
    const id = "8f0c1a52-3b7e-4c1d-9a3f-2d6e5b4c7a10"
    expect(argv({ sessionId: id, continueSession: true })).toEqual([...BASE, "--resume", id])
    expect(argv({ createNewSession: true, sessionId: id, continueSession: true })).toEqual(BASE)
    expect(argv({ createNewSession: true, continueSession: true })).toEqual(BASE)
  })

  it("refuses a gateway (gw-) session id with InvalidRequest on sessionId", () => {
    const result = Claude.provider.plan(decode({ prompt: "hi", sessionId: "gw-1234abcd" }))
    expect(Either.isLeft(result)).toBe(true)
    const error = Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value : undefined))
    expect(error?._tag).toBe("InvalidRequest")
    expect(error?.field).toBe("sessionId")
    expect(error?.message).toContain("gw-1234abcd")
    expect(error?.message).toContain("gateway session id")
    // Also when continueSession is set: the id would win, so it is checked.
    expect(Either.isLeft(Claude.provider.plan(decode({ prompt: "hi", sessionId: "gw-x", continueSession: true })))).toBe(
      true
    )
  })

  it("does not look at a gw- id that createNewSession makes unused", () => {
    expect(argv({ createNewSession: true, sessionId: "gw-1234abcd" })).toEqual(BASE)
  })

  it("pins the order of every flag together", () => {
    expect(
      argv({
        outputFormat: "stream-json",
        model: "opus",
        allowedTools: ["Read"],
        disallowedTools: ["Bash(rm:*)"],
        addDirs: ["shared", "/srv/data dir"],
        effort: "high",
        dangerouslySkipPermissions: true,
        sessionId: "abc-123"
      })
    ).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--include-partial-messages",
      "--model",
      "opus",
      "--allowedTools=Read",
      "--disallowedTools=Bash(rm:*)",
      "--add-dir=shared",
      "--add-dir=/srv/data dir",
      "--effort",
      "high",
      "--permission-mode",
      "bypassPermissions",
      "--resume",
      "abc-123"
    ])
  })

  it("addDirs: a folder like an option, or with a .. segment, is refused before any argv exists", () => {
    for (const dir of ["--dangerously-skip-permissions", "a/../../etc"]) {
      expect(() => decode({ prompt: "hi", addDirs: [dir] })).toThrow()
    }
    expect(() => decode({ prompt: "hi", effort: "--max" })).toThrow()
  })

  it("MCP servers: the resolved ones go in a private --mcp-config; strictMcpConfig adds --strict-mcp-config", () => {
    const config = { mcpServers: { docs: { command: "docs-server", args: [] } } }
    const context = { bypassAllowed: true, mcpServers: { enabled: ["docs"], config } }
    const withServers = Either.getOrThrow(
      Claude.provider.plan(decode({ prompt: "hi", mcpServers: ["docs", "missing"], strictMcpConfig: true }), context)
    )
    expect(withServers.args).toEqual([...BASE, "--strict-mcp-config"])
    expect(withServers.mcpConfig).toEqual({ flag: "--mcp-config", config })
    const none = Either.getOrThrow(
      Claude.provider.plan(decode({ prompt: "hi", mcpServers: [] }), { bypassAllowed: true, mcpServers: { enabled: [], config: { mcpServers: {} } } })
    )
    expect(none.mcpConfig).toBeUndefined()
    expect(none.args).toEqual(BASE)
  })

  it("ignores the fields that are not the adapter's business", () => {
    expect(
      argv({
        mcpServers: ["sqry", "exa"],
        optimizePrompt: true,
        forceRefresh: true,
        correlationId: "req-1",
        idleTimeoutMs: 60_000
      })
    ).toEqual(BASE)
  })

  it("never puts an option-like prompt into argv: it goes to stdin", () => {
    for (const prompt of ["--dangerously-skip-permissions", "-p --model x", "--resume=../../etc/passwd"]) {
      const inv = plan({ prompt, dangerouslySkipPermissions: false })
      expect(inv.args).toEqual(BASE)
      expect(inv.args.some((a) => a.includes(prompt))).toBe(false)
      expect(inv.prompt).toEqual({ _tag: "Stdin", text: prompt })
    }
  })

  it("accepts the sync request shape too", () => {
    const request = Schema.decodeUnknownSync(ClaudeRequest)({ prompt: "hi", optimizeResponse: true, model: "sonnet" })
    const inv = Either.getOrThrow(Claude.provider.plan(request))
    expect(inv.args).toEqual([...BASE, "--model", "sonnet"])
  })
})

describe("claude parse", () => {
  const success = fixture("stream-success.jsonl")

  it("reads text, session, model, usage and cost from a stream with noise and unknown events", () => {
    const reply = parseOk(success)
    expect(reply.text).toBe("The package is **demo**, version 1.0.0.")
    expect(reply.sessionId).toBe("8f0c1a52-3b7e-4c1d-9a3f-2d6e5b4c7a10")
    expect(reply.model).toBe("claude-sonnet-4-5-20250929")
    expect(reply.usage).toEqual({
      inputTokens: 8,
      outputTokens: 64,
      cachedInputTokens: 30250,
      cacheCreationInputTokens: 4390
    })
    expect(reply.costUsd).toBe(0.0241835)
  })

  it("renders json as the final result event, the same shape as claude's json output", () => {
    const reply = parseOk(success, "json")
    expect(JSON.parse(reply.text)).toEqual(lastLine(success))
    expect(JSON.parse(reply.text).type).toBe("result")
  })

  it("renders stream-json as the raw stdout", () => {
    const partial = fixture("stream-partial.jsonl")
    const reply = parseOk(partial, "stream-json")
    expect(reply.text).toBe(partial)
    expect(reply.sessionId).toBe("c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f")
    expect(reply.model).toBe("claude-haiku-4-5-20251001")
    expect(parseOk(partial).text).toBe("Hello, world")
  })

  it("falls back to the last assistant message when the result line was cut off", () => {
    const truncated = fixture("stream-truncated.jsonl")
    const reply = Either.getOrThrow(Claude.provider.parse(invocation("text"), out(truncated, true)))
    expect(reply.text).toBe("The package is **demo**, version 1.0.0.")
    expect(reply.sessionId).toBe("8f0c1a52-3b7e-4c1d-9a3f-2d6e5b4c7a10")
    expect(reply.usage).toBeUndefined()
    expect(reply.costUsd).toBeUndefined()
    const json = JSON.parse(parseOk(truncated, "json").text)
    expect(json).toEqual({
      type: "result",
      subtype: "incomplete",
      is_error: false,
      result: "The package is **demo**, version 1.0.0.",
      session_id: "8f0c1a52-3b7e-4c1d-9a3f-2d6e5b4c7a10"
    })
  })

  it("keeps the text of the last message that had text, joining the blocks of one message", () => {
    // Cut after the tool call: the last message with text is the first one.
    const cut = fixture("stream-success.jsonl").split("\n").slice(0, 4).join("\n")
    expect(parseOk(cut).text).toBe("I'll check the package file first.")
    const lines = [
      { type: "assistant", message: { id: "m1", content: [{ type: "text", text: "first " }] } },
      { type: "assistant", message: { id: "m1", content: [{ type: "text", text: "message" }] } },
      { type: "assistant", message: { id: "m2", content: [{ type: "text", text: "second " }] } },
      { type: "assistant", message: { id: "m2", content: [{ type: "thinking", thinking: "x" }, { type: "text", text: "message" }] } }
    ]
      .map((l) => JSON.stringify(l))
      .join("\n")
    expect(parseOk(lines).text).toBe("second message")
  })

  it("a stream that stops mid-event, with no result and no text, is a run cut short (CliRunFailed), even on exit 0", () => {
    const init = '{"type":"system","subtype":"init","session_id":"s-1"}'
    const error = parseErr(`${init}\n{"type":"result","subtype":"success","is_err`)
    expect(error._tag).toBe("CliRunFailed")
    expect(error.message).toContain("cut short")
    // With text before the cut, the text is the reply (as the streamed-delta fallback below).
    expect(parseOk(`${init}\n{"type":"assistant","message":{"content":[{"type":"text","text":"so far"}]}}\n{"type":"res`).text)
      .toBe("so far")
    // Plain text that is not an event is still a reply.
    expect(parseOk("just words").text).toBe("just words")
  })

  it("falls back to streamed text deltas when no assistant message arrived", () => {
    expect(parseOk(fixture("stream-truncated-partial.jsonl")).text).toBe("Hello, world")
  })

  it("accepts the plain single-object json output, with the older cost_usd field", () => {
    const reply = parseOk(fixture("json-success.json"), "json")
    expect(JSON.parse(reply.text).result).toBe("4")
    const text = parseOk(fixture("json-success.json"))
    expect(text.text).toBe("4")
    expect(text.sessionId).toBe("5e2f7a91-0c4d-4b8e-a1f3-6d9c2b7e8a04")
    expect(text.costUsd).toBe(0.00311)
    expect(text.usage).toEqual({ inputTokens: 10, outputTokens: 5, cachedInputTokens: 12011, cacheCreationInputTokens: 0 })
  })

  it("returns raw stdout as text when nothing is JSON", () => {
    const reply = parseOk(fixture("text-output.txt"), "text", "sonnet")
    expect(reply.text).toBe("Line one of the answer.\nLine two.")
    expect(reply.sessionId).toBeUndefined()
    expect(reply.model).toBe("sonnet")
    expect(parseOk("").text).toBe("")
  })

  it("prefers total_cost_usd over cost_usd", () => {
    const line = JSON.stringify({ type: "result", subtype: "success", result: "ok", total_cost_usd: 0.5, cost_usd: 0.1 })
    expect(parseOk(line).costUsd).toBe(0.5)
  })
})

describe("claude error results (exit 0)", () => {
  it("auth: CliAuthRequired keeping claude's words", () => {
    const e = parseErr(fixture("error-auth.jsonl"))
    expect(e._tag).toBe("CliAuthRequired")
    if (e._tag !== "CliAuthRequired") return
    expect(e.cliMessage).toBe("Invalid API key · Please run /login")
    expect(e.loginCommand).toContain("claude")
    expect(e.exitCode).toBe(0)
  })

  it("rate limit: CliRateLimited keeping claude's words", () => {
    const e = parseErr(fixture("error-rate-limit.jsonl"))
    expect(e._tag).toBe("CliRateLimited")
    expect("cliMessage" in e && e.cliMessage).toBe("You've hit your limit · resets 4pm (Europe/Berlin)")
  })

  it("model unknown: CliModelUnknown naming the model asked for", () => {
    const e = parseErr(fixture("error-model-unknown.jsonl"), "claude-sonnet-9")
    expect(e._tag).toBe("CliModelUnknown")
    if (e._tag !== "CliModelUnknown") return
    expect(e.model).toBe("claude-sonnet-9")
    expect(e.cliMessage).toContain("issue with the selected model (claude-sonnet-9)")
  })

  it("turn limit: error_max_turns is CliTurnLimit even when is_error is false", () => {
    const e = parseErr(fixture("error-max-turns.jsonl"))
    expect(e._tag).toBe("CliTurnLimit")
    expect(e.message).toContain("after 2 turns")
    expect("cliMessage" in e && e.cliMessage).toBe("error_max_turns")
  })

  it("generic: error_during_execution is CliRunFailed with claude's errors", () => {
    const e = parseErr(fixture("error-during-execution.jsonl"))
    expect(e._tag).toBe("CliRunFailed")
    expect("cliMessage" in e && e.cliMessage).toBe("Tool execution aborted: the tool runner exited unexpectedly")
  })

  it("generic: an API error with subtype success but is_error true is CliRunFailed", () => {
    const e = parseErr(fixture("error-api-500.jsonl"))
    expect(e._tag).toBe("CliRunFailed")
    expect(e.message).toContain("API Error: 500")
  })
})

describe("claude classify (non-zero exit)", () => {
  it("auth", () => {
    const e = Claude.provider.classify(failed({ stdout: fixture("error-auth.jsonl") }))
    expect(e._tag).toBe("CliAuthRequired")
    expect("cliMessage" in e && e.cliMessage).toBe("Invalid API key · Please run /login")
    expect("exitCode" in e && e.exitCode).toBe(1)
  })

  it("auth in text output", () => {
    const e = Claude.provider.classify(failed({ stdout: "Invalid API key · Please run /login\n" }))
    expect(e._tag).toBe("CliAuthRequired")
    expect("cliMessage" in e && e.cliMessage).toBe("Invalid API key · Please run /login")
  })

  it("rate limit", () => {
    const e = Claude.provider.classify(failed({ stdout: fixture("error-rate-limit.jsonl") }))
    expect(e._tag).toBe("CliRateLimited")
    expect("cliMessage" in e && e.cliMessage).toContain("You've hit your limit")
  })

  it("model unknown", () => {
    const e = Claude.provider.classify(failed({ stdout: fixture("error-model-unknown.jsonl"), model: "claude-sonnet-9" }))
    expect(e._tag).toBe("CliModelUnknown")
    if (e._tag !== "CliModelUnknown") return
    expect(e.model).toBe("claude-sonnet-9")
    expect(e.cliMessage).toContain("It may not exist")
  })

  it("turn limit", () => {
    const e = Claude.provider.classify(failed({ stdout: fixture("error-max-turns.jsonl") }))
    expect(e._tag).toBe("CliTurnLimit")
    expect("exitCode" in e && e.exitCode).toBe(1)
  })

  it("generic crash: CliExitedNonZero with the stack's telling line and the tails", () => {
    const stderr = fixture("stderr-crash.txt")
    const e = Claude.provider.classify(failed({ stderr }))
    expect(e._tag).toBe("CliExitedNonZero")
    if (e._tag !== "CliExitedNonZero") return
    expect(e.message).toContain("exited with code 1")
    expect(e.message).toContain("TypeError: Cannot read properties of undefined")
    expect(e.stderrTail).toBe(stderr)
    expect(e.exitCode).toBe(1)
  })

  it("generic: claude's own refusal of stream-json without --verbose", () => {
    const e = Claude.provider.classify(failed({ stderr: fixture("stderr-stream-json-verbose.txt") }))
    expect(e._tag).toBe("CliExitedNonZero")
    expect(e.message).toContain("stream-json requires --verbose")
  })

  it("a signal", () => {
    const e = Claude.provider.classify(failed({ exitCode: null, signal: "SIGTERM" }))
    expect(e._tag).toBe("CliExitedNonZero")
    expect(e.message).toContain("was ended by SIGTERM")
  })

  it("does not read error words in what the model said", () => {
    const said = [
      JSON.stringify({ type: "system", subtype: "init", session_id: "s1", model: "m" }),
      JSON.stringify({
        type: "assistant",
        message: { id: "m1", content: [{ type: "text", text: "An invalid API key gives 401; too many requests give 429." }] }
      })
    ].join("\n")
    const e = Claude.provider.classify(failed({ stdout: said, stderr: fixture("stderr-crash.txt") }))
    expect(e._tag).toBe("CliExitedNonZero")
    if (e._tag !== "CliExitedNonZero") return
    expect(e.stdoutTail).toBe(said)
  })
})

describe("fake claude agrees with the adapter", () => {
  const run = (args: ReadonlyArray<string>, input: string, env: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), "fake-claude-"))
    const recordFile = join(dir, "record.jsonl")
    const child = spawnSync(process.execPath, [fakeClaude, ...args], {
      input,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", FAKE_CLI_RECORD: recordFile, ...env },
      timeout: 20_000
    })
    let records: Array<{ argv: Array<string>; prompt: string }> = []
    try {
      records = readFileSync(recordFile, "utf8").trim().split("\n").map((l) => JSON.parse(l))
    } catch {
      records = []
    }
    return { ...child, records }
  }

  const runRequest = (input: Record<string, unknown>, env: Record<string, string> = {}) => {
    const inv = plan(input)
    const child = run(inv.args, inv.prompt.text, env)
    return { inv, child }
  }

  const failure = (input: Record<string, unknown>, scenarioName: string) => {
    const { inv, child } = runRequest(input, { FAKE_CLI_SCENARIO: scenarioName })
    expect(child.status).not.toBe(0)
    return Claude.provider.classify({
      stdout: child.stdout,
      stderr: child.stderr,
      stdoutTruncated: false,
      exitCode: child.status,
      signal: child.signal,
      command: "claude",
      model: inv.model,
      cwd: process.cwd()
    })
  }

  it("answers each output format the adapter asks for", () => {
    for (const outputFormat of ["text", "json", "stream-json"] as const) {
      const { inv, child } = runRequest({ prompt: "hello", outputFormat })
      expect(child.status).toBe(0)
      const reply = Either.getOrThrow(Claude.provider.parse(inv, out(child.stdout)))
      if (outputFormat === "text") expect(reply.text).toBe("claude fake reply to: hello")
      if (outputFormat === "json") expect(JSON.parse(reply.text).result).toBe("claude fake reply to: hello")
      if (outputFormat === "stream-json") {
        expect(reply.text).toBe(child.stdout)
        expect(child.stdout).toContain('"type":"stream_event"')
      }
      expect(reply.sessionId).toMatch(/^[0-9a-f-]{36}$/)
      expect(reply.usage?.inputTokens).toBe(12)
      expect(reply.costUsd).toBe(0.0123)
      expect(child.records[0]?.prompt).toBe("hello")
    }
  })

  it("accepts every flag the adapter emits, and echoes the resumed session id", () => {
    const { inv, child } = runRequest({
      prompt: "with everything",
      model: "opus",
      allowedTools: ["Read", "Bash(git log:*)"],
      disallowedTools: ["Write"],
      dangerouslySkipPermissions: true,
      sessionId: "8f0c1a52-3b7e-4c1d-9a3f-2d6e5b4c7a10"
    })
    expect(child.stderr).toBe("")
    expect(child.status).toBe(0)
    const reply = Either.getOrThrow(Claude.provider.parse(inv, out(child.stdout)))
    expect(reply.text).toBe("claude fake reply to: with everything")
    expect(reply.sessionId).toBe("8f0c1a52-3b7e-4c1d-9a3f-2d6e5b4c7a10")
    expect(reply.model).toBe("claude-opus-4-1-20250805")
    expect(child.stdout).toContain('"permissionMode":"bypassPermissions"')
    expect(child.records[0]?.argv).toEqual(inv.args)
  })

  it("receives an option-like prompt as stdin text, not as an option", () => {
    const { inv, child } = runRequest({ prompt: "--dangerously-skip-permissions" })
    expect(child.status).toBe(0)
    expect(child.records[0]?.prompt).toBe("--dangerously-skip-permissions")
    expect(child.records[0]?.argv).not.toContain("--dangerously-skip-permissions")
    expect(child.stdout).toContain('"permissionMode":"default"')
    expect(Either.getOrThrow(Claude.provider.parse(inv, out(child.stdout))).text).toBe(
      "claude fake reply to: --dangerously-skip-permissions"
    )
  })

  it("streams chunks as blocks of one message, which the adapter joins", () => {
    const { inv, child } = runRequest({ prompt: "[[fake:chunks=4]] [[fake:delay=5]] a longer answer" })
    expect(child.stdout.split("\n").filter((l) => l.includes('"type":"assistant"'))).toHaveLength(4)
    const cut = child.stdout.slice(0, child.stdout.lastIndexOf('{"type":"result"'))
    expect(Either.getOrThrow(Claude.provider.parse(inv, out(cut, true))).text).toBe(
      "claude fake reply to: a longer answer"
    )
  })

  it("fails like claude on flags it does not take, and on stream-json without --verbose", () => {
    const unknown = run(["-p", "--full-auto"], "hi")
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain("unknown option '--full-auto'")
    const noVerbose = run(["-p", "--output-format", "stream-json"], "hi")
    expect(noVerbose.status).toBe(1)
    expect(noVerbose.stderr).toContain("When using --print, --output-format=stream-json requires --verbose")
    const e = Claude.provider.classify(failed({ stderr: noVerbose.stderr, exitCode: noVerbose.status }))
    expect(e.message).toContain("requires --verbose")
  })

  it("parses list options as claude does: the separate-value form swallows a later prompt argument", () => {
    const swallowed = run(["-p", "--allowedTools", "Read", "hello"], "")
    expect(swallowed.status).toBe(1)
    expect(swallowed.stderr).toContain("Input must be provided")
    const pinned = run(["-p", "--allowedTools=Read", "hello"], "")
    expect(pinned.status).toBe(0)
    expect(pinned.stdout).toBe("claude fake reply to: hello\n")
  })

  it("prints its version, and runs through its shebang", () => {
    const child = spawnSync(fakeClaude, ["--version"], { encoding: "utf8" })
    expect(child.status).toBe(0)
    expect(child.stdout).toBe("2.1.0 (Claude Code)\n")
  })

  it("fails the way the adapter classifies", () => {
    expect(failure({ prompt: "x" }, "auth")._tag).toBe("CliAuthRequired")
    expect(failure({ prompt: "x", outputFormat: "json" }, "rate-limit")._tag).toBe("CliRateLimited")
    const model = failure({ prompt: "x", model: "claude-nope" }, "model-unknown")
    expect(model._tag).toBe("CliModelUnknown")
    expect("cliMessage" in model && model.cliMessage).toContain("claude-nope")
    expect(failure({ prompt: "x" }, "turn-limit")._tag).toBe("CliTurnLimit")
    const crash = failure({ prompt: "x" }, "crash")
    expect(crash._tag).toBe("CliExitedNonZero")
    expect(crash.message).toContain("TypeError")
  })
})
