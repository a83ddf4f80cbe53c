import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { GrokAsyncRequest, GrokRequest } from "../../../src/agents/grok/request.js"
import * as Grok from "../../../src/agents/grok/adapter.js"
import type { FailedRun, Invocation, RawOutput } from "../../../src/providers/Provider.js"
import { failedRunOf, failureWith, parsedWith } from "../../providers/helpers.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const fixtures = path.join(here, "..", "..", "fixtures")
const sample = (name: string): string => fs.readFileSync(path.join(fixtures, "output", "grok", name), "utf8")
const FAKE = path.join(fixtures, "bin", "grok")

const decode = Schema.decodeUnknownSync(GrokRequest)
const decodeAsync = Schema.decodeUnknownSync(GrokAsyncRequest)

const planOf = (input: Record<string, unknown>): Invocation => {
  const result = Grok.provider.plan(decode({ prompt: "hello", ...input }))
  if (Either.isLeft(result)) throw new Error(`expected a plan, got ${result.left.message}`)
  return result.right
}
const argvOf = (input: Record<string, unknown>) => planOf(input).args
const refusal = (input: Record<string, unknown>) => {
  const result = Grok.provider.plan(decode({ prompt: "hello", ...input }))
  if (Either.isRight(result)) throw new Error(`expected a refusal, got ${JSON.stringify(result.right.args)}`)
  return result.left
}

const BASE = ["--output-format", "streaming-json"]

const output = (stdout: string, stderr = ""): RawOutput => ({ stdout, stderr, stdoutTruncated: false })
const run = (fields: Partial<FailedRun>): FailedRun => failedRunOf("grok --output-format streaming-json", fields)

const parsed = (stdout: string, inv: Invocation = planOf({})) => parsedWith(Grok.provider, inv, output(stdout))
const parseFailure = (stdout: string, inv: Invocation = planOf({})) => failureWith(Grok.provider, inv, output(stdout))

