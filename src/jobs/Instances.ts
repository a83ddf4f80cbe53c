/**
 * The server instances that share the database. Each registers itself,
 * renews a lease on a heartbeat, and owns the jobs it runs. An instance is
 * gone when it said so (`stopped_at`), when its lease ran out, or, on the
 * same host, when its pid no longer runs it; only the jobs of a gone
 * instance are marked `orphaned`, and their recorded process groups ended
 * when they provably still run the job's command. No instance touches a
 * live peer's job.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import { hostname } from "node:os"
import { GatewayConfig } from "../Config.js"
import { JobOrphaned, StorageError } from "../domain/errors.js"
import { terminateGroup } from "../process/processGroup.js"
import { isJobProcess, isRunning, ownBootId, ownPidNamespace, processStartTime } from "../process/processInfo.js"
import { StoreClock, storeNow } from "../storage/dialect.js"
import { Notifications } from "../storage/Notifications.js"

/**
 * This server instance.
 *
 * @since 0.1.0
 */
export interface InstanceInfo {
  /** A random UUID, new at every start. */
  readonly id: string
  readonly pid: number
  readonly host: string
  readonly startedAt: number
}

/**
 * @since 0.1.0
 */
export interface InstancesShape {
  readonly self: InstanceInfo
  /**
   * True when the instance stopped, its lease expired, or (same host) its pid
   * no longer runs it. An unknown instance is gone; this instance never is.
   */
  readonly isGone: (instanceId: string) => Effect.Effect<boolean, StorageError>
  /**
   * Marks every queued or running job of a gone instance `orphaned` and ends
   * its process group when it still runs the job's command; purges the rows
   * of instances gone for long. The ids of the jobs this call orphaned.
   */
  readonly reapOrphans: Effect.Effect<ReadonlyArray<string>, StorageError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Instances extends Context.Tag("llm-cli-gateway/Instances")<Instances, InstancesShape>() {}

/**
 * An instance's row as SQLite returns it.
 *
 * @since 0.1.0
 */
export interface InstanceRow {
  readonly id: string
  readonly pid: number
  readonly host: string
  readonly process_start: string | null
  readonly pid_namespace: string | null
  /** The kernel's boot id on the instance's host (NULL: recorded before it was). */
  readonly boot_id?: string | null | undefined
  readonly started_at: number
  readonly heartbeat_at: number
  readonly lease_ms: number
  readonly stopped_at: number | null
}

interface ActiveJobRow {
  readonly id: string
  readonly pid: number | null
  readonly command: string | null
  readonly started_at: number | null
}

/**
 * Why an instance counts as gone, and whether its pids are ours to judge
 * (same host, same pid namespace).
 */
type Verdict =
  | { readonly gone: false }
  | { readonly gone: true; readonly reason: string; readonly local: boolean }

/** Rows of instances stopped or expired this long ago are deleted. */
export const PURGE_INSTANCES_AFTER_MS = 24 * 3_600_000

const ACTIVE = ["queued", "running"] as const

const encodeOrphaned = Schema.encodeSync(JobOrphaned)

const causeOf = (error: SqlError): string => {
  const cause = error.cause as { message?: unknown } | undefined
  return cause !== undefined && typeof cause.message === "string" ? ` (${cause.message})` : ""
}

const failed = (operation: string) => (error: SqlError) =>
  new StorageError({ message: `database ${operation} failed: ${error.message}${causeOf(error)}`, operation })

/**
 * Marks one job of a gone instance `orphaned`, unless it is already final or
 * no longer that instance's: of several reapers, exactly one gets true.
 *
 * @internal
 */
export const claimOrphan = (
  sql: SqlClient.SqlClient,
  jobId: string,
  owner: string,
  now: number,
  reason: string
): Effect.Effect<boolean, SqlError> =>
  Effect.suspend(() => {
    const error = encodeOrphaned(
      new JobOrphaned({
        message: `the server running this job went away (instance ${owner}: ${reason}); ` +
          "the output it had flushed is kept",
        jobId
      })
    )
    return Effect.map(
      sql`UPDATE jobs SET status = 'orphaned', finished_at = ${now}, error_json = ${JSON.stringify(error)}
          WHERE id = ${jobId} AND status IN ${sql.in(ACTIVE)} AND owner_instance = ${owner}
          RETURNING id`,
      (rows) => rows.length > 0
    )
  })

/**
 * Registers this instance, reaps the orphans it finds, and keeps its lease
 * on a heartbeat fiber for the life of the scope; at the scope's end the
 * instance is recorded as stopped, so peers see it gone at once.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<
  InstancesShape,
  StorageError,
  GatewayConfig | SqlClient.SqlClient | Notifications | Scope.Scope
> = Effect.gen(function*() {
  const config = yield* GatewayConfig
  const sql = yield* SqlClient.SqlClient
  const notifications = yield* Notifications
  const startedAt = yield* Clock.currentTimeMillis
  const host = Option.getOrElse(config.hostId, () => hostname())
  const self: InstanceInfo = { id: randomUUID(), pid: process.pid, host, startedAt }
  const processStart = processStartTime(self.pid) ?? null
  const pidNamespace = ownPidNamespace() ?? null
  const bootId = ownBootId() ?? null
  // Leases are judged by the store's clock (the database server's on PostgreSQL), never by hosts' clocks.
  const storeClock = storeNow.pipe(
    Effect.provideService(SqlClient.SqlClient, sql),
    Effect.provideService(StoreClock, yield* StoreClock)
  )
  const now = storeClock.pipe(Effect.mapError(failed("read the database's clock")))

  // When this instance last renewed its lease, and until when it judges no
  // peer by its lease. After the machine slept (or this process was
  // stopped), every lease looks expired by the wall clock, its own included;
  // peers need a heartbeat to renew theirs before they can be judged.
  const lastBeatAt = yield* Ref.make(startedAt)
  const leaseGraceUntil = yield* Ref.make(0)

  const leasesJudged = Effect.flatMap(Clock.currentTimeMillis, (local) =>
    Effect.map(
      Effect.all([Ref.get(lastBeatAt), Ref.get(leaseGraceUntil)]),
      ([last, graceUntil]) => local - last <= config.leaseMs && local >= graceUntil
    ))

  /** Registers the row, or renews it (re-creating it if a peer purged it). */
  const renew = (now: number) =>
    sql`INSERT INTO instances ${
      sql.insert({
        id: self.id,
        pid: self.pid,
        host: self.host,
        process_start: processStart,
        pid_namespace: pidNamespace,
        boot_id: bootId,
        started_at: self.startedAt,
        heartbeat_at: now,
        lease_ms: config.leaseMs
      })
    } ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`

