/**
 * Helpers of the contract suite: where the real CLIs are, a private empty
 * HOME per test, and `runReal`, which runs one real binary the way the
 * gateway does (argv array, no shell, its own process group) and never
 * leaves a process behind.
 */
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { inject, onTestFinished } from "vitest"
import type { RealCli, RealClis } from "./install.js"

export type { RealCli, RealClis } from "./install.js"

/** Where the installed real CLIs are (from the global setup). */
export const realClis = (): RealClis => inject("realClis")

/** The absolute path of one real CLI's binary. */
export const binary = (cli: RealCli): string => realClis().bin[cli]

/**
 * The PATH the CLIs get: the system's folders and the folder of the node
 * that runs the suite (the npm-installed CLIs are `#!/usr/bin/env node`
 * scripts), nothing of the user's.
 */
export const PATH = [...new Set([dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"])].join(":")

// ---------------------------------------------------------------------------
// temporary folders
// ---------------------------------------------------------------------------

/** A fresh temporary folder, removed when `remove` is called. */
export const makeTempDir = (prefix = "real-"): { readonly path: string; readonly remove: () => void } => {
  const path = mkdtempSync(join(tmpdir(), `llm-gateway-${prefix}`))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/**
 * A fresh temporary folder for the running test, removed when the test
 * finishes (call it inside a test).
 */
export const tempDir = (prefix = "real-"): string => {
  const dir = makeTempDir(prefix)
  onTestFinished(dir.remove)
  return dir.path
}

/**
 * The places one test's CLI runs in, all under one temporary folder that is
 * removed when the test finishes: an empty `home`, an empty working folder
 * `work`, and `tmp` for the CLI's `TMPDIR` (claude and gemini leave files in
 * their temporary folder).
 */
export interface Sandbox {
  readonly root: string
  readonly home: string
  readonly work: string
  readonly tmp: string
}

/** A {@link Sandbox} for the running test (call it inside a test). */
export const emptyHome = (): Sandbox => {
  const root = tempDir("home-")
  const sandbox = { root, home: join(root, "home"), work: join(root, "work"), tmp: join(root, "tmp") }
  for (const dir of [sandbox.home, sandbox.work, sandbox.tmp]) mkdirSync(dir, { mode: 0o700 })
  return sandbox
}

// ---------------------------------------------------------------------------
// runReal
// ---------------------------------------------------------------------------

/** What a real run printed so far, for `stopWhen`. */
export interface Output {
  readonly stdout: string
  readonly stderr: string
}

/** How a real run ended. */
export interface RealRun {
  readonly cli: RealCli
  readonly args: ReadonlyArray<string>
  /** The exit code, or null when it ended by a signal (ours included). */
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
  /** True when `stopWhen` said so and the run was killed. */
  readonly stopped: boolean
  /** True when the run was killed at `timeoutMs`. */
  readonly timedOut: boolean
}

export interface RunOptions {
  /** Written to stdin, which is then closed (closed at once when absent). */
  readonly stdin?: string
  /** Variables on top of PATH, HOME and TMPDIR. */
  readonly env?: Readonly<Record<string, string>>
  /** Checked on every chunk of output: true stops the run (its process group is killed). */
  readonly stopWhen?: (output: Output) => boolean
  /** The HOME and working folder; a fresh {@link emptyHome} when absent. */
  readonly sandbox?: Sandbox
  /** Killed after this long; default 120 s. */
  readonly timeoutMs?: number
}

/** `stopWhen`: the CLI printed a first full line on stdout (it got past its argument parsing). */
export const firstStdoutLine = (output: Output): boolean => output.stdout.includes("\n")

/** Process groups of runs that are still going, killed if the worker exits first. */
const live = new Set<number>()

const killGroup = (pid: number) => {
  try {
    process.kill(-pid, "SIGKILL")
  } catch {
    // The group is gone already.
  }
}

process.once("exit", () => {
  for (const pid of live) killGroup(pid)
})

/**
 * Runs a real CLI: `binary(cli)` with `args` (no shell) in its own process
 * group, the environment being only PATH, HOME (an empty one), TMPDIR and
 * `options.env`. Resolves when the CLI exits, when `stopWhen` says so, or at
 * the timeout; in every case its whole process group is then killed with
 * SIGKILL, so nothing it started survives.
 */
export const runReal = (cli: RealCli, args: ReadonlyArray<string>, options: RunOptions = {}): Promise<RealRun> => {
  const sandbox = options.sandbox ?? emptyHome()
  const env = { PATH, HOME: sandbox.home, TMPDIR: sandbox.tmp, ...options.env }
  const timeoutMs = options.timeoutMs ?? 120_000
  const started = performance.now()
  return new Promise<RealRun>((resolve, reject) => {
    const child = spawn(binary(cli), [...args], {
      cwd: sandbox.work,
      env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"]
    })
    const pid = child.pid
    if (pid !== undefined) live.add(pid)
    let stdout = ""
    let stderr = ""
    let stopped = false
    let timedOut = false
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
    let settled = false

    const end = () => {
      if (pid !== undefined) killGroup(pid)
    }
    const finish = () => {
      if (settled || exit === undefined) return
      settled = true
      clearTimeout(timer)
      clearTimeout(closeTimer)
      end()
      if (pid !== undefined) live.delete(pid)
      child.stdout.destroy()
      child.stderr.destroy()
      resolve({
        cli,
        args,
        exitCode: exit.code,
        signal: exit.signal,
        stdout,
        stderr,
        durationMs: Math.round(performance.now() - started),
        stopped,
        timedOut
      })
    }
    const check = () => {
      if (!stopped && options.stopWhen?.({ stdout, stderr }) === true) {
        stopped = true
        end()
      }
    }

    const timer = setTimeout(() => {
      timedOut = true
      end()
    }, timeoutMs)
    let closeTimer: NodeJS.Timeout | undefined

    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      check()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
      check()
    })
    // The CLI may exit without reading its stdin.
    child.stdin.on("error", () => {})
    child.stdin.end(options.stdin ?? "")

    child.on("error", (error) => {
      clearTimeout(timer)
      if (pid !== undefined) {
        killGroup(pid)
        live.delete(pid)
      }
      settled = true
      reject(new Error(`could not run ${cli} (${binary(cli)}): ${error.message}`))
    })
    child.on("exit", (code, signal) => {
      exit = { code, signal }
      // Whatever the CLI left running goes with it (it could hold the pipes open).
      end()
      // Give the pipes a moment to deliver the last output.
      closeTimer = setTimeout(finish, 2_000)
    })
    child.on("close", finish)
  })
}

/** The output of a run, for an assertion message. */
export const describeRun = (run: RealRun): string =>
  [
    `${run.cli} ${run.args.join(" ")}`,
    `exit ${run.exitCode ?? "-"}${run.signal !== null ? ` (${run.signal})` : ""} after ${run.durationMs} ms${
      run.stopped ? ", stopped by stopWhen" : ""
    }${run.timedOut ? ", TIMED OUT" : ""}`,
    `--- stdout ---\n${run.stdout.slice(0, 2000)}`,
    `--- stderr ---\n${run.stderr.slice(0, 2000)}`
  ].join("\n")

// ---------------------------------------------------------------------------
// sandboxes without test hooks, and what a run left behind
// ---------------------------------------------------------------------------

/**
 * A {@link Sandbox} that the caller removes (no vitest hook: for tests that
 * clean up through their own scope, concurrent ones included).
 */
export const makeSandbox = (prefix = "sandbox-"): Sandbox & { readonly remove: () => void } => {
  const dir = makeTempDir(prefix)
  const sandbox = { root: dir.path, home: join(dir.path, "home"), work: join(dir.path, "work"), tmp: join(dir.path, "tmp") }
  for (const path of [sandbox.home, sandbox.work, sandbox.tmp]) mkdirSync(path, { mode: 0o700 })
  return { ...sandbox, remove: dir.remove }
}

/** A process still running that a run left behind. */
export interface Survivor {
  readonly pid: number
  readonly pgid: number
  /** Why it counts: in one of the groups, or started with the sandbox's HOME. */
  readonly why: "group" | "home"
  readonly cmdline: string
}

/**
 * The processes still running (zombies aside) that are one of `pids` or in
 * the process group of one of them (a process the gateway spawns leads its
 * own group), or, when `home` is given, that run with `HOME=<home>` (whatever
 * a CLI started inherits it, even outside its group). Linux only (`/proc`):
 * empty elsewhere.
 */
export const survivors = (pids: Iterable<number>, home?: string): ReadonlyArray<Survivor> => {
  const groups = new Set(pids)
  const homeEntry = home === undefined ? undefined : `HOME=${home}\u0000`
  let entries: Array<string>
  try {
    entries = readdirSync("/proc")
  } catch {
    return []
  }
  const found: Array<Survivor> = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1")
    } catch {
      continue
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    if (fields[0] === "Z" || fields[0] === "X") continue
    const pgid = Number(fields[2])
    let why: Survivor["why"] | undefined = groups.has(pid) || groups.has(pgid) ? "group" : undefined
    if (why === undefined && homeEntry !== undefined) {
      try {
        const environ = readFileSync(`/proc/${entry}/environ`, "latin1")
        if (environ.startsWith(homeEntry) || environ.includes(`\u0000${homeEntry}`)) why = "home"
      } catch {
        // another user's process, or gone
      }
    }
    if (why === undefined) continue
    let cmdline = ""
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\u0000").join(" ").trim()
    } catch {
      // gone
    }
    found.push({ pid, pgid, why, cmdline })
  }
  return found
}
