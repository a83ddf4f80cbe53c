import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { GeminiAsyncRequest, GeminiRequest } from "../../../src/agents/gemini/request.js"
import * as Gemini from "../../../src/agents/gemini/adapter.js"
import type { FailedRun, Invocation, RawOutput } from "../../../src/providers/Provider.js"
import { failedRunOf, failureWith, parsedWith } from "../../providers/helpers.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const fixtures = path.join(here, "..", "..", "fixtures")
const sample = (name: string): string => fs.readFileSync(path.join(fixtures, "output", "gemini", name), "utf8")
const FAKE = path.join(fixtures, "bin", "gemini")

const decode = Schema.decodeUnknownSync(GeminiRequest)
const decodeAsync = Schema.decodeUnknownSync(GeminiAsyncRequest)

const planOf = (input: Record<string, unknown>, provider = Gemini.provider): Invocation => {
  const result = provider.plan(decode({ prompt: "hello", ...input }))
  if (Either.isLeft(result)) throw new Error(`expected a plan, got ${result.left.message}`)
  return result.right
}
const argvOf = (input: Record<string, unknown>) => planOf(input).args

const BASE = ["--output-format", "stream-json"]

const output = (stdout: string, stderr = "", stdoutTruncated = false): RawOutput => ({ stdout, stderr, stdoutTruncated })
const run = (fields: Partial<FailedRun>): FailedRun => failedRunOf("gemini --output-format stream-json", fields)

const parsed = (stdout: string, inv: Invocation = planOf({})) => parsedWith(Gemini.provider, inv, output(stdout))
const parseFailure = (stdout: string, inv: Invocation = planOf({})) => failureWith(Gemini.provider, inv, output(stdout))