describe("grok plan: golden argv", () => {
  it("minimal request: streaming-json, prompt in a --prompt-file, auto-updater off", () => {
    expect(planOf({ prompt: "What is 2+2?" })).toEqual({
      cli: "grok",
      args: BASE,
      prompt: { _tag: "File", flag: "--prompt-file", text: "What is 2+2?" },
      env: { GROK_DISABLE_AUTOUPDATER: "1" },
      model: undefined,
      outputFormat: "plain"
    })
  })

  it.each(["plain", "json", "streaming-json"] as const)("outputFormat %s is rendered, grok still streams", (format) => {
    const inv = planOf({ outputFormat: format })
    expect(inv.args).toEqual(BASE)
    expect(inv.outputFormat).toBe(format)
  })

  it("model", () => {
    expect(argvOf({ model: "grok-build" })).toEqual([...BASE, "--model", "grok-build"])
  })

  it("alwaysApprove with the legacy strategy → --always-approve", () => {
    expect(argvOf({ alwaysApprove: true })).toEqual([...BASE, "--always-approve"])
    expect(argvOf({ alwaysApprove: true, approvalStrategy: "legacy" })).toEqual([...BASE, "--always-approve"])
  })

  it("alwaysApprove under mcp_managed is left to the policy: no flag", () => {
    expect(argvOf({ alwaysApprove: true, approvalStrategy: "mcp_managed" })).toEqual(BASE)
  })

  it("never --yolo", () => {
    expect(argvOf({ alwaysApprove: true })).not.toContain("--yolo")
  })

  it.each(["default", "acceptEdits", "auto", "dontAsk", "bypassPermissions", "plan"] as const)(
    "permissionMode %s",
    (mode) => {
      expect(argvOf({ permissionMode: mode })).toEqual([...BASE, "--permission-mode", mode])
    }
  )

  it.each(["low", "medium", "high", "xhigh", "max"] as const)("effort %s", (effort) => {
    expect(argvOf({ effort })).toEqual([...BASE, "--effort", effort])
  })

  it.each(["none", "minimal", "low", "medium", "high", "xhigh", "max"] as const)("reasoningEffort %s", (r) => {
    expect(argvOf({ reasoningEffort: r })).toEqual([...BASE, "--reasoning-effort", r])
  })

  it("allowedTools → one --tools list; disallowedTools → one --disallowed-tools list", () => {
    expect(argvOf({ allowedTools: ["read_file", "bash"] })).toEqual([...BASE, "--tools", "read_file,bash"])
    expect(argvOf({ disallowedTools: ["web_search"] })).toEqual([...BASE, "--disallowed-tools", "web_search"])
  })

  it("empty tool lists add nothing", () => {
    expect(argvOf({ allowedTools: [], disallowedTools: [] })).toEqual(BASE)
  })

  it("a tool name with a comma is refused (grok splits on it)", () => {
    const a = refusal({ allowedTools: ["read_file", "Bash(git log,status)"] })
    expect(a._tag).toBe("InvalidRequest")
    expect(a.field).toBe("allowedTools")
    expect(a.message).toContain("Bash(git log,status)")
    expect(refusal({ disallowedTools: ["Edit(a,b)"] }).field).toBe("disallowedTools")
  })

  it("sessionId → --resume <id>; resumeLatest → --continue; sessionId wins", () => {
    expect(argvOf({ sessionId: "019f470d-3e02-7601-b726-1133cc72ef76" })).toEqual([
      ...BASE,
      "--resume",
      "019f470d-3e02-7601-b726-1133cc72ef76"
    ])
    expect(argvOf({ resumeLatest: true })).toEqual([...BASE, "--continue"])
    expect(argvOf({ sessionId: "abc", resumeLatest: true })).toEqual([...BASE, "--resume", "abc"])
  })

  it("createNewSession wins over sessionId and resumeLatest", () => {
    expect(argvOf({ createNewSession: true, sessionId: "abc", resumeLatest: true })).toEqual(BASE)
    expect(argvOf({ createNewSession: true, resumeLatest: true })).toEqual(BASE)
  })

  it("gw- session ids are refused, with the field named", () => {
    const e = refusal({ sessionId: "gw-77aa" })
    expect(e._tag).toBe("InvalidRequest")
    expect(e.field).toBe("sessionId")
    expect(e.message).toContain("gw-77aa")
    expect(argvOf({ sessionId: "gw-77aa", createNewSession: true })).toEqual(BASE)
  })

  it("every parameter together, in a fixed order", () => {
    expect(
      argvOf({
        model: "grok-build",
        outputFormat: "json",
        alwaysApprove: true,
        permissionMode: "acceptEdits",
        effort: "high",
        reasoningEffort: "minimal",
        allowedTools: ["read_file", "edit_file", "Bash(git log:*)"],
        disallowedTools: ["web_search", "web_fetch"],
        sessionId: "019f470d-3e02-7601-b726-1133cc72ef76",
        resumeLatest: true,
        mcpServers: ["sqry"]
      })
    ).toEqual([
      "--output-format",
      "streaming-json",
      "--model",
      "grok-build",
      "--always-approve",
      "--permission-mode",
      "acceptEdits",
      "--effort",
      "high",
      "--reasoning-effort",
      "minimal",
      "--tools",
      "read_file,edit_file,Bash(git log:*)",
      "--disallowed-tools",
      "web_search,web_fetch",
      "--resume",
      "019f470d-3e02-7601-b726-1133cc72ef76"
    ])
  })

  it("a prompt that looks like a flag never reaches argv: it is file text", () => {
    const inv = planOf({ prompt: "--dangerously-skip-permissions" })
    expect(inv.args).toEqual(BASE)
    expect(inv.args.some((a) => a.includes("dangerously"))).toBe(false)
    expect(inv.prompt).toEqual({ _tag: "File", flag: "--prompt-file", text: "--dangerously-skip-permissions" })
  })

  it("async requests fit too", () => {
    const result = Grok.provider.plan(decodeAsync({ prompt: "x", effort: "low", resumeLatest: true }))
    expect(Either.isRight(result) && result.right.args).toEqual([...BASE, "--effort", "low", "--continue"])
  })
})

