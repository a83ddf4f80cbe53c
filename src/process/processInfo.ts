/**
 * What the operating system says about a process: whether it runs, when it
 * started, its command line and its process group. Read from Linux's
 * `/proc`; where `/proc` is missing (macOS) only liveness is known (through
 * signal 0) and everything else reads as unknown (`undefined`), so a caller
 * that must be sure of a process's identity before signalling it does not
 * signal it.
 *
 * @since 0.1.0
 */
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from "node:fs"
import { basename } from "node:path"
import { readProcFile } from "./procFile.js"

/**
 * Clock ticks per second of the start time in `/proc/<pid>/stat`
 * (`getconf CLK_TCK`). The kernel's USER_HZ is 100 on every Linux
 * architecture the gateway runs on, and Node has no way to ask sysconf.
 */
const CLOCK_TICKS_PER_SECOND = 100

const hasProc = (() => {
  try {
    readFileSync("/proc/self/stat", "latin1")
    return true
  } catch {
    return false
  }
})()

/**
 * True where `/proc` gives process facts (Linux).
 *
 * @since 0.1.0
 */
export const procAvailable = (): boolean => hasProc

/**
 * The fields of `/proc/<pid>/stat` from field 3 (state) on: index 0 is
 * field 3, so field N is at index N - 3. The command name (field 2) may hold
 * spaces and parentheses, so the split starts after its last `)`.
 */
const statFields = (pid: number): ReadonlyArray<string> | undefined => {
  if (!hasProc || !Number.isSafeInteger(pid) || pid <= 0) return undefined
  let stat: string
  try {
    stat = readProcFile(`/proc/${pid}/stat`)
  } catch {
    return undefined
  }
  const close = stat.lastIndexOf(")")
  if (close < 0) return undefined
  return stat.slice(close + 2).trim().split(" ")
}

const field = (fields: ReadonlyArray<string> | undefined, n: number): string | undefined => fields?.[n - 3]

/**
 * What `/proc/<pid>/stat` says of a process: its state, parent, process
 * group, session and start time (clock ticks since boot, field 22).
 *
 * @since 0.1.0
 */
export interface ProcessStatus {
  readonly pid: number
  /** `R`, `S`, `D`, `T`, `Z` (zombie), `X` (dead)... */
  readonly state: string
  readonly ppid: number
  readonly pgrp: number
  readonly session: number
  readonly startTime: number
}

const number = (text: string | undefined): number | undefined =>
  text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined

/**
 * Reads a `/proc/<pid>/stat` line. The command name (field 2) may hold
 * spaces and parentheses, so the fields are counted from its last `)`.
 *
 * @since 0.1.0
 */
export const parseStat = (pid: number, stat: string): ProcessStatus | undefined => {
  const close = stat.lastIndexOf(")")
  if (close < 0) return undefined
  const fields = stat.slice(close + 2).trim().split(" ")
  const state = field(fields, 3)
  const ppid = number(field(fields, 4))
  const pgrp = number(field(fields, 5))
  const session = number(field(fields, 6))
  const startTime = number(field(fields, 22))
  if (state === undefined || ppid === undefined || pgrp === undefined || session === undefined) return undefined
  if (startTime === undefined) return undefined
  return { pid, state, ppid, pgrp, session, startTime }
}

/**
 * The status of a process; undefined when it is gone or unknown here.
 *
 * @since 0.1.0
 */
export const processStatus = (pid: number): ProcessStatus | undefined => {
  if (!hasProc || !Number.isSafeInteger(pid) || pid <= 0) return undefined
  try {
    return parseStat(pid, readProcFile(`/proc/${pid}/stat`))
  } catch {
    return undefined
  }
}

/**
 * The status of every process this one can see (an empty list without
 * `/proc`). Costs one read per process of the machine.
 *
 * @since 0.1.0
 */
export const allProcesses = (): ReadonlyArray<ProcessStatus> => {
  if (!hasProc) return []
  const all: Array<ProcessStatus> = []
  for (const entry of readdirSync("/proc")) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue
    const status = processStatus(Number(entry))
    if (status !== undefined) all.push(status)
  }
  return all
}

