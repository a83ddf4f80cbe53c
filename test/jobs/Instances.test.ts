import * as SqlClient from "@effect/sql/SqlClient"
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import { type ChildProcess, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as GatewayConfig from "../../src/Config.js"
import type { Job } from "../../src/domain/Job.js"
import { claimOrphan, type InstanceRow, Instances, layer as instancesLayer } from "../../src/jobs/Instances.js"
import { JobStore, layer as jobStoreLayer } from "../../src/jobs/JobStore.js"
import { groupAlive } from "../../src/process/processGroup.js"
import { ownPidNamespace, processStartTime } from "../../src/process/processInfo.js"
import { testDatabaseAt, testUnmigratedDatabaseAt } from "../support/testDatabase.js"
import { advance } from "./clock.js"
import * as Notifications from "../../src/storage/Notifications.js"

const HEARTBEAT_MS = 1_000
const LEASE_MS = 5_000
const fixtures = fileURLToPath(new URL("../fixtures/bin", import.meta.url))

// ---------------------------------------------------------------------------
// Real processes, always cleaned up
// ---------------------------------------------------------------------------

/** Alive and not a zombie, read from /proc. */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
    return !/\) [ZX] /.test(stat)
  } catch {
    return false
  }
}

const killHard = (child: ChildProcess) => {
  if (child.pid === undefined) return
  for (const target of [-child.pid, child.pid]) {
    try {
      process.kill(target, "SIGKILL")
    } catch {
      // not a group leader, or gone
    }
  }
}

/** Spawns a child that is killed (with its group) when the test's scope closes. */
const spawnScoped = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly detached: boolean; readonly env?: NodeJS.ProcessEnv }
) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = spawn(command, args, {
        detached: options.detached,
        stdio: ["ignore", "pipe", "ignore"],
        env: options.env ?? process.env
      })
      if (child.pid === undefined) throw new Error(`could not start ${command}`)
      return child
    }),
    (child) => Effect.sync(() => killHard(child))
  )

const firstLine = (child: ChildProcess) =>
  Effect.promise(() =>
    new Promise<string>((resolve, reject) => {
      let text = ""
      child.stdout!.on("data", (data: Buffer) => {
        text += data.toString()
        const nl = text.indexOf("\n")
        if (nl >= 0) resolve(text.slice(0, nl))
      })
      child.once("exit", () => reject(new Error("exited before printing a line")))
    })
  )

const commandLine = (pid: number): ReadonlyArray<string> => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\u0000")
  } catch {
    return []
  }
}

/** Real time passes, whatever the test's clock. */
const liveSleep = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))

const waitUntil = (check: () => boolean, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 300; i++) {
      if (check()) return
      yield* liveSleep(10)
    }
    throw new Error(`timed out waiting for ${what}`)
  })

const exited = (child: ChildProcess) =>
  Effect.promise(() =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve()
      else child.once("exit", () => resolve())
    })
  )

/** The pid of a process that ran and was reaped. */
const deadPid = Effect.gen(function*() {
  const child = spawn("/usr/bin/true", [], { stdio: "ignore" })
  yield* exited(child)
  return child.pid!
})

// ---------------------------------------------------------------------------
// A database file per test, and instances on it
// ---------------------------------------------------------------------------

type PeerRow = InstanceRow

