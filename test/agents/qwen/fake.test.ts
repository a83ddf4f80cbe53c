/**
 * The fake qwen (test/fixtures/bin/qwen) and the adapter agree: the fake
 * runs the argv the adapter plans, with the prompt on stdin as the runner
 * gives it, and the adapter reads what it prints.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Qwen from "../../../src/agents/qwen/adapter.js"
import { QwenRequest } from "../../../src/agents/qwen/request.js"
import { unknownOptionHint } from "../../../src/providers/classify.js"
import type { FailedRun, Invocation, PlanContext, RawOutput } from "../../../src/providers/Provider.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const FAKE = path.join(here, "..", "..", "fixtures", "bin", "qwen")
const UUID = "7d1f0c2e-3a4b-4c5d-8e6f-0a1b2c3d4e5f"

const planOf = (input: Record<string, unknown>, context?: PlanContext): Invocation => {
  const result = Qwen.provider.plan(Schema.decodeUnknownSync(QwenRequest)({ prompt: "hello", ...input }), context)
  if (Either.isLeft(result)) throw new Error(`expected a plan, got ${result.left.message}`)
  return result.right
}

const cleanEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (/^(QWEN_|OPENAI_|DASHSCOPE_|BAILIAN_|FAKE_CLI_|FAKE_QWEN_)/.test(k)) delete env[k]
  return env
}

/** Runs the fake as the runner would: the planned argv (+ `[flag, path]` of an MCP config), the prompt on stdin. */
const runFake = (inv: Invocation, extraEnv: Record<string, string> = {}) => {
  if (inv.prompt._tag !== "Stdin") throw new Error("qwen takes its prompt on stdin")
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-fake-"))
  const argv = [...inv.args]
  if (inv.mcpConfig !== undefined) {
    const file = path.join(dir, "mcp.json")
    fs.writeFileSync(file, JSON.stringify(inv.mcpConfig.config), { mode: 0o600 })
    argv.push(inv.mcpConfig.flag, file)
  }
  const result = spawnSync(FAKE, argv, {
    input: inv.prompt.text,
    env: { ...cleanEnv(), ...inv.env, ...extraEnv },
    encoding: "utf8",
    timeout: 15_000,
    killSignal: "SIGKILL"
  })
  fs.rmSync(dir, { recursive: true, force: true })
  if (result.error) throw result.error
  return { ...result, argv }
}

const output = (r: { stdout: string; stderr: string }): RawOutput => ({ stdout: r.stdout, stderr: r.stderr, stdoutTruncated: false })
const failedRun = (r: { stdout: string; stderr: string; status: number | null; signal: NodeJS.Signals | null }, inv: Invocation): FailedRun => ({
  ...output(r),
  exitCode: r.status,
  signal: r.signal,
  command: "qwen",
  model: inv.model,
  cwd: process.cwd(),
  ...(inv.sessionId !== undefined ? { sessionId: inv.sessionId } : {})
})
const replyOf = (inv: Invocation, r: { stdout: string; stderr: string }) => {
  const result = Qwen.provider.parse(inv, output(r))
  if (Either.isLeft(result)) throw new Error(`expected a reply, got ${result.left._tag}: ${result.left.message}`)
  return result.right
}

