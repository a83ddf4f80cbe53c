/**
 * A real PostgreSQL server for tests: a cluster made by `initdb` in a fresh
 * temporary folder, listening on 127.0.0.1 only, on a free port, with its
 * unix socket in that folder, trust authentication and no fsync. `stop()`
 * always removes the folder and leaves no process; `shutdown()` and
 * `start()` take the server away and bring it back on the same data and
 * port (for the database going away mid-job), `restart()` does both.
 *
 * The binaries are found on PATH (`pg_ctl`), then in Debian's
 * `/usr/lib/postgresql/<version>/bin`, then through `pg_config --bindir`.
 * When none is found and this runs as root (CI), `ensureBinaries()` installs
 * Debian's `postgresql` package with apt-get, saying so on stderr.
 *
 * PostgreSQL refuses to run as root: as root, `initdb` and `pg_ctl` run as
 * `nobody` (`runuser`), in a folder given to that user; otherwise as the
 * current user.
 *
 * A process that started a server and ends without stopping it (killed by a
 * signal, so that no exit handler runs) leaves nothing either: a watchdog
 * started beside each server (a shell, in a process group of its own) sees
 * that process gone within a second, stops the server (`immediate`) and
 * removes its folder. `stop()` ends the watchdog.
 */
import { type SpawnOptions, spawn, spawnSync } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import pg from "pg"

const log = (line: string): void => {
  process.stderr.write(`[postgres] ${line}\n`)
}

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0

// ---------------------------------------------------------------------------------------------------------
// The binaries

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** The folder holding `initdb`, `pg_ctl` and `postgres`, or undefined when none is installed. */
export const findBinDir = (): string | undefined => {
  const wanted = (dir: string) => executable(join(dir, "pg_ctl")) && executable(join(dir, "initdb"))
  const fromEnv = process.env.LLM_GATEWAY_TEST_POSTGRES_BIN
  if (fromEnv !== undefined && fromEnv !== "") return wanted(fromEnv) ? fromEnv : undefined
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && wanted(dir)) return dir
  }
  const debian = "/usr/lib/postgresql"
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a))
    for (const version of versions) {
      const dir = join(debian, version, "bin")
      if (wanted(dir)) return dir
    }
  }
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" })
  if (pgConfig.status === 0) {
    const dir = pgConfig.stdout.trim()
    if (wanted(dir)) return dir
  }
  return undefined
}

/**
 * The binaries' folder; as root with none installed, installs Debian's
 * `postgresql` (apt-get update first when the install fails). Throws with
 * what to do when none can be had.
 */
export const ensureBinaries = (): string => {
  const found = findBinDir()
  if (found !== undefined) return found
  const fromEnv = process.env.LLM_GATEWAY_TEST_POSTGRES_BIN
  if (fromEnv !== undefined && fromEnv !== "") {
    throw new Error(`LLM_GATEWAY_TEST_POSTGRES_BIN=${fromEnv} holds no pg_ctl and initdb`)
  }
  if (!isRoot()) {
    throw new Error(
      "PostgreSQL is not installed (no pg_ctl on PATH, in /usr/lib/postgresql/*/bin or from pg_config): " +
        "install it (Debian: apt-get install postgresql) or set LLM_GATEWAY_TEST_POSTGRES_BIN to its bin folder"
    )
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  const run = (args: ReadonlyArray<string>): boolean => {
    log(`pg_ctl not found; running: apt-get ${args.join(" ")}`)
    // apt-get's output goes to stderr, so that it reads as the setup's, not a test's.
    const result = spawnSync("apt-get", args, { stdio: ["ignore", 2, 2], env, timeout: 15 * 60_000 })
    return result.status === 0
  }
  const install = ["install", "-y", "--no-install-recommends", "postgresql"]
  if (!run(install)) {
    if (!run(["update"]) || !run(install)) throw new Error("apt-get could not install postgresql (see above)")
  }
  const dir = findBinDir()
  if (dir === undefined) throw new Error("apt-get installed postgresql, yet no pg_ctl was found in /usr/lib/postgresql/*/bin")
  log(`installed: ${dir}`)
  return dir
}

// ---------------------------------------------------------------------------------------------------------
// Running the binaries

interface Ran {
  readonly code: number | null
  readonly output: string
}

/** Runs a command to its end, as `user` when given (root only); output is kept, not printed. */
const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly user: string | undefined; readonly cwd: string; readonly timeoutMs: number }
): Promise<Ran> =>
  new Promise((resolve) => {
    const [file, argv] = options.user === undefined ?
      [command, args] :
      ["runuser", ["-u", options.user, "--", command, ...args]]
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"]
    }
    const child = spawn(file, argv, spawnOptions)
    let output = ""
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs)
    child.on("error", (error) => {
      clearTimeout(timer)
      resolve({ code: null, output: `${output}${String(error)}` })
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })

