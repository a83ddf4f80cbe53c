/**
 * The database's own faults, on the built server: locked by another process
 * for a while, read-only, corrupt at start-up; flight-recorder rows a
 * killed server left open; a link in the database's place, a home every
 * user may write, a home that cannot be one (/proc, under a file).
 */
import { afterAll, describe, expect, it } from "vitest"
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { BUSY_TIMEOUT_MS } from "../../src/storage/Database.js"
import { ms, suiteRecorder } from "./helpers/results.js"
import { openDatabase } from "./helpers/sqlite.js"
import {
  alive,
  callTool,
  killGroup,
  startGateway,
  startRaw,
  tempDir,
  timeUntil,
  waitUntil,
  withDb
} from "./helpers/server.js"

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

/** A recorder row as the tests read it. */
interface RecorderRow {
  readonly job_id: string
  readonly status: string
  readonly started_at: number
  readonly finished_at: number | null
  readonly duration_ms: number | null
  readonly exit_code: number | null
  readonly error_tag: string | null
}

describe("flight-recorder rows a killed server left open", () => {
  it("the next server completes them at start: from the job's end, or orphaned with the job", async () => {
    const row = results.begin(
      "D06",
      "SIGKILL of the server after a job completed but before its recorder row was written, with another job running"
    )
    const dir = tempDir()
    const db = join(dir, "jobs.db")
    const env = { LLM_GATEWAY_JOBS_DB: db, LLM_GATEWAY_HEARTBEAT_MS: "200" }
    const a = await startGateway(env, { dir })
    const pids: Array<number> = []
    try {
      const done = await callTool(a, "claude_request", { prompt: "finished before the kill" })
      expect(done.isError ?? false).toBe(false)
      await bookkeepingDone(db)
      await callTool(a, "claude_request_async", { prompt: "[[fake:silent]] running at the kill" })
      await waitUntil(() => a.records().length === 2, 10_000)
      pids.push(...a.records().map((r) => r.pid!))
      process.kill(a.transport.pid!, "SIGKILL")
      await waitUntil(() => !alive(a.transport.pid!), 3_000)
      // The moment cannot be hit from outside (the row is written a few fiber steps after the job's end):
      // the completed job's row is put back as that moment leaves it.
      const writer = openDatabase(db)
      const completedJob = (writer.prepare("SELECT id FROM jobs WHERE status = 'completed'").get() as { id: string }).id
      writer.exec(`UPDATE flight_recorder SET status = 'started', finished_at = NULL, duration_ms = NULL,
        exit_code = NULL, reply = NULL, reply_chars = NULL WHERE job_id = '${completedJob}'`)
      writer.close()
      const recorded = () =>
        withDb(db, (d) => d.prepare("SELECT * FROM flight_recorder ORDER BY started_at").all() as Array<RecorderRow>)
      expect(recorded().map((r) => r.status)).toEqual(["started", "started"])

      const restartAt = Date.now()
      const b = await startGateway(env, { dir })
      try {
        const tookMs = await timeUntil(() => recorded().every((r) => r.status !== "started"), 15_000, 20)
        const [completed, running] = recorded()
        const job = withDb(db, (d) =>
          d.prepare("SELECT finished_at, exit_code FROM jobs WHERE id = ?").get(completedJob)) as {
            finished_at: number
            exit_code: number
          }
        expect(completed).toMatchObject({
          job_id: completedJob,
          status: "completed",
          exit_code: job.exit_code,
          finished_at: job.finished_at,
          duration_ms: job.finished_at - completed!.started_at
        })
        expect(running).toMatchObject({ status: "orphaned", error_tag: "JobOrphaned" })
        row.pass(
          "the next server completes both rows at start, well before the recorder's one-minute round: the completed " +
            "job's row takes the job's status, exit code, end and duration; the running job's row ends `orphaned` " +
            "with its job (`JobOrphaned`)",
          { "restart to rows completed": ms(Date.now() - restartAt), "first look to rows completed": ms(tookMs) }
        )
      } finally {
        await b.close()
      }
    } finally {
      await a.close().catch(() => undefined)
      for (const pid of pids) killGroup(pid)
    }
  }, 40_000)
})

