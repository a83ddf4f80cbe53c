import { afterAll, afterEach, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { groupAlive, terminateGroup } from "../../src/process/processGroup.js"
import { allProcesses, childPids, parseStat, processStatus } from "../../src/process/processInfo.js"
import { descendantsOf, identify, ProcessTree, signalProcess, stillRuns } from "../../src/process/processTree.js"

const dir = mkdtempSync(join(tmpdir(), "process-tree-test-"))

/** Every process a test started or learnt of (setsid'd grandchildren too), killed after the test. */
const started: Array<ChildProcess> = []
const strays: Array<number> = []

const killQuietly = (pid: number) => {
  try {
    process.kill(pid, "SIGKILL")
  } catch {
    // gone
  }
}

afterEach(() => {
  for (const child of started.splice(0)) {
    if (child.pid === undefined) continue
    killQuietly(-child.pid)
    killQuietly(child.pid)
  }
  for (const pid of strays.splice(0)) killQuietly(pid)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const alive = (pid: number): boolean => {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "latin1"))
  } catch {
    return false
  }
}

const until = async (check: () => boolean, what: string, ms = 5_000) => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** The pids a shell prints, one per line, once it has printed `count` of them. */
const printed = (child: ChildProcess, count: number) =>
  new Promise<Array<number>>((resolve, reject) => {
    let text = ""
    child.stdout!.on("data", (data: Buffer) => {
      text += data.toString()
      const lines = text.split("\n").filter((l) => l.trim() !== "")
      if (lines.length >= count) resolve(lines.slice(0, count).map(Number))
    })
    child.once("exit", () => reject(new Error(`exited before printing ${count} pids`)))
  })

/**
 * A shell leading its own group, with a `sleep` in its group and a `sleep` that left it (setsid: a session and a
 * group of its own). Answers the shell and both pids once the escape has happened.
 */
const shellWithEscapee = async () => {
  const shell = spawn(
    "/bin/sh",
    ["-c", "sleep 300 & echo $!; setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!; wait"],
    { detached: true, stdio: ["ignore", "pipe", "ignore"] }
  )
  started.push(shell)
  const [member, escapee] = (await printed(shell, 2)) as [number, number]
  strays.push(member, escapee)
  await until(() => processStatus(escapee)?.session === escapee, "the setsid sleep to leave the group")
  return { shell, member, escapee }
}

describe("processInfo: the status of a process", () => {
  it("parseStat counts the fields after the last parenthesis: a command name with spaces and parentheses", () => {
    const rest = Array.from({ length: 49 }, (_, i) => String(i + 7))
    rest[22 - 7] = "123456"
    const stat = `4242 (x) S 1 (y) z) R 17 4242 4242 ${rest.join(" ")}\n`
    expect(parseStat(4242, stat)).toEqual({ pid: 4242, state: "R", ppid: 17, pgrp: 4242, session: 4242, startTime: 123456 })
    expect(parseStat(1, "garbage")).toBeUndefined()
  })

  it("processStatus reads a live process whose name holds spaces and parentheses", async () => {
    const odd = join(dir, "x) S 1 (y")
    symlinkSync("/usr/bin/sleep", odd)
    const child = spawn(odd, ["300"], { stdio: "ignore" })
    started.push(child)
    await until(() => processStatus(child.pid!)?.state !== undefined && readFileSync(`/proc/${child.pid}/comm`, "latin1").startsWith("x)"), "the odd name")
    const status = processStatus(child.pid!)!
    expect(status.ppid).toBe(process.pid)
    expect(status.pgrp).toBe(processStatus(process.pid)!.pgrp)
    expect(status.startTime).toBeGreaterThanOrEqual(processStatus(process.pid)!.startTime)
    const { state: _, ...fixed } = status
    expect(allProcesses().find((p) => p.pid === child.pid)).toMatchObject(fixed)
  })

  it("childPids lists a process's children, and nothing for a gone one", async () => {
    const { shell, member, escapee } = await shellWithEscapee()
    expect([...(childPids(shell.pid!) ?? [])].sort()).toEqual([member, escapee].sort())
    expect(childPids(process.pid)).toContain(shell.pid)
    expect(childPids(2 ** 22 + 1)).toBeUndefined()
  })
})