describe("grok parse", () => {
  it("plain: the text events joined; session, main model, usage and cost from end", () => {
    const reply = parsed(sample("streaming-success.jsonl"))
    expect(reply.text).toBe("The failing test is `parser handles CRLF`.\nIt splits on \\n only.")
    expect(reply.sessionId).toBe("019f470d-3e02-7601-b726-1133cc72ef76")
    expect(reply.model).toBe("grok-build")
    expect(reply.usage).toEqual({
      inputTokens: 1800,
      cachedInputTokens: 22000,
      cacheCreationInputTokens: 512,
      outputTokens: 310,
      reasoningTokens: 95,
      totalTokens: 24717
    })
    expect(reply.costUsd).toBe(0.0127)
  })

  it("json: an object shaped like grok's json output, built from the stream", () => {
    const reply = parsed(sample("streaming-success.jsonl"), planOf({ outputFormat: "json" }))
    expect(JSON.parse(reply.text)).toEqual({
      text: "The failing test is `parser handles CRLF`.\nIt splits on \\n only.",
      stopReason: "EndTurn",
      sessionId: "019f470d-3e02-7601-b726-1133cc72ef76",
      requestId: "req_8d2f1c0a",
      thought: "The user wants the failing test. Run the suite first.",
      num_turns: 2,
      usage: {
        input_tokens: 1800,
        cache_read_input_tokens: 22000,
        cache_creation_input_tokens: 512,
        output_tokens: 310,
        reasoning_tokens: 95,
        total_tokens: 24717
      },
      modelUsage: {
        "grok-build": { inputTokens: 1800, outputTokens: 290, cacheReadInputTokens: 22000, modelCalls: 2, costUSD: 0.0123 },
        "grok-code-fast-1": { inputTokens: 40, outputTokens: 20, cacheReadInputTokens: 0, modelCalls: 1, costUSD: 0.0004 }
      },
      total_cost_usd: 0.0127
    })
  })

  it("streaming-json: the raw stdout", () => {
    const stdout = sample("streaming-success.jsonl")
    expect(parsed(stdout, planOf({ outputFormat: "streaming-json" })).text).toBe(stdout)
  })

  it("skips non-JSON lines, unknown events and fields; cost summed from modelUsage", () => {
    const reply = parsed(sample("streaming-noise.jsonl"))
    expect(reply.text).toBe("Done: renamed `foo` to `bar`.")
    expect(reply.sessionId).toBe("0190a4c2-77e1-7d3b-9f00-5a6b7c8d9e0f")
    expect(reply.usage).toEqual({ inputTokens: 50, outputTokens: 9, totalTokens: 59 })
    expect(reply.costUsd).toBeCloseTo(0.0003, 10)
  })

  it("total_cost_usd wins over the per-model costs; the sum is the fallback", () => {
    const models = '"modelUsage":{"grok-build":{"outputTokens":5,"costUSD":0.01},"grok-4":{"outputTokens":1,"costUSD":0.02}}'
    const withTotal = `{"type":"text","data":"x"}\n{"type":"end","stopReason":"EndTurn",${models},"total_cost_usd":0.5}\n`
    const withoutTotal = `{"type":"text","data":"x"}\n{"type":"end","stopReason":"EndTurn",${models}}\n`
    const withNoCost = '{"type":"text","data":"x"}\n{"type":"end","stopReason":"EndTurn","modelUsage":{"grok-build":{"outputTokens":5}}}\n'
    expect(parsed(withTotal).costUsd).toBe(0.5)
    expect(parsed(withoutTotal).costUsd).toBeCloseTo(0.03, 10)
    expect(parsed(withNoCost).costUsd).toBeUndefined()
    expect(parsed(withoutTotal).model).toBe("grok-build")
  })

  it("a stream cut short keeps what arrived; usage from the last usage event", () => {
    const reply = parsed(sample("streaming-truncated.jsonl"))
    expect(reply.text).toBe("The service restarts because ")
    expect(reply.sessionId).toBeUndefined()
    expect(reply.usage).toEqual({ inputTokens: 120, outputTokens: 30, totalTokens: 150 })
    expect(reply.costUsd).toBeUndefined()
  })

  it("a cut-short stream rendered as json has nulls where the end event was", () => {
    const reply = parsed(sample("streaming-truncated.jsonl"), planOf({ outputFormat: "json" }))
    expect(JSON.parse(reply.text)).toEqual({
      text: "The service restarts because ",
      stopReason: null,
      sessionId: null,
      requestId: null,
      thought: "Looking at the logs.",
      num_turns: null,
      usage: { input_tokens: 120, output_tokens: 30, total_tokens: 150 },
      modelUsage: null
    })
  })

  it("the single-object json format is accepted", () => {
    const reply = parsed(sample("json-success.json"))
    expect(reply).toEqual({
      text: "All 42 tests pass.",
      sessionId: "019f4711-0a0b-7c0d-8e0f-101112131415",
      model: "grok-build",
      usage: {
        inputTokens: 2400,
        cachedInputTokens: 15000,
        cacheCreationInputTokens: 0,
        outputTokens: 80,
        reasoningTokens: 40,
        totalTokens: 17520
      },
      costUsd: 0.0089
    })
  })

  it("plain text (a grok that ignored --output-format) is kept as the reply", () => {
    expect(parsed("Just the answer.\n").text).toBe("Just the answer.")
  })

  it("the model asked for is the fallback when grok names none", () => {
    const reply = parsed('{"type":"text","data":"ok"}\n', planOf({ model: "grok-4" }))
    expect(reply).toEqual({ text: "ok", sessionId: undefined, model: "grok-4", usage: undefined, costUsd: undefined })
  })

  it("max_turns_reached → CliTurnLimit, even on exit 0", () => {
    const failure = parseFailure(sample("max-turns.jsonl"))
    expect(failure._tag).toBe("CliTurnLimit")
    if (failure._tag === "CliTurnLimit") expect(failure.cliMessage).toBe("Reached the maximum number of turns (5)")
  })

  it("an error event with no reply is a failure, classified, keeping grok's words", () => {
    const failure = parseFailure(sample("rate-limit.stdout"))
    expect(failure._tag).toBe("CliRateLimited")
    if (failure._tag === "CliRateLimited") expect(failure.cliMessage).toContain("429 Too Many Requests")
  })

  it("an unrecognised error event is CliRunFailed with grok's words", () => {
    const failure = parseFailure(sample("generic-error.stdout"))
    expect(failure._tag).toBe("CliRunFailed")
    if (failure._tag === "CliRunFailed") expect(failure.cliMessage).toContain("sandbox profile 'strict' denied write")
  })

  it("an error event in a run that still ended with a reply is not fatal", () => {
    const stdout = [
      '{"type":"error","message":"tool bash failed: exit 1"}',
      '{"type":"text","data":"Recovered."}',
      '{"type":"end","stopReason":"EndTurn","sessionId":"s1","requestId":"r1","num_turns":2}'
    ].join("\n")
    expect(parsed(stdout).text).toBe("Recovered.")
  })

  it("a reply that talks about rate limits is still a reply", () => {
    const stdout = '{"type":"text","data":"HTTP 429 means rate limited; 401 means unauthorized."}\n{"type":"end","stopReason":"EndTurn","sessionId":"s"}\n'
    expect(parsed(stdout).text).toBe("HTTP 429 means rate limited; 401 means unauthorized.")
  })
})