  /** True while the process at the row's pid is still the server that registered it. */
  const pidRunsIt = (row: InstanceRow): boolean => {
    if (!isRunning(row.pid)) return false
    if (row.process_start === null) return true
    const current = processStartTime(row.pid)
    return current === undefined || current === row.process_start
  }

  const judge = (row: InstanceRow | undefined, now: number, judgeLeases: boolean): Verdict => {
    if (row === undefined) return { gone: true, reason: "it is not registered", local: false }
    // A pid means the same process only on the same host, boot and pid namespace.
    const local = row.host === self.host && row.pid_namespace === pidNamespace &&
      (row.boot_id == null || bootId === null || row.boot_id === bootId)
    if (row.stopped_at !== null) return { gone: true, reason: "it stopped", local }
    if (local && !pidRunsIt(row)) return { gone: true, reason: `its process ${row.pid} is gone`, local }
    if (judgeLeases && row.heartbeat_at + row.lease_ms < now) {
      return { gone: true, reason: `its lease expired ${now - row.heartbeat_at - row.lease_ms} ms ago`, local }
    }
    return { gone: false }
  }

  const isGone: InstancesShape["isGone"] = (instanceId) =>
    instanceId === self.id ? Effect.succeed(false) : Effect.gen(function*() {
      const at = yield* now
      const judgeLeases = yield* leasesJudged
      const rows = yield* sql<InstanceRow>`SELECT * FROM instances WHERE id = ${instanceId}`.pipe(
        Effect.mapError(failed("read instances"))
      )
      return judge(rows[0], at, judgeLeases).gone
    })

  /** Ends the process group of an orphaned job, if its pid provably still runs the job's command. */
  const endProcess = (job: ActiveJobRow & { readonly pid: number; readonly command: string }) =>
    Effect.suspend(() =>
      isJobProcess(job.pid, { command: job.command, startedAt: job.started_at })
        ? Effect.zipRight(
          Effect.logInfo(`ending process group ${job.pid} of orphaned job ${job.id}`),
          terminateGroup(job.pid, config.killGraceMs)
        )
        : isRunning(job.pid)
        ? Effect.logWarning(
          `left pid ${job.pid} of orphaned job ${job.id} alone: it cannot be shown to still run ${job.command}`
        )
        : Effect.logDebug(`the process of orphaned job ${job.id} had already ended`)
    )

