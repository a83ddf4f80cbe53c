import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { CodexAsyncRequest, CodexRequest } from "../../../src/agents/codex/request.js"
import * as Codex from "../../../src/agents/codex/adapter.js"
import type { FailedRun, Invocation, RawOutput } from "../../../src/providers/Provider.js"

const root = resolve(import.meta.dirname, "../../..")
const fixture = (name: string) => readFileSync(join(root, "test/fixtures/output/codex", name), "utf8")
const fakeCodex = join(root, "test/fixtures/bin/codex")

const decode = Schema.decodeUnknownSync(CodexAsyncRequest)

const plan = (input: Record<string, unknown>, provider = Codex.provider): Invocation =>
  Either.getOrThrowWith(provider.plan(decode({ prompt: "hi", ...input })), (e) => new Error(e.message))

const argv = (input: Record<string, unknown>, provider = Codex.provider) => plan(input, provider).args

const HEAD = ["exec", "--json", "--skip-git-repo-check"]
const ID = "0199a213-81c0-7800-8aa1-bbab2a035a53"

const out = (stdout: string, stdoutTruncated = false): RawOutput => ({ stdout, stderr: "", stdoutTruncated })

const invocation = (model?: string): Invocation => ({
  cli: "codex",
  args: [...HEAD, "-"],
  prompt: { _tag: "Stdin", text: "hi" },
  env: {},
  model,
  outputFormat: "text"
})

const parseOk = (stdout: string, model?: string) =>
  Either.getOrThrowWith(Codex.provider.parse(invocation(model), out(stdout)), (e) => new Error(e.message))

const parseErr = (stdout: string, model?: string) =>
  Either.match(Codex.provider.parse(invocation(model), out(stdout)), {
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
  command: "codex exec --json --skip-git-repo-check -",
  model: undefined,
  cwd: "/home/dev/project",
  ...run
})