/**
 * The pids of a process's children, from `/proc/<pid>/task/<tid>/children`
 * (every thread's: a child's parent is the thread that forked it). A few
 * small reads, against one per process of the machine for `allProcesses`.
 * Undefined when the kernel keeps no such file (built without
 * `CONFIG_PROC_CHILDREN`), no `/proc`, or the process is gone.
 *
 * @since 0.1.0
 */
export const childPids = (pid: number): ReadonlyArray<number> | undefined => {
  if (!hasProc || !Number.isSafeInteger(pid) || pid <= 0) return undefined
  let threads: Array<string>
  try {
    threads = readdirSync(`/proc/${pid}/task`)
  } catch {
    return undefined
  }
  const children: Array<number> = []
  for (const tid of threads) {
    let text: string
    try {
      text = readProcFile(`/proc/${pid}/task/${tid}/children`)
    } catch (e) {
      // The thread ended meanwhile; or the file does not exist on this kernel at all.
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && !childrenFilesExist()) return undefined
      continue
    }
    for (const word of text.split(" ")) {
      const child = number(word.trim())
      if (child !== undefined) children.push(child)
    }
  }
  return children
}

let childrenFiles: boolean | undefined
const childrenFilesExist = (): boolean => {
  if (childrenFiles === undefined) {
    try {
      readFileSync(`/proc/self/task/${process.pid}/children`, "latin1")
      childrenFiles = true
    } catch {
      childrenFiles = false
    }
  }
  return childrenFiles
}

/**
 * True where a process's children can be read directly (`childPids`), so
 * that walking a process tree costs a few reads per process in the tree.
 *
 * @since 0.1.0
 */
export const childListsAvailable = (): boolean => hasProc && childrenFilesExist()

/**
 * True while a process with this pid exists and is not a zombie.
 *
 * @since 0.1.0
 */
export const isRunning = (pid: number): boolean => {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  if (hasProc) {
    const state = field(statFields(pid), 3)
    return state !== undefined && state !== "Z" && state !== "X"
  }
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: it exists, we may just not signal it.
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * The start time of a process as `/proc/<pid>/stat` field 22 gives it (clock
 * ticks since boot, as text): with the pid, it names one process for the
 * life of the machine, so a recycled pid shows a different value.
 *
 * @since 0.1.0
 */
export const processStartTime = (pid: number): string | undefined => {
  const value = field(statFields(pid), 22)
  return value !== undefined && /^\d+$/.test(value) ? value : undefined
}

const bootTimeSeconds = (): number | undefined => {
  try {
    const match = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "latin1"))
    return match?.[1] === undefined ? undefined : Number(match[1])
  } catch {
    return undefined
  }
}

/**
 * When a process started, in epoch milliseconds (boot time from
 * `/proc/stat` plus its start ticks). Whole-second boot time makes it up to
 * a second early.
 *
 * @since 0.1.0
 */
export const processStartedAtMs = (pid: number): number | undefined => {
  const ticks = processStartTime(pid)
  if (ticks === undefined) return undefined
  const btime = bootTimeSeconds()
  if (btime === undefined) return undefined
  return btime * 1000 + Math.round((Number(ticks) * 1000) / CLOCK_TICKS_PER_SECOND)
}

/**
 * The argv of a process (`/proc/<pid>/cmdline`); undefined when it is gone,
 * a zombie or a kernel thread (empty), or unknown here.
 *
 * @since 0.1.0
 */
export const processCommandLine = (pid: number): ReadonlyArray<string> | undefined => {
  if (!hasProc || !Number.isSafeInteger(pid) || pid <= 0) return undefined
  let raw: string
  try {
    raw = readFileSync(`/proc/${pid}/cmdline`, "utf8")
  } catch {
    return undefined
  }
  if (raw === "") return undefined
  const argv = raw.split("\u0000")
  // A process that set its title (Node's `process.title`) leaves NULs where its argv was.
  while (argv.length > 0 && argv[argv.length - 1] === "") argv.pop()
  return argv.length === 0 ? undefined : argv
}

/**
 * The process group of a process (`/proc/<pid>/stat` field 5).
 *
 * @since 0.1.0
 */
export const processGroupOf = (pid: number): number | undefined => {
  const value = field(statFields(pid), 5)
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined
}

