/**
 * The built binary serving MCP over Streamable HTTP (`--http`), as a child
 * process of the test with a temporary HOME, the fake CLIs of
 * test/fixtures/bin, and (if asked) a tokens file: where it listens, what
 * the fakes recorded, its memory, and its end by SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { binary, fakeBins, node } from "../e2e/harness.js"
import { waitUntil } from "./harness.js"

export interface BinaryRecord {
  readonly cli?: string
  readonly pid?: number
  readonly prompt?: string
  readonly argv?: ReadonlyArray<string>
}

export interface BinaryServer {
  readonly child: ChildProcess
  readonly pid: number
  /** The temporary HOME (and the server's folder), removed by `stop`. */
  readonly dir: string
  readonly host: string
  readonly port: number
  readonly url: string
  readonly stderr: () => string
  readonly stdout: () => string
  readonly records: () => ReadonlyArray<BinaryRecord>
  /** VmRSS and VmHWM of the server, in KiB (NaN once it is gone). */
  readonly memory: () => { readonly rssKb: number; readonly hwmKb: number }
  /** CPU time the server has used (user + system), in ms (NaN once it is gone). */
  readonly cpuMs: () => number
  /** SIGTERM, and its exit code; the folder is removed after (`records` then answers what it held). */
  readonly stop: () => Promise<number | null>
}

export interface BinaryOptions {
  /** The `--http` argument (default `0`: loopback, any free port). */
  readonly listen?: string
  /** Other environment variables of the server. */
  readonly env?: Record<string, string>
  /** Tokens the tokens file holds (name → token); none: no file. */
  readonly tokens?: Record<string, string>
}

/** Writes a tokens file as `token add` does (hashes only, mode 0600). */
export const writeTokensFile = (file: string, tokens: Record<string, string>): void => {
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      tokens: Object.entries(tokens).map(([name, token]) => ({
        name,
        sha256: createHash("sha256").update(token).digest("hex"),
        createdAt: "2025-01-01T00:00:00.000Z"
      }))
    }),
    { mode: 0o600 }
  )
}

const memoryOf = (pid: number): { readonly rssKb: number; readonly hwmKb: number } => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN)
    return { rssKb: field("VmRSS"), hwmKb: field("VmHWM") }
  } catch {
    return { rssKb: NaN, hwmKb: NaN }
  }
}

const cpuMsOf = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    // utime and stime (fields 14 and 15 of the line), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return NaN
  }
}

/**
 * The processes still running (zombies count as gone) in any of the given
 * process groups: each CLI runs in a group of its own, whose id is its pid,
 * so this finds what a CLI left behind as well as the CLI itself.
 */
export const runningInGroups = (pgids: ReadonlySet<number>): ReadonlyArray<{ readonly pid: number; readonly pgid: number }> => {
  const found: Array<{ pid: number; pgid: number }> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1")
      const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      const pgid = Number(after[2])
      if (pgids.has(pgid) && after[0] !== "Z" && after[0] !== "X") found.push({ pid: Number(entry), pgid })
    } catch {
      // Gone while looked at.
    }
  }
  return found
}

/** Starts the built binary with `--http` and waits for its start-up line. */
export const startBinaryServer = async (options: BinaryOptions = {}): Promise<BinaryServer> => {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run build first`)
  const dir = mkdtempSync(join(tmpdir(), "gateway-http-bin-"))
  const recordFile = join(dir, "record.jsonl")
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dir,
    LLM_GATEWAY_HOME: join(dir, "home"),
    ...fakeBins(),
    LLM_GATEWAY_CHILD_ENV: "FAKE_CLI_*",
    FAKE_CLI_RECORD: recordFile,
    ...options.env
  }
  if (options.tokens !== undefined) {
    const file = join(dir, "tokens.json")
    writeTokensFile(file, options.tokens)
    env.LLM_GATEWAY_TOKENS_FILE = file
  }
  const child = spawn(node, [binary, "--http", options.listen ?? "0"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env })
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const cleanUp = () => rmSync(dir, { recursive: true, force: true })
  try {
    await waitUntil(() => /at http:\/\/\S+\/mcp/.test(stderr) || child.exitCode !== null, 20_000)
  } catch (e) {
    child.kill("SIGKILL")
    cleanUp()
    throw e
  }
  const match = /at (http:\/\/(127\.0\.0\.1|\[::1\]):(\d+)\/mcp)/.exec(stderr)
  if (match === null) {
    if (child.exitCode === null) child.kill("SIGKILL")
    cleanUp()
    throw new Error(`the server did not start; stderr: ${stderr}`)
  }
  const records = (): ReadonlyArray<BinaryRecord> =>
    existsSync(recordFile)
      ? readFileSync(recordFile, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as BinaryRecord)
      : []
  let stopped: Promise<number | null> | undefined
  let final: ReadonlyArray<BinaryRecord> | undefined
  return {
    child,
    pid: child.pid!,
    dir,
    host: match[2]!.replace(/^\[|\]$/g, ""),
    port: Number(match[3]),
    url: match[1]!,
    stderr: () => stderr,
    stdout: () => stdout,
    records: () => final ?? records(),
    memory: () => memoryOf(child.pid!),
    cpuMs: () => cpuMsOf(child.pid!),
    stop: () => {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000)
        const code = await exited
        clearTimeout(timer)
        final = records()
        cleanUp()
        return code
      })()
      return stopped
    }
  }
}