describe("codex plan: argv", () => {
  it("runs exec with --json and --skip-git-repo-check, reading the prompt from stdin (-)", () => {
    const inv = plan({ prompt: "hello there" })
    expect(inv.args).toEqual([...HEAD, "-"])
    expect(inv.prompt).toEqual({ _tag: "Stdin", text: "hello there" })
    expect(inv.cli).toBe("codex")
    expect(inv.env).toEqual({})
    expect(inv.model).toBeUndefined()
    expect(inv.outputFormat).toBe("text")
  })

  it("passes the model as --model M", () => {
    const inv = plan({ model: "gpt-5.1-codex" })
    expect(inv.args).toEqual([...HEAD, "--model", "gpt-5.1-codex", "-"])
    expect(inv.model).toBe("gpt-5.1-codex")
  })

  it("uses the default model of its options unless the request names one", () => {
    const provider = Codex.make({ defaultModel: "gpt-5" })
    expect(argv({}, provider)).toEqual([...HEAD, "--model", "gpt-5", "-"])
    expect(argv({ model: "o3" }, provider)).toEqual([...HEAD, "--model", "o3", "-"])
  })

  it("maps fullAuto to --sandbox workspace-write and never emits the removed --full-auto", () => {
    const args = argv({ fullAuto: true })
    expect(args).toEqual([...HEAD, "--sandbox", "workspace-write", "-"])
    expect(args).not.toContain("--full-auto")
  })

  it("drops the sandbox on resume (the session keeps its own)", () => {
    expect(argv({ fullAuto: true, sessionId: ID })).toEqual([...HEAD, "resume", ID, "-"])
    expect(argv({ fullAuto: true, resumeLatest: true })).toEqual([...HEAD, "resume", "--last", "-"])
    expect(argv({ fullAuto: true, createNewSession: true, sessionId: ID })).toEqual([
      ...HEAD,
      "--sandbox",
      "workspace-write",
      "-"
    ])
  })

  it("bypasses approvals and sandbox only under the legacy strategy", () => {
    expect(argv({ dangerouslyBypassApprovalsAndSandbox: true })).toEqual([
      ...HEAD,
      "--dangerously-bypass-approvals-and-sandbox",
      "-"
    ])
    expect(argv({ dangerouslyBypassApprovalsAndSandbox: true, approvalStrategy: "mcp_managed" })).toEqual([...HEAD, "-"])
  })

  it("resumes by id or the latest, with precedence createNewSession > sessionId > resumeLatest", () => {
    expect(argv({ sessionId: ID })).toEqual([...HEAD, "resume", ID, "-"])
    expect(argv({ resumeLatest: true })).toEqual([...HEAD, "resume", "--last", "-"])
    expect(argv({ sessionId: ID, resumeLatest: true })).toEqual([...HEAD, "resume", ID, "-"])
    expect(argv({ createNewSession: true, sessionId: ID, resumeLatest: true })).toEqual([...HEAD, "-"])
    expect(argv({ createNewSession: true, resumeLatest: true })).toEqual([...HEAD, "-"])
  })

  it("refuses a gateway (gw-) session id with InvalidRequest on sessionId", () => {
    const result = Codex.provider.plan(decode({ prompt: "hi", sessionId: "gw-42", resumeLatest: true }))
    const error = Either.isLeft(result) ? result.left : undefined
    expect(error?._tag).toBe("InvalidRequest")
    expect(error?.field).toBe("sessionId")
    expect(error?.message).toContain("gw-42")
    expect(argv({ createNewSession: true, sessionId: "gw-42" })).toEqual([...HEAD, "-"])
  })

  it("pins the order of every flag together", () => {
    expect(
      argv({
        model: "gpt-5.1-codex",
        fullAuto: true,
        dangerouslyBypassApprovalsAndSandbox: true
      })
    ).toEqual([
      "exec",
      "--json",
      "--skip-git-repo-check",
      "--model",
      "gpt-5.1-codex",
      "--sandbox",
      "workspace-write",
      "--dangerously-bypass-approvals-and-sandbox",
      "-"
    ])
    expect(
      argv({ model: "gpt-5.1-codex", fullAuto: true, dangerouslyBypassApprovalsAndSandbox: true, sessionId: ID })
    ).toEqual([
      "exec",
      "--json",
      "--skip-git-repo-check",
      "--model",
      "gpt-5.1-codex",
      "--dangerously-bypass-approvals-and-sandbox",
      "resume",
      ID,
      "-"
    ])
  })

  it("ignores the fields that are not the adapter's business", () => {
    expect(
      argv({ mcpServers: ["exa"], optimizePrompt: true, forceRefresh: true, correlationId: "c-1", idleTimeoutMs: 45_000 })
    ).toEqual([...HEAD, "-"])
  })

  it("never puts an option-like prompt into argv: it goes to stdin", () => {
    for (const prompt of ["--dangerously-skip-permissions", "--dangerously-bypass-approvals-and-sandbox", "resume --last"]) {
      const inv = plan({ prompt })
      expect(inv.args).toEqual([...HEAD, "-"])
      expect(inv.prompt).toEqual({ _tag: "Stdin", text: prompt })
    }
  })

  it("accepts the sync request shape too", () => {
    const request = Schema.decodeUnknownSync(CodexRequest)({ prompt: "hi", optimizeResponse: true, fullAuto: true })
    expect(Either.getOrThrow(Codex.provider.plan(request)).args).toEqual([...HEAD, "--sandbox", "workspace-write", "-"])
  })
})