/**
 * The pid namespace this process sees pids in (`pid:[4026531836]`), so two
 * servers can tell whether a pid means the same process to both of them
 * (containers on one host share its hostname but not its pids).
 *
 * @since 0.1.0
 */
export const ownPidNamespace = (): string | undefined => {
  if (!hasProc) return undefined
  try {
    return readlinkSync("/proc/self/ns/pid")
  } catch {
    return undefined
  }
}

/**
 * The kernel's boot id: a pid recorded in an earlier boot of this host is
 * not the same process. Undefined where /proc does not tell.
 *
 * @since 0.1.0
 */
export const ownBootId = (): string | undefined => {
  if (!hasProc) return undefined
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined
  } catch {
    return undefined
  }
}

/**
 * The program a script's `#!` line runs it with, as its argv[0] names it:
 * `#!/bin/sh` → `sh`, `#!/usr/bin/env node` → `node` (env execs the name it
 * was given). Undefined for a binary, or a file that cannot be read.
 *
 * @since 0.1.0
 */
export const scriptInterpreter = (command: string): string | undefined => {
  let head: string
  try {
    const fd = openSync(command, "r")
    try {
      const buffer = Buffer.alloc(256)
      head = buffer.toString("latin1", 0, readSync(fd, buffer, 0, 256, 0))
    } finally {
      closeSync(fd)
    }
  } catch {
    return undefined
  }
  if (!head.startsWith("#!")) return undefined
  const words = head.slice(2).split("\n")[0]!.trim().split(/\s+/).filter((w) => w !== "")
  const program = words[0]
  if (program === undefined) return undefined
  if (basename(program) !== "env") return basename(program)
  // env [-S] [-i] [NAME=value]… program
  const named = words.slice(1).find((w) => !w.startsWith("-") && !w.includes("="))
  return named === undefined ? undefined : basename(named)
}

/**
 * True when `argv` is a run of `command`: its first word is the command, or
 * the command is a script and `argv` is its interpreter (named as in the
 * script's `#!` line, see `scriptInterpreter`) followed by options and the
 * script: `#!/usr/bin/env node` gives `node [options] /path/script …`,
 * `#!/bin/sh` gives `/bin/sh /path/script …`.
 *
 * @since 0.1.0
 */
export const commandLineRuns = (
  argv: ReadonlyArray<string>,
  command: string,
  interpreter: string | undefined
): boolean => {
  if (command === "" || argv.length === 0) return false
  if (argv[0] === command) return true
  if (interpreter === undefined || basename(argv[0]!) !== interpreter) return false
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!
    if (word === command) return true
    if (!word.startsWith("-")) return false
  }
  return false
}

/**
 * How long before a job's recorded start its process may seem to have
 * started: the recorded time is taken after the spawn, and the boot time is
 * whole seconds. A recycled pid starts after the job's process ended, later
 * than this.
 */
const START_SLACK_MS = 2_000

/**
 * True only when it is certain that the process at `pid` is still the one a
 * job started: it runs (not a zombie), it leads its own process group (as a
 * child spawned detached does), its command line runs `command`, and, when
 * the job's start is known, it did not start after the job did. Anything
 * unknown (no `/proc`, the process gone meanwhile) answers false: a process
 * that cannot be identified is never signalled.
 *
 * A CLI that renamed itself (Node's `process.title = "claude"` turns its
 * command line into `claude`) is recognised by the command's file name, but
 * only when the job's start is known: pids are unique among live processes,
 * so a process at the pid that started no later than the job is the job's.
 *
 * @since 0.1.0
 */
export const isJobProcess = (
  pid: number,
  job: { readonly command: string; readonly startedAt: number | null }
): boolean => {
  if (!isRunning(pid)) return false
  if (processGroupOf(pid) !== pid) return false
  const argv = processCommandLine(pid)
  if (argv === undefined) return false
  const retitled = job.startedAt !== null && argv.length === 1 && argv[0] === basename(job.command)
  if (!retitled && !commandLineRuns(argv, job.command, scriptInterpreter(job.command))) return false
  if (job.startedAt !== null) {
    const started = processStartedAtMs(pid)
    if (started === undefined || started > job.startedAt + START_SLACK_MS) return false
  }
  return true
}
