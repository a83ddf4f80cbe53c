/**
 * The fake opencode (test/fixtures/bin/opencode) and the adapter agree: the
 * fake runs the argv and environment the adapter plans, with the prompt on
 * stdin as the runner gives it, and the adapter reads what it prints.
 */
import { afterEach, describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Opencode from "../../../src/agents/opencode/adapter.js"
import { OpencodeRequest } from "../../../src/agents/opencode/request.js"
import { unknownOptionHint } from "../../../src/providers/classify.js"
import type { FailedRun, Invocation, PlanContext, RawOutput } from "../../../src/providers/Provider.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const FAKE = path.join(here, "..", "..", "fixtures", "bin", "opencode")
const SES = "ses_dbaf122c0ffe3y2pMYoLGR5A4C"

const temps: Array<string> = []
const tempDir = (prefix: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  temps.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

const planOf = (input: Record<string, unknown>, context?: PlanContext): Invocation => {
  const result = Opencode.provider.plan(Schema.decodeUnknownSync(OpencodeRequest)({ prompt: "hello", ...input }), context)
  if (Either.isLeft(result)) throw new Error(`expected a plan, got ${result.left.message}`)
  return result.right
}

// A clean home for each run (opencode's config and auth live under XDG folders), no provider keys.
const cleanEnv = (home: string): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  for (const k of Object.keys(env)) {
    if (/^(OPENCODE_|XDG_|FAKE_CLI_|ANTHROPIC_|OPENAI_|GOOGLE_|GEMINI_|OPENROUTER_|XAI_)/.test(k)) delete env[k]
  }
  return { ...env, HOME: home, XDG_DATA_HOME: path.join(home, ".local", "share"), XDG_CONFIG_HOME: path.join(home, ".config") }
}

/** Runs the fake as the runner would: the planned argv and environment, the prompt on stdin, in a working folder. */
const runFake = (inv: Invocation, extraEnv: Record<string, string> = {}, extraArgs: ReadonlyArray<string> = []) => {
  if (inv.prompt._tag !== "Stdin") throw new Error("opencode takes its prompt on stdin")
  const home = tempDir("opencode-home-")
  const cwd = tempDir("opencode-cwd-")
  const result = spawnSync(FAKE, [...inv.args, ...extraArgs], {
    cwd,
    input: inv.prompt.text,
    env: { ...cleanEnv(home), ...inv.env, ...extraEnv },
    encoding: "utf8",
    timeout: 15_000,
    killSignal: "SIGKILL"
  })
  if (result.error) throw result.error
  return result
}

const output = (r: { stdout: string; stderr: string }): RawOutput => ({ stdout: r.stdout, stderr: r.stderr, stdoutTruncated: false })
const failedRun = (r: { stdout: string; stderr: string; status: number | null; signal: NodeJS.Signals | null }, inv: Invocation): FailedRun => ({
  ...output(r),
  exitCode: r.status,
  signal: r.signal,
  command: "opencode",
  model: inv.model,
  cwd: process.cwd(),
  ...(inv.sessionId !== undefined ? { sessionId: inv.sessionId } : {})
})
const replyOf = (inv: Invocation, r: { stdout: string; stderr: string }) => {
  const result = Opencode.provider.parse(inv, output(r))
  if (Either.isLeft(result)) throw new Error(`expected a reply, got ${result.left._tag}: ${result.left.message}`)
  return result.right
}

describe("fake opencode and the adapter agree", () => {
  it("--version is bare semver, and `run --help` (on stderr) holds the identity markers", () => {
    expect(spawnSync(FAKE, ["--version"], { encoding: "utf8" }).stdout).toBe("1.18.33\n")
    const help = spawnSync(FAKE, Opencode.provider.identity.help!.args, { encoding: "utf8" })
    expect(help.status).toBe(0)
    for (const marker of Opencode.provider.identity.help!.markers) expect(help.stderr).toContain(marker)
  })

  it("runs the planned argv and environment, gets the prompt on stdin, and its reply parses", () => {
    const record = path.join(tempDir("opencode-rec-"), "record.jsonl")
    const inv = planOf({
      prompt: "--auto hello",
      model: "opencode/big-pickle",
      sessionId: SES,
      agent: "plan",
      allowedTools: ["bash(git *)"],
      disallowedTools: ["webfetch"],
      addDirs: ["/srv/shared"]
    })
    const r = runFake(inv, { FAKE_CLI_RECORD: record })
    expect(r.status).toBe(0)
    expect(r.stderr).toBe("")
    const seen = JSON.parse(fs.readFileSync(record, "utf8").trim().split("\n")[0]!)
    expect(seen.argv).toEqual(inv.args)
    expect(seen.stdin).toBe("--auto hello")
    expect(seen.opencodeEnv).toMatchObject({
      OPENCODE_PERMISSION: inv.env["OPENCODE_PERMISSION"],
      OPENCODE_CONFIG_CONTENT: inv.env["OPENCODE_CONFIG_CONTENT"],
      OPENCODE_DISABLE_CLAUDE_CODE: "1",
      OPENCODE_DISABLE_AUTOUPDATE: "1"
    })
    const reply = replyOf(inv, r)
    expect(reply.text).toBe("opencode fake reply to: --auto hello")
    expect(reply.sessionId).toBe(SES)
    expect(reply.model).toBe("opencode/big-pickle")
    expect(reply.usage?.outputTokens).toBeGreaterThan(0)
    expect(reply.costUsd).toBe(0)
  })

  it("edits, shell and fetches are denied by default, and the model goes on; allowed, they run", () => {
    for (const kind of ["bash", "edit", "webfetch"]) {
      const denied = planOf({ prompt: `use it [[fake:tool=${kind}]]` })
      const r = runFake(denied)
      expect(r.status).toBe(0)
      expect(r.stdout).toContain("The user has specified a rule which prevents you")
      expect(replyOf(denied, r).text).toBe("opencode fake reply to: use it")
      const allowed = planOf({ prompt: `use it [[fake:tool=${kind}]]`, allowedTools: [kind] })
      expect(runFake(allowed).stdout).toContain('"status":"completed"')
    }
  })

  it("a folder outside the working one: refused (the run stops) unless addDirs allows it or autoApprove", () => {
    const asked = planOf({ prompt: "outside [[fake:tool=external]]" })
    const r = runFake(asked)
    expect(r.status).toBe(0)
    const e = Opencode.provider.parse(asked, output(r))
    expect(Either.isLeft(e) && e.left._tag).toBe("CliRunFailed")
    expect(Either.isLeft(e) && "cliMessage" in e.left && e.left.cliMessage).toContain("external_directory")
    const allowed = planOf({ prompt: "outside [[fake:tool=external]]", addDirs: ["/srv/outside"] })
    expect(replyOf(allowed, runFake(allowed)).text).toBe("opencode fake reply to: outside")
    const bypass = planOf({ prompt: "outside [[fake:tool=external]]", autoApprove: true })
    expect(replyOf(bypass, runFake(bypass)).text).toBe("opencode fake reply to: outside")
  })

  it("MCP servers reach the fake in OPENCODE_CONFIG_CONTENT", () => {
    const config = { mcpServers: { docs: { type: "http", url: "https://example.com/mcp" } } }
    const inv = planOf({ prompt: "with tools", mcpServers: ["docs"] }, { bypassAllowed: false, mcpServers: { enabled: ["docs"], config } })
    const record = path.join(tempDir("opencode-rec-"), "record.jsonl")
    const r = runFake(inv, { FAKE_CLI_RECORD: record })
    expect(r.status).toBe(0)
    const seen = JSON.parse(fs.readFileSync(record, "utf8").trim().split("\n")[0]!)
    expect(JSON.parse(seen.opencodeEnv.OPENCODE_CONFIG_CONTENT).mcp.docs).toMatchObject({ type: "remote", url: "https://example.com/mcp" })
  })

  it("sessions: --continue takes the latest of the folder, --session resumes, an unknown id is SessionNotFound", () => {
    const state = tempDir("opencode-state-")
    const cwd = tempDir("opencode-cwd-")
    const home = tempDir("opencode-home-")
    const run = (inv: Invocation) =>
      spawnSync(FAKE, [...inv.args], {
        cwd,
        input: inv.prompt.text,
        env: { ...cleanEnv(home), ...inv.env, FAKE_CLI_STATE: state },
        encoding: "utf8",
        timeout: 15_000
      })
    const first = replyOf(planOf({}), run(planOf({ prompt: "first" })))
    expect(first.sessionId).toMatch(/^ses_[0-9a-f]{12}[0-9A-Za-z]{14}$/)
    const latest = planOf({ prompt: "again", resumeLatest: true })
    expect(replyOf(latest, run(latest)).sessionId).toBe(first.sessionId)
    const byId = planOf({ prompt: "by id", sessionId: first.sessionId })
    expect(replyOf(byId, run(byId)).sessionId).toBe(first.sessionId)
    const unknown = planOf({ prompt: "gone", sessionId: SES })
    const r = run(unknown)
    expect(r.status).toBe(1)
    expect(Opencode.provider.classify(failedRun(r, unknown))).toMatchObject({ _tag: "SessionNotFound", cli: "opencode", sessionId: SES })
  })

  it("an unknown flag: the help on stderr, exit 1, classified with the unknown-option hint", () => {
    const inv = planOf({})
    const r = runFake(inv, {}, ["--such-flag"])
    expect(r.status).toBe(1)
    expect(r.stderr.startsWith("opencode run [message..]")).toBe(true)
    const e = Opencode.provider.classify(failedRun(r, inv))
    expect(e._tag).toBe("CliExitedNonZero")
    expect("hint" in e && e.hint).toBe(unknownOptionHint("opencode"))
  })

  it.each([
    ["auth", "opencode/big-pickle", {}, "CliAuthRequired"],
    ["auth=provider", "anthropic/claude-sonnet-5", { ANTHROPIC_API_KEY: "sk-ant-fake" }, "CliAuthRequired"],
    ["auth=missing", "anthropic/claude-sonnet-4-5", { ANTHROPIC_API_KEY: "sk-ant-fake" }, "CliAuthRequired"],
    ["rate-limit", "opencode/big-pickle", {}, "CliRateLimited"],
    ["no-network", "opencode/big-pickle", {}, "CliNetworkError"],
    ["model-unknown", "anthropic/claude-nope-9", { ANTHROPIC_API_KEY: "sk-ant-fake" }, "CliModelUnknown"],
    ["model-unknown=event", "anthropic/claude-nope-9", { ANTHROPIC_API_KEY: "sk-ant-fake" }, "CliModelUnknown"],
    ["unknown-session", "opencode/big-pickle", {}, "SessionNotFound"],
    ["crash", "opencode/big-pickle", {}, "CliExitedNonZero"]
  ] as const)("scenario %s (%s) → %s", (scenario, model, env, tag) => {
    const inv = planOf({ prompt: `do it [[fake:${scenario}]]`, model, ...(scenario === "unknown-session" ? { sessionId: SES } : {}) })
    const r = runFake(inv, env)
    expect(r.status).toBe(1)
    expect(Opencode.provider.classify(failedRun(r, inv))._tag).toBe(tag)
  })

  it("a provider without a key (no ANTHROPIC_API_KEY passed): the logs tell it from an unknown model", () => {
    const inv = planOf({ prompt: "hi", model: "anthropic/claude-sonnet-4-5" })
    const r = runFake(inv)
    expect(r.status).toBe(1)
    expect(r.stderr).toContain("ProviderModelNotFoundError")
    expect(Opencode.provider.classify(failedRun(r, inv))).toMatchObject({ _tag: "CliAuthRequired", cli: "opencode" })
  })
})
