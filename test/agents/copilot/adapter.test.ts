import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { agent } from "../../../src/agents/copilot/agent.js"
import * as Copilot from "../../../src/agents/copilot/adapter.js"
import { CopilotAsyncRequest, CopilotRequest } from "../../../src/agents/copilot/request.js"
import type { FailedRun, Invocation, PlanContext, RawOutput } from "../../../src/providers/Provider.js"
import { failedRunOf, failureWith, parsedWith } from "../../providers/helpers.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const fixtures = path.join(here, "..", "..", "fixtures")
const sample = (name: string): string => fs.readFileSync(path.join(fixtures, "output", "copilot", name), "utf8")
const real = (name: string): string => fs.readFileSync(path.join(fixtures, "real", "copilot", name), "utf8")
const FAKE = path.join(fixtures, "bin", "copilot")

const decode = Schema.decodeUnknownSync(CopilotRequest)
const decodeAsync = Schema.decodeUnknownSync(CopilotAsyncRequest)
const legacy: PlanContext = { bypassAllowed: true }

const planOf = (input: Record<string, unknown>, context?: PlanContext): Invocation =>
  Either.getOrThrow(Copilot.provider.plan(decode({ prompt: "hello", ...input }), context))
const argvOf = (input: Record<string, unknown>, context?: PlanContext) => planOf(input, context).args

const BASE = ["--output-format", "json", "--no-auto-update", "--no-ask-user"]
const output = (stdout: string, stderr = ""): RawOutput => ({ stdout, stderr, stdoutTruncated: false })
const run = (fields: Partial<FailedRun>): FailedRun => failedRunOf("copilot --output-format json", fields)
const parsed = (stdout: string, inv: Invocation = planOf({}), stderr = "") => parsedWith(Copilot.provider, inv, output(stdout, stderr))
const parseFailure = (stdout: string, inv: Invocation = planOf({})) => failureWith(Copilot.provider, inv, output(stdout))