const setup = Effect.gen(function*() {
  yield* TestClock.setTime(Date.now())
  const dir = mkdtempSync(join(tmpdir(), "instances-test-"))
  // Added first, so it runs last, after every connection closed.
  yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
  const path = join(dir, "gateway.db")
  const context = yield* Layer.build(jobStoreLayer.pipe(Layer.provideMerge(testDatabaseAt(path))))
  const sql = Context.get(context, SqlClient.SqlClient)
  const store = Context.get(context, JobStore)

  /** One server instance on the file, in a scope of its own (also closed with the test's). */
  const start = (overrides: Partial<GatewayConfig.GatewayConfigShape> = {}) =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
      const built = yield* Layer.buildWithScope(
        instancesLayer.pipe(
          Layer.provide(testDatabaseAt(path)),
          Layer.provide(
            GatewayConfig.layerTest({ heartbeatMs: HEARTBEAT_MS, leaseMs: LEASE_MS, killGraceMs: 300, ...overrides })
          )
        ),
        scope
      )
      return { instances: Context.get(built, Instances), stop: Scope.close(scope, Exit.void) }
    })

  /** A peer's row as a server would have written it: by default this process, alive, lease just renewed. */
  const insertPeer = (row: Partial<PeerRow> = {}) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const full: PeerRow = {
        id: randomUUID(),
        pid: process.pid,
        host: hostname(),
        process_start: processStartTime(process.pid) ?? null,
        pid_namespace: ownPidNamespace() ?? null,
        started_at: now,
        heartbeat_at: now,
        lease_ms: LEASE_MS,
        stopped_at: null,
        ...row
      }
      yield* sql`INSERT INTO instances ${sql.insert({ ...full })}`
      return full.id
    })

  /** A job of an owner: queued, or running with a process. */
  const addJob = (owner: string, run?: { readonly pid: number; readonly command: string; readonly startedAt: number }) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const id = randomUUID()
      yield* store.insert({
        id,
        cli: "codex",
        requestKey: randomUUID(),
        argv: ["exec", "hello"],
        cwd: dir,
        correlationId: randomUUID(),
        outputFormat: "text",
        ownerInstance: owner,
        principal: "local",
        createdAt: now
      }, undefined)
      if (run !== undefined) expect(yield* store.markRunning(id, run)).toBe(true)
      return id
    })

  const job = (id: string) => Effect.map(store.get(id), Option.getOrThrow)

  const instanceRow = (id: string) =>
    Effect.map(sql<PeerRow>`SELECT * FROM instances WHERE id = ${id}`, (rows) => rows[0])

  return { dir, path, sql, store, start, insertPeer, addJob, job, instanceRow }
})

const expectOrphaned = (job: Job, now: number) => {
  expect(job.status).toBe("orphaned")
  expect(job.finishedAt).toBe(now)
  expect(job.error?._tag).toBe("JobOrphaned")
  expect(job.error?.message).toContain("the server running this job went away")
}

/** A `sh` script that sleeps: its command line is `/bin/sh <path>`. */
const sleeper = (dir: string, name: string): string => {
  const path = join(dir, name)
  writeFileSync(path, "#!/bin/sh\nsleep 60\n")
  chmodSync(path, 0o755)
  return path
}