describe("gemini plan: golden argv", () => {
  it("minimal request: stream-json only, prompt on stdin, trust env set", () => {
    const inv = planOf({ prompt: "What is 2+2?" })
    expect(inv).toEqual({
      cli: "gemini",
      args: BASE,
      prompt: { _tag: "Stdin", text: "What is 2+2?" },
      env: { GEMINI_CLI_TRUST_WORKSPACE: "true" },
      model: undefined,
      outputFormat: "text"
    })
  })

  it("model", () => {
    expect(argvOf({ model: "gemini-2.5-flash" })).toEqual([...BASE, "--model", "gemini-2.5-flash"])
    expect(planOf({ model: "pro" }).model).toBe("pro")
  })

  it.each(["default", "auto_edit", "yolo", "plan"] as const)("approvalMode %s → --approval-mode", (mode) => {
    const args = argvOf({ approvalMode: mode })
    expect(args).toEqual([...BASE, "--approval-mode", mode])
    expect(args).not.toContain("-y")
    expect(args).not.toContain("--yolo")
  })

  it("allowedTools: --allowed-tools repeated, one per tool", () => {
    expect(argvOf({ allowedTools: ["ShellTool(git status)", "read_file", "mcp__sqry__search"] })).toEqual([
      ...BASE,
      "--allowed-tools",
      "ShellTool(git status)",
      "--allowed-tools",
      "read_file",
      "--allowed-tools",
      "mcp__sqry__search"
    ])
  })

  it("includeDirs: --include-directories repeated", () => {
    expect(argvOf({ includeDirs: ["/srv/shared", "lib/vendor"] })).toEqual([
      ...BASE,
      "--include-directories",
      "/srv/shared",
      "--include-directories",
      "lib/vendor"
    ])
  })

  it("a comma inside a tool or folder is refused (gemini splits these lists on it)", () => {
    const tool = Gemini.provider.plan(decode({ prompt: "hi", allowedTools: ["read_file", "ShellTool(git log,status)"] }))
    expect(Either.isLeft(tool) && tool.left.field).toBe("allowedTools")
    expect(Either.isLeft(tool) && tool.left.message).toContain("ShellTool(git log,status)")
    const dir = Gemini.provider.plan(decode({ prompt: "hi", includeDirs: ["/srv/a,b"] }))
    expect(Either.isLeft(dir) && dir.left._tag).toBe("InvalidRequest")
    expect(Either.isLeft(dir) && dir.left.field).toBe("includeDirs")
  })

  it("empty tool and folder lists add nothing", () => {
    expect(argvOf({ allowedTools: [], includeDirs: [] })).toEqual(BASE)
  })

  it("sessionId → --resume <id>", () => {
    expect(argvOf({ sessionId: "c2a7f0de-5b8e-4d51-9a63-0e4f2b7d91aa" })).toEqual([
      ...BASE,
      "--resume",
      "c2a7f0de-5b8e-4d51-9a63-0e4f2b7d91aa"
    ])
  })

  it("resumeLatest → --resume latest", () => {
    expect(argvOf({ resumeLatest: true })).toEqual([...BASE, "--resume", "latest"])
  })

  it("sessionId wins over resumeLatest", () => {
    expect(argvOf({ sessionId: "abc-123", resumeLatest: true })).toEqual([...BASE, "--resume", "abc-123"])
  })

  it("createNewSession wins over sessionId and resumeLatest", () => {
    expect(argvOf({ createNewSession: true, sessionId: "abc-123", resumeLatest: true })).toEqual(BASE)
    expect(argvOf({ createNewSession: true, resumeLatest: true })).toEqual(BASE)
  })

  it("every parameter together, in a fixed order", () => {
    expect(
      argvOf({
        model: "gemini-2.5-pro",
        approvalMode: "auto_edit",
        allowedTools: ["read_file", "write_file"],
        includeDirs: ["./docs", "/tmp/x"],
        sessionId: "5d0c8e21-77ab-4c0e-b1f4-2f9a6d3e0c18",
        resumeLatest: true,
        mcpServers: ["sqry", "exa"],
        approvalStrategy: "mcp_managed",
        approvalPolicy: "strict"
      })
    ).toEqual([
      "--output-format",
      "stream-json",
      "--model",
      "gemini-2.5-pro",
      "--approval-mode",
      "auto_edit",
      "--allowed-tools",
      "read_file",
      "--allowed-tools",
      "write_file",
      "--include-directories",
      "./docs",
      "--include-directories",
      "/tmp/x",
      "--resume",
      "5d0c8e21-77ab-4c0e-b1f4-2f9a6d3e0c18"
    ])
  })

  it("mcpServers are ignored for now", () => {
    expect(argvOf({ mcpServers: ["sqry", "exa", "ref_tools"] })).toEqual(BASE)
  })

  it("a prompt that looks like a flag never reaches argv: it is stdin text", () => {
    const inv = planOf({ prompt: "--dangerously-skip-permissions" })
    expect(inv.args).toEqual(BASE)
    expect(inv.args.some((a) => a.includes("dangerously"))).toBe(false)
    expect(inv.prompt).toEqual({ _tag: "Stdin", text: "--dangerously-skip-permissions" })
  })

  it("no request text at all reaches argv", () => {
    const prompt = "-y --yolo --approval-mode yolo; rm -rf /"
    const inv = planOf({ prompt, model: "gemini-2.5-pro" })
    for (const a of inv.args) expect(prompt.includes(a) && a.length > 3).toBe(false)
    expect(inv.prompt.text).toBe(prompt)
  })

  it("gw- session ids are refused, with the field named", () => {
    const result = Gemini.provider.plan(decode({ prompt: "hi", sessionId: "gw-3f2a" }))
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("InvalidRequest")
      expect(result.left.field).toBe("sessionId")
      expect(result.left.message).toContain("gw-3f2a")
    }
  })

  it("a gw- id that createNewSession sets aside is not used and not refused", () => {
    expect(argvOf({ sessionId: "gw-3f2a", createNewSession: true })).toEqual(BASE)
  })

  it("MCP servers: only the names the registry resolved, each as --allowed-mcp-server-names", () => {
    const result = Gemini.provider.plan(decode({ prompt: "hello", mcpServers: ["docs", "nope", "search"] }), {
      bypassAllowed: true,
      mcpServers: { enabled: ["docs", "search"], config: { mcpServers: {} } }
    })
    const args = Either.getOrThrow(result).args
    expect(args.slice(-4)).toEqual(["--allowed-mcp-server-names", "docs", "--allowed-mcp-server-names", "search"])
    expect(args).not.toContain("nope")
  })

  it("trustWorkspace: false sets no environment", () => {
    const inv = planOf({}, Gemini.make({ trustWorkspace: false }))
    expect(inv.env).toEqual({})
    expect(inv.args).toEqual(BASE)
    expect(planOf({}, Gemini.make({ trustWorkspace: true })).env).toEqual({ GEMINI_CLI_TRUST_WORKSPACE: "true" })
  })

  it("async requests fit too", () => {
    const result = Gemini.provider.plan(decodeAsync({ prompt: "x", model: "flash", resumeLatest: true }))
    expect(Either.isRight(result) && result.right.args).toEqual([...BASE, "--model", "flash", "--resume", "latest"])
  })
})

