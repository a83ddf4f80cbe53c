/**
 * Gateways on PostgreSQL for the end-to-end tests of test/postgres/: the
 * built binary over stdio (as test/e2e/harness.ts starts it), each with a
 * HOME of its own, a host id of its own and the database URL given, all in
 * one shared working folder (so that the same request from two of them has
 * the same request key). Every gateway started and every CLI process its
 * fakes recorded is ended by `stopAll()` (call it in afterAll): by pid,
 * never by name.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { randomUUID } from "node:crypto"
import { join } from "node:path"
import { alive, binary, fakeBins, node, type ToolResult } from "../e2e/harness.js"
import { createDatabase, freshDatabaseName, withClient } from "../support/postgres.js"

export { alive, type ToolResult } from "../e2e/harness.js"

/** The lean shell fake claude that stamps the moment it answers (see the script). */
export const TIMED_CLAUDE = join(import.meta.dirname, "fixtures/timed-claude")
/** The lean shell fake claude of the HTTP load test. */
export const FAST_CLAUDE = join(import.meta.dirname, "../http/fixtures/fast-claude")

export interface FakeRecord {
  readonly cli?: string
  readonly pid?: number
  readonly prompt?: string
  readonly endedPid?: number
  readonly endedAt?: number
}

export interface PgGateway {
  readonly name: string
  readonly hostId: string
  readonly client: Client
  readonly transport: StdioClientTransport
  /** The server's pid. */
  readonly pid: number
  /** Its HOME (removed by `stopAll`). */
  readonly home: string
  readonly records: () => ReadonlyArray<FakeRecord>
  readonly stderr: () => string
  readonly call: (name: string, args: Record<string, unknown>, timeoutMs?: number) => Promise<ToolResult>
  /** Closes the client (the server ends on stdin's end), SIGKILL after 5 s if it has not. */
  readonly close: () => Promise<void>
}

const started: Array<PgGateway> = []
const homes: Array<string> = []

/** A shared working folder for the gateways of a test. */
export const sharedFolder = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "gateway-pg-e2e-"))
  homes.push(dir)
  return dir
}

/** A fresh database on the server at `adminUrl`; its URL. */
export const freshDatabase = (adminUrl: string): Promise<string> => createDatabase(adminUrl, freshDatabaseName())

export interface StartOptions {
  readonly name: string
  readonly url: string
  readonly hostId: string
  readonly cwd: string
  readonly env?: Record<string, string>
}

const waitFor = async (check: () => boolean, ms: number): Promise<boolean> => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > ms) return false
    await new Promise((r) => setTimeout(r, 20))
  }
  return true
}

