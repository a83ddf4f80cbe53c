/**
 * Signals and liveness of a process group, and the SIGTERM → grace →
 * SIGKILL escalation that ends one together with the descendants of its
 * leader that left it (see `processTree`).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { allProcesses, procAvailable, processStatus } from "./processInfo.js"
import { currentStatus, identify, type ProcessIdentity, ProcessTree, signalProcess } from "./processTree.js"

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

/**
 * The pids of a group's members that still run (zombies excluded).
 * Where `/proc` is missing, a group that answers signal 0 counts as one
 * member whose pid is unknown (`-1`).
 *
 * @since 0.1.0
 */
export const groupMembers = (pgid: number): ReadonlyArray<number> => {
  if (!procAvailable()) return signalGroup(pgid, 0) ? [-1] : []
  if (!signalGroup(pgid, 0)) return []
  return allProcesses().filter((p) => p.pgrp === pgid && p.state !== "Z" && p.state !== "X").map((p) => p.pid)
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

const waitGone = (gone: () => boolean, within: number): Effect.Effect<boolean> =>
  Effect.gen(function*() {
    const start = Date.now()
    while (Date.now() - start < within) {
      if (gone()) return true
      yield* Effect.sleep(POLL)
    }
    return gone()
  }).pipe(Effect.withClock(liveClock))

/**
 * The tree of a group's leader, when the process at `pgid` is still the
 * leader of that group: the tree a caller that kept none walks.
 *
 * @since 0.1.0
 */
export const leaderTree = (pgid: number): ProcessTree => {
  const leader = processStatus(pgid)?.pgrp === pgid ? identify(pgid) : undefined
  return new ProcessTree(leader)
}

/**
 * Signals the processes of a tree that are outside the group `pgid` (its
 * members have the group's signal), and the groups that such a process
 * leads (a `setsid` daemon's own children, even those whose parent exited).
 */
const signalOutside = (pgid: number, processes: ReadonlyArray<ProcessIdentity>, signal: NodeJS.Signals): number => {
  let signalled = 0
  for (const p of processes) {
    const status = currentStatus(p)
    if (status === undefined || status.pgrp === pgid) continue
    // Its own group only while it still leads it: a group's id is not reused while the group has members.
    if (status.pgrp === p.pid) signalGroup(p.pid, signal)
    if (signalProcess(p, signal)) signalled++
  }
  return signalled
}

/**
 * Ends a process group and every descendant of its leader that left it:
 * SIGTERM, up to `graceMs` for them to go, then SIGKILL (and a short wait
 * for the kernel to take them). The tree is walked before the SIGTERM and
 * again before the SIGKILL, so that what was forked in between is found.
 * `tree` is the run's own (rooted at the leader as spawned, with what
 * earlier walks found); without it, the tree of the process that leads the
 * group now. Never fails.
 *
 * @since 0.1.0
 */
export const terminateGroup = (pgid: number, graceMs: number, tree?: ProcessTree): Effect.Effect<void> =>
  Effect.gen(function*() {
    const run = tree ?? leaderTree(pgid)
    const gone = () => !groupAlive(pgid) && run.alive().length === 0
    const outside = signalOutside(pgid, run.walk(), "SIGTERM")
    if (outside === 0 && !groupAlive(pgid)) return
    signalGroup(pgid, "SIGTERM")
    // A stopped process does not act on SIGTERM until continued.
    signalGroup(pgid, "SIGCONT")
    signalOutside(pgid, run.alive(), "SIGCONT")
    if (yield* waitGone(gone, graceMs)) return
    const late = run.walk()
    yield* Effect.logDebug(
      `process group ${pgid} (and ${late.length} processes of its tree) outlived SIGTERM by ${graceMs} ms; sending SIGKILL`
    )
    signalGroup(pgid, "SIGKILL")
    signalOutside(pgid, late, "SIGKILL")
    yield* waitGone(gone, 2_000)
  }).pipe(Effect.uninterruptible)