describe("gemini parse", () => {
  it("stream-json: joins the assistant's text, takes session, model and usage", () => {
    const reply = parsed(sample("stream-success.jsonl"))
    expect(reply.text).toBe(
      "I'll search the source tree for TODO markers.\nThere are **3** TODO comments in `src/`."
    )
    expect(reply.sessionId).toBe("c2a7f0de-5b8e-4d51-9a63-0e4f2b7d91aa")
    expect(reply.model).toBe("gemini-2.5-pro")
    expect(reply.usage).toEqual({ inputTokens: 10188, outputTokens: 224, cachedInputTokens: 8120, totalTokens: 10412 })
    expect(reply.costUsd).toBeUndefined()
  })

  it("stream-json: skips non-JSON lines, unknown events and fields, and warnings", () => {
    const reply = parsed(sample("stream-noise.jsonl"))
    expect(reply.text).toBe("Hello! How can I help?")
    expect(reply.sessionId).toBe("5d0c8e21-77ab-4c0e-b1f4-2f9a6d3e0c18")
    expect(reply.model).toBe("gemini-2.5-flash")
    expect(reply.usage).toEqual({ inputTokens: 1500, outputTokens: 30, cachedInputTokens: 0, totalTokens: 1530 })
  })

  it("stream-json cut short: keeps what arrived, drops the broken last line", () => {
    const reply = parsed(sample("stream-truncated.jsonl"))
    expect(reply.text).toBe("The build fails because tsconfig excludes test/.")
    expect(reply.sessionId).toBe("9e3b1a57-0c2d-4e8f-a1b6-7d5c3e2f1a09")
    expect(reply.usage).toBeUndefined()
  })

  it("the model asked for is the fallback when the CLI names none", () => {
    const reply = parsed('{"type":"message","role":"assistant","content":"ok","delta":true}\n', planOf({ model: "flash" }))
    expect(reply).toEqual({ text: "ok", sessionId: undefined, model: "flash", usage: undefined, costUsd: undefined })
  })

  it("whole (non-delta) assistant messages are separated by a line break", () => {
    const stdout = [
      '{"type":"message","role":"assistant","content":"First."}',
      '{"type":"message","role":"assistant","content":"Second."}'
    ].join("\n")
    expect(parsed(stdout).text).toBe("First.\nSecond.")
  })

  it("the user's echoed message is not part of the reply", () => {
    const stdout = [
      '{"type":"message","role":"user","content":"PROMPT"}',
      '{"type":"message","role":"assistant","content":"ANSWER","delta":true}'
    ].join("\n")
    expect(parsed(stdout).text).toBe("ANSWER")
  })

  it("json format: response, session, main model, usage summed over models", () => {
    const reply = parsed(sample("json-success.json"))
    expect(reply.text).toBe("The function `parseArgs` is defined in src/cli.ts.")
    expect(reply.sessionId).toBe("7a1d3f9e-2b4c-4d6e-8f0a-1c3e5a7b9d2f")
    expect(reply.model).toBe("gemini-2.5-pro")
    expect(reply.usage).toEqual({
      inputTokens: 5400,
      outputTokens: 222,
      cachedInputTokens: 3200,
      reasoningTokens: 252,
      totalTokens: 5874
    })
  })

  it("plain text (a CLI that ignored --output-format) is kept as the reply", () => {
    expect(parsed("Loaded cached credentials.\nJust text.\n").text).toBe("Loaded cached credentials.\nJust text.")
  })

  it("a result with status error is a failure, classified (rate limit), keeping gemini's words", () => {
    const failure = parseFailure(sample("stream-error-result.jsonl"))
    expect(failure._tag).toBe("CliRateLimited")
    if (failure._tag === "CliRateLimited") {
      expect(failure.cliMessage).toContain("You have exhausted your capacity on this model")
      expect(failure.exitCode).toBe(0)
    }
  })

  it("a turn-limit result is CliTurnLimit", () => {
    const failure = parseFailure(sample("stream-turn-limit.jsonl"))
    expect(failure._tag).toBe("CliTurnLimit")
    if (failure._tag === "CliTurnLimit") expect(failure.cliMessage).toContain("Reached max session turns")
  })

  it("a json error object is a failure (auth by its code 41)", () => {
    const failure = parseFailure(sample("json-error-auth.json"))
    expect(failure._tag).toBe("CliAuthRequired")
    if (failure._tag === "CliAuthRequired") {
      expect(failure.cliMessage).toContain("Please set an Auth method")
      expect(failure.loginCommand).toContain("gemini")
    }
  })

  it("an unrecognised error result is CliRunFailed with the CLI's message", () => {
    const failure = parseFailure(
      '{"type":"result","status":"error","error":{"type":"Error","message":"Tool registry failed to initialise"}}\n'
    )
    expect(failure._tag).toBe("CliRunFailed")
    if (failure._tag === "CliRunFailed") expect(failure.cliMessage).toBe("Tool registry failed to initialise")
  })

  it("a fatal error event in a stream with no reply and no result is a failure", () => {
    const failure = parseFailure(
      '{"type":"init","session_id":"x","model":"m"}\n{"type":"error","severity":"error","message":"stream aborted"}\n'
    )
    expect(failure._tag).toBe("CliRunFailed")
  })

  it("a successful reply that mentions quotas and API keys is still a reply", () => {
    const stdout =
      '{"type":"message","role":"user","content":"explain 429 rate limit and invalid api key errors"}\n' +
      '{"type":"message","role":"assistant","content":"A 429 means rate limited.","delta":true}\n' +
      '{"type":"result","status":"success","stats":{"total_tokens":3,"input_tokens":2,"output_tokens":1,"cached":0}}\n'
    expect(parsed(stdout).text).toBe("A 429 means rate limited.")
  })
})