/** The same, synchronous: for the process's exit, when nothing asynchronous runs any more. */
const runSync = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly user: string | undefined; readonly cwd: string; readonly timeoutMs: number }
): Ran => {
  const [file, argv] = options.user === undefined ?
    [command, args] :
    ["runuser", ["-u", options.user, "--", command, ...args]]
  const result = spawnSync(file, argv, { cwd: options.cwd, env: cleanEnv(), encoding: "utf8", timeout: options.timeoutMs })
  return { code: result.status, output: `${result.stdout ?? ""}${result.stderr ?? ""}` }
}

/** The environment for the server's tools: none of the caller's PG* settings, a plain locale. */
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("PG")) env[key] = value
  }
  env.LC_ALL = "C"
  env.LANG = "C"
  return env
}

/** A word for `sh -c`, quoted. */
const shellWord = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`

/**
 * Starts the watchdog of a server: a shell that waits while `watched` runs,
 * then runs `stopCommand` and removes `folder`. Detached (a process group of
 * its own, so that a signal to ours does not reach it) and not waited for.
 */
const startWatchdog = (watched: number, stopCommand: ReadonlyArray<string>, folder: string): number | undefined => {
  const script = `while kill -0 ${watched} 2>/dev/null; do sleep 1; done; ` +
    `${stopCommand.map(shellWord).join(" ")} >/dev/null 2>&1; rm -rf ${shellWord(folder)}`
  const child = spawn("/bin/sh", ["-c", script], { detached: true, stdio: "ignore", env: cleanEnv() })
  child.on("error", (error) => log(`no watchdog for the server in ${folder}: ${String(error)}`))
  child.unref()
  return child.pid
}

/** Ends a watchdog and the `sleep` it may be in (its process group). */
const endWatchdog = (pid: number | undefined): void => {
  if (pid === undefined) return
  try {
    process.kill(-pid, "SIGKILL")
  } catch {
    // gone
  }
}

/** A TCP port free on 127.0.0.1 just now. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))))
    })
  })

/** The state letter of a process from /proc (`Z` for a zombie), or undefined when /proc has no such process. */
const procState = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after its last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]
  } catch {
    return undefined
  }
}

/**
 * Whether `pid` runs. A zombie does not: the postmaster is a child of init once pg_ctl has
 * exited, and where init is slow to reap (some containers), its entry stays after it ended.
 */
export const pidAlive = (pid: number): boolean => {
  if (existsSync("/proc/self/stat")) {
    const state = procState(pid)
    return state !== undefined && state !== "Z" && state !== "X"
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** The live processes whose parent is `pid` (from /proc; empty where there is none). */
const childrenOf = (pid: number): Array<number> => {
  const children: Array<number> = []
  let entries: Array<string>
  try {
    entries = readdirSync("/proc")
  } catch {
    return children
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1")
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after its last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      if (ppid === pid && pidAlive(Number(entry))) children.push(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return children
}

// ---------------------------------------------------------------------------------------------------------
// The `pg` client, for the admin calls

/** Runs `f` with one connection to `url`, closed after. */
export const withClient = async <A>(url: string, f: (client: pg.Client) => Promise<A>): Promise<A> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 })
  client.on("error", () => {
    // A connection ended by the server (restart, terminate): the query that used it fails instead.
  })
  await client.connect()
  try {
    return await f(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/** `url` with its database replaced by `database`. */
export const urlWithDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${encodeURIComponent(database)}`
  return parsed.toString()
}

