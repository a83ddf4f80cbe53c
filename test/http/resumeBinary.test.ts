/**
 * Resumable Streamable HTTP on the built binary (`--http`), across
 * processes that share one database: a session and its call's stream
 * outlive the server that served them. After a restart, the old session id
 * and `Last-Event-ID` get the stored answer; a call whose job was still
 * running when its server stopped is answered with the job's typed end
 * (canceled on a graceful stop, orphaned after a SIGKILL), not a hang; a
 * second server on the same database answers a call the first one still
 * runs, from the job; another principal gets 404 exactly as for an unknown
 * session, restored or not.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { binary, fakeBins } from "../e2e/harness.js"
import type { ListenAddress } from "../../src/http/address.js"
import { alive, raw, waitUntil } from "./harness.js"
import { answerOf, messageOf, rawSession, resumeAfter, startCall } from "./resumeSse.js"

const dirs: Array<string> = []
const children: Array<ChildProcess> = []
const cliPids: Array<number> = []
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  for (const pid of cliPids) {
    try {
      process.kill(-pid, "SIGKILL")
    } catch {
      // gone already
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** One folder: the gateway's home (its database) and the fake CLIs' record, shared by the servers started on it. */
const home = (tokens: Record<string, string> = {}): { readonly dir: string; readonly env: Record<string, string> } => {
  const dir = mkdtempSync(join(tmpdir(), "gateway-resume-"))
  dirs.push(dir)
  mkdirSync(join(dir, "home"), { mode: 0o700 })
  const env: Record<string, string> = {}
  if (Object.keys(tokens).length > 0) {
    const file = join(dir, "tokens.json")
    writeFileSync(file, JSON.stringify({
      version: 1,
      tokens: Object.entries(tokens).map(([name, token]) => ({
        name,
        sha256: createHash("sha256").update(token).digest("hex"),
        createdAt: "2025-01-01T00:00:00.000Z"
      }))
    }), { mode: 0o600 })
    env.LLM_GATEWAY_TOKENS_FILE = file
  }
  return { dir, env }
}

interface Server {
  readonly child: ChildProcess
  readonly address: ListenAddress
  readonly stderr: () => string
  readonly exited: Promise<number | null>
}

