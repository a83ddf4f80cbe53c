/**
 * The descendants of a process, found by walking its tree: the processes
 * it started, theirs, and so on, wherever they went. A CLI's process group
 * holds most of them, but a descendant that calls `setsid` (a new session
 * and a new process group, as a daemon does) leaves it, and a signal to the
 * group no longer reaches it; the walk still finds it while its parent
 * runs.
 *
 * A process is named by its pid and its start time (`/proc/<pid>/stat`
 * field 22): a pid recycled for another process shows another start time,
 * so a process found once is signalled later only if it is still that
 * process. Linux only (`/proc`); elsewhere the walk finds nothing.
 *
 * What no walk can find: a process whose parent has exited is adopted by
 * init (or the nearest subreaper), and nothing then links it to the tree.
 * A descendant is found only if a walk ran while its parent was alive.
 *
 * @since 0.1.0
 */
import {
  allProcesses,
  childListsAvailable,
  childPids,
  processStatus,
  type ProcessStatus
} from "./processInfo.js"

/**
 * One process for the life of the machine: its pid and its start time.
 *
 * @since 0.1.0
 */
export interface ProcessIdentity {
  readonly pid: number
  /** Clock ticks since boot (`/proc/<pid>/stat` field 22). */
  readonly startTime: number
}

const running = (status: ProcessStatus | undefined): status is ProcessStatus =>
  status !== undefined && status.state !== "Z" && status.state !== "X"

/**
 * The identity of the process that runs at `pid` now (a zombie is not
 * running); undefined when none does, or where it cannot be known.
 *
 * @since 0.1.0
 */
export const identify = (pid: number): ProcessIdentity | undefined => {
  const status = processStatus(pid)
  return running(status) ? { pid, startTime: status.startTime } : undefined
}

/**
 * The status of the process now at the identity's pid, when it is still
 * that process and runs; undefined otherwise.
 *
 * @since 0.1.0
 */
export const currentStatus = (identity: ProcessIdentity): ProcessStatus | undefined => {
  const status = processStatus(identity.pid)
  return running(status) && status.startTime === identity.startTime ? status : undefined
}

/**
 * True while the process still runs (and its pid was not recycled).
 *
 * @since 0.1.0
 */
export const stillRuns = (identity: ProcessIdentity): boolean => currentStatus(identity) !== undefined

/**
 * Every running descendant of the roots that still run, each once (the
 * roots themselves excluded, unless one descends from another). A child
 * counts only if it started no earlier than its parent, and a parent's
 * children only if the parent was still the same process after they were
 * read. The children are read from each process's child lists (`lists`),
 * or, where the kernel keeps none (built without `CONFIG_PROC_CHILDREN`),
 * from one read of every process's status (`table`).
 *
 * @since 0.1.0
 */
export const descendantsOf = (
  roots: ReadonlyArray<ProcessIdentity>,
  source: "lists" | "table" = childListsAvailable() ? "lists" : "table"
): ReadonlyArray<ProcessIdentity> => {
  const queue = roots.filter(stillRuns)
  if (queue.length === 0) return []
  const children = source === "lists" ? childrenByList : childrenByTable(allProcesses())
  const found = new Map<number, ProcessIdentity>()
  const seen = new Set(queue.map((r) => r.pid))
  while (queue.length > 0) {
    const parent = queue.shift()!
    const kids = children(parent)
    // The parent ended, or its pid is another process's now, while its children were read: they are not its.
    if (!stillRuns(parent)) continue
    for (const kid of kids) {
      if (seen.has(kid.pid) || kid.startTime < parent.startTime) continue
      seen.add(kid.pid)
      found.set(kid.pid, kid)
      queue.push(kid)
    }
  }
  return [...found.values()]
}

const childrenByList = (parent: ProcessIdentity): ReadonlyArray<ProcessIdentity> => {
  const kids: Array<ProcessIdentity> = []
  for (const pid of childPids(parent.pid) ?? []) {
    const status = processStatus(pid)
    if (running(status) && status.ppid === parent.pid) kids.push({ pid, startTime: status.startTime })
  }
  return kids
}

const childrenByTable = (table: ReadonlyArray<ProcessStatus>) => {
  const byParent = new Map<number, Array<ProcessIdentity>>()
  for (const status of table) {
    if (!running(status)) continue
    const list = byParent.get(status.ppid)
    const identity = { pid: status.pid, startTime: status.startTime }
    if (list === undefined) byParent.set(status.ppid, [identity])
    else list.push(identity)
  }
  return (parent: ProcessIdentity): ReadonlyArray<ProcessIdentity> => byParent.get(parent.pid) ?? []
}

/**
 * Sends a signal to a process if it is still that process. False when it
 * is gone (or its pid is another process's now).
 *
 * @since 0.1.0
 */
export const signalProcess = (target: ProcessIdentity, signal: NodeJS.Signals): boolean => {
  if (!stillRuns(target)) return false
  try {
    process.kill(target.pid, signal)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * The processes of a run, as far as walks of its tree found them: those
 * seen on any walk that still run. `walk` adds the descendants of the root
 * (while it runs) and of every process already known (which finds the
 * children of a descendant whose own parent has exited).
 *
 * @since 0.1.0
 */
export class ProcessTree {
  private readonly known = new Map<number, ProcessIdentity>()

  constructor(readonly root: ProcessIdentity | undefined) {}

  /** Walks the tree again; answers the processes known that still run (the root excluded). */
  walk(): ReadonlyArray<ProcessIdentity> {
    const roots = this.alive()
    for (const found of descendantsOf(this.root === undefined ? roots : [this.root, ...roots])) {
      // Nothing started before the run is the run's.
      if (this.root === undefined || found.startTime >= this.root.startTime) this.known.set(found.pid, found)
    }
    return this.alive()
  }

  /** The processes known that still run (the root excluded). */
  alive(): ReadonlyArray<ProcessIdentity> {
    const alive: Array<ProcessIdentity> = []
    for (const [pid, known] of this.known) {
      if (stillRuns(known)) alive.push(known)
      else this.known.delete(pid)
    }
    return alive
  }
}