describe("Instances", () => {
  it.scoped("registers itself with pid, host and process start, and records stopped_at when its scope closes", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const a = yield* t.start()
      const self = a.instances.self
      expect(self.id).toMatch(/^[0-9a-f-]{36}$/)
      expect(self.pid).toBe(process.pid)
      expect(self.host).toBe(hostname())
      const row = yield* t.instanceRow(self.id)
      expect(row).toMatchObject({
        pid: process.pid,
        host: hostname(),
        process_start: processStartTime(process.pid),
        lease_ms: LEASE_MS,
        stopped_at: null
      })
      expect(yield* a.instances.isGone(self.id)).toBe(false)

      // One heartbeat at a time: on PostgreSQL each renewal waits on the network before the next sleep.
      for (let beat = 0; beat < 3; beat++) yield* advance(HEARTBEAT_MS)
      const renewed = yield* t.instanceRow(self.id)
      expect(renewed!.heartbeat_at).toBe(row!.heartbeat_at + HEARTBEAT_MS * 3)

      yield* a.stop
      const stopped = yield* t.instanceRow(self.id)
      expect(stopped!.stopped_at).toBe(yield* Clock.currentTimeMillis)
      // the heartbeat stopped with it
      yield* advance(HEARTBEAT_MS * 3)
      expect((yield* t.instanceRow(self.id))!.heartbeat_at).toBe(renewed!.heartbeat_at)
    }))

  it.scoped("a live peer's running job is never orphaned while its heartbeat renews its lease; it is once the peer stops", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const a = yield* t.start()
      const b = yield* t.start()
      const path = sleeper(t.dir, "peer-cli")
      const child = yield* spawnScoped(path, [], { detached: true })
      yield* waitUntil(() => commandLine(child.pid!).includes(path), "the peer's CLI to start")
      const jobId = yield* t.addJob(a.instances.self.id, { pid: child.pid!, command: path, startedAt: Date.now() })

      // Ten leases go by; both heartbeats (and their reapers) run all along.
      yield* advance(LEASE_MS * 10)
      expect(yield* b.instances.isGone(a.instances.self.id)).toBe(false)
      expect(yield* b.instances.reapOrphans).toEqual([])
      expect((yield* t.job(jobId)).status).toBe("running")
      expect(alive(child.pid!)).toBe(true)

      // The control: once A says it stopped, B sees it gone at once and reaps its job.
      yield* a.stop
      expect(yield* b.instances.isGone(a.instances.self.id)).toBe(true)
      expect(yield* b.instances.reapOrphans).toEqual([jobId])
      expectOrphaned(yield* t.job(jobId), yield* Clock.currentTimeMillis)
      yield* waitUntil(() => !alive(child.pid!), "the peer's CLI to end")
    }))

  it.scoped("a peer whose lease expired is gone and its jobs are orphaned by the heartbeat, not a moment before", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const b = yield* t.start()
      // A hung server: its process is this one (so alive), but it renews nothing.
      const peer = yield* t.insertPeer()
      const queued = yield* t.addJob(peer)
      const expiresAt = (yield* Clock.currentTimeMillis) + LEASE_MS

      yield* advance(LEASE_MS)
      expect(yield* b.instances.isGone(peer)).toBe(false)
      expect((yield* t.job(queued)).status).toBe("queued")

      // The next heartbeat after the lease ran out reaps it.
      yield* advance(HEARTBEAT_MS)
      expect(yield* b.instances.isGone(peer)).toBe(true)
      const job = yield* t.job(queued)
      expect(job.status).toBe("orphaned")
      expect(job.finishedAt).toBe(expiresAt + HEARTBEAT_MS)
      expect(job.error?.message).toContain("lease expired")
      // and it stays reaped: nothing left for an explicit call
      expect(yield* b.instances.reapOrphans).toEqual([])
    }))

  it.scoped("a stopped peer, a peer whose pid is dead or recycled, and an unknown owner are gone at once", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const b = yield* t.start()
      const now = yield* Clock.currentTimeMillis
      const dead = yield* deadPid
      const stopped = yield* t.insertPeer({ stopped_at: now })
      const deadProcess = yield* t.insertPeer({ pid: dead })
      const recycled = yield* t.insertPeer({ process_start: "1" })
      const unknown = randomUUID()
      // Alive: this very process, with its lease fresh.
      const live = yield* t.insertPeer()
      // On another host a pid means nothing here: only its lease counts.
      const remote = yield* t.insertPeer({ pid: dead, host: "some-other-host" })
      // In another pid namespace (a container with our host name) likewise.
      const otherNamespace = yield* t.insertPeer({ pid: dead, pid_namespace: "pid:[1]" })

      const jobs = {
        stopped: yield* t.addJob(stopped),
        deadProcess: yield* t.addJob(deadProcess),
        recycled: yield* t.addJob(recycled),
        unknown: yield* t.addJob(unknown),
        live: yield* t.addJob(live),
        remote: yield* t.addJob(remote),
        otherNamespace: yield* t.addJob(otherNamespace)
      }
      for (const id of [stopped, deadProcess, recycled, unknown]) expect(yield* b.instances.isGone(id)).toBe(true)
      for (const id of [live, remote, otherNamespace]) expect(yield* b.instances.isGone(id)).toBe(false)

      const reaped = yield* b.instances.reapOrphans
      expect([...reaped].sort()).toEqual([jobs.stopped, jobs.deadProcess, jobs.recycled, jobs.unknown].sort())
      for (const id of reaped) expectOrphaned(yield* t.job(id), now)
      for (const id of [jobs.live, jobs.remote, jobs.otherNamespace]) expect((yield* t.job(id)).status).toBe("queued")
    }))

  it.scoped("a final job of a gone instance keeps its final state", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const b = yield* t.start()
      const peer = yield* t.insertPeer()
      const completed = yield* t.addJob(peer)
      const failed = yield* t.addJob(peer)
      const running = yield* t.addJob(peer)
      const finishedAt = (yield* Clock.currentTimeMillis) - 500
      const reply = { chars: 4 }
      expect(
        yield* t.store.finish(completed, {
          status: "completed",
          finishedAt,
          exitCode: 0,
          signal: null,
          error: null,
          reply,
          replyText: "done"
        })
      ).toBe(true)
      expect(
        yield* t.store.finish(failed, {
          status: "failed",
          finishedAt,
          exitCode: 3,
          signal: null,
          error: { _tag: "CliExitedNonZero", message: "boom" },
          reply: null
        })
      ).toBe(true)
      yield* t.sql`UPDATE instances SET stopped_at = ${finishedAt} WHERE id = ${peer}`

      expect(yield* b.instances.reapOrphans).toEqual([running])
      const done = yield* t.job(completed)
      expect(done).toMatchObject({ status: "completed", finishedAt, exitCode: 0, error: null, reply })
      expect(yield* t.job(failed)).toMatchObject({ status: "failed", finishedAt, exitCode: 3 })
      expect((yield* t.job(failed)).error?._tag).toBe("CliExitedNonZero")
      // The guard itself: a final row is never claimed, even by a reaper that read it as active.
      const now = yield* Clock.currentTimeMillis
      expect(yield* claimOrphan(t.sql, completed, peer, now, "test")).toBe(false)
      expect((yield* t.job(completed)).status).toBe("completed")
    }))

  it.scoped("the process group of an orphaned job is ended, and its flushed output stays readable", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const b = yield* t.start()
      const codex = join(fixtures, "codex")
      const record = join(t.dir, "codex.record")
      const child = yield* spawnScoped(codex, ["exec", "hello"], {
        detached: true,
        env: { ...process.env, FAKE_CLI_SCENARIO: "silent,grandchild", FAKE_CLI_RECORD: record }
      })
      const startedAt = Date.now()
      const grandchild = yield* Effect.gen(function*() {
        let pid: number | undefined
        yield* waitUntil(() => {
          try {
            const line = readFileSync(record, "utf8").split("\n").find((l) => l.includes("grandchildPid"))
            if (line !== undefined) pid = JSON.parse(line).grandchildPid
          } catch {
            // not yet written
          }
          return pid !== undefined
        }, "the fake codex to start its grandchild")
        return pid!
      })
      expect(alive(child.pid!)).toBe(true)
      expect(alive(grandchild)).toBe(true)

      // A server that was SIGKILLed: its row says alive, its pid is dead.
      const peer = yield* t.insertPeer({ pid: yield* deadPid })
      const jobId = yield* t.addJob(peer, { pid: child.pid!, command: codex, startedAt })
      expect(
        yield* t.store.appendOutput(jobId, {
          chunks: [{ stream: "stdout", seq: 0, charStart: 0, data: "partial answer" }],
          stdoutBytes: 14,
          stderrBytes: 0,
          stdoutChars: 14,
          stderrChars: 0,
          truncated: false
        })
      ).toBe(true)

      expect(yield* b.instances.reapOrphans).toEqual([jobId])
      expect(alive(child.pid!)).toBe(false)
      expect(alive(grandchild)).toBe(false)
      expect(groupAlive(child.pid!)).toBe(false)
      expectOrphaned(yield* t.job(jobId), yield* Clock.currentTimeMillis)
      expect(yield* t.store.readOutput(jobId, "stdout", 0, 100)).toBe("partial answer")
      expect((yield* t.job(jobId)).stdoutChars).toBe(14)
    }))

  it.scoped("a recorded pid that no longer provably runs the job is orphaned in the database but never signalled", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const b = yield* t.start()
      const now = Date.now()
      const cli = sleeper(t.dir, "cli")
      // 1. the pid now runs another command (a recycled pid)
      const other = yield* spawnScoped("/usr/bin/sleep", ["60"], { detached: true })
      // 2. the right command, but not the leader of its own group (its shell leads it, and dies with it)
      const wrapper = yield* spawnScoped("/bin/sh", ["-c", `"${cli}" & echo $!; wait`], { detached: true })
      const member = Number(yield* firstLine(wrapper))
      // 3. the right command, a group leader, but started long after the job did
      const later = yield* spawnScoped(cli, [], { detached: true })
      // 4. a job of a peer on another host: its pid is not ours to judge
      const local = yield* spawnScoped(cli, [], { detached: true })
      const pids = [other.pid!, member, later.pid!, local.pid!]
      yield* waitUntil(
        () => pids.every((pid) => commandLine(pid).includes(cli) || commandLine(pid)[0] === "/usr/bin/sleep"),
        "the processes to start"
      )

      const gone = yield* t.insertPeer({ pid: yield* deadPid })
      const remote = yield* t.insertPeer({ host: "some-other-host", stopped_at: now })
      const jobs = [
        yield* t.addJob(gone, { pid: other.pid!, command: "/opt/some-cli/bin/codex", startedAt: now }),
        yield* t.addJob(gone, { pid: member, command: cli, startedAt: now }),
        yield* t.addJob(gone, { pid: later.pid!, command: cli, startedAt: now - 3_600_000 }),
        yield* t.addJob(remote, { pid: local.pid!, command: cli, startedAt: now })
      ]

      expect([...(yield* b.instances.reapOrphans)].sort()).toEqual([...jobs].sort())
      for (const id of jobs) expect((yield* t.job(id)).status).toBe("orphaned")
      // Give a wrongly sent SIGTERM time to land before looking.
      yield* liveSleep(200)
      for (const pid of pids) expect(alive(pid)).toBe(true)
    }))

  it.scoped("two reapers racing on the same orphans: each job is won by exactly one", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const b = yield* t.start()
      const c = yield* t.start()
      const peer = yield* t.insertPeer({ stopped_at: yield* Clock.currentTimeMillis })
      const jobs = [yield* t.addJob(peer), yield* t.addJob(peer), yield* t.addJob(peer)]

      const [fromB, fromC] = yield* Effect.all([b.instances.reapOrphans, c.instances.reapOrphans], {
        concurrency: "unbounded"
      })
      expect([...fromB, ...fromC].sort()).toEqual([...jobs].sort())

      // The claim itself, as two reapers that both read the job as active would make it.
      const next = yield* t.addJob(peer)
      const now = yield* Clock.currentTimeMillis
      expect(yield* claimOrphan(t.sql, next, randomUUID(), now, "test")).toBe(false) // not that owner's
      expect(yield* claimOrphan(t.sql, next, peer, now, "test")).toBe(true)
      expect(yield* claimOrphan(t.sql, next, peer, now, "test")).toBe(false)
      expect(yield* b.instances.reapOrphans).toEqual([])
      expect(yield* c.instances.reapOrphans).toEqual([])
    }))

  it.scoped("after this server slept, no peer is judged by its lease until peers had a heartbeat to renew theirs", () =>
    Effect.gen(function*() {
      const t = yield* setup
      // A wall clock that can jump while timers stand still, as across a suspend of the machine.
      const base = yield* Effect.clock
      let offset = 0
      const now = () => base.unsafeCurrentTimeMillis() + offset
      const suspendable: Clock.Clock = {
        [Clock.ClockTypeId]: Clock.ClockTypeId,
        unsafeCurrentTimeMillis: now,
        currentTimeMillis: Effect.sync(now),
        unsafeCurrentTimeNanos: () => BigInt(now()) * 1_000_000n,
        currentTimeNanos: Effect.sync(() => BigInt(now()) * 1_000_000n),
        sleep: (duration) => base.sleep(duration)
      }
      const onIt = Effect.withClock(suspendable)

      const b = yield* onIt(t.start())
      const peer = yield* onIt(t.insertPeer())
      const jobId = yield* onIt(t.addJob(peer))

      // The machine sleeps for an hour; every lease, ours included, looks expired.
      offset += 3_600_000
      expect(yield* onIt(b.instances.isGone(peer))).toBe(false)
      expect(yield* onIt(b.instances.reapOrphans)).toEqual([])
      // Our heartbeat wakes first and notices; the peer renews on its own next heartbeat.
      yield* advance(HEARTBEAT_MS)
      expect((yield* t.job(jobId)).status).toBe("queued")
      yield* onIt(t.sql`UPDATE instances SET heartbeat_at = ${now()} WHERE id = ${peer}`)
      yield* advance(LEASE_MS)
      expect((yield* t.job(jobId)).status).toBe("queued")

      // The peer really is silent from here: once its lease runs out it is reaped.
      yield* advance(LEASE_MS + HEARTBEAT_MS)
      expect((yield* t.job(jobId)).status).toBe("orphaned")
    }))

  it.scoped("rows of instances stopped or expired over a day ago are purged; recent and live ones are kept", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const b = yield* t.start()
      const now = yield* Clock.currentTimeMillis
      const day = 24 * 3_600_000
      const oldStopped = yield* t.insertPeer({ stopped_at: now - day - 1 })
      const oldExpired = yield* t.insertPeer({ host: "some-other-host", heartbeat_at: now - day - LEASE_MS - 1 })
      const oldWithJob = yield* t.insertPeer({ stopped_at: now - 2 * day })
      const recentStopped = yield* t.insertPeer({ stopped_at: now - 3_600_000 })
      const recentExpired = yield* t.insertPeer({ host: "some-other-host", heartbeat_at: now - 3_600_000 })
      const live = yield* t.insertPeer()
      const jobId = yield* t.addJob(oldWithJob)

      expect(yield* b.instances.reapOrphans).toEqual([jobId])
      for (const id of [oldStopped, oldExpired, oldWithJob]) expect(yield* t.instanceRow(id)).toBeUndefined()
      for (const id of [recentStopped, recentExpired, live, b.instances.self.id]) {
        expect(yield* t.instanceRow(id)).toBeDefined()
      }
    }))

  it.scoped("a failing heartbeat is logged and retried, never fatal", () =>
    Effect.gen(function*() {
      const t = yield* setup
      const b = yield* t.start()
      const id = b.instances.self.id
      yield* t.sql`ALTER TABLE instances RENAME TO instances_away`
      yield* advance(HEARTBEAT_MS * 2)
      yield* t.sql`ALTER TABLE instances_away RENAME TO instances`
      const before = (yield* t.instanceRow(id))!.heartbeat_at
      yield* advance(HEARTBEAT_MS)
      expect((yield* t.instanceRow(id))!.heartbeat_at).toBe(before + HEARTBEAT_MS * 3)
    }))

  it.scoped("registration that cannot be written fails the layer with a StorageError", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "instances-test-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      // A database without the schema: no instances table.
      const bare = testUnmigratedDatabaseAt(join(dir, "bare.db"))
      const error = yield* Effect.flip(
        Layer.build(
          instancesLayer.pipe(
            Layer.provide(bare),
            Layer.provide(Notifications.layerLocal(":memory:")),
            Layer.provide(GatewayConfig.layerTest())
          )
        )
      )
      expect(error._tag).toBe("StorageError")
      if (error._tag !== "StorageError") return
      expect(error.operation).toBe("register instance")
      expect(error.message).toContain("cannot register this server instance")
    }))
})