describe("gemini classify", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly run: Partial<FailedRun>
    readonly tag: string
    readonly words: string
  }> = [
    { name: "auth (exit 41)", run: { exitCode: 41, stderr: sample("auth.stderr") }, tag: "CliAuthRequired", words: "Please set an Auth method" },
    { name: "auth (invalid API key, exit 1)", run: { exitCode: 1, stderr: sample("auth-api-key.stderr") }, tag: "CliAuthRequired", words: "API key not valid" },
    { name: "auth (json error code 41, exit 1)", run: { exitCode: 1, stdout: sample("json-error-auth.json") }, tag: "CliAuthRequired", words: "Please set an Auth method" },
    { name: "rate limit (stderr)", run: { exitCode: 1, stderr: sample("rate-limit.stderr") }, tag: "CliRateLimited", words: "exhausted your capacity" },
    { name: "rate limit (error result)", run: { exitCode: 1, stdout: sample("stream-error-result.jsonl") }, tag: "CliRateLimited", words: "exhausted your capacity" },
    { name: "model unknown", run: { exitCode: 1, stderr: sample("model-unknown.stderr"), model: "gemini-9-ultra" }, tag: "CliModelUnknown", words: "models/gemini-9-ultra is not found" },
    { name: "turn limit (exit 53)", run: { exitCode: 53, stderr: sample("turn-limit.stderr") }, tag: "CliTurnLimit", words: "Reached max session turns" },
    { name: "turn limit (exit 53, stream)", run: { exitCode: 53, stdout: sample("stream-turn-limit.jsonl") }, tag: "CliTurnLimit", words: "Reached max session turns" },
    { name: "untrusted (exit 55)", run: { exitCode: 55, stderr: sample("untrusted.stderr") }, tag: "CliWorkspaceUntrusted", words: "not running in a trusted directory" },
    { name: "untrusted (older CLI, exit 1)", run: { exitCode: 1, stderr: sample("untrusted.stderr") }, tag: "CliWorkspaceUntrusted", words: "not running in a trusted directory" },
    { name: "input error (exit 42)", run: { exitCode: 42, stderr: sample("input-error.stderr") }, tag: "CliRunFailed", words: "No input provided via stdin" },
    { name: "generic crash", run: { exitCode: 1, stderr: sample("crash.stderr") }, tag: "CliExitedNonZero", words: "Cannot read properties of undefined" }
  ]

  it.each(cases)("$name → $tag, keeping the CLI's words", ({ run: fields, tag, words }) => {
    const failure = Gemini.provider.classify(run(fields))
    expect(failure._tag).toBe(tag)
    expect(failure.cli).toBe("gemini")
    if (failure._tag === "CliExitedNonZero") {
      expect(failure.stderrTail).toContain(words)
      expect(failure.message).toContain("exited with code 1")
    } else {
      expect(failure.cliMessage).toContain(words)
      expect(failure.message).toContain(words)
    }
  })

  it("untrusted: the hint names the gateway switch and trusting the folder; cwd is kept", () => {
    const failure = Gemini.provider.classify(run({ exitCode: 55, stderr: sample("untrusted.stderr"), cwd: "/srv/repo" }))
    expect(failure._tag).toBe("CliWorkspaceUntrusted")
    if (failure._tag === "CliWorkspaceUntrusted") {
      expect(failure.hint).toContain("LLM_GATEWAY_GEMINI_TRUST_WORKSPACE=true")
      expect(failure.hint).toMatch(/trust this folder in gemini/)
      expect(failure.cwd).toBe("/srv/repo")
      expect(failure.exitCode).toBe(55)
      // The warning line is not taken for the CLI's message.
      expect(failure.cliMessage).not.toContain("Approval mode overridden")
    }
  })

  it("the approval-mode warning alone is not an untrusted refusal", () => {
    const failure = Gemini.provider.classify(
      run({ exitCode: 1, stderr: 'Approval mode overridden to "default" because the current folder is not trusted.\nboom' })
    )
    expect(failure._tag).toBe("CliExitedNonZero")
  })

  it("model unknown carries the model asked for", () => {
    const failure = Gemini.provider.classify(run({ exitCode: 1, stderr: sample("model-unknown.stderr"), model: "gemini-9-ultra" }))
    expect(failure._tag === "CliModelUnknown" && failure.model).toBe("gemini-9-ultra")
  })

  it("a run ended by a signal is CliExitedNonZero naming the signal", () => {
    const failure = Gemini.provider.classify(run({ exitCode: null, signal: "SIGTERM", stdout: '{"type":"init","session_id":"s","model":"m"}\n' }))
    expect(failure._tag).toBe("CliExitedNonZero")
    if (failure._tag === "CliExitedNonZero") {
      expect(failure.signal).toBe("SIGTERM")
      expect(failure.stdoutTail).toContain('"type":"init"')
    }
  })

  it("the model's own text about rate limits does not make a crash a rate limit", () => {
    const stdout = '{"type":"message","role":"assistant","content":"429 too many requests is a rate limit","delta":true}\n'
    const failure = Gemini.provider.classify(run({ exitCode: 1, stdout, stderr: sample("crash.stderr") }))
    expect(failure._tag).toBe("CliExitedNonZero")
  })
})

