import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Qwen from "../../../src/agents/qwen/adapter.js"
import { QwenAsyncRequest, QwenRequest } from "../../../src/agents/qwen/request.js"
import { unknownOptionHint } from "../../../src/providers/classify.js"
import { readJsonLines } from "../../../src/providers/jsonl.js"
import type { FailedRun, Invocation, PlanContext, RawOutput } from "../../../src/providers/Provider.js"
import { failedRunOf, failureWith, parsedWith } from "../../providers/helpers.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const fixtures = path.join(here, "..", "..", "fixtures")
const sample = (name: string): string => fs.readFileSync(path.join(fixtures, "output", "qwen", name), "utf8")
const real = (name: string): string => {
  const file = path.join(fixtures, "real", "qwen", name)
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : ""
}

const decode = Schema.decodeUnknownSync(QwenRequest)
const UUID = "0b5f3c1e-7d2a-4c8e-9f61-2a4b6c8d0e13"
const BASE = ["--output-format=stream-json", "--include-partial-messages"]
const ENV = { NO_COLOR: "1", QWEN_CODE_UNATTENDED_RETRY: "0" }

const planned = (input: Record<string, unknown>, context?: PlanContext) =>
  Qwen.provider.plan(decode({ prompt: "hello", ...input }), context)
const planOf = (input: Record<string, unknown>, context?: PlanContext): Invocation => {
  const result = planned(input, context)
  if (Either.isLeft(result)) throw new Error(`expected a plan, got ${result.left.message}`)
  return result.right
}
const argvOf = (input: Record<string, unknown>) => planOf(input).args
const refusal = (input: Record<string, unknown>) => {
  const result = planned(input)
  if (Either.isRight(result)) throw new Error(`expected a refusal, got ${result.right.args.join(" ")}`)
  return result.left
}

const output = (stdout: string, stderr = ""): RawOutput => ({ stdout, stderr, stdoutTruncated: false })
const parsed = (stdout: string, inv: Invocation = planOf({})) => parsedWith(Qwen.provider, inv, output(stdout))
const parseFailure = (stdout: string, inv: Invocation = planOf({})) => failureWith(Qwen.provider, inv, output(stdout))
const classify = (fields: Partial<FailedRun>) => Qwen.provider.classify(failedRunOf("qwen", fields))
const captured = (name: string, exitCode: number | null, fields: Partial<FailedRun> = {}) =>
  classify({ stdout: real(`${name}.stdout`), stderr: real(`${name}.stderr`), exitCode, ...fields })