describe("codex parse", () => {
  it("reads the last agent message, thread id and usage, skipping noise and unknown events", () => {
    const reply = parseOk(fixture("exec-success.jsonl"), "gpt-5.1-codex")
    expect(reply.text).toBe("The repository has a README, a package.json and a `src` folder.\nI added NOTES.md.")
    expect(reply.sessionId).toBe(ID)
    expect(reply.usage).toEqual({
      inputTokens: 24763,
      cachedInputTokens: 24448,
      outputTokens: 122,
      reasoningTokens: 64,
      totalTokens: 24885
    })
    expect(reply.costUsd).toBeUndefined()
    expect(reply.model).toBe("gpt-5.1-codex")
  })

  it("reads codex before 0.44 (item_type, assistant_message, session.created)", () => {
    const reply = parseOk(fixture("exec-legacy-0.42.jsonl"))
    expect(reply.text).toBe("Paris.")
    expect(reply.sessionId).toBe("01997d5e-2f1a-7c33-9b0e-5a4c3d2e1f00")
    expect(reply.usage).toEqual({ inputTokens: 2101, cachedInputTokens: 0, outputTokens: 9 })
  })

  it("keeps the last agent message read when the output was cut off", () => {
    const reply = Either.getOrThrow(Codex.provider.parse(invocation(), out(fixture("exec-truncated.jsonl"), true)))
    expect(reply.text).toBe("Let me look at the sources as well.")
    expect(reply.sessionId).toBe(ID)
    expect(reply.usage).toBeUndefined()
  })

  it("succeeds after a transient error event when the turn completed", () => {
    expect(parseOk(fixture("exec-reconnect.jsonl")).text).toBe("Done after a reconnect.")
  })

  it("takes plain stdout (codex without --json) as the final message", () => {
    const reply = parseOk(fixture("plain-output.txt"))
    expect(reply.text).toBe("The answer is 42.")
    expect(reply.sessionId).toBeUndefined()
  })
})

describe("codex reported failures (exit 0)", () => {
  it("auth", () => {
    const e = parseErr(fixture("fail-auth.jsonl"))
    expect(e._tag).toBe("CliAuthRequired")
    if (e._tag !== "CliAuthRequired") return
    expect(e.cliMessage).toBe("unexpected status 401 Unauthorized: Missing bearer or basic authentication in header")
    expect(e.loginCommand).toContain("codex login")
  })

  it("rate limit", () => {
    const e = parseErr(fixture("fail-rate-limit.jsonl"))
    expect(e._tag).toBe("CliRateLimited")
    expect("cliMessage" in e && e.cliMessage).toContain("You've hit your usage limit")
  })

  it("model unknown", () => {
    const e = parseErr(fixture("fail-model-unknown.jsonl"), "gpt-9-codex")
    expect(e._tag).toBe("CliModelUnknown")
    if (e._tag !== "CliModelUnknown") return
    expect(e.model).toBe("gpt-9-codex")
    expect(e.cliMessage).toContain("The 'gpt-9-codex' model is not supported")
  })

  it("generic failed turn: CliRunFailed with codex's words", () => {
    const e = parseErr(fixture("fail-generic.jsonl"))
    expect(e._tag).toBe("CliRunFailed")
    expect("cliMessage" in e && e.cliMessage).toBe(
      "Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying."
    )
  })

  it("an error event with no turn and no message", () => {
    const e = parseErr(fixture("error-only.jsonl"))
    expect(e._tag).toBe("CliNetworkError")
    expect(e.message).toContain("stream disconnected before completion")
  })
})