describe("grok classify", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly run: Partial<FailedRun>
    readonly tag: string
    readonly words: string
  }> = [
    { name: "auth (error event)", run: { stdout: sample("auth.stdout") }, tag: "CliAuthRequired", words: "Run `grok login` or set XAI_API_KEY" },
    { name: "auth (session expired)", run: { stdout: sample("auth-expired.stdout") }, tag: "CliAuthRequired", words: "Your session has expired" },
    { name: "auth (plain stderr)", run: { stderr: "Error: not authenticated. Run `grok login`.\n" }, tag: "CliAuthRequired", words: "not authenticated" },
    { name: "rate limit", run: { stdout: sample("rate-limit.stdout") }, tag: "CliRateLimited", words: "rate limit exceeded" },
    { name: "model unknown", run: { stdout: sample("model-unknown.stdout"), model: "grok-9000" }, tag: "CliModelUnknown", words: "Model not found: grok-9000" },
    { name: "turn limit (max_turns_reached)", run: { stdout: sample("max-turns.jsonl") }, tag: "CliTurnLimit", words: "maximum number of turns (5)" },
    { name: "turn limit (plain stderr)", run: { stderr: "Error: maximum number of turns (3) reached\n" }, tag: "CliTurnLimit", words: "maximum number of turns (3) reached" },
    { name: "generic error event", run: { stdout: sample("generic-error.stdout") }, tag: "CliExitedNonZero", words: "sandbox profile 'strict' denied write" },
    { name: "crash (panic)", run: { exitCode: 101, stderr: sample("crash.stderr") }, tag: "CliExitedNonZero", words: "panicked at" }
  ]

  it.each(cases)("$name → $tag, keeping the CLI's words", ({ run: fields, tag, words }) => {
    const failure = Grok.provider.classify(run(fields))
    expect(failure._tag).toBe(tag)
    expect(failure.cli).toBe("grok")
    if (failure._tag === "CliExitedNonZero") {
      expect(`${failure.message}\n${failure.stderrTail}\n${failure.stdoutTail}`).toContain(words)
    } else {
      expect(failure.cliMessage).toContain(words)
      expect(failure.message).toContain(words)
    }
  })

  it("auth carries grok's login command", () => {
    const failure = Grok.provider.classify(run({ stdout: sample("auth.stdout") }))
    expect(failure._tag === "CliAuthRequired" && failure.loginCommand).toBe("grok login (or set XAI_API_KEY)")
  })

  it("a SIGTERM'd run (143) is CliExitedNonZero", () => {
    const failure = Grok.provider.classify(run({ exitCode: 143, stdout: '{"type":"text","data":"half"}\n' }))
    expect(failure._tag).toBe("CliExitedNonZero")
    if (failure._tag === "CliExitedNonZero") {
      expect(failure.exitCode).toBe(143)
      expect(failure.stdoutTail).toContain('"data":"half"')
    }
  })

  it("the model's own text about keys and limits does not decide the class", () => {
    const stdout = '{"type":"text","data":"invalid api key and 429 rate limit are common"}\n'
    const failure = Grok.provider.classify(run({ exitCode: 101, stdout, stderr: sample("crash.stderr") }))
    expect(failure._tag).toBe("CliExitedNonZero")
  })
})