describe("qwen plan: golden argv", () => {
  it("minimal request: stream-json with partial messages, prompt on stdin, no colour, no endless retries", () => {
    expect(planOf({ prompt: "What is 2+2?" })).toEqual({
      cli: "qwen",
      args: BASE,
      prompt: { _tag: "Stdin", text: "What is 2+2?" },
      env: ENV,
      model: undefined,
      outputFormat: "text",
      readsEventsOnly: true
    })
  })

  it("model → --model=<id>", () => {
    expect(argvOf({ model: "qwen3.7-max" })).toEqual([...BASE, "--model=qwen3.7-max"])
    expect(planOf({ model: "qwen3.7-max" }).model).toBe("qwen3.7-max")
  })

  it.each(["plan", "default", "auto-edit", "auto"] as const)("approvalMode %s → --approval-mode=%s", (mode) => {
    const inv = planOf({ approvalMode: mode, approvalStrategy: "mcp_managed" })
    expect(inv.args).toEqual([...BASE, `--approval-mode=${mode}`])
    expect(inv.env).toEqual(ENV)
  })

  it("yolo is passed when a bypass is allowed (legacy), with qwen's no-sandbox warning silenced", () => {
    const inv = planOf({ approvalMode: "yolo" })
    expect(inv.args).toEqual([...BASE, "--approval-mode=yolo"])
    expect(inv.args).not.toContain("--yolo")
    expect(inv.env).toEqual({ ...ENV, QWEN_CODE_SUPPRESS_YOLO_WARNING: "1" })
  })

  it("yolo becomes an explicit default under mcp_managed unless the approval allowed a bypass", () => {
    // Explicit: the user's own settings (which may say yolo) must not bring the bypass back.
    expect(planOf({ approvalMode: "yolo", approvalStrategy: "mcp_managed" })).toMatchObject({
      args: [...BASE, "--approval-mode=default"],
      env: ENV
    })
    expect(planOf({ approvalMode: "yolo", approvalStrategy: "mcp_managed" }, { bypassAllowed: true }).args).toEqual([
      ...BASE,
      "--approval-mode=yolo"
    ])
    expect(planOf({ approvalMode: "yolo" }, { bypassAllowed: false }).args).toEqual([...BASE, "--approval-mode=default"])
  })

  it("allowedTools, excludeTools, includeDirs: one --name=value element each", () => {
    expect(argvOf({ allowedTools: ["run_shell_command(git status)", "edit"] })).toEqual([
      ...BASE,
      "--allowed-tools=run_shell_command(git status)",
      "--allowed-tools=edit"
    ])
    expect(argvOf({ excludeTools: ["web_fetch", "agent"] })).toEqual([...BASE, "--exclude-tools=web_fetch", "--exclude-tools=agent"])
    expect(argvOf({ includeDirs: ["/srv/shared", "lib/vendor"] })).toEqual([
      ...BASE,
      "--include-directories=/srv/shared",
      "--include-directories=lib/vendor"
    ])
    expect(argvOf({ allowedTools: [], excludeTools: [], includeDirs: [] })).toEqual(BASE)
  })

  it.each([
    ["allowedTools", ["read_file", "run_shell_command(git log,status)"]],
    ["excludeTools", ["mcp_tool(a,b)"]],
    ["includeDirs", ["/srv/a,b"]]
  ])("a comma in %s is refused (qwen splits these lists on it)", (field, values) => {
    const e = refusal({ [field]: values })
    expect(e).toMatchObject({ _tag: "InvalidRequest", field })
    expect(e.message).toContain(values[values.length - 1])
  })

  it("maxSessionTurns → --max-session-turns=<n>; not a positive whole number: refused by the schema", () => {
    expect(argvOf({ maxSessionTurns: 12 })).toEqual([...BASE, "--max-session-turns=12"])
    expect(() => decode({ prompt: "x", maxSessionTurns: 0 })).toThrow()
    expect(() => decode({ prompt: "x", maxSessionTurns: 1.5 })).toThrow()
  })

  it("sessionId (a UUID) → --resume=<id>, kept as the invocation's session", () => {
    const inv = planOf({ sessionId: UUID })
    expect(inv.args).toEqual([...BASE, `--resume=${UUID}`])
    expect(inv.sessionId).toBe(UUID)
  })

  it("a sessionId that is not a UUID is refused (qwen would look it up as a title)", () => {
    const e = refusal({ sessionId: "my-session" })
    expect(e).toMatchObject({ _tag: "InvalidRequest", field: "sessionId" })
    expect(e.message).toContain("UUID")
  })

  it("gateway session ids are refused, unless createNewSession sets them aside", () => {
    expect(refusal({ sessionId: "gw-3f2a" })).toMatchObject({ _tag: "InvalidRequest", field: "sessionId" })
    expect(argvOf({ sessionId: "gw-3f2a", createNewSession: true })).toEqual(BASE)
  })

  it("resumeLatest → --continue; sessionId wins over it; createNewSession wins over both", () => {
    expect(argvOf({ resumeLatest: true })).toEqual([...BASE, "--continue"])
    expect(argvOf({ resumeLatest: true, sessionId: UUID })).toEqual([...BASE, `--resume=${UUID}`])
    expect(argvOf({ resumeLatest: true, sessionId: UUID, createNewSession: true })).toEqual(BASE)
  })

  it("outputFormat only changes the rendering: stream-json keeps stdout verbatim", () => {
    expect(planOf({ outputFormat: "stream-json" })).toMatchObject({ args: BASE, outputFormat: "stream-json", readsEventsOnly: false })
    expect(planOf({ outputFormat: "json" })).toMatchObject({ args: BASE, outputFormat: "json", readsEventsOnly: true })
  })

  it("MCP servers: a --mcp-config file in qwen's shape (the runner appends the flag and path)", () => {
    const config = {
      mcpServers: {
        local: { type: "stdio", command: "sqry-mcp", args: ["--stdio"] },
        plain: { command: "docs-mcp" },
        docs: { type: "http", url: "https://example.com/mcp", headers: { A: "b" } },
        events: { type: "sse", url: "https://example.com/sse" }
      }
    }
    const inv = planOf({ mcpServers: ["local", "plain", "docs", "events", "nope"] }, {
      bypassAllowed: true,
      mcpServers: { enabled: ["local", "plain", "docs", "events"], config }
    })
    expect(inv.args).toEqual(BASE)
    expect(inv.mcpConfig).toEqual({
      flag: "--mcp-config",
      config: {
        mcpServers: {
          local: { command: "sqry-mcp", args: ["--stdio"] },
          plain: { command: "docs-mcp" },
          docs: { httpUrl: "https://example.com/mcp", headers: { A: "b" } },
          events: { url: "https://example.com/sse" }
        }
      }
    })
    expect(planOf({ mcpServers: ["nope"] }, { bypassAllowed: true, mcpServers: { enabled: [], config: { mcpServers: {} } } }).mcpConfig)
      .toBeUndefined()
  })

  it("every parameter together, in a fixed order", () => {
    expect(argvOf({
      model: "qwen3-coder-plus",
      approvalMode: "auto-edit",
      allowedTools: ["read_file"],
      excludeTools: ["web_fetch"],
      includeDirs: ["./docs"],
      maxSessionTurns: 3,
      sessionId: UUID,
      resumeLatest: true
    })).toEqual([
      ...BASE,
      "--model=qwen3-coder-plus",
      "--approval-mode=auto-edit",
      "--allowed-tools=read_file",
      "--exclude-tools=web_fetch",
      "--include-directories=./docs",
      "--max-session-turns=3",
      `--resume=${UUID}`
    ])
  })

  it("no request text reaches argv: the prompt is stdin text", () => {
    const prompt = "--yolo --approval-mode yolo; rm -rf /"
    const inv = planOf({ prompt })
    expect(inv.args).toEqual(BASE)
    expect(inv.prompt).toEqual({ _tag: "Stdin", text: prompt })
  })

  it("async requests fit too", () => {
    const result = Qwen.provider.plan(Schema.decodeUnknownSync(QwenAsyncRequest)({ prompt: "x", resumeLatest: true }))
    expect(Either.isRight(result) && result.right.args).toEqual([...BASE, "--continue"])
  })
})