describe("fake qwen and the adapter agree", () => {
  it("--version is bare semver, and --help holds the identity markers", () => {
    expect(spawnSync(FAKE, ["--version"], { encoding: "utf8" }).stdout).toBe("0.24.4\n")
    const help = spawnSync(FAKE, ["--help"], { encoding: "utf8" }).stdout
    for (const marker of Qwen.provider.identity.help!.markers) expect(help).toContain(marker)
  })

  it("runs the planned argv with every parameter, gets the prompt on stdin, and its reply parses", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-rec-"))
    const record = path.join(dir, "record.jsonl")
    const inv = planOf({
      prompt: "--yolo",
      model: "qwen3-coder-plus",
      approvalMode: "yolo",
      allowedTools: ["run_shell_command(git status)", "read_file"],
      excludeTools: ["web_fetch"],
      includeDirs: [dir, "./docs"],
      maxSessionTurns: 5,
      sessionId: UUID
    })
    const r = runFake(inv, { FAKE_CLI_RECORD: record })
    expect(r.status).toBe(0)
    // The yolo warning is silenced; only the ripgrep noise is left.
    expect(r.stderr).toMatch(/^Ripgrep not available: [^\n]*\n$/)
    const seen = JSON.parse(fs.readFileSync(record, "utf8").trim().split("\n")[0]!)
    expect(seen.argv).toEqual(inv.args)
    expect(seen.stdin).toBe("--yolo")
    expect(seen.env.NO_COLOR).toBe("1")
    expect(seen.qwenEnv).toEqual({ QWEN_CODE_UNATTENDED_RETRY: "0", QWEN_CODE_SUPPRESS_YOLO_WARNING: "1" })
    const reply = replyOf(inv, r)
    expect(reply.text).toBe("qwen fake reply to: --yolo")
    expect(reply.sessionId).toBe(UUID)
    expect(reply.model).toBe("qwen3-coder-plus")
    expect(reply.usage?.outputTokens).toBeGreaterThan(0)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it("streamed chunks arrive as text deltas and join back into the reply", () => {
    const inv = planOf({ prompt: "stream me [[fake:chunks=5]]" })
    const r = runFake(inv)
    expect(r.status).toBe(0)
    expect(r.stdout.split("\n").filter((l) => l.includes('"content_block_delta"'))).toHaveLength(5)
    expect(replyOf(inv, r).text).toBe("qwen fake reply to: stream me")
    const watched = r.stdout.split("\n").filter((l) => l !== "").map((l) => Qwen.provider.watch!("stdout", l)?._tag)
    expect(watched.filter((t) => t === "Progress").length).toBeGreaterThanOrEqual(5)
  })

  it.each(["text", "json", "stream-json"] as const)("rendered as %s", (format) => {
    const inv = planOf({ prompt: "render me", outputFormat: format })
    const r = runFake(inv)
    const text = replyOf(inv, r).text
    if (format === "text") expect(text).toBe("qwen fake reply to: render me")
    if (format === "json") expect(JSON.parse(text)).toMatchObject({ type: "result", result: "qwen fake reply to: render me" })
    if (format === "stream-json") expect(text).toBe(r.stdout)
  })

  it("MCP servers: the fake takes the --mcp-config file the runner appends", () => {
    const config = { mcpServers: { docs: { type: "http", url: "https://example.com/mcp" } } }
    const inv = planOf({ prompt: "with tools", includeDirs: ["./docs"], mcpServers: ["docs"] }, {
      bypassAllowed: false,
      mcpServers: { enabled: ["docs"], config }
    })
    const r = runFake(inv)
    expect(r.argv.slice(-2)[0]).toBe("--mcp-config")
    expect(r.status).toBe(0)
    expect(replyOf(inv, r).text).toBe("qwen fake reply to: with tools")
  })

  it("sessions: --continue takes the latest, --resume=<id> resumes it, an unknown id is SessionNotFound", () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-state-"))
    const env = { FAKE_CLI_STATE: state }
    const first = replyOf(planOf({}), runFake(planOf({ prompt: "first" }), env))
    expect(first.sessionId).toMatch(/^[0-9a-f-]{36}$/)
    const latest = planOf({ prompt: "again", resumeLatest: true })
    expect(replyOf(latest, runFake(latest, env)).sessionId).toBe(first.sessionId)
    const byId = planOf({ prompt: "by id", sessionId: first.sessionId })
    expect(replyOf(byId, runFake(byId, env)).sessionId).toBe(first.sessionId)
    const unknown = planOf({ prompt: "gone", sessionId: UUID })
    const r = runFake(unknown, env)
    expect(r.status).toBe(1)
    expect(Qwen.provider.classify(failedRun(r, unknown))).toMatchObject({ _tag: "SessionNotFound", cli: "qwen", sessionId: UUID })
    fs.rmSync(state, { recursive: true, force: true })
  })

  it("an unknown flag fails as qwen's parser does, classified with the unknown-option hint", () => {
    const inv = planOf({})
    const r = spawnSync(FAKE, [...inv.args, "--such-flag"], { input: "hi", env: cleanEnv(), encoding: "utf8" })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain("Unknown arguments: such-flag, suchFlag")
    const e = Qwen.provider.classify(failedRun(r, inv))
    expect(e._tag).toBe("CliExitedNonZero")
    expect("hint" in e && e.hint).toBe(unknownOptionHint("qwen"))
  })

  it.each([
    ["auth", "CliAuthRequired", 1],
    ["auth=key", "CliAuthRequired", 1],
    ["auth=oauth", "CliAuthRequired", 1],
    ["auth=rejected", "CliAuthRequired", 1],
    ["rate-limit", "CliRateLimited", 1],
    ["model-unknown", "CliModelUnknown", 1],
    ["no-network", "CliNetworkError", 1],
    ["unknown-session", "SessionNotFound", 1],
    ["turn-limit", "CliTurnLimit", 53],
    ["crash", "CliExitedNonZero", 1]
  ] as const)("scenario %s → %s (exit %i)", (scenario, tag, code) => {
    const inv = planOf({ prompt: `do it [[fake:${scenario}]]`, model: "qwen3-coder-plus", sessionId: UUID })
    const r = runFake(inv)
    expect(r.status).toBe(code)
    expect(Qwen.provider.classify(failedRun(r, inv))._tag).toBe(tag)
  })

  it("a run stopped while qwen retries a 429: no network alarm, classified as a rate limit; its process group is ended", async () => {
    const inv = planOf({ prompt: "slow [[fake:rate-limit=5]] [[fake:delay=20000]]" })
    if (inv.prompt._tag !== "Stdin") throw new Error("stdin expected")
    const child = spawn(FAKE, [...inv.args], { env: { ...cleanEnv(), ...inv.env }, stdio: ["pipe", "pipe", "pipe"], detached: true })
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal)
      } catch {
        // already gone
      }
    }
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += String(d)))
    child.stderr.on("data", (d) => {
      stderr += String(d)
      if (stderr.includes("Retrying in")) killGroup("SIGTERM")
    })
    child.stdin.end(inv.prompt.text)
    const safety = setTimeout(() => killGroup("SIGKILL"), 10_000)
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on("close", (c, s) => resolve([c, s]))
    )
    clearTimeout(safety)
    expect(signal).toBe("SIGTERM")
    expect(stderr).toContain("Operation cancelled.")
    for (const line of stderr.split("\n")) expect(Qwen.provider.watch!("stderr", line)?._tag).not.toBe("Unreachable")
    const e = Qwen.provider.classify(failedRun({ stdout, stderr, status: code, signal }, inv))
    expect(e._tag).toBe("CliRateLimited")
  })
})