// ---------------------------------------------------------------------------
// The fake CLI and the adapter agree
// ---------------------------------------------------------------------------

const cleanEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (/^(GROK_|FAKE_CLI_)/.test(k)) delete env[k]
  return env
}

/** Runs the fake as the runner would: the prompt in a private file, `[flag, path]` appended. */
const runFake = (inv: Invocation, record?: string) => {
  if (inv.prompt._tag !== "File") throw new Error("grok takes its prompt in a file")
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grok-fake-"))
  const file = path.join(dir, "prompt.txt")
  fs.writeFileSync(file, inv.prompt.text, { mode: 0o600 })
  const argv = [...inv.args, inv.prompt.flag, file]
  const result = spawnSync(FAKE, argv, {
    env: { ...cleanEnv(), ...inv.env, ...(record ? { FAKE_CLI_RECORD: record } : {}) },
    encoding: "utf8",
    timeout: 15_000
  })
  fs.rmSync(dir, { recursive: true, force: true })
  if (result.error) throw result.error
  return { ...result, argv }
}

const failedRun = (r: ReturnType<typeof runFake>, inv: Invocation): FailedRun => ({
  stdout: r.stdout,
  stderr: r.stderr,
  stdoutTruncated: false,
  exitCode: r.status,
  signal: r.signal,
  command: "grok",
  model: inv.model,
  cwd: process.cwd()
})