describe("a database path that is not safe to use", () => {
  it("a link to an executable script in the database's place: refused with a typed error; the script keeps its run bit", async () => {
    const row = results.begin("D07", "The database path is a symbolic link to an executable script")
    const dir = tempDir()
    const script = join(dir, "deploy.sh")
    writeFileSync(script, "#!/bin/sh\necho deployed\n")
    chmodSync(script, 0o755)
    const db = join(dir, "jobs.db")
    symlinkSync(script, db)
    const gateway = await startGateway({ LLM_GATEWAY_JOBS_DB: db }, { dir })
    try {
      const answer = await callTool(gateway, "claude_request", { prompt: "hi" })
      expect(answer.isError).toBe(true)
      expect(answer.structuredContent!.error._tag).toBe("StorageError")
      expect(answer.structuredContent!.error.message).toContain(`cannot use the database ${db}: is a symbolic link`)
      await waitUntil(() => gateway.stderr().includes("is a symbolic link"), 5_000)
      expect(gateway.stderr()).toContain("the gateway's services could not start")
      expect(gateway.records()).toEqual([])
      expect(statSync(script).mode & 0o777).toBe(0o755)
      expect(readFileSync(script, "utf8")).toBe("#!/bin/sh\necho deployed\n")
      row.pass(
        "the services do not start (the log says why); each call answers `StorageError` naming the path and the " +
          "link; no CLI started; the script's bytes and mode (0755) are unchanged",
        { message: String(answer.structuredContent!.error.message).replaceAll(dir, "<tmp>").slice(0, 120) }
      )
    } finally {
      await gateway.close()
    }
  })

  it("a home every user may write: refused, named, left as it is; no database created in it", async () => {
    const row = results.begin("D08", "`LLM_GATEWAY_HOME` is an existing folder of mode 0777")
    const dir = tempDir()
    const home = join(dir, "home")
    mkdirSync(home)
    chmodSync(home, 0o777)
    const gateway = await startGateway({ LLM_GATEWAY_HOME: home, LLM_GATEWAY_COMPILE_CACHE: "false" }, { dir })
    try {
      const answer = await callTool(gateway, "claude_request", { prompt: "hi" })
      expect(answer.isError).toBe(true)
      expect(answer.structuredContent!.error._tag).toBe("StorageError")
      const message = String(answer.structuredContent!.error.message)
      expect(message).toContain(`its folder ${home} is writable by every user (mode 0777)`)
      expect(message).toContain(`chmod o-w ${home}`)
      expect(statSync(home).mode & 0o777).toBe(0o777)
      expect(existsSync(join(home, "gateway.db"))).toBe(false)
      expect(gateway.records()).toEqual([])
      row.pass(
        "refused, not tightened: each call answers `StorageError` naming the folder, its mode and the fix " +
          "(`chmod o-w`); the folder's mode stays 0777 and no database is created in it",
        { message: message.replaceAll(dir, "<tmp>").slice(0, 160) }
      )
    } finally {
      await gateway.close()
    }
  })
})

describe("a home that cannot be one", () => {
  const file = join(tempDir(), "notes.txt")
  writeFileSync(file, "mine")
  for (const [home, why] of [
    ["/proc/self/foo", "procfs"],
    ["/proc/1", "procfs"],
    [join(file, "home"), "is a file"]
  ] as const) {
    it(`LLM_GATEWAY_HOME=${home}: the start fails at once, exit code 1, the reason on stderr; no spin`, async () => {
      const label = home.startsWith("/proc") ? home : "<a file>/home"
      const row = results.begin(`D09${label === "/proc/self/foo" ? "a" : label === "/proc/1" ? "b" : "c"}`,
        `\`LLM_GATEWAY_HOME=${label}\` (with the compile cache on, as by default)`)
      const dir = tempDir()
      const server = startRaw(dir, { LLM_GATEWAY_HOME: home })
      const startedAt = Date.now()
      try {
        const exit = await Promise.race([
          server.exited,
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000))
        ])
        expect(exit).toBeDefined()
        expect(exit!.code).toBe(1)
        expect(server.stderr()).toContain(`cannot keep the database ${join(home, "gateway.db")}: its folder ${home} `)
        expect(server.stderr()).toContain(why)
        expect(server.garbage()).toEqual([])
        row.pass("exits with code 1 before serving; stderr names the database, the home and what is wrong", {
          "exit after": ms(exit!.at - startedAt),
          stderr: server.stderr().split("\n")[0]!.replaceAll(file, "<a file>").slice(0, 170)
        })
      } finally {
        server.kill()
      }
    }, 20_000)
  }
})
