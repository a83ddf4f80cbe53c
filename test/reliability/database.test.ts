/**
 * The database's own faults, on the built server: locked by another process
 * for a while, read-only, corrupt at start-up.
 */
import { afterAll, describe, expect, it } from "vitest"
import { chmodSync, copyFileSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { BUSY_TIMEOUT_MS } from "../../src/storage/Database.js"
import { ms, suiteRecorder } from "./helpers/results.js"
import { openDatabase } from "./helpers/sqlite.js"
import { callTool, startGateway, startRaw, tempDir, waitUntil } from "./helpers/server.js"

const results = suiteRecorder(
  "faults-database",
  `The database file of a running or starting server, in a temp folder. The server waits up to its busy timeout ` +
    `(${BUSY_TIMEOUT_MS} ms, \`BUSY_TIMEOUT_MS\` in src/storage/Database.ts) for a lock another process holds.`
)
afterAll(() => results.flush())

/** Holds SQLite's write lock on a file from this process (another connection) for a while. */
const holdLock = (path: string, holdMs: number): Promise<void> => {
  const db = openDatabase(path)
  db.exec("BEGIN EXCLUSIVE")
  return new Promise((resolve) =>
    setTimeout(() => {
      db.exec("COMMIT")
      db.close()
      resolve()
    }, holdMs)
  )
}

/**
 * Waits until the server has written the end of every request it answered: that bookkeeping follows the
 * answer, and a lock taken before it lands would make the server spend its busy timeout on it.
 */
const bookkeepingDone = (path: string): Promise<void> =>
  waitUntil(() => {
    const db = openDatabase(path, { readonly: true, fileMustExist: true })
    try {
      const open = db.prepare("SELECT count(*) AS n FROM flight_recorder WHERE finished_at IS NULL").get() as {
        n: number
      }
      return open.n === 0
    } finally {
      db.close()
    }
  })

describe("a database locked by another process", () => {
  it("held 3 s: a request waits for the lock and then succeeds", async () => {
    const row = results.begin("D01", "Write lock held by another process for 3 s (`BEGIN EXCLUSIVE`) while a request arrives")
    const dir = tempDir()
    const db = join(dir, "jobs.db")
    const gateway = await startGateway({ LLM_GATEWAY_JOBS_DB: db }, { dir })
    try {
      await callTool(gateway, "claude_request", { prompt: "before the lock" })
      await bookkeepingDone(db)
      const released = holdLock(db, 3_000)
      const start = Date.now()
      const answer = callTool(gateway, "claude_request", { prompt: "during the lock" })
      // Another call during the lock: does the server still answer what needs no write?
      await new Promise((r) => setTimeout(r, 300))
      const healthStart = Date.now()
      const health = await callTool(gateway, "llm_process_health", {})
      const healthMs = Date.now() - healthStart
      const done = await answer
      const requestMs = Date.now() - start
      await released
      expect(done.isError ?? false).toBe(false)
      expect(done.structuredContent!.text).toContain("during the lock")
      expect(requestMs).toBeGreaterThanOrEqual(2_500)
      expect(requestMs).toBeLessThan(BUSY_TIMEOUT_MS)
      expect(health.isError ?? false).toBe(false)
      row.pass("the request succeeds once the lock is released; no error, no hang", {
        "request answered after": ms(requestMs),
        "a health call sent 300 ms into the lock answered after": ms(healthMs)
      })
    } finally {
      await gateway.close()
    }
  }, 30_000)

  it("held past the busy timeout: a typed StorageError, never a hang; the next request succeeds", async () => {
    const row = results.begin("D02", `Write lock held for ${BUSY_TIMEOUT_MS / 1000 + 2} s, past the busy timeout`)
    const dir = tempDir()
    const db = join(dir, "jobs.db")
    const gateway = await startGateway({ LLM_GATEWAY_JOBS_DB: db }, { dir })
    try {
      await callTool(gateway, "codex_request", { prompt: "before the lock" })
      await bookkeepingDone(db)
      const released = holdLock(db, BUSY_TIMEOUT_MS + 2_000)
      const start = Date.now()
      const answer = await callTool(gateway, "codex_request", { prompt: "during the long lock" })
      const failMs = Date.now() - start
      expect(answer.isError).toBe(true)
      expect(answer.structuredContent!.error._tag).toBe("StorageError")
      // The job's insert waits one busy timeout; the flight recorder's note of the refusal may wait another.
      expect(failMs).toBeLessThan(2 * BUSY_TIMEOUT_MS + 1_500)
      await released
      const after = await callTool(gateway, "codex_request", { prompt: "after the lock" })
      expect(after.isError ?? false).toBe(false)
      expect(gateway.records().filter((r) => r.cli === "codex" && String(r.prompt).includes("during"))).toEqual([])
      row.pass("the request fails with a typed `StorageError` (\"database is locked\"), no CLI started; the next request after the release succeeds. " +
        "While it waits the server answers nothing else: SQLite's busy wait is synchronous and blocks the event loop", {
        "request answered after": ms(failMs),
        bound: ms(2 * BUSY_TIMEOUT_MS + 1_500)
      })
    } finally {
      await gateway.close()
    }
  }, 40_000)
})

describe("a database the server cannot write", () => {
  it("read-only (file and folder not writable by the server's user): a typed StorageError naming the file, the file untouched", async () => {
    const row = results.begin("D03", "Database file and folder not writable by the server's user")
    const dir = tempDir()
    const db = join(dir, "jobs.db")
    const first = await startGateway({ LLM_GATEWAY_JOBS_DB: db }, { dir })
    await callTool(first, "claude_request", { prompt: "written before" })
    await first.close()
    // As root (who may write anything), run the server as `nobody`; otherwise take the write bits away.
    const asRoot = process.getuid?.() === 0
    chmodSync(dir, asRoot ? 0o755 : 0o555)
    chmodSync(db, 0o444)
    const before = readFileSync(db)
    const modeBefore = statSync(db).mode & 0o777
    const server = startRaw(dir, { LLM_GATEWAY_JOBS_DB: db }, {
      wrap: asRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : []
    })
    try {
      await server.initialize()
      const listed = await server.request("tools/list")
      expect(listed.result.tools.length).toBeGreaterThan(20)
      const answer = await server.callTool("claude_request", { prompt: "write me" })
      const status = await server.callTool("llm_job_status", { jobId: "00000000-0000-4000-8000-000000000000" })
      expect(answer.result.isError).toBe(true)
      expect(answer.result.structuredContent.error._tag).toBe("StorageError")
      expect(answer.result.structuredContent.error.message).toContain(db)
      expect(status.result.isError).toBe(true)
      expect(readFileSync(db).equals(before)).toBe(true)
      expect(statSync(db).mode & 0o777).toBe(modeBefore)
      expect(server.garbage()).toEqual([])
      row.pass("the server starts and lists its tools; every call that needs the database answers `StorageError` naming the file; the file's bytes and mode are unchanged", {
        "server user": asRoot ? "nobody (test ran as root)" : "the test's own user",
        message: String(answer.result.structuredContent.error.message).replaceAll(dir, "<tmp>").slice(0, 160)
      })
    } finally {
      server.kill()
      chmodSync(dir, 0o700)
    }
  }, 30_000)
})

describe("a corrupt database at start-up", () => {
  for (const [id, title, corrupt] of [
    ["D04", "A file that is not a database (text)", (db: string) => writeFileSync(db, "not a database at all")],
    ["D05", "A database whose pages are overwritten with garbage (valid header)", (db: string) => {
      const bytes = readFileSync(db)
      for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff
      writeFileSync(db, bytes)
    }]
  ] as const) {
    it(`${title}: a clear message naming the file; the file never deleted or overwritten`, async () => {
      const row = results.begin(id, `${title} at start-up`)
      const dir = tempDir()
      const db = join(dir, "jobs.db")
      const first = await startGateway({ LLM_GATEWAY_JOBS_DB: db }, { dir })
      await callTool(first, "claude_request", { prompt: "written before" })
      await first.close()
      copyFileSync(db, join(dir, "good.db"))
      corrupt(db)
      const before = readFileSync(db)
      const gateway = await startGateway({ LLM_GATEWAY_JOBS_DB: db }, { dir })
      const runsBefore = gateway.records().length
      try {
        const { tools } = await gateway.client.listTools()
        expect(tools.length).toBeGreaterThan(20)
        const answer = await callTool(gateway, "claude_request", { prompt: "hi" })
        expect(answer.isError).toBe(true)
        expect(answer.structuredContent!.error._tag).toBe("StorageError")
        expect(answer.structuredContent!.error.message).toContain(db)
        expect(gateway.records()).toHaveLength(runsBefore)
        expect(gateway.stderr()).toContain(db)
        expect(readFileSync(db).equals(before)).toBe(true)
        row.pass("the server starts and lists its tools; each call answers `StorageError` naming the file (the log says it too); no CLI started; the file's bytes unchanged", {
          message: String(answer.structuredContent!.error.message).replaceAll(dir, "<tmp>").slice(0, 160)
        })
      } finally {
        await gateway.close()
      }
    })
  }
})