// ---------------------------------------------------------------------------
// The fake CLI and the adapter agree
// ---------------------------------------------------------------------------

const cleanEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (/^(GEMINI_CLI_|FAKE_CLI_)/.test(k)) delete env[k]
  return env
}

const runFake = (inv: Invocation, extraEnv: Record<string, string> = {}, record?: string) => {
  if (inv.prompt._tag !== "Stdin") throw new Error("gemini takes its prompt on stdin")
  const result = spawnSync(FAKE, [...inv.args], {
    input: inv.prompt.text,
    env: { ...cleanEnv(), ...inv.env, ...extraEnv, ...(record ? { FAKE_CLI_RECORD: record } : {}) },
    encoding: "utf8",
    timeout: 15_000
  })
  if (result.error) throw result.error
  return result
}

const failedRun = (r: ReturnType<typeof runFake>, inv: Invocation): FailedRun => ({
  stdout: r.stdout,
  stderr: r.stderr,
  stdoutTruncated: false,
  exitCode: r.status,
  signal: r.signal,
  command: "gemini",
  model: inv.model,
  cwd: process.cwd()
})

describe("fake gemini and the adapter agree", () => {
  it("--version", () => {
    const r = spawnSync(FAKE, ["--version"], { encoding: "utf8" })
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe("0.20.0")
  })

  it("runs the planned argv, gets the prompt on stdin, and its reply parses", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gemini-fake-"))
    const record = path.join(dir, "record.jsonl")
    const inv = planOf({
      prompt: "--dangerously-skip-permissions",
      model: "gemini-2.5-flash",
      approvalMode: "yolo",
      allowedTools: ["read_file"],
      includeDirs: [dir],
      sessionId: "0b3e3e5c-1111-4222-8333-444455556666"
    })
    const r = runFake(inv, {}, record)
    expect(r.status).toBe(0)
    expect(r.stderr).not.toMatch(/deprecated/)
    const seen = JSON.parse(fs.readFileSync(record, "utf8").trim().split("\n")[0]!)
    expect(seen.prompt).toBe("--dangerously-skip-permissions")
    expect(seen.argv).toEqual(inv.args)
    expect(seen.env.GEMINI_CLI_TRUST_WORKSPACE).toBe("true")

    const result = Gemini.provider.parse(inv, output(r.stdout, r.stderr))
    expect(Either.isRight(result)).toBe(true)
    if (Either.isRight(result)) {
      expect(result.right.text).toBe("gemini fake reply to: --dangerously-skip-permissions")
      expect(result.right.sessionId).toBe("0b3e3e5c-1111-4222-8333-444455556666")
      expect(result.right.model).toBe("gemini-2.5-flash")
      expect(result.right.usage?.outputTokens).toBeGreaterThan(0)
    }
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it("streamed chunks join back into the reply", () => {
    const inv = planOf({ prompt: "stream me [[fake:chunks=5]]", resumeLatest: true })
    const r = runFake(inv)
    expect(r.status).toBe(0)
    expect(r.stdout.split("\n").filter((l) => l.includes('"role":"assistant"'))).toHaveLength(5)
    const result = Gemini.provider.parse(inv, output(r.stdout))
    expect(Either.isRight(result) && result.right.text).toBe("gemini fake reply to: stream me")
  })

  it("the fake's json format parses too", () => {
    const inv = planOf({ prompt: "json please" })
    const argv = inv.args.map((a) => (a === "stream-json" ? "json" : a))
    const r = runFake({ ...inv, args: argv })
    const result = Gemini.provider.parse(inv, output(r.stdout))
    expect(Either.isRight(result) && result.right.text).toBe("gemini fake reply to: json please")
  })

  it("without the trust variable the fake refuses with 55, classified as untrusted", () => {
    const inv = planOf({ prompt: "hi" }, Gemini.make({ trustWorkspace: false }))
    const r = runFake(inv)
    expect(r.status).toBe(55)
    expect(Gemini.provider.classify(failedRun(r, inv))._tag).toBe("CliWorkspaceUntrusted")
  })

  it("-y is accepted with a deprecation warning (the adapter never emits it)", () => {
    const r = spawnSync(FAKE, ["-y", "--output-format", "stream-json"], {
      input: "hi",
      env: { ...cleanEnv(), GEMINI_CLI_TRUST_WORKSPACE: "true" },
      encoding: "utf8"
    })
    expect(r.status).toBe(0)
    expect(r.stderr).toMatch(/--yolo \(-y\) is deprecated/)
  })

  it("unknown flags fail like gemini's parser", () => {
    const r = spawnSync(FAKE, ["--output-format", "stream-json", "--bogus"], { input: "hi", encoding: "utf8" })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("Unknown argument: bogus")
  })

  it.each([
    ["auth", "CliAuthRequired", 41],
    ["rate-limit", "CliRateLimited", 1],
    ["model-unknown", "CliModelUnknown", 1],
    ["turn-limit", "CliTurnLimit", 53],
    ["untrusted", "CliWorkspaceUntrusted", 55],
    ["crash", "CliExitedNonZero", 1]
  ] as const)("scenario %s → %s (exit %i)", (scenario, tag, code) => {
    const inv = planOf({ prompt: `do it [[fake:${scenario}]]`, model: "gemini-2.5-pro" })
    const r = runFake(inv)
    expect(r.status).toBe(code)
    expect(Gemini.provider.classify(failedRun(r, inv))._tag).toBe(tag)
  })
})
