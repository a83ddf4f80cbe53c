/**
 * The test harness's PostgreSQL server (test/support/postgres.ts): it starts,
 * answers queries, keeps its data across a restart on the same port, goes
 * away and comes back, and leaves neither a process nor its folder after
 * `stop()`. Also: the run's server is handed to the workers.
 */
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { createDatabase, pidAlive, type PostgresServer, startPostgres, withClient } from "../support/postgres.js"
import { testPostgresUrl, testStore } from "../support/testDatabase.js"

const isRoot = process.getuid?.() === 0

const uidOf = (pid: number): number => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1])

/** Waits until `done` holds, checking every 50 ms; fails after `ms`. */
const waitFor = async (done: () => boolean, ms: number): Promise<void> => {
  const until = Date.now() + ms
  while (!done()) {
    if (Date.now() > until) throw new Error(`not done within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const one = (url: string) => withClient(url, async (client) => (await client.query<{ one: number }>("SELECT 1 AS one")).rows)

describe("the run's server", () => {
  it("is named to the workers in LLM_GATEWAY_TEST_POSTGRES_URL and by inject", async () => {
    expect(testStore()).toBe("postgres")
    expect(testPostgresUrl()).toBe(inject("postgresUrl"))
    expect(await one(inject("postgresUrl"))).toEqual([{ one: 1 }])
  })

  it("creates a database by name, twice at once without error", async () => {
    const admin = inject("postgresUrl")
    const name = `smoke_${process.pid}_${Date.now()}`
    const urls = await Promise.all([createDatabase(admin, name), createDatabase(admin, name), createDatabase(admin, name)])
    expect(new Set(urls).size).toBe(1)
    expect(new URL(urls[0]!).pathname).toBe(`/${name}`)
    expect(await one(urls[0]!)).toEqual([{ one: 1 }])
  })
})

describe("a server of its own", () => {
  let server: PostgresServer
  beforeAll(async () => {
    server = await startPostgres()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it("listens on 127.0.0.1 only, with its socket in its folder, not as root", async () => {
    expect(server.host).toBe("127.0.0.1")
    const rows = await withClient(server.adminUrl, async (client) =>
      (await client.query<{ name: string; setting: string }>(
        "SELECT name, setting FROM pg_settings WHERE name IN ('listen_addresses', 'unix_socket_directories', 'fsync', 'port') ORDER BY name"
      )).rows)
    expect(Object.fromEntries(rows.map((row) => [row.name, row.setting]))).toEqual({
      fsync: "off",
      listen_addresses: "127.0.0.1",
      port: String(server.port),
      unix_socket_directories: server.socketDir
    })
    expect(existsSync(`${server.socketDir}/.s.PGSQL.${server.port}`)).toBe(true)
    const pid = server.pid!
    expect(pid).toBeGreaterThan(0)
    if (isRoot) expect(uidOf(pid)).not.toBe(0)
    else expect(uidOf(pid)).toBe(process.getuid?.())
  })

  it("keeps its data across a restart, on the same port", async () => {
    const url = await server.createDatabase("kept")
    await withClient(url, async (client) => {
      await client.query("CREATE TABLE notes (body text NOT NULL)")
      await client.query("INSERT INTO notes VALUES ('before the restart')")
    })
    const { port, pid } = server
    await server.restart()
    expect(server.port).toBe(port)
    expect(server.pid).not.toBe(pid)
    const rows = await withClient(url, async (client) => (await client.query("SELECT body FROM notes")).rows)
    expect(rows).toEqual([{ body: "before the restart" }])
  })

  it("goes away (even by a crash) and comes back; a connection held meanwhile is ended", async () => {
    const url = server.urlFor("kept")
    const held = withClient(url, async (client) => {
      await client.query("SELECT 1")
      await server.shutdown("immediate")
      return client.query("SELECT 1").then(() => "answered", (error: Error) => error.message)
    })
    expect(await held).not.toBe("answered")
    expect(server.running).toBe(false)
    expect(server.processes()).toEqual([])
    await expect(one(url)).rejects.toThrow()
    await server.start()
    expect(await one(url)).toEqual([{ one: 1 }])
  })

  it("ends the connections to a database on demand", async () => {
    const url = server.urlFor("kept")
    const outcome = await withClient(url, async (client) => {
      await client.query("SELECT 1")
      expect(await server.terminateConnections("kept")).toBe(1)
      return client.query("SELECT 1").then(() => "answered", (error: Error) => error.message)
    })
    expect(outcome).not.toBe("answered")
    expect(await one(url)).toEqual([{ one: 1 }])
  })

  it("leaves no process (its watchdog neither) and no folder after stop, and stop may be called again", async () => {
    const processes = server.processes()
    expect(processes.length).toBeGreaterThan(1)
    const watchdog = server.watchdog
    expect(watchdog !== undefined && pidAlive(watchdog)).toBe(true)
    await server.stop()
    for (const pid of processes) expect(pidAlive(pid)).toBe(false)
    expect(existsSync(server.folder)).toBe(false)
    await waitFor(() => !pidAlive(watchdog!), 5_000)
    await server.stop()
  })
})

describe("stop", () => {
  it("ends a server that was shut down, and one that is running, synchronously too", async () => {
    const down = await startPostgres()
    await down.shutdown()
    await down.stop()
    expect(existsSync(down.folder)).toBe(false)

    const running = await startPostgres()
    const processes = running.processes()
    running.stopSync()
    for (const pid of processes) expect(pidAlive(pid)).toBe(false)
    expect(existsSync(running.folder)).toBe(false)
  })
})

describe("a process killed without stopping its server", () => {
  it("leaves no server process and no folder: the watchdog stops it", async () => {
    // A process that starts a server and is then killed by SIGKILL: no exit handler of its runs.
    const code = `
      import { startPostgres } from "./test/support/postgres.ts"
      const server = await startPostgres()
      process.stdout.write(JSON.stringify({ processes: server.processes(), folder: server.folder, watchdog: server.watchdog }) + "\\n")
      setInterval(() => {}, 60_000)
    `
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      stdio: ["ignore", "pipe", "inherit"]
    })
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ""
        child.stdout!.on("data", (chunk: Buffer) => {
          out += chunk.toString("utf8")
          if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")))
        })
        child.once("exit", (exitCode) => reject(new Error(`the process ended first (exit ${exitCode}): ${out}`)))
      })
      const started = JSON.parse(line) as { processes: Array<number>; folder: string; watchdog: number }
      expect(started.processes.length).toBeGreaterThan(1)
      expect(existsSync(started.folder)).toBe(true)
      child.kill("SIGKILL")
      await waitFor(() => started.processes.every((pid) => !pidAlive(pid)) && !existsSync(started.folder), 15_000)
      await waitFor(() => !pidAlive(started.watchdog), 5_000)
    } finally {
      child.kill("SIGKILL")
    }
  }, 60_000)
})