describe("codex classify (non-zero exit)", () => {
  it("auth", () => {
    const e = Codex.provider.classify(failed({ stdout: fixture("fail-auth.jsonl") }))
    expect(e._tag).toBe("CliAuthRequired")
    expect("cliMessage" in e && e.cliMessage).toContain("401 Unauthorized")
  })

  it("rate limit", () => {
    const e = Codex.provider.classify(failed({ stdout: fixture("fail-rate-limit.jsonl") }))
    expect(e._tag).toBe("CliRateLimited")
    expect("cliMessage" in e && e.cliMessage).toContain("try again at 12:16 PM")
  })

  it("model unknown", () => {
    const e = Codex.provider.classify(failed({ stdout: fixture("fail-model-unknown.jsonl"), model: "gpt-9-codex" }))
    expect(e._tag).toBe("CliModelUnknown")
    if (e._tag !== "CliModelUnknown") return
    expect(e.model).toBe("gpt-9-codex")
  })

  it("turn limit: codex has none; a turn that ran out of context is a plain failure with codex's words", () => {
    const stdout = fixture("fail-generic.jsonl")
    const e = Codex.provider.classify(failed({ stdout }))
    // The agent message in this run mentions "rate limit (429)"; only error
    // events are read, so this is not mistaken for a rate limit.
    expect(e._tag).toBe("CliExitedNonZero")
    if (e._tag !== "CliExitedNonZero") return
    expect(e.message).toContain("context window")
    expect(e.stdoutTail).toBe(stdout)
  })

  it("generic crash: a panic", () => {
    const stderr = fixture("stderr-crash.txt")
    const e = Codex.provider.classify(failed({ stderr, exitCode: 101 }))
    expect(e._tag).toBe("CliExitedNonZero")
    if (e._tag !== "CliExitedNonZero") return
    expect(e.exitCode).toBe(101)
    expect(e.message).toContain("exited with code 101")
    expect(e.stderrTail).toBe(stderr)
  })

  it("a usage error from codex's parser", () => {
    const e = Codex.provider.classify(failed({ stderr: fixture("stderr-usage.txt"), exitCode: 2 }))
    expect(e._tag).toBe("CliExitedNonZero")
    expect(e.message).toContain("unexpected argument '--full-auto-x' found")
  })

  it("an untrusted folder", () => {
    const e = Codex.provider.classify(failed({ stderr: fixture("stderr-untrusted.txt"), cwd: "/tmp/not-a-repo" }))
    expect(e._tag).toBe("CliWorkspaceUntrusted")
    if (e._tag !== "CliWorkspaceUntrusted") return
    expect(e.cwd).toBe("/tmp/not-a-repo")
    expect(e.cliMessage).toContain("Not inside a trusted directory")
  })

  it("auth said on stderr in plain mode", () => {
    const e = Codex.provider.classify(failed({ stderr: "ERROR: unexpected status 401 Unauthorized: invalid api key\n" }))
    expect(e._tag).toBe("CliAuthRequired")
  })
})