/** Starts the built binary on the database at `url` and connects an MCP client to it. */
export const startPgGateway = async (options: StartOptions): Promise<PgGateway> => {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run build first`)
  const home = mkdtempSync(join(tmpdir(), `gateway-pg-${options.name}-`))
  homes.push(home)
  const recordFile = join(home, "record.jsonl")
  const transport = new StdioClientTransport({
    command: node,
    args: [binary],
    cwd: options.cwd,
    stderr: "pipe",
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      ...fakeBins(),
      LLM_GATEWAY_CHILD_ENV: "FAKE_CLI_*",
      FAKE_CLI_RECORD: recordFile,
      LLM_GATEWAY_DATABASE_URL: options.url,
      LLM_GATEWAY_HOST_ID: options.hostId,
      ...options.env
    }
  })
  let stderr = ""
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const client = new Client({ name: `pg-e2e-${options.name}`, version: "1.0.0" })
  try {
    await client.connect(transport)
  } catch (error) {
    const pid = transport.pid
    if (pid !== null && pid !== undefined && alive(pid)) process.kill(pid, "SIGKILL")
    throw new Error(`gateway ${options.name} did not start: ${String(error)}\nstderr:\n${stderr}`)
  }
  const pid = transport.pid!
  const records = (): ReadonlyArray<FakeRecord> => {
    if (!existsSync(recordFile)) return []
    return readFileSync(recordFile, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l))
  }
  const gateway: PgGateway = {
    name: options.name,
    hostId: options.hostId,
    client,
    transport,
    pid,
    home,
    records,
    stderr: () => stderr,
    call: async (name, args, timeoutMs = 60_000) =>
      (await client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs })) as unknown as ToolResult,
    close: async () => {
      await client.close().catch(() => undefined)
      if (!(await waitFor(() => !alive(pid), 5_000))) process.kill(pid, "SIGKILL")
    }
  }
  started.push(gateway)
  return gateway
}

/** Ends a CLI's process group (its pid is its group's id) if it still runs. */
export const killGroup = (pid: number): void => {
  try {
    process.kill(-pid, "SIGKILL")
  } catch {
    // gone
  }
}

/**
 * Ends every gateway started here and every CLI process their fakes
 * recorded, then removes their folders.
 */
export const stopAll = async (): Promise<void> => {
  const gateways = started.splice(0)
  await Promise.all(gateways.map((g) => g.close().catch(() => undefined)))
  for (const g of gateways) {
    if (alive(g.pid)) process.kill(g.pid, "SIGKILL")
    for (const r of g.records()) if (r.pid !== undefined && alive(r.pid)) killGroup(r.pid)
  }
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Runs one query on `url`. */
export const query = <R extends Record<string, unknown>>(url: string, text: string, values: Array<unknown> = []) =>
  withClient(url, async (client) => (await client.query<R>(text, values)).rows)

/** Polls until `check` holds, or throws after `ms`. */
export const until = async (check: () => boolean | Promise<boolean>, ms = 10_000, what = "condition"): Promise<void> => {
  const start = Date.now()
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`${what}: not met within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Median and 95th percentile (nearest rank) of some figures. */
export const percentiles = (values: ReadonlyArray<number>): { median: number; p95: number; min: number; max: number } => {
  const sorted = [...values].sort((a, b) => a - b)
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
  return { median: rank(0.5), p95: rank(0.95), min: sorted[0]!, max: sorted[sorted.length - 1]! }
}

export type OutputRow = {
  readonly seq: number
  readonly char_start: number
  readonly data: string
}


/** The stdout a job's rows hold, checked to be whole: seq 0..n-1, each piece starting where the last ended. */
export const storedStdout = async (url: string, jobId: string): Promise<{ text: string; pieces: number; whole: boolean }> => {
  const rows = await query<OutputRow>(
    url,
    "SELECT seq, char_start, data FROM job_output WHERE job_id = $1 AND stream = 'stdout' ORDER BY seq",
    [jobId]
  )
  let whole = true
  let at = 0
  rows.forEach((row, i) => {
    if (Number(row.seq) !== i || Number(row.char_start) !== at) whole = false
    at += row.data.length
  })
  return { text: rows.map((r) => r.data).join(""), pieces: rows.length, whole }
}

export const storedReply = async (url: string, jobId: string): Promise<string> =>
  (await query<OutputRow>(url, "SELECT seq, char_start, data FROM job_reply WHERE job_id = $1 ORDER BY seq", [jobId]))
    .map((r) => r.data)
    .join("")

export const jobRow = async (url: string, jobId: string) =>
  (await query<{ status: string; stdout_chars: string; finished_at: string | null }>(
    url,
    "SELECT status, stdout_chars, finished_at FROM jobs WHERE id = $1",
    [jobId]
  ))[0]!

export const recorderRows = (url: string, jobId: string) =>
  query<{ status: string; deduped: number }>(url, "SELECT status, deduped FROM flight_recorder WHERE job_id = $1", [jobId])

/** The tag of a typed failure in a tool's answer (from structuredContent, or the text's leading tag). */
export const errorTag = (r: ToolResult): string | undefined => {
  const s = r.structuredContent
  const tag = s?._tag ?? s?.error?._tag ?? s?.tag
  if (typeof tag === "string") return tag
  const text = r.content.map((c) => c.text ?? "").join("")
  return /\b(StorageError|JobNotFound)\b/.exec(text)?.[1]
}

/** Calls a tool and times it. */
export const timed = async (g: PgGateway, name: string, args: Record<string, unknown>, timeoutMs = 60_000) => {
  const start = Date.now()
  const result = await g.call(name, args, timeoutMs)
  return { result, ms: Date.now() - start }
}

/** The reply the fake claude streams: `big` characters of filler in `chunks` pieces, `delay` ms apart. */
export const streaming = (chunks: number, delay: number, big: number) =>
  `[[fake:chunks=${chunks}]] [[fake:delay=${delay}]] [[fake:big=${big}]] ${randomUUID()}`