const startServer = async (at: { readonly dir: string; readonly env: Record<string, string> }, env: Record<string, string> = {}): Promise<Server> => {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run build first`)
  const child = spawn(process.execPath, [binary], {
    cwd: at.dir,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: at.dir,
      LLM_GATEWAY_HOME: join(at.dir, "home"),
      LLM_GATEWAY_HTTP: "127.0.0.1:0",
      ...fakeBins(),
      LLM_GATEWAY_CHILD_ENV: "FAKE_CLI_*",
      FAKE_CLI_RECORD: join(at.dir, "record.jsonl"),
      LLM_GATEWAY_PROGRESS_HEARTBEAT_MS: "300",
      ...at.env,
      ...env
    }
  })
  children.push(child)
  let stderr = ""
  let stdout = ""
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  void exited.then(() => {
    if (stdout !== "") throw new Error(`the server wrote to stdout: ${stdout}`)
  })
  await waitUntil(() => /at http:\/\/\S+\/mcp/.test(stderr) || child.exitCode !== null, 20_000)
  const match = /at http:\/\/(127\.0\.0\.1):(\d+)\/mcp/.exec(stderr)
  if (match === null) throw new Error(`no start-up line; stderr: ${stderr}`)
  return { child, address: { host: match[1]!, port: Number(match[2]) }, stderr: () => stderr, exited }
}

const stop = async (server: Server): Promise<void> => {
  server.child.kill("SIGTERM")
  expect(await server.exited).toBe(0)
}

const records = (dir: string): ReadonlyArray<{ readonly cli?: string; readonly pid?: number; readonly prompt?: string }> => {
  const file = join(dir, "record.jsonl")
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)) : []
}

/** The pid of the fake CLI that got `marker`, once it has started. */
const cliPid = async (dir: string, marker: string): Promise<number> => {
  await waitUntil(() => records(dir).some((r) => r.prompt?.includes(marker) === true), 15_000)
  const pid = records(dir).find((r) => r.prompt?.includes(marker) === true)!.pid!
  cliPids.push(pid)
  return pid
}

describe("resumable streams across processes (built binary)", () => {
  it("after a restart: the old session id and Last-Event-ID get the answer stored before the stop", async () => {
    const at = home()
    const first = await startServer(at)
    const session = await rawSession(first.address)
    const { exchange, primingId } = await startCall(first.address, session.headers, 21, "claude_request", {
      prompt: "[[fake:sleep=600]] answered before the restart"
    })
    exchange.drop()
    const pid = await cliPid(at.dir, "answered before the restart")
    await waitUntil(() => !alive(pid), 10_000)
    // The job is done and its answer stored; the server stops gracefully.
    await new Promise((r) => setTimeout(r, 300))
    await stop(first)

    const second = await startServer(at)
    try {
      const resumed = await resumeAfter(second.address, session.headers, primingId)
      expect(resumed.status).toBe(200)
      await resumed.ended
      const answer = answerOf(resumed.events, 21)
      expect(answer.result.isError ?? false).toBe(false)
      expect(answer.result.content[0].text).toContain("answered before the restart")
      expect(second.stderr()).not.toContain("ERROR")
      // The session itself is served again: a new call on it is answered.
      const listed = await raw(second.address, {
        headers: session.headers,
        body: JSON.stringify({ jsonrpc: "2.0", id: 22, method: "tools/list" })
      })
      expect(listed.status).toBe(200)
      expect(listed.body).toContain("claude_request")
      expect(records(at.dir).filter((r) => r.prompt?.includes("answered before the restart"))).toHaveLength(1)
      // DELETE ends it durably: its id is unknown from then on, here and after another restart.
      expect((await raw(second.address, { method: "DELETE", headers: session.headers })).status).toBe(200)
      expect((await resumeAfter(second.address, session.headers, primingId)).status).toBe(404)
    } finally {
      await stop(second)
    }
    const third = await startServer(at)
    try {
      expect((await resumeAfter(third.address, session.headers, primingId)).status).toBe(404)
    } finally {
      await stop(third)
    }
  }, 60_000)

  it("a job still running at a graceful stop: the resume answers its typed end (JobCanceled), not a hang", async () => {
    const at = home()
    const first = await startServer(at)
    const session = await rawSession(first.address)
    const { exchange, primingId } = await startCall(first.address, session.headers, 31, "codex_request", {
      prompt: "[[fake:silent]] running at the stop"
    })
    const pid = await cliPid(at.dir, "running at the stop")
    // Progress is stored while the call runs; then the client's network goes away.
    await exchange.next((e) => messageOf(e)?.method === "notifications/progress", 10_000)
    exchange.drop()
    await stop(first)
    await waitUntil(() => !alive(pid), 5_000)

    const second = await startServer(at)
    try {
      const resumed = await resumeAfter(second.address, session.headers, primingId)
      expect(resumed.status).toBe(200)
      await resumed.ended
      // What was stored first (the progress it had), then the answer from the job.
      expect(resumed.events.map(messageOf).some((m) => m?.method === "notifications/progress")).toBe(true)
      const answer = answerOf(resumed.events, 31)
      expect(answer.result.isError).toBe(true)
      expect(answer.result.structuredContent.error._tag).toBe("JobCanceled")
      expect(answer.result.structuredContent.error.jobId).toMatch(/^[0-9a-f-]{36}$/)
      // Stored: a second resume gets the same answer at once.
      const again = await resumeAfter(second.address, session.headers, primingId)
      await again.ended
      expect(answerOf(again.events, 31)).toEqual(answer)
      expect(records(at.dir).filter((r) => r.prompt?.includes("running at the stop"))).toHaveLength(1)
    } finally {
      await stop(second)
    }
  }, 60_000)

  it("a job whose server was SIGKILLed: the next server answers it orphaned, and its CLI is gone", async () => {
    const at = home()
    const fast = { LLM_GATEWAY_HEARTBEAT_MS: "200", LLM_GATEWAY_LEASE_MS: "1000" }
    const first = await startServer(at, fast)
    const session = await rawSession(first.address)
    const { exchange, primingId } = await startCall(first.address, session.headers, 41, "gemini_request", {
      prompt: "[[fake:silent]] killed under it"
    })
    const pid = await cliPid(at.dir, "killed under it")
    exchange.drop()
    first.child.kill("SIGKILL")
    await first.exited

    const second = await startServer(at, fast)
    try {
      const resumed = await resumeAfter(second.address, session.headers, primingId)
      expect(resumed.status).toBe(200)
      await resumed.ended
      const answer = answerOf(resumed.events, 41)
      expect(answer.result.isError).toBe(true)
      expect(answer.result.structuredContent.error._tag).toBe("JobOrphaned")
      await waitUntil(() => !alive(pid), 10_000)
    } finally {
      await stop(second)
    }
  }, 60_000)

  it("a call with no job, lost with its server: a JSON-RPC error (CallLost) that says it may be sent again", async () => {
    const at = home()
    const fast = { LLM_GATEWAY_HEARTBEAT_MS: "200", LLM_GATEWAY_LEASE_MS: "1000" }
    const first = await startServer(at, fast)
    const session = await rawSession(first.address)
    const started = await raw(first.address, {
      headers: session.headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 70,
        method: "tools/call",
        params: { name: "claude_request_async", arguments: { prompt: "[[fake:silent]] waited on" } }
      })
    })
    const jobId = JSON.parse(started.body.split("data: ").at(-1)!).result.structuredContent.jobId as string
    const pid = await cliPid(at.dir, "waited on")
    // llm_job_wait is a call, not a job: nothing to answer it from once its server is gone (killed: a
    // graceful stop ends the job first, and the wait answers that).
    const { exchange, primingId } = await startCall(first.address, session.headers, 71, "llm_job_wait", {
      jobId,
      timeoutMs: 30_000
    })
    exchange.drop()
    first.child.kill("SIGKILL")
    await first.exited

    const second = await startServer(at, fast)
    try {
      const resumed = await resumeAfter(second.address, session.headers, primingId)
      expect(resumed.status).toBe(200)
      await resumed.ended
      const answer = answerOf(resumed.events, 71)
      expect(answer.error.code).toBe(-32000)
      expect(answer.error.data._tag).toBe("CallLost")
      expect(answer.error.message).toContain("may be sent again")
      // The job the wait was on is the next server's to end (its server is gone).
      await waitUntil(() => !alive(pid), 10_000)
    } finally {
      await stop(second)
    }
  }, 60_000)

  it("another instance on the same database answers a call the first one still runs, from its job", async () => {
    const at = home()
    const a = await startServer(at)
    const b = await startServer(at)
    try {
      const session = await rawSession(a.address)
      const { exchange, primingId } = await startCall(a.address, session.headers, 51, "grok_request", {
        prompt: "[[fake:sleep=1500]] finished on the other instance"
      })
      exchange.drop()
      await cliPid(at.dir, "finished on the other instance")
      // The client comes back through B (a balancer, say): B serves the session and waits on A's job.
      const resumed = await resumeAfter(b.address, session.headers, primingId)
      expect(resumed.status).toBe(200)
      await resumed.ended
      const answer = answerOf(resumed.events, 51)
      expect(answer.result.isError ?? false).toBe(false)
      expect(answer.result.content[0].text).toContain("finished on the other instance")
      expect(answer.result.structuredContent.jobId).toMatch(/^[0-9a-f-]{36}$/)
      // One run, and one answer stored for the stream: A's own (later) answer is not a second one.
      await new Promise((r) => setTimeout(r, 500))
      const again = await resumeAfter(a.address, session.headers, primingId)
      await again.ended
      expect(again.events.map(messageOf).filter((m) => m?.id === 51)).toHaveLength(1)
      expect(records(at.dir).filter((r) => r.prompt?.includes("finished on the other instance"))).toHaveLength(1)
    } finally {
      await stop(a)
      await stop(b)
    }
  }, 60_000)

  it("another principal cannot resume a session after a restart, nor learn of it: 404 exactly as unknown", async () => {
    const at = home({ alice: "lcg_alice-token-for-resume", bob: "lcg_bob-token-for-resume" })
    const first = await startServer(at)
    const alice = await rawSession(first.address, { Authorization: "Bearer lcg_alice-token-for-resume" })
    const { exchange, primingId } = await startCall(first.address, alice.headers, 61, "claude_request", {
      prompt: "[[fake:sleep=300]] alice after a restart"
    })
    await exchange.ended
    await stop(first)

    const second = await startServer(at)
    try {
      const asBob = { ...alice.headers, Authorization: "Bearer lcg_bob-token-for-resume" }
      const unknown = { ...asBob, "Mcp-Session-Id": "00000000-0000-4000-8000-000000000000" }
      const bob = await raw(second.address, { method: "GET", headers: { ...asBob, "Last-Event-ID": primingId } })
      const none = await raw(second.address, { method: "GET", headers: { ...unknown, "Last-Event-ID": primingId } })
      expect(bob.status).toBe(404)
      expect(bob.body).toBe(none.body)
      const bobDelete = await raw(second.address, { method: "DELETE", headers: asBob })
      expect(bobDelete.status).toBe(404)
      // Still alice's, and still resumable by her.
      const resumed = await resumeAfter(second.address, alice.headers, primingId)
      expect(resumed.status).toBe(200)
      await resumed.ended
      expect(answerOf(resumed.events, 61).result.content[0].text).toContain("alice after a restart")
    } finally {
      await stop(second)
    }
  }, 60_000)
})