describe("copilot plan: golden argv", () => {
  it("minimal request: the fixed flags only, the prompt on stdin", () => {
    expect(planOf({ prompt: "What is 2+2?" })).toEqual({
      cli: "copilot",
      args: BASE,
      prompt: { _tag: "Stdin", text: "What is 2+2?" },
      env: {},
      model: undefined,
      outputFormat: "text",
      readsEventsOnly: true
    })
  })

  it("model and reasoningEffort, joined to their options", () => {
    expect(argvOf({ model: "gpt-5.5" })).toEqual([...BASE, "--model=gpt-5.5"])
    expect(argvOf({ reasoningEffort: "xhigh" })).toEqual([...BASE, "--reasoning-effort=xhigh"])
    expect(() => decode({ prompt: "hi", reasoningEffort: "huge" })).toThrow()
  })

  it("allowAllTools → --allow-all, only when a bypass is allowed", () => {
    expect(argvOf({ allowAllTools: true })).toEqual([...BASE, "--allow-all"])
    expect(argvOf({ allowAllTools: true, approvalStrategy: "mcp_managed" })).toEqual(BASE)
    expect(argvOf({ allowAllTools: true }, { bypassAllowed: false })).toEqual(BASE)
  })

  it("allowedTools, disallowedTools, addDirs: one joined element per value", () => {
    expect(argvOf({ allowedTools: ["shell(git:*)", "write"], disallowedTools: ["shell(git push)"], addDirs: ["/srv/a b", "lib"] }))
      .toEqual([...BASE, "--allow-tool=shell(git:*)", "--allow-tool=write", "--deny-tool=shell(git push)", "--add-dir=/srv/a b", "--add-dir=lib"])
    expect(argvOf({ allowedTools: [], disallowedTools: [], addDirs: [] })).toEqual(BASE)
  })

  it("sessionId → --resume=<id>; resumeLatest → --continue; createNewSession wins", () => {
    const id = "d2e7d8b8-6d39-4c81-a8c2-18dbafa911cd"
    expect(planOf({ sessionId: id })).toMatchObject({ args: [...BASE, `--resume=${id}`], sessionId: id })
    expect(argvOf({ resumeLatest: true })).toEqual([...BASE, "--continue"])
    expect(argvOf({ sessionId: id, resumeLatest: true })).toEqual([...BASE, `--resume=${id}`])
    expect(planOf({ sessionId: id, resumeLatest: true, createNewSession: true })).toMatchObject({ args: BASE })
  })

  it("a gateway (gw-) session id is refused on sessionId", () => {
    const result = Copilot.provider.plan(decode({ prompt: "hi", sessionId: "gw-3f2a" }))
    expect(Either.isLeft(result) && result.left.field).toBe("sessionId")
  })

  it("every parameter together, in a fixed order", () => {
    expect(argvOf({
      model: "claude-sonnet-5.5",
      reasoningEffort: "high",
      allowAllTools: true,
      allowedTools: ["shell(npm test)"],
      disallowedTools: ["shell(rm)"],
      addDirs: ["/tmp"],
      sessionId: "0cb916d"
    }, legacy)).toEqual([
      ...BASE,
      "--model=claude-sonnet-5.5",
      "--reasoning-effort=high",
      "--allow-all",
      "--allow-tool=shell(npm test)",
      "--deny-tool=shell(rm)",
      "--add-dir=/tmp",
      "--resume=0cb916d"
    ])
  })

  it("MCP servers: a private file as --additional-mcp-config @<path>, every tool offered unless named", () => {
    const config = { mcpServers: { docs: { command: "docs-server", args: [] }, web: { type: "http", url: "https://x", tools: ["search"] } } }
    const inv = planOf({ mcpServers: ["docs", "web", "missing"] }, { bypassAllowed: false, mcpServers: { enabled: ["docs", "web"], config } })
    expect(inv.args).toEqual(BASE)
    expect(inv.mcpConfig).toEqual({
      flag: "--additional-mcp-config",
      pathPrefix: "@",
      config: { mcpServers: { docs: { command: "docs-server", args: [], tools: ["*"] }, web: config.mcpServers.web } }
    })
    expect(planOf({}, { bypassAllowed: true, mcpServers: { enabled: [], config: { mcpServers: {} } } }).mcpConfig).toBeUndefined()
  })

  it("no request text reaches argv; async requests fit too", () => {
    const inv = planOf({ prompt: "-p --allow-all --yolo" })
    expect(inv.args).toEqual(BASE)
    expect(inv.prompt).toEqual({ _tag: "Stdin", text: "-p --allow-all --yolo" })
    expect(Either.getOrThrow(Copilot.provider.plan(decodeAsync({ prompt: "x", resumeLatest: true }))).args).toEqual([...BASE, "--continue"])
  })
})