describe("fake grok and the adapter agree", () => {
  it("--version", () => {
    const r = spawnSync(FAKE, ["--version"], { encoding: "utf8" })
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe("grok 1.0.0")
  })

  it("runs the planned argv, reads the prompt file, and its reply parses", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grok-rec-"))
    const record = path.join(dir, "record.jsonl")
    const inv = planOf({
      prompt: "--dangerously-skip-permissions",
      model: "grok-build",
      alwaysApprove: true,
      permissionMode: "acceptEdits",
      effort: "high",
      reasoningEffort: "low",
      allowedTools: ["read_file", "bash"],
      disallowedTools: ["web_search"],
      sessionId: "019f470d-3e02-7601-b726-1133cc72ef76"
    })
    const r = runFake(inv, record)
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    const seen = JSON.parse(fs.readFileSync(record, "utf8").trim().split("\n")[0]!)
    expect(seen.prompt).toBe("--dangerously-skip-permissions")
    expect(seen.argv).toEqual(r.argv)
    expect(seen.argv).not.toContain("--dangerously-skip-permissions")
    expect(seen.env.GROK_DISABLE_AUTOUPDATER).toBe("1")

    const result = Grok.provider.parse(inv, output(r.stdout, r.stderr))
    expect(Either.isRight(result)).toBe(true)
    if (Either.isRight(result)) {
      expect(result.right.text).toBe("grok fake reply to: --dangerously-skip-permissions")
      expect(result.right.sessionId).toBe("019f470d-3e02-7601-b726-1133cc72ef76")
      expect(result.right.model).toBe("grok-build")
      expect(result.right.usage?.outputTokens).toBeGreaterThan(0)
      expect(result.right.costUsd).toBeGreaterThan(0)
    }
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it.each(["plain", "json", "streaming-json"] as const)("rendered as %s", (format) => {
    const inv = planOf({ prompt: "chunky [[fake:chunks=4]]", outputFormat: format, resumeLatest: true })
    const r = runFake(inv)
    expect(r.status).toBe(0)
    const result = Grok.provider.parse(inv, output(r.stdout))
    if (Either.isLeft(result)) throw new Error(result.left.message)
    const expected = "grok fake reply to: chunky"
    if (format === "plain") expect(result.right.text).toBe(expected)
    if (format === "json") expect(JSON.parse(result.right.text).text).toBe(expected)
    if (format === "streaming-json") {
      expect(result.right.text).toBe(r.stdout)
      expect(r.stdout.split("\n").filter((l) => l.startsWith('{"type":"text"'))).toHaveLength(4)
    }
  })

  it("the fake never reads stdin: it answers with stdin left open", async () => {
    const inv = planOf({ prompt: "no stdin" })
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grok-stdin-"))
    const file = path.join(dir, "p.txt")
    fs.writeFileSync(file, "no stdin")
    const child = spawn(FAKE, [...inv.args, "--prompt-file", file], { env: { ...cleanEnv(), ...inv.env }, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    child.stdout.on("data", (d) => (stdout += String(d)))
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL")
        resolve(-1)
      }, 10_000)
      child.on("exit", (c) => {
        clearTimeout(timer)
        resolve(c)
      })
    })
    fs.rmSync(dir, { recursive: true, force: true })
    expect(code).toBe(0)
    const result = Grok.provider.parse(inv, output(stdout))
    expect(Either.isRight(result) && result.right.text).toBe("grok fake reply to: no stdin")
  })

  it("unknown flags fail like grok's parser", () => {
    const r = spawnSync(FAKE, ["--output-format", "streaming-json", "--bogus"], { encoding: "utf8" })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain("unexpected argument '--bogus' found")
  })

  it.each([
    ["auth", "CliAuthRequired", 1],
    ["rate-limit", "CliRateLimited", 1],
    ["model-unknown", "CliModelUnknown", 1],
    ["turn-limit", "CliTurnLimit", 1],
    ["crash", "CliExitedNonZero", 101]
  ] as const)("scenario %s → %s (exit %i)", (scenario, tag, code) => {
    const inv = planOf({ prompt: `do it [[fake:${scenario}]]`, model: "grok-build" })
    const r = runFake(inv)
    expect(r.status).toBe(code)
    expect(Grok.provider.classify(failedRun(r, inv))._tag).toBe(tag)
  })
})