const quoteIdent = (name: string): string => `"${name.replaceAll("\"", "\"\"")}"`

/** SQLSTATEs that mean the database is there already (the second: two CREATEs racing). */
const ALREADY_THERE = new Set(["42P04", "23505"])
/** "source database is being accessed by other users": another CREATE DATABASE copying the template. */
const TEMPLATE_BUSY = "55006"

/**
 * Creates the database `name` on the server at `adminUrl` unless it exists,
 * and answers its URL. Two callers creating one name at once both succeed.
 */
export const createDatabase = async (adminUrl: string, name: string): Promise<string> => {
  await withClient(adminUrl, async (client) => {
    for (let attempt = 1;; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)}`)
        return
      } catch (error) {
        const code = (error as { code?: string }).code
        if (code !== undefined && ALREADY_THERE.has(code)) return
        if (code === TEMPLATE_BUSY && attempt < 50) {
          await new Promise((resolve) => setTimeout(resolve, 100))
          continue
        }
        throw error
      }
    }
  })
  return urlWithDatabase(adminUrl, name)
}

/** A database name for a test's database path: the same path always gives the same name. */
export const databaseNameFor = (path: string): string =>
  `t_${createHash("sha1").update(path).digest("hex").slice(0, 20)}`

/** A database name never given before. */
export const freshDatabaseName = (): string => `t_${randomBytes(10).toString("hex")}`

// ---------------------------------------------------------------------------------------------------------
// The server

export type ShutdownMode = "smart" | "fast" | "immediate"

export interface PostgresServer {
  /** The admin URL (user `postgres`, database `postgres`) on 127.0.0.1. */
  readonly adminUrl: string
  /** The same as `adminUrl`: the server's URL. */
  readonly url: string
  readonly host: "127.0.0.1"
  readonly port: number
  /** The temporary folder: data in `data/`, the unix socket and `server.log` beside it. */
  readonly folder: string
  readonly dataDir: string
  readonly socketDir: string
  readonly binDir: string
  /** Whether the server was started and not shut down since. */
  readonly running: boolean
  /** The postmaster's pid while running. */
  readonly pid: number | undefined
  /** The watchdog's pid (see the module's comment), until `stop()`. */
  readonly watchdog: number | undefined
  /** The postmaster and its children, as seen in /proc now (empty when none runs). */
  processes(): Array<number>
  /** Creates the database `name` (no error when it exists) and answers its URL. */
  createDatabase(name: string): Promise<string>
  /** A URL for `database` on this server (not created). */
  urlFor(database: string): string
  /** Ends every client connection (to `database`, or all but this one): a dropped connection mid-job. */
  terminateConnections(database?: string): Promise<number>
  /** Takes the server down, keeping its data (`fast` by default; `immediate` is a crash). */
  shutdown(mode?: ShutdownMode): Promise<void>
  /** Brings the server back on the same data and port. */
  start(): Promise<void>
  /** `shutdown(mode)` then `start()`. */
  restart(mode?: ShutdownMode): Promise<void>
  /** Stops the server for good: no process left (its watchdog neither), the folder removed. Never throws. */
  stop(): Promise<void>
  /** The same, synchronously: for `process.on("exit")`. */
  stopSync(): void
  /** The end of the server's log, for messages when something failed. */
  logTail(lines?: number): string
}

export interface StartOptions {
  /** The binaries' folder; by default `ensureBinaries()`. */
  readonly binDir?: string
  /** The port; by default a free one. */
  readonly port?: number
  /** Extra `postgresql.conf` settings. */
  readonly settings?: Readonly<Record<string, string | number>>
}

const START_TIMEOUT_S = 60
const STOP_TIMEOUT_S = 30

/** Where a folder for a server may go: the temp folder, or /tmp when `user` cannot reach it. */
const makeFolder = (user: string | undefined): string => {
  const make = (base: string) => mkdtempSync(join(base, "gateway-pg-"))
  if (user === undefined) return make(tmpdir())
  const { uid, gid } = userIds(user)
  for (const base of [tmpdir(), "/tmp"]) {
    const folder = make(base)
    chownSync(folder, uid, gid)
    chmodSync(folder, 0o700)
    if (runSync("test", ["-w", folder, "-a", "-x", folder], { user, cwd: "/", timeoutMs: 10_000 }).code === 0) {
      return folder
    }
    rmSync(folder, { recursive: true, force: true })
  }
  throw new Error(`no temporary folder that ${user} can write (tried ${tmpdir()} and /tmp)`)
}

const userIds = (user: string): { uid: number; gid: number } => {
  const id = (flag: string) => {
    const result = spawnSync("id", [flag, user], { encoding: "utf8" })
    if (result.status !== 0) throw new Error(`no user ${user}: ${result.stderr.trim()}`)
    return Number(result.stdout.trim())
  }
  return { uid: id("-u"), gid: id("-g") }
}

/**
 * Starts a new cluster in a new temporary folder. On failure nothing is left
 * behind and the error says what the server logged.
 */
export const startPostgres = async (options: StartOptions = {}): Promise<PostgresServer> => {
  const binDir = options.binDir ?? ensureBinaries()
  const root = isRoot()
  const user = root ? "nobody" : undefined
  if (root) {
    // Some machines have /dev/null with mode 0600, which breaks initdb's bootstrap for another user.
    try {
      if ((statSync("/dev/null").mode & 0o666) !== 0o666) {
        log("chmod 666 /dev/null (initdb's bootstrap needs it writable by the server's user)")
        chmodSync("/dev/null", 0o666)
      }
    } catch {
      // not fatal here: initdb says what failed
    }
  }
  const folder = makeFolder(user)
  const dataDir = join(folder, "data")
  const socketDir = folder
  const logFile = join(folder, "server.log")
  const port = options.port ?? (await freePort())
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
  const bin = (name: string) => join(binDir, name)
  const runAs = (name: string, args: ReadonlyArray<string>, timeoutMs: number) =>
    run(bin(name), args, { user, cwd: folder, timeoutMs })

  let running = false
  let pid: number | undefined
  let removed = false
  let watchdog: number | undefined

  const logTail = (lines = 30): string => {
    try {
      return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
    } catch {
      return "(no server log)"
    }
  }
  const readPid = (): number | undefined => {
    try {
      const first = readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]
      const value = Number(first)
      return Number.isInteger(value) && value > 0 ? value : undefined
    } catch {
      return undefined
    }
  }

  const initdb = await runAs("initdb", [
    "-D",
    dataDir,
    "-A",
    "trust",
    "-U",
    "postgres",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync"
  ], 120_000)
  if (initdb.code !== 0) {
    rmSync(folder, { recursive: true, force: true })
    throw new Error(`initdb failed (exit ${initdb.code}):\n${initdb.output}`)
  }
  const settings: Record<string, string | number> = {
    listen_addresses: "'127.0.0.1'",
    port,
    unix_socket_directories: `'${socketDir}'`,
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: 300,
    shared_buffers: "'64MB'",
    log_min_messages: "warning",
    log_line_prefix: "'%m [%p] %d '",
    ...options.settings
  }
  const conf = Object.entries(settings).map(([key, value]) => `${key} = ${value}`).join("\n")
  writeFileSync(join(dataDir, "postgresql.conf"), `${readFileSync(join(dataDir, "postgresql.conf"), "utf8")}\n# test harness\n${conf}\n`)

  const start = async (): Promise<void> => {
    if (removed) throw new Error("this server was stopped for good")
    if (running) return
    const started = await runAs("pg_ctl", ["-D", dataDir, "-l", logFile, "-w", "-t", String(START_TIMEOUT_S), "start"], (START_TIMEOUT_S + 10) * 1000)
    pid = readPid()
    if (started.code !== 0) {
      await forceDown()
      throw new Error(`pg_ctl start failed (exit ${started.code}):\n${started.output}\nserver log:\n${logTail()}`)
    }
    running = true
  }

  /** Down by any means: fast, then immediate, then SIGKILL of the postmaster and its children. */
  const forceDown = async (mode: ShutdownMode = "fast"): Promise<void> => {
    const known = pid ?? readPid()
    const modes: Array<ShutdownMode> = mode === "immediate" ? ["immediate"] : [mode, "immediate"]
    for (const m of modes) {
      if (readPid() === undefined && (known === undefined || !pidAlive(known))) break
      const stopped = await runAs("pg_ctl", ["-D", dataDir, "-m", m, "-w", "-t", String(STOP_TIMEOUT_S), "stop"], (STOP_TIMEOUT_S + 10) * 1000)
      if (stopped.code === 0) break
      log(`pg_ctl stop -m ${m} failed (exit ${stopped.code}): ${stopped.output.trim()}`)
    }
    if (known !== undefined) killTree(known)
    running = false
    pid = undefined
  }

  const killTree = (postmaster: number): void => {
    const left = pidAlive(postmaster) ? [postmaster, ...childrenOf(postmaster)] : childrenOf(postmaster)
    for (const p of left) {
      try {
        const what = readFileSync(`/proc/${p}/cmdline`, "latin1").replaceAll("\u0000", " ").trim()
        process.kill(p, "SIGKILL")
        log(`killed a server process left running: ${p} ${what} (state ${procState(p)})`)
      } catch {
        // gone
      }
    }
  }

  const shutdown = async (mode: ShutdownMode = "fast"): Promise<void> => {
    if (!running) return
    const stopped = await runAs("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "-t", String(STOP_TIMEOUT_S), "stop"], (STOP_TIMEOUT_S + 10) * 1000)
    if (stopped.code !== 0) {
      await forceDown("immediate")
      throw new Error(`pg_ctl stop -m ${mode} failed (exit ${stopped.code}):\n${stopped.output}`)
    }
    // pg_ctl -w returns once postmaster.pid is gone; the children end before the postmaster removes it.
    running = false
    pid = undefined
  }

  const stop = async (): Promise<void> => {
    if (removed) return
    try {
      await forceDown("fast")
    } catch (error) {
      log(`stopping: ${String(error)}`)
    } finally {
      removed = true
      endWatchdog(watchdog)
      rmSync(folder, { recursive: true, force: true })
    }
  }

  const stopSync = (): void => {
    if (removed) return
    removed = true
    endWatchdog(watchdog)
    const known = pid ?? readPid()
    if (known !== undefined && pidAlive(known)) {
      runSync(bin("pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "-t", "10", "stop"], { user, cwd: folder, timeoutMs: 20_000 })
      killTree(known)
    }
    running = false
    pid = undefined
    rmSync(folder, { recursive: true, force: true })
  }

  const server: PostgresServer = {
    adminUrl,
    url: adminUrl,
    host: "127.0.0.1",
    port,
    folder,
    dataDir,
    socketDir,
    binDir,
    get running() {
      return running
    },
    get pid() {
      return pid
    },
    get watchdog() {
      return watchdog
    },
    processes: () => {
      const postmaster = pid ?? readPid()
      if (postmaster === undefined) return []
      return pidAlive(postmaster) ? [postmaster, ...childrenOf(postmaster)] : childrenOf(postmaster)
    },
    createDatabase: (name) => createDatabase(adminUrl, name),
    urlFor: (database) => urlWithDatabase(adminUrl, database),
    terminateConnections: (database) =>
      withClient(adminUrl, async (client) => {
        const { rows } = await client.query<{ ended: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
           WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND ($1::text IS NULL OR datname = $1)`,
          [database ?? null]
        )
        return rows.filter((row) => row.ended).length
      }),
    shutdown,
    start,
    restart: async (mode = "fast") => {
      await shutdown(mode)
      await start()
    },
    stop,
    stopSync,
    logTail
  }

  try {
    await start()
  } catch (error) {
    await stop()
    throw error
  }
  const stopCommand = [bin("pg_ctl"), "-D", dataDir, "-m", "immediate", "-w", "-t", "10", "stop"]
  watchdog = startWatchdog(process.pid, user === undefined ? stopCommand : ["runuser", "-u", user, "--", ...stopCommand], folder)
  return server
}