describe("copilot parse", () => {
  it("reply, session id and model of a run", () => {
    expect(parsed(sample("json-success.jsonl"))).toEqual({
      text: "Hi! How can I help you today?",
      sessionId: "d2e7d8b8-6d39-4c81-a8c2-18dbafa911cd",
      model: "claude-sonnet-4.5",
      usage: undefined,
      costUsd: undefined
    })
    expect(parsed(sample("json-resumed.jsonl")).sessionId).toBe("11111111-2222-4333-8444-555555555555")
  })

  it("after tool calls: the last message with content, not the tool request's empty one", () => {
    expect(parsed(sample("json-tool-allowed.jsonl")).text).toBe("The command printed done.")
    expect(parsed(sample("json-tool-denied.jsonl")).text).toBe("I could not run the command: permission was denied.")
  })

  it("the real recordings parse (model as copilot reported it)", () => {
    const reply = parsed(real("byok-success.stdout"))
    expect(reply.model).toBe("fake-model")
    expect(reply.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    expect(reply.text).not.toBe("")
  })

  it("cut short: the deltas that arrived", () => {
    expect(parsed(sample("json-truncated.jsonl"))).toMatchObject({ text: "Hi! How can I help ", sessionId: undefined })
  })

  it("events that stop before any reply or result are a run cut short", () => {
    const head = sample("json-success.jsonl").split("\n").slice(0, 5).join("\n")
    expect(parseFailure(head)._tag).toBe("CliRunFailed")
  })

  it("sub-agent messages are not the reply; unknown events and noise are skipped", () => {
    const stdout = [
      "warning: something",
      '{"type":"assistant.message","data":{"messageId":"a","model":"m1","content":"main answer"}}',
      '{"type":"assistant.message","agentId":"sub-1","data":{"messageId":"b","content":"sub answer"}}',
      '{"type":"assistant.message","data":{"messageId":"c","content":"sub too","parentToolCallId":"t1"}}',
      '{"type":"brand.new_event","data":{"x":1}}',
      '{"type":"result","sessionId":"s-1","exitCode":0}'
    ].join("\n")
    expect(parsed(stdout)).toMatchObject({ text: "main answer", model: "m1", sessionId: "s-1" })
  })

  it("text output (no events): the text, the session from stderr's Resume line", () => {
    const reply = parsed(sample("text-success.stdout"), planOf({}), sample("text-success.stderr"))
    expect(reply.text).toBe(sample("text-success.stdout").trim())
    expect(reply.sessionId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it.each([
    ["json-rate-limit.jsonl", "CliRateLimited", "retried 5 times"],
    ["json-quota.jsonl", "CliRateLimited", "included AI credits"],
    ["json-server-error.jsonl", "CliRunFailed", "Last error: 500"],
    ["json-byok-auth-error.jsonl", "CliAuthRequired", "Authentication failed"],
    ["json-byok-model-not-found.jsonl", "CliModelUnknown", "not found on provider"],
    ["json-byok-unreachable.jsonl", "CliNetworkError", "Could not connect to"]
  ] as const)("a reported failure with exit 0 (%s) → %s", (file, tag, words) => {
    const failure = parseFailure(sample(file))
    expect(failure._tag).toBe(tag)
    expect("cliMessage" in failure && failure.cliMessage).toContain(words)
  })

  it("an aborted turn (SIGTERM, exit 0) is not a reply", () => {
    expect(parseFailure(real("sigterm.stdout"))._tag).toBe("CliRunFailed")
  })

  it("a blocked prompt is a failure", () => {
    const failure = parseFailure('{"type":"result","sessionId":"s","exitCode":1,"outcome":"blocked","blocker":"policy"}\n')
    expect(failure._tag).toBe("CliRunFailed")
    expect("cliMessage" in failure && failure.cliMessage).toContain("policy")
  })
})

describe("copilot classify", () => {
  it.each([
    ["unknown-option.stderr", "CliExitedNonZero", "unexpected argument '--such-flag'"],
    ["bad-output-format.stderr", "CliExitedNonZero", "invalid value 'yaml'"],
    ["bad-reasoning-effort.stderr", "CliExitedNonZero", "invalid value 'huge'"],
    ["prompt-missing-value.stderr", "CliExitedNonZero", "a value is required"],
    ["continue-and-resume.stderr", "CliExitedNonZero", "cannot be used with"],
    ["no-network.stderr", "CliNetworkError", "network fetch failed"],
    ["not-logged-in.stderr", "CliAuthRequired", "No authentication information found"],
    ["classic-pat.stderr", "CliAuthRequired", "Classic Personal Access Tokens"],
    ["unknown-session.stderr", "SessionNotFound", "No session, task, or name matched"],
    ["session-id-invalid.stderr", "SessionNotFound", "No session or task matched 'not-a-uuid'"],
    ["empty-prompt.stderr", "CliExitedNonZero", "No prompt provided"],
    ["mcp-bad-json.stderr", "CliExitedNonZero", "Invalid JSON"]
  ] as const)("real %s → %s", (file, tag, words) => {
    const failure = Copilot.provider.classify(run({ stderr: real(file) }))
    expect(failure._tag).toBe(tag)
    expect(failure.cli).toBe("copilot")
    expect(failure._tag === "CliExitedNonZero" ? failure.message + failure.stderrTail : failure.cliMessage).toContain(words)
  })

  it("usage errors carry the unknown-option hint; a plain crash does not", () => {
    const usage = Copilot.provider.classify(run({ stderr: real("unknown-option.stderr") }))
    expect(usage._tag === "CliExitedNonZero" && usage.hint).toMatch(/did not accept an option/)
    const other = Copilot.provider.classify(run({ stderr: real("empty-prompt.stderr") }))
    expect(other._tag === "CliExitedNonZero" && other.hint).toBeUndefined()
  })

  it("no network: before auth, retried by copilot, the endpoint named", () => {
    const failure = Copilot.provider.classify(run({ stderr: real("no-network.stderr") }))
    expect(failure._tag === "CliNetworkError" && [failure.retriedByCli, failure.endpoint]).toEqual([
      true,
      "https://api.github.com/copilot_internal/user"
    ])
  })

  it("auth names copilot's login; unknown session keeps the id asked for", () => {
    const auth = Copilot.provider.classify(run({ stderr: real("not-logged-in.stderr") }))
    expect(auth._tag === "CliAuthRequired" && auth.loginCommand).toMatch(/^copilot login/)
    const session = Copilot.provider.classify(run({ stderr: real("unknown-session.stderr") }))
    expect(session._tag === "SessionNotFound" && session.sessionId).toBe("047b120e-4a15-4c8d-98f0-3868f683c6ee")
    const asked = Copilot.provider.classify(run({ stderr: real("unknown-session.stderr"), sessionId: "mine" }))
    expect(asked._tag === "SessionNotFound" && asked.sessionId).toBe("mine")
  })

  it.each([
    ["byok-rate-limit.stdout", "CliRateLimited"],
    ["byok-auth.stdout", "CliAuthRequired"],
    ["byok-model-unknown.stdout", "CliModelUnknown"],
    ["byok-unreachable.stdout", "CliNetworkError"],
    ["byok-server-error.stdout", "CliExitedNonZero"]
  ] as const)("real %s (exit 1) → %s", (file, tag) => {
    expect(Copilot.provider.classify(run({ stdout: real(file) }))._tag).toBe(tag)
  })

  it("model refused before the session starts", () => {
    const failure = Copilot.provider.classify(run({ stderr: sample("stderr-model-unknown.txt"), model: "claude-nope-9" }))
    expect(failure._tag === "CliModelUnknown" && failure.model).toBe("claude-nope-9")
  })

  it("the model's or the user's words about limits do not classify a crash", () => {
    const stdout = '{"type":"assistant.message","data":{"content":"You\'ve hit your rate limit; 401 unauthorized"}}\n'
    expect(Copilot.provider.classify(run({ stdout, stderr: "TypeError: boom" }))._tag).toBe("CliExitedNonZero")
  })
})

describe("copilot watch", () => {
  it("transport failures of model calls are unreachable; assistant output is progress; 429s are neither", () => {
    const lines = sample("json-byok-unreachable.jsonl").split("\n")
    const transport = lines.find((l) => l.includes('"model.call_failure"'))!
    expect(Copilot.provider.watch!("stdout", transport)?._tag).toBe("Unreachable")
    const delta = sample("json-success.jsonl").split("\n").find((l) => l.includes('"assistant.message_delta"'))!
    expect(Copilot.provider.watch!("stdout", delta)?._tag).toBe("Progress")
    const limited = sample("json-rate-limit.jsonl").split("\n").find((l) => l.includes('"model.call_failure"'))!
    expect(Copilot.provider.watch!("stdout", limited)).toBeUndefined()
    expect(Copilot.provider.watch!("stderr", "request failed: error sending request for url (x)")?._tag).toBe("Unreachable")
  })
})

describe("copilot identity, environment and asks", () => {
  it("the version line, and not another program's", () => {
    const version = Copilot.provider.identity.version!
    expect(version.test(real("version.stdout"))).toBe(true)
    expect(version.test("GitHub Copilot CLI 1.0.102-0.\n")).toBe(true)
    expect(version.test("copilot 2.0.0")).toBe(false)
  })

  it("vendor variables: tokens and settings, never the turn delimiter or COPILOT_ALLOW_ALL", () => {
    const always = Copilot.provider.environment.always
    for (const name of ["GH_TOKEN", "GITHUB_TOKEN", "COPILOT_GITHUB_TOKEN", "GH_HOST", "COPILOT_MODEL", "COPILOT_PROVIDER_*"]) {
      expect(always).toContain(name)
    }
    expect(always.some((p) => "COPILOT_PROMPT_TURN_DELIMITER".startsWith(p.replace(/\*$/, "")))).toBe(false)
    expect(always.some((p) => "COPILOT_ALLOW_ALL".startsWith(p.replace(/\*$/, "")))).toBe(false)
  })

  it("asks: --allow-all is a full bypass; shell and write rules are classified", () => {
    const asks = agent.asks(decodeAsync({
      prompt: "x",
      allowAllTools: true,
      allowedTools: ["shell(git:*)", "shell", "write", "url(github.com)"],
      disallowedTools: ["shell(rm)"],
      addDirs: ["/srv"],
      mcpServers: ["docs"]
    }))
    expect(asks.map((a) => a.kind)).toEqual([
      "full-bypass",
      "shell-rule",
      "unrestricted-shell",
      "write",
      "unknown-tools",
      "include-dirs",
      "narrowing",
      "mcp-servers"
    ])
    expect(agent.asks(decodeAsync({ prompt: "x" }))).toEqual([])
  })
})

// ---------------------------------------------------------------------------
// The fake CLI and the adapter agree
// ---------------------------------------------------------------------------

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "copilot-fake-"))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const cleanEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (/^(COPILOT_|FAKE_CLI_|GH_|GITHUB_TOKEN$)/.test(k)) delete env[k]
  return env
}

/** The argv as the runner completes it: `--additional-mcp-config @<file>` when servers were resolved. */
const argvFor = (inv: Invocation): Array<string> => {
  const args = [...inv.args]
  if (inv.mcpConfig !== undefined) {
    const file = path.join(scratch, "mcp-config.json")
    fs.writeFileSync(file, JSON.stringify(inv.mcpConfig.config), { mode: 0o600 })
    args.push(inv.mcpConfig.flag, `${inv.mcpConfig.pathPrefix ?? ""}${file}`)
  }
  return args
}

const runFake = (inv: Invocation, extraEnv: Record<string, string> = {}) => {
  const result = spawnSync(FAKE, argvFor(inv), {
    input: inv.prompt.text,
    env: { ...cleanEnv(), ...inv.env, FAKE_CLI_STATE: scratch, ...extraEnv },
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
  command: "copilot",
  model: inv.model,
  cwd: process.cwd(),
  sessionId: inv.sessionId
})

describe("fake copilot and the adapter agree", () => {
  it("--version matches the identity", () => {
    const r = spawnSync(FAKE, ["--version"], { encoding: "utf8" })
    expect(r.status).toBe(0)
    expect(Copilot.provider.identity.version!.test(r.stdout)).toBe(true)
  })

  it("runs every planned option with the prompt on stdin; its reply parses, then resumes by id", () => {
    const record = path.join(scratch, "record.jsonl")
    const config = { mcpServers: { docs: { command: "docs-server", args: [] } } }
    const inv = planOf({
      prompt: "--allow-all",
      model: "gpt-5.5",
      reasoningEffort: "low",
      allowAllTools: true,
      allowedTools: ["shell(git:*)", "write"],
      disallowedTools: ["shell(rm)"],
      addDirs: [scratch]
    }, { bypassAllowed: true, mcpServers: { enabled: ["docs"], config } })
    const r = runFake(inv, { FAKE_CLI_RECORD: record })
    expect(r.status).toBe(0)
    const seen = JSON.parse(fs.readFileSync(record, "utf8").trim().split("\n")[0]!)
    expect(seen.prompt).toBe("--allow-all")
    expect(seen.argv).toEqual(argvFor(inv))
    const reply = Either.getOrThrow(Copilot.provider.parse(inv, output(r.stdout, r.stderr)))
    expect(reply.text).toBe("copilot fake reply to: --allow-all")
    expect(reply.model).toBe("gpt-5.5")
    expect(reply.sessionId).toMatch(/^[0-9a-f-]{36}$/)

    const next = planOf({ prompt: "again [[fake:chunks=3]]", sessionId: reply.sessionId })
    const again = runFake(next)
    expect(again.status).toBe(0)
    expect(Either.getOrThrow(Copilot.provider.parse(next, output(again.stdout)))).toMatchObject({
      text: "copilot fake reply to: again",
      sessionId: reply.sessionId
    })
    expect(runFake(planOf({ prompt: "latest", resumeLatest: true })).status).toBe(0)
  })

  it("a shell rule lets the tool run; without it copilot denies it and still answers", () => {
    const allowed = runFake(planOf({ prompt: "[[fake:tool]]", allowedTools: ["shell(echo:*)"] }))
    expect(allowed.stdout).toContain('"success":true')
    const denied = runFake(planOf({ prompt: "[[fake:tool]]", allowedTools: ["shell(echo:*)"], disallowedTools: ["shell(echo)"] }))
    expect(denied.stdout).toContain('"code":"denied"')
    expect(denied.status).toBe(0)
  })

  it.each([
    ["auth", "CliAuthRequired"],
    ["no-network=1", "CliNetworkError"],
    ["rate-limit", "CliRateLimited"],
    ["quota", "CliRateLimited"],
    ["server-error", "CliExitedNonZero"],
    ["model-unknown", "CliModelUnknown"],
    ["crash", "CliExitedNonZero"]
  ] as const)("scenario %s → %s (exit 1)", (scenario, tag) => {
    const inv = planOf({ prompt: `do it [[fake:${scenario}]] [[fake:delay=1]]`, model: "gpt-5.5" })
    const r = runFake(inv)
    expect(r.status).toBe(1)
    expect(Copilot.provider.classify(failedRun(r, inv))._tag).toBe(tag)
  })

  it("an unknown session id → SessionNotFound with that id", () => {
    const inv = planOf({ prompt: "hi", sessionId: "3d2617a4-f0db-424f-8636-000000000000" })
    const r = runFake(inv)
    expect(r.status).toBe(1)
    const failure = Copilot.provider.classify(failedRun(r, inv))
    expect(failure._tag === "SessionNotFound" && failure.sessionId).toBe("3d2617a4-f0db-424f-8636-000000000000")
  })

  it("an unknown option → CliExitedNonZero with the unknown-option hint", () => {
    const inv = planOf({})
    const r = runFake({ ...inv, args: [...inv.args, "--such-flag"] })
    expect(r.status).toBe(1)
    const failure = Copilot.provider.classify(failedRun(r, inv))
    expect(failure._tag === "CliExitedNonZero" && failure.hint).toMatch(/did not accept an option/)
  })

  it("SIGTERM: copilot exits 0 with the abort events, which do not parse as a reply", () =>
    new Promise<void>((resolve, reject) => {
      const inv = planOf({ prompt: "wait [[fake:chunks=2]] [[fake:delay=10000]]" })
      const child = spawn(FAKE, argvFor(inv), { env: { ...cleanEnv(), FAKE_CLI_STATE: scratch } })
      let stdout = ""
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString()
        if (stdout.includes('"assistant.message_delta"')) child.kill("SIGTERM")
      })
      child.on("error", reject)
      child.on("close", (code) => {
        try {
          expect(code).toBe(0)
          expect(stdout).toContain('"type":"abort"')
          expect(parseFailure(stdout, inv)._tag).toBe("CliRunFailed")
          resolve()
        } catch (e) {
          reject(e)
        }
      })
      child.stdin.end(inv.prompt.text)
    }), 15_000)
})
