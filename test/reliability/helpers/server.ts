/**
 * What the reliability tests need beyond test/e2e/harness: the server as a
 * raw child process (to write raw bytes, close its stdin, or run it as
 * another user), the database read directly, process and memory checks.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { binary, fakeBins, node, type Recorded } from "../../e2e/harness.js"
import { openDatabase, type SqliteDatabase } from "./sqlite.js"

export { alive, callTool, fakeBin, fakeBins, type Gateway, node, root, startGateway, tempDir, waitUntil } from "../../e2e/harness.js"
export type { Recorded, ToolResult } from "../../e2e/harness.js"

/** The environment the e2e harness gives the server, for a raw server. */
export const baseEnv = (dir: string, env: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: dir,
  ...fakeBins(),
  LLM_GATEWAY_CHILD_ENV: "FAKE_CLI_*",
  FAKE_CLI_RECORD: join(dir, "record.jsonl"),
  ...env
})

/** The fake CLIs' records in a folder's record.jsonl. */
export const recordsIn = (dir: string): ReadonlyArray<Recorded & { readonly exitedPid?: number }> => {
  const file = join(dir, "record.jsonl")
  if (!existsSync(file)) return []
  return readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l))
}

export interface JsonRpcMessage {
  readonly jsonrpc: "2.0"
  readonly id?: number | string
  readonly method?: string
  readonly result?: any
  readonly error?: { readonly code: number; readonly message: string; readonly data?: unknown }
}

export interface RawServer {
  readonly child: ChildProcessWithoutNullStreams
  readonly pid: number
  /** Sends a request and waits for its answer. */
  readonly request: (method: string, params?: unknown, timeoutMs?: number) => Promise<JsonRpcMessage>
  readonly notify: (method: string, params?: unknown) => void
  /** Writes bytes as they are. */
  readonly writeRaw: (data: string | Buffer) => Promise<void>
  /** initialize + notifications/initialized. */
  readonly initialize: () => Promise<JsonRpcMessage>
  readonly callTool: (name: string, args: unknown, timeoutMs?: number) => Promise<JsonRpcMessage>
  readonly stderr: () => string
  /** Every line the server wrote to stdout that was not JSON. */
  readonly garbage: () => ReadonlyArray<string>
  /** Resolves with the exit code/signal and when it happened. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: string | null; readonly at: number }>
  readonly kill: (signal?: NodeJS.Signals) => void
}

/**
 * Starts the built server as a plain child process speaking
 * newline-delimited JSON-RPC, on the harness's `node` and `binary`
 * (`LLM_GATEWAY_TEST_NODE`, `LLM_GATEWAY_TEST_BINARY`). `wrap` runs it
 * through another program (`setpriv ...` to drop privileges).
 */
export const startRaw = (
  dir: string,
  env: Record<string, string> = {},
  options: { readonly wrap?: ReadonlyArray<string> } = {}
): RawServer => {
  const [command, ...args] = [...(options.wrap ?? []), node, binary]
  const child = spawn(command!, args, { cwd: dir, env: baseEnv(dir, env), stdio: ["pipe", "pipe", "pipe"] })
  let err = ""
  let buffer = ""
  let nextId = 1
  const garbage: Array<string> = []
  const waiting = new Map<number | string, (m: JsonRpcMessage) => void>()
  child.stderr.on("data", (c: Buffer) => {
    err += c.toString()
  })
  child.stdout.on("data", (c: Buffer) => {
    buffer += c.toString()
    let i: number
    while ((i = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, i)
      buffer = buffer.slice(i + 1)
      if (line.trim() === "") continue
      let message: JsonRpcMessage
      try {
        message = JSON.parse(line)
      } catch {
        garbage.push(line)
        continue
      }
      if (message.id !== undefined && message.method === undefined) {
        waiting.get(message.id)?.(message)
        waiting.delete(message.id)
      }
    }
  })
  child.stdin.on("error", () => undefined)
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() }))
  })
  const writeRaw = (data: string | Buffer) =>
    new Promise<void>((resolve, reject) => child.stdin.write(data, (e) => (e ? reject(e) : resolve())))
  const request = (method: string, params?: unknown, timeoutMs = 30_000) => {
    const id = nextId++
    return new Promise<JsonRpcMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`no answer to ${method} #${id} in ${timeoutMs} ms`))
      }, timeoutMs)
      waiting.set(id, (m) => {
        clearTimeout(timer)
        resolve(m)
      })
      writeRaw(JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) }) + "\n").catch(
        (e) => {
          clearTimeout(timer)
          waiting.delete(id)
          reject(e)
        }
      )
    })
  }
  const notify = (method: string, params?: unknown) => {
    void writeRaw(JSON.stringify({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) }) + "\n").catch(
      () => undefined
    )
  }
  const initialize = async () => {
    const answer = await request("initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "reliability", version: "1.0.0" }
    })
    notify("notifications/initialized")
    return answer
  }
  return {
    child,
    pid: child.pid!,
    request,
    notify,
    writeRaw,
    initialize,
    callTool: (name, args, timeoutMs) => request("tools/call", { name, arguments: args }, timeoutMs),
    stderr: () => err,
    garbage: () => garbage,
    exited,
    kill: (signal = "SIGKILL") => {
      try {
        child.kill(signal)
      } catch {}
    }
  }
}

/** A job row as the tests read it. */
export interface JobRow {
  readonly id: string
  readonly status: string
  readonly pid: number | null
  readonly stdout_chars: number
  readonly error_json: string | null
  readonly reply_json: string | null
  readonly argv_json: string
}

/** Reads the database directly (read-only; the server may be running). */
export const withDb = <A>(path: string, f: (db: SqliteDatabase) => A): A => {
  const db = openDatabase(path, { readonly: true, fileMustExist: true })
  try {
    db.pragma("busy_timeout = 5000")
    return f(db)
  } finally {
    db.close()
  }
}

export const jobRows = (path: string): ReadonlyArray<JobRow> =>
  withDb(path, (db) => db.prepare("SELECT * FROM jobs ORDER BY created_at").all() as Array<JobRow>)

/** A job's stdout as stored (every flushed chunk, in order). */
export const storedStdout = (path: string, jobId: string): string =>
  withDb(path, (db) =>
    (db.prepare("SELECT data FROM job_output WHERE job_id = ? AND stream = 'stdout' ORDER BY seq").all(jobId) as Array<
      { data: string }
    >).map((r) => r.data).join("")
  )

/** VmRSS and VmHWM of a process, in KiB. */
export const memoryOf = (pid: number): { readonly rssKb: number; readonly hwmKb: number } => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN)
  return { rssKb: field("VmRSS"), hwmKb: field("VmHWM") }
}

/** Whether any process of a group is still running (zombies count as gone). */
export const groupRunning = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0)
  } catch {
    return false
  }
  // The group exists; look for a member that is not a zombie.
  for (const entry of safeReaddir("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1")
      const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      if (Number(after[2]) === pgid && after[0] !== "Z" && after[0] !== "X") return true
    } catch {}
  }
  return false
}

const safeReaddir = (dir: string): ReadonlyArray<string> => {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** Ends what a test left behind (a process group), ignoring what is already gone. */
export const killGroup = (pgid: number | undefined): void => {
  if (pgid === undefined || pgid <= 0) return
  try {
    process.kill(-pgid, "SIGKILL")
  } catch {}
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Milliseconds until a condition holds (throws past the limit). */
export const timeUntil = async (check: () => boolean, limitMs: number, stepMs = 5): Promise<number> => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error(`condition not met in ${limitMs} ms`)
    await sleep(stepMs)
  }
  return Date.now() - start
}