  const purgeInstances = (now: number, judgeLeases: boolean) => {
    const before = now - PURGE_INSTANCES_AFTER_MS
    return sql`DELETE FROM instances
      WHERE id != ${self.id}
        AND ((stopped_at IS NOT NULL AND stopped_at < ${before})
          OR (${judgeLeases ? 1 : 0} = 1 AND heartbeat_at + lease_ms < ${before}))
        AND NOT EXISTS (
          SELECT 1 FROM jobs WHERE jobs.owner_instance = instances.id AND jobs.status IN ${sql.in(ACTIVE)})`
  }

  const reapOrphans: InstancesShape["reapOrphans"] = Effect.gen(function*() {
    const at = yield* now
    const judgeLeases = yield* leasesJudged
    const owners = yield* sql<{ owner_instance: string }>`
      SELECT DISTINCT owner_instance FROM jobs
      WHERE status IN ${sql.in(ACTIVE)} AND owner_instance != ${self.id}`
    const orphaned: Array<string> = []
    const toEnd: Array<ActiveJobRow & { readonly pid: number; readonly command: string }> = []
    if (owners.length > 0) {
      const rows = yield* sql<InstanceRow>`
        SELECT * FROM instances WHERE id IN ${sql.in(owners.map((o) => o.owner_instance))}`
      const byId = new Map(rows.map((row) => [row.id, row]))
      for (const { owner_instance: owner } of owners) {
        const verdict = judge(byId.get(owner), at, judgeLeases)
        if (!verdict.gone) continue
        const jobs = yield* sql<ActiveJobRow>`
          SELECT id, pid, command, started_at FROM jobs
          WHERE owner_instance = ${owner} AND status IN ${sql.in(ACTIVE)}`
        for (const job of jobs) {
          if (!(yield* claimOrphan(sql, job.id, owner, at, verdict.reason))) continue
          orphaned.push(job.id)
          yield* notifications.publish({ _tag: "JobEnded", jobId: job.id })
          yield* Effect.logWarning(`job ${job.id} is orphaned: instance ${owner} went away (${verdict.reason})`)
          // A pid means the same process to us only on the owner's host and pid namespace.
          if (verdict.local && job.pid !== null && job.command !== null) {
            toEnd.push({ ...job, pid: job.pid, command: job.command })
          }
        }
      }
    }
    yield* Effect.forEach(toEnd, endProcess, { concurrency: "unbounded", discard: true })
    yield* purgeInstances(at, judgeLeases)
    return orphaned
  }).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(failed("reap orphans")(e))))

  yield* Effect.flatMap(storeClock, renew).pipe(
    Effect.mapError((e) =>
      new StorageError({
        message: `cannot register this server instance: ${e.message}${causeOf(e)}`,
        operation: "register instance"
      })
    )
  )
  // Registered before the heartbeat fiber, so released after it: the heartbeat stops, then the row says stopped.
  yield* Effect.addFinalizer(() =>
    Effect.gen(function*() {
      yield* sql`UPDATE instances SET stopped_at = ${yield* storeClock} WHERE id = ${self.id}`
    }).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("could not record that this server instance stopped", cause))
    )
  )

  yield* reapOrphans.pipe(
    Effect.catchAllCause((cause) => Effect.logWarning("looking for orphaned jobs at start-up failed", cause))
  )

  const beat = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const last = yield* Ref.get(lastBeatAt)
    if (now - last > config.leaseMs) {
      yield* Ref.set(leaseGraceUntil, now + config.leaseMs)
      yield* Effect.logWarning(
        `this server renewed no lease for ${now - last} ms (the machine slept, or the process was stopped); ` +
          `no peer is judged by its lease for the next ${config.leaseMs} ms`
      )
    }
    yield* Effect.flatMap(storeClock, renew).pipe(Effect.mapError(failed("renew lease")))
    yield* Ref.set(lastBeatAt, now)
    yield* reapOrphans
  }).pipe(Effect.catchAllCause((cause) => Effect.logWarning("heartbeat failed; it will be retried", cause)))

  yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(Duration.millis(config.heartbeatMs)), beat)))

  return { self, isGone, reapOrphans } satisfies InstancesShape
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Instances, StorageError, GatewayConfig | SqlClient.SqlClient | Notifications> =
  Layer.scoped(
  Instances,
  make
)