describe("processTree: the descendants of a process", () => {
  it("finds a descendant that left the group (setsid), and its own children, with either way of reading the tree", async () => {
    const shell = spawn(
      "/bin/sh",
      ["-c", "setsid /bin/sh -c 'sleep 300 & echo $!; wait' & wait"],
      { detached: true, stdio: ["ignore", "pipe", "ignore"] }
    )
    started.push(shell)
    const [deep] = (await printed(shell, 1)) as [number]
    strays.push(deep)
    const middle = processStatus(deep)!.ppid
    strays.push(middle)
    await until(() => processStatus(middle)?.session === middle, "the setsid shell to leave the group")
    const root = identify(shell.pid!)!
    for (const source of ["lists", "table"] as const) {
      const found = descendantsOf([root], source).map((p) => p.pid).sort()
      expect(found, source).toEqual([middle, deep].sort())
    }
  })

  it("a root that is not the process it names any more (another start time) has no descendants", async () => {
    const { shell } = await shellWithEscapee()
    const root = identify(shell.pid!)!
    expect(descendantsOf([{ ...root, startTime: root.startTime - 1 }])).toEqual([])
    expect(descendantsOf([{ ...root, startTime: root.startTime + 1 }])).toEqual([])
  })

  it("signalProcess signals only the process an identity names: not a recycled pid (another start time)", async () => {
    const child = spawn("/usr/bin/sleep", ["300"], { stdio: "ignore" })
    started.push(child)
    await until(() => identify(child.pid!) !== undefined, "the sleep")
    const identity = identify(child.pid!)!
    expect(signalProcess({ ...identity, startTime: identity.startTime + 1 }, "SIGKILL")).toBe(false)
    await new Promise((r) => setTimeout(r, 50))
    expect(alive(child.pid!)).toBe(true)
    expect(signalProcess(identity, "SIGKILL")).toBe(true)
    await until(() => !stillRuns(identity), "the sleep to end")
  })

  it("a tree keeps what an earlier walk found after its parent exits, which no walk from the root can find", async () => {
    // The shell prints the setsid sleep's pid, then waits for a line on stdin before it exits.
    const shell = spawn("/bin/sh", ["-c", "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!; read line"], {
      detached: true,
      stdio: ["pipe", "pipe", "ignore"]
    })
    started.push(shell)
    const [escapee] = (await printed(shell, 1)) as [number]
    strays.push(escapee)
    await until(() => processStatus(escapee)?.session === escapee, "the escape")
    const tree = new ProcessTree(identify(shell.pid!))
    expect(tree.walk().map((p) => p.pid)).toEqual([escapee])
    shell.stdin!.end("go\n")
    await until(() => !alive(shell.pid!), "the shell to exit")
    expect(processStatus(escapee)!.ppid).not.toBe(shell.pid)
    expect(new ProcessTree(identify(shell.pid!)).walk()).toEqual([])
    expect(tree.walk().map((p) => p.pid)).toEqual([escapee])
  })
})

describe("terminateGroup", () => {
  it.live("ends the group and the leader's descendants that left it; without a tree of its own it walks the leader's", () =>
    Effect.gen(function*() {
      const { shell, member, escapee } = yield* Effect.promise(shellWithEscapee)
      expect(processStatus(escapee)!.pgrp).not.toBe(shell.pid)
      yield* terminateGroup(shell.pid!, 300)
      expect(groupAlive(shell.pid!)).toBe(false)
      expect(alive(member)).toBe(false)
      expect(alive(escapee)).toBe(false)
    }))

  it.live("walks again before the SIGKILL: a setsid child forked after the SIGTERM is ended too", () =>
    Effect.gen(function*() {
      const pidFile = join(dir, "late.pid")
      // On SIGTERM the shell forks a setsid sleep, and lives on: only the SIGKILL after the grace ends it.
      const shell = spawn(
        "/bin/sh",
        ["-c", `trap 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > ${pidFile}' TERM; echo up; while :; do sleep 0.05; done`],
        { detached: true, stdio: ["ignore", "pipe", "ignore"] }
      )
      started.push(shell)
      yield* Effect.promise(() => new Promise<void>((resolve) => shell.stdout!.once("data", () => resolve())))
      yield* terminateGroup(shell.pid!, 500)
      const late = Number(readFileSync(pidFile, "utf8").trim())
      strays.push(late)
      expect(late).toBeGreaterThan(0)
      expect(alive(shell.pid!)).toBe(false)
      expect(alive(late)).toBe(false)
    }))
})
