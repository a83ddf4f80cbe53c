/**
 * Signals and liveness of a process group, and the SIGTERM → grace →
 * SIGKILL escalation that ends one.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { readdirSync, readFileSync } from "node:fs"

/**
 * Sends a signal to every process of a group. False when the group is gone.
 *
 * @since 0.1.0
 */
export const signalGroup = (pgid: number, signal: NodeJS.Signals | 0): boolean => {
  try {
    process.kill(-pgid, signal)
    return true
  } catch (e) {
    // EPERM: a member exists that we may not signal; it is still alive.
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const hasProc = (() => {
  try {
    readdirSync("/proc/self")
    return true
  } catch {
    return false
  }
})()

/**
 * The pids of a group's members that still run (zombies excluded).
 * Where `/proc` is missing, a group that answers signal 0 counts as one
 * member whose pid is unknown (`-1`).
 *
 * @since 0.1.0
 */
export const groupMembers = (pgid: number): ReadonlyArray<number> => {
  if (!hasProc) return signalGroup(pgid, 0) ? [-1] : []
  if (!signalGroup(pgid, 0)) return []
  const members: Array<number> = []
  for (const entry of readdirSync("/proc")) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1")
    } catch {
      continue
    }
    // pid (comm) state ppid pgrp ...; comm may contain spaces and parens.
    const close = stat.lastIndexOf(")")
    const fields = stat.slice(close + 2).split(" ")
    if (fields[0] !== "Z" && fields[0] !== "X" && Number(fields[2]) === pgid) members.push(Number(entry))
  }
  return members
}

/**
 * True while any member of the group still runs.
 *
 * @since 0.1.0
 */
export const groupAlive = (pgid: number): boolean => groupMembers(pgid).length > 0

const POLL = Duration.millis(10)

// Killing a process takes real time, whatever clock the caller's fiber runs on.
const liveClock = Clock.make()

const waitGone = (pgid: number, within: number): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const start = Date.now()
    while (Date.now() - start < within) {
      if (!groupAlive(pgid)) return true
      yield* Effect.sleep(POLL)
    }
    return !groupAlive(pgid)
  }).pipe(Effect.withClock(liveClock))

/**
 * Ends a process group: SIGTERM, up to `graceMs` for it to go, then SIGKILL
 * (and a short wait for the kernel to take it). Never fails.
 *
 * @since 0.1.0
 */
export const terminateGroup = (pgid: number, graceMs: number): Effect.Effect<void> =>
  Effect.gen(function*() {
    if (!groupAlive(pgid)) return
    signalGroup(pgid, "SIGTERM")
    // A stopped process does not act on SIGTERM until continued.
    signalGroup(pgid, "SIGCONT")
    if (yield* waitGone(pgid, graceMs)) return
    yield* Effect.logDebug(`process group ${pgid} outlived SIGTERM by ${graceMs} ms; sending SIGKILL`)
    signalGroup(pgid, "SIGKILL")
    yield* waitGone(pgid, 2_000)
  }).pipe(Effect.uninterruptible)