describe("qwen parse", () => {
  const USAGE = { inputTokens: 2468, outputTokens: 14, cachedInputTokens: 2000, totalTokens: 2482 }

  it.each(["stream-success.jsonl", "stream-partial.jsonl", "json-success.json"])("%s: reply, session, model, usage", (name) => {
    const reply = parsed(sample(name))
    expect(reply.text).toBe('mock reply to: "What is 2+2?\\n\\n"')
    expect(reply.model).toBe("qwen3-coder-plus")
    expect(reply.usage).toEqual(USAGE)
    expect(reply.costUsd).toBeUndefined()
    expect(reply.sessionId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it("a tool-using run: the reply is the result's text, the usage the run's", () => {
    const reply = parsed(sample("stream-tool-use.jsonl"))
    expect(reply.text).toContain("tell me the secret")
    expect(reply.sessionId).toBe("5abdf055-456c-4948-8e48-7e6ff5782fa8")
    expect(reply.usage).toEqual({ inputTokens: 2734, outputTokens: 27, cachedInputTokens: 1000, totalTokens: 2761 })
  })

  it.each([
    "mock-success-stream-json",
    "mock-success-partial",
    "mock-success-json",
    "mock-tool-use",
    "mock-resume-by-id",
    "mock-continue-latest",
    "mock-session-id-new",
    "mock-stdin-plus-p",
    "mock-yolo",
    "mock-mcp-server-fails"
  ])("real %s: the result's text and the init's session", (name) => {
    const stdout = real(`${name}.stdout`)
    const events = readJsonLines(stdout).events.length > 1 ? readJsonLines(stdout).events : JSON.parse(stdout)
    const result = events.find((e: { type?: string }) => e.type === "result")
    const init = events.find((e: { subtype?: string }) => e.subtype === "init")
    const reply = parsedWith(Qwen.provider, planOf({}), output(stdout, real(`${name}.stderr`)))
    expect(reply.text).toBe(result.result)
    expect(reply.sessionId).toBe(init.session_id)
    expect(reply.model).toBe(init.model)
    expect(reply.usage?.inputTokens).toBe(result.usage.input_tokens)
  })

  it("real text output (a CLI run without stream-json) is kept as the reply", () => {
    expect(parsed(real("mock-success-text.stdout")).text).toBe('mock reply to: "What is 2+2?\\n\\n"')
  })

  it("json renders the result object, stream-json the stdout verbatim", () => {
    const stdout = sample("stream-success.jsonl")
    expect(JSON.parse(parsed(stdout, planOf({ outputFormat: "json" })).text)).toMatchObject({ type: "result", is_error: false })
    expect(parsed(stdout, planOf({ outputFormat: "stream-json" })).text).toBe(stdout)
  })

  it("events read while they arrived (readsEventsOnly) parse the same", () => {
    const stdout = sample("stream-partial.jsonl")
    const reply = parsedWith(Qwen.provider, planOf({}), { stdout: "", stderr: "", stdoutTruncated: true, events: readJsonLines(stdout) })
    expect(reply.text).toBe('mock reply to: "What is 2+2?\\n\\n"')
    expect(reply.sessionId).toBe("d5fbf51c-b1b5-4087-bf1e-e6c53e82dd89")
  })

  it.each([
    ["stream-error-auth.jsonl", "CliAuthRequired", "No auth type is selected"],
    ["json-error-auth.json", "CliAuthRequired", "No auth type is selected"],
    ["stream-error-api-key.jsonl", "CliAuthRequired", "401 Incorrect API key"],
    ["stream-error-rate-limit.jsonl", "CliRateLimited", "429 Rate limit reached"],
    ["stream-error-network.jsonl", "CliNetworkError", "Connection error"],
    ["json-error-network.json", "CliNetworkError", "Connection error"],
    ["stream-error-model-unknown.jsonl", "CliModelUnknown", "nope-model"]
  ])("an is_error result (%s) is %s, never the assistant's \"[API Error…]\" text", (name, tag, words) => {
    const failure = parseFailure(sample(name), planOf({ model: "nope-model" }))
    expect(failure._tag).toBe(tag)
    expect(failure).toMatchObject({ cli: "qwen", exitCode: 0 })
    expect("cliMessage" in failure && failure.cliMessage).toContain(words)
    if (failure._tag === "CliNetworkError") expect(failure.retriedByCli).toBe(true)
    if (failure._tag === "CliModelUnknown") expect(failure.model).toBe("nope-model")
  })

  it("an \"[API Error…]\" assistant message with no result is a failure, not a reply", () => {
    const stdout = sample("stream-error-network.jsonl").split("\n").filter((l) => !l.includes('"type":"result"')).join("\n")
    expect(parseFailure(stdout)._tag).toBe("CliNetworkError")
  })

  it("output that stops inside an event, with nothing before it, is a run cut short", () => {
    const failure = parseFailure(sample("stream-turn-limit.jsonl") + '{"type":"result","subtype":"succ')
    expect(failure._tag).toBe("CliRunFailed")
  })

  it("a reply that talks about quotas, 401s and connection errors is still a reply", () => {
    const stdout = sample("stream-success.jsonl").replaceAll(
      'mock reply to: \\"What is 2+2?\\\\n\\\\n\\"',
      "A 429 means rate limited; [API Error: 401] a bad key; Connection error: no network"
    )
    expect(parsed(stdout).text).toBe("A 429 means rate limited; [API Error: 401] a bad key; Connection error: no network")
  })
})

describe("qwen classify: the real 0.24.4 recordings", () => {
  it.each([
    ["not-logged-in", "No auth type is selected"],
    ["not-logged-in-json", "No auth type is selected"],
    ["not-logged-in-text", "No auth type is selected"],
    ["key-without-auth-type", "No auth type is selected"],
    ["missing-api-key", "Missing API key for OpenAI-compatible auth"],
    ["qwen-oauth", "Qwen OAuth free tier was discontinued"],
    ["mock-api-key-rejected", "401 Incorrect API key"]
  ])("%s → CliAuthRequired with qwen's words and its login", (name, words) => {
    const e = captured(name, 1)
    expect(e._tag).toBe("CliAuthRequired")
    expect("cliMessage" in e && e.cliMessage).toContain(words)
    expect("loginCommand" in e && e.loginCommand).toContain("OPENAI_API_KEY")
  })

  it.each([
    ["no-network", "ENOTFOUND dashscope.aliyuncs.com", "dashscope.aliyuncs.com"],
    ["unreachable-base-url", "fetch failed", undefined],
    ["unreachable-base-url-json", "fetch failed", undefined],
    ["unreachable-base-url-text", "fetch failed", undefined]
  ])("%s → CliNetworkError, retried by qwen already", (name, words, endpoint) => {
    const e = captured(name, 1)
    expect(e._tag).toBe("CliNetworkError")
    if (e._tag !== "CliNetworkError") return
    expect(e.retriedByCli).toBe(true)
    expect(e.cliMessage).toContain(words)
    expect(e.endpoint).toBe(endpoint)
    expect(e.hint).toContain("OPENAI_BASE_URL")
  })

  it("a rate limit, after qwen's retries or while it still retried (stopped by a signal) → CliRateLimited", () => {
    expect(captured("mock-rate-limit-short", 1)._tag).toBe("CliRateLimited")
    expect(captured("mock-rate-limit", null, { signal: "SIGTERM" })._tag).toBe("CliRateLimited")
    expect(classify({ exitCode: null, signal: "SIGTERM", stdout: sample("stream-retrying-truncated.jsonl"), stderr: sample("rate-limit-retrying.stderr") })._tag)
      .toBe("CliRateLimited")
  })

  it("a model the endpoint does not know → CliModelUnknown with the model", () => {
    const e = captured("mock-model-unknown", 1, { model: "nope-model" })
    expect(e).toMatchObject({ _tag: "CliModelUnknown", model: "nope-model" })
  })

  it("an unknown session id → SessionNotFound with the id (also for a title)", () => {
    expect(captured("unknown-session", 1)).toMatchObject({ _tag: "SessionNotFound", cli: "qwen", sessionId: UUID })
    expect(captured("unknown-session", 1, { sessionId: UUID })).toMatchObject({ _tag: "SessionNotFound", sessionId: UUID })
    expect(captured("unknown-session-title", 1)._tag).toBe("SessionNotFound")
    expect(classify({ stderr: sample("unknown-session.stderr") })._tag).toBe("SessionNotFound")
  })

  it("an unknown option → CliExitedNonZero with the unknown-option hint, not misread from the help text", () => {
    for (const e of [captured("unknown-option", 1), classify({ stderr: sample("usage-unknown-option.stderr") })]) {
      expect(e._tag).toBe("CliExitedNonZero")
      expect(e.message).toContain("Unknown arguments: such-flag, suchFlag")
      expect("hint" in e && e.hint).toBe(unknownOptionHint("qwen"))
    }
  })

  it.each([
    ["bad-approval-mode", 'Given: "nope"'],
    ["bad-approval-mode-gemini-value", 'Given: "auto_edit"'],
    ["yolo-and-approval-mode", "Cannot use both --yolo"],
    ["mock-session-id-dup", "already exists"]
  ])("other usage errors (%s) → CliExitedNonZero with qwen's words", (name, words) => {
    const e = captured(name, 1)
    expect(e._tag).toBe("CliExitedNonZero")
    expect(e.message).toContain(words)
  })

  it("the turn limit (exit 53), in stream-json and json → CliTurnLimit", () => {
    for (const e of [captured("mock-turn-limit", 53), captured("mock-turn-limit-json", 53)]) {
      expect(e._tag).toBe("CliTurnLimit")
      expect("cliMessage" in e && e.cliMessage).toMatch(/^Reached max session turns/)
    }
    expect(classify({ exitCode: 53, stdout: sample("stream-turn-limit.jsonl"), stderr: sample("turn-limit.stderr") })._tag).toBe("CliTurnLimit")
    expect(classify({ exitCode: 53, stderr: sample("json-turn-limit.stderr") })._tag).toBe("CliTurnLimit")
    expect(classify({ exitCode: 55, stderr: "Budget exceeded: max tool calls (5) reached." })).toMatchObject({ _tag: "CliTurnLimit" })
  })

  it("a bad configuration (exit 52) and an empty prompt → CliRunFailed", () => {
    const config = captured("bad-mcp-config", 52)
    expect(config._tag).toBe("CliRunFailed")
    expect("cliMessage" in config && config.cliMessage).toBe(
      "Invalid MCP configuration provided via --mcp-config: Expected property name or '}' in JSON at position 1"
    )
    expect(classify({ exitCode: 52, stderr: sample("fatal-config-error.stderr") })._tag).toBe("CliRunFailed")
    expect(captured("mock-empty-stdin", 1)._tag).toBe("CliRunFailed")
  })

  it("a crash, a cancelled run, and the ripgrep warning alone → CliExitedNonZero, keeping the real output", () => {
    const crash = classify({ stderr: sample("ripgrep-warning.stderr") + sample("crash.stderr") })
    expect(crash._tag).toBe("CliExitedNonZero")
    expect(crash.message).toContain("An unexpected critical error occurred")
    const cancelled = classify({ exitCode: null, signal: "SIGTERM", stderr: sample("cancelled.stderr") })
    expect(cancelled).toMatchObject({ _tag: "CliExitedNonZero", signal: "SIGTERM" })
    const rg = classify({ stderr: sample("ripgrep-warning.stderr") })
    expect(rg._tag).toBe("CliExitedNonZero")
    expect(rg.message).toBe("qwen exited with code 1")
    expect("stderrTail" in rg && rg.stderrTail).toContain("Ripgrep not available")
  })

  it("the model's own words about rate limits do not make a crash a rate limit", () => {
    const stdout = sample("stream-success.jsonl").split("\n").slice(0, 3).join("\n").replace("mock reply", "429 too many requests")
    expect(classify({ stdout, stderr: sample("crash.stderr") })._tag).toBe("CliExitedNonZero")
  })
})

describe("qwen watch", () => {
  const watch = Qwen.provider.watch!
  it("a 429 retry is the service answering, not the network; the noise says nothing", () => {
    for (const line of sample("rate-limit-retrying.stderr").split("\n")) expect(watch("stderr", line)).toBeUndefined()
    expect(watch("stderr", sample("ripgrep-warning.stderr").trim())).toBeUndefined()
    expect(watch("stdout", sample("stream-retrying-truncated.jsonl").split("\n")[2]!)).toBeUndefined()
  })

  it("network words on stderr are Unreachable", () => {
    expect(watch("stderr", "Error: getaddrinfo ENOTFOUND dashscope.aliyuncs.com")?._tag).toBe("Unreachable")
  })

  it("streamed text, whole replies and tool results are Progress; an API error or goal_state is not", () => {
    const lines = sample("stream-partial.jsonl").split("\n")
    expect(watch("stdout", lines[1]!)).toBeUndefined()
    expect(watch("stdout", lines.find((l) => l.includes("content_block_delta"))!)?._tag).toBe("Progress")
    expect(watch("stdout", lines.find((l) => l.includes('"type":"assistant"'))!)?._tag).toBe("Progress")
    expect(watch("stdout", sample("stream-tool-use.jsonl").split("\n")[3]!)?._tag).toBe("Progress")
    expect(watch("stdout", sample("stream-error-network.jsonl").split("\n")[2]!)).toBeUndefined()
  })
})

describe("qwen identity", () => {
  it("the help markers are in the real help; the version is bare semver", () => {
    const help = Qwen.provider.identity.help!
    expect(help.args).toEqual(["--help"])
    for (const marker of help.markers) expect(real("help.stdout")).toContain(marker)
    expect(real("version.stdout").trim()).toBe("0.24.4")
    expect(Qwen.provider.identity.packages).toEqual(["@qwen-code/qwen-code"])
  })
})