describe("fake codex agrees with the adapter", () => {
  const run = (args: ReadonlyArray<string>, input: string, env: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), "fake-codex-"))
    const recordFile = join(dir, "record.jsonl")
    const child = spawnSync(process.execPath, [fakeCodex, ...args], {
      input,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", FAKE_CLI_RECORD: recordFile, ...env },
      timeout: 20_000
    })
    let records: Array<{ argv: Array<string>; prompt: string; resume: string | null }> = []
    try {
      records = readFileSync(recordFile, "utf8").trim().split("\n").map((l) => JSON.parse(l))
    } catch {
      records = []
    }
    return { ...child, records }
  }

  const runRequest = (input: Record<string, unknown>, env: Record<string, string> = {}) => {
    const inv = plan(input)
    return { inv, child: run(inv.args, inv.prompt.text, env) }
  }

  const failure = (input: Record<string, unknown>, scenarioName: string) => {
    const { inv, child } = runRequest(input, { FAKE_CLI_SCENARIO: scenarioName })
    expect(child.status).not.toBe(0)
    return Codex.provider.classify({
      stdout: child.stdout,
      stderr: child.stderr,
      stdoutTruncated: false,
      exitCode: child.status,
      signal: child.signal,
      command: "codex",
      model: inv.model,
      cwd: process.cwd()
    })
  }

  it("answers a new session with a thread id and usage", () => {
    const { inv, child } = runRequest({ prompt: "hello", model: "gpt-5.1-codex", fullAuto: true })
    expect(child.status).toBe(0)
    expect(child.stderr).toBe("")
    const reply = Either.getOrThrow(Codex.provider.parse(inv, out(child.stdout)))
    expect(reply.text).toBe("codex fake reply to: hello")
    expect(reply.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(reply.usage?.inputTokens).toBe(8064)
    expect(child.records[0]?.prompt).toBe("hello")
    expect(child.records[0]?.argv).toEqual(inv.args)
  })

  it("resumes by id and by --last", () => {
    const byId = runRequest({ prompt: "again", sessionId: ID, fullAuto: true, dangerouslyBypassApprovalsAndSandbox: true })
    expect(byId.child.status).toBe(0)
    expect(byId.child.records[0]?.resume).toBe(ID)
    expect(byId.child.records[0]?.prompt).toBe("again")
    expect(Either.getOrThrow(Codex.provider.parse(byId.inv, out(byId.child.stdout))).sessionId).toBe(ID)
    const last = runRequest({ prompt: "and again", resumeLatest: true })
    expect(last.child.status).toBe(0)
    expect(last.child.records[0]?.resume).toBe("--last")
    expect(last.child.records[0]?.prompt).toBe("and again")
  })

  it("receives an option-like prompt as stdin text", () => {
    const { inv, child } = runRequest({ prompt: "--dangerously-bypass-approvals-and-sandbox" })
    expect(child.status).toBe(0)
    expect(child.records[0]?.prompt).toBe("--dangerously-bypass-approvals-and-sandbox")
    expect(Either.getOrThrow(Codex.provider.parse(inv, out(child.stdout))).text).toBe(
      "codex fake reply to: --dangerously-bypass-approvals-and-sandbox"
    )
  })

  it("streams reasoning items while it works, then the whole message", () => {
    const { inv, child } = runRequest({ prompt: "[[fake:chunks=3]] [[fake:delay=5]] slow one" })
    expect(child.stdout.split("\n").filter((l) => l.includes('"type":"reasoning"'))).toHaveLength(2)
    expect(Either.getOrThrow(Codex.provider.parse(inv, out(child.stdout))).text).toBe("codex fake reply to: slow one")
  })

  it("fails like codex on removed and unknown flags; warns on --full-auto", () => {
    const unknown = run(["exec", "--ask-for-approval", "never", "-"], "hi")
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toContain("unexpected argument '--ask-for-approval' found")
    const fullAuto = run(["exec", "--full-auto", "-"], "hi")
    expect(fullAuto.status).toBe(0)
    expect(fullAuto.stderr).toContain("warning: `--full-auto` is deprecated; use `--sandbox workspace-write` instead.")
    const sandboxAfterResume = run(["exec", "resume", "--last", "--sandbox", "read-only", "-"], "hi")
    expect(sandboxAfterResume.status).toBe(2)
  })

  it("prints its version, and runs through its shebang", () => {
    const child = spawnSync(fakeCodex, ["--version"], { encoding: "utf8" })
    expect(child.status).toBe(0)
    expect(child.stdout).toBe("codex-cli 0.80.0\n")
  })

  it("fails the way the adapter classifies", () => {
    const auth = failure({ prompt: "x" }, "auth")
    expect(auth._tag).toBe("CliAuthRequired")
    expect("cliMessage" in auth && auth.cliMessage).toContain("401 Unauthorized")
    expect(failure({ prompt: "x" }, "rate-limit")._tag).toBe("CliRateLimited")
    const model = failure({ prompt: "x", model: "gpt-nope" }, "model-unknown")
    expect(model._tag).toBe("CliModelUnknown")
    expect("cliMessage" in model && model.cliMessage).toContain("gpt-nope")
    expect(failure({ prompt: "x" }, "turn-limit")._tag).toBe("CliExitedNonZero")
    const crash = failure({ prompt: "x" }, "crash")
    expect(crash._tag).toBe("CliExitedNonZero")
    expect("exitCode" in crash && crash.exitCode).toBe(101)
    expect(crash.message).toContain("called `Option::unwrap()` on a `None` value")
    expect("stderrTail" in crash && crash.stderrTail).toContain("thread 'main' panicked")
  })
})
