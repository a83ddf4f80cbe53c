/**
 * The flight recorder's `reconcile`: completes the rows whose end was never
 * written (their server was killed between ending the job and recording
 * it, or died with the job), from the job store. JobManager's housekeeping
 * runs it at start and every minute.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { StorageError } from "../domain/errors.js"
import { fromRow as jobFromRow, type JobRow } from "../jobs/jobRow.js"
import { slicePieces } from "../storage/textPieces.js"
import { jobEnd, type RequestEnd } from "./flightRecord.js"
import { type ContentConfig, errorText, redactMargin } from "./recorderColumns.js"

/**
 * What `reconcile` needs to know of the server instances.
 *
 * @since 0.1.0
 */
export interface ReconcileOptions {
  /**
   * Whether a server instance is gone (`Instances.isGone`). Without it no
   * instance counts as gone: only rows whose job ended `SETTLE_MS` ago, or
   * was orphaned, are completed.
   */
  readonly isGone?: ((instanceId: string) => Effect.Effect<boolean, StorageError>) | undefined
}

/**
 * How long after its job ended a row is left for its own server to
 * complete (it does so at once; a database lock can hold it back for a
 * few busy timeouts) before `reconcile` completes it from the job.
 *
 * @since 0.1.0
 */
export const SETTLE_MS = 60_000

/** An open row, with its job's state when the job is in the store and final. */
interface OpenRow {
  readonly id: string
  readonly job_id: string | null
  readonly instance_id: string | null
  readonly started_at: number
  readonly job_status: string | null
  readonly job_owner: string | null
  readonly job_finished_at: number | null
}

/**
 * `reconcile` on the database (see `FlightRecorderShape.reconcile`); the
 * count completed. `endRows` completes the open rows of a job with its end,
 * answering the ids completed. The database's failures are left to the
 * caller to describe.
 *
 * @since 0.1.0
 */
export const makeReconcile = (
  sql: SqlClient.SqlClient,
  config: ContentConfig,
  endRows: (jobId: string, end: RequestEnd) => Effect.Effect<ReadonlyArray<{ readonly id: string }>, SqlError>
) => {
  /** The start of a job's reply, enough for the recorder's clip (and its redaction margin). */
  const replyStart = (jobId: string) =>
    Effect.map(
      sql<{ char_start: number; data: string }>`
        SELECT char_start, data FROM job_reply
        WHERE job_id = ${jobId} AND char_start <= ${config.recordMaxChars + redactMargin()} ORDER BY seq`,
      (rows) => slicePieces(rows, 0, config.recordMaxChars + redactMargin() + 1)
    )

  /** Completes the open rows of a final job from its row in the store; the count completed. */
  const endFromJob = (jobId: string) =>
    Effect.gen(function*() {
      const [row] = yield* sql<JobRow>`SELECT * FROM jobs WHERE id = ${jobId}`
      if (row === undefined) return 0
      const job = jobFromRow(row)
      const reply = job.status === "completed" && config.recordContent ? yield* replyStart(jobId) : undefined
      return (yield* endRows(jobId, jobEnd(job, reply))).length
    })

  /** Ends an open row whose job is not in the store: its server went away, at its last sign of life. */
  const endAsOrphan = (row: OpenRow, now: number) =>
    Effect.gen(function*() {
      const [seen] = row.instance_id === null ? [] : yield* sql<{ last: number | null }>`
        SELECT coalesce(stopped_at, heartbeat_at) AS last FROM instances WHERE id = ${row.instance_id}`
      const finishedAt = Math.max(row.started_at, Math.min(now, seen?.last ?? now))
      const message = errorText(
        `the server that accepted this request (instance ${row.instance_id ?? "unknown"}) went away ` +
          "before it recorded how the request ended, and its job is not in the job store"
      )
      const ended = yield* sql<{ id: string }>`UPDATE flight_recorder SET
          status = 'orphaned', finished_at = ${finishedAt}, duration_ms = ${finishedAt - row.started_at},
          error_tag = 'JobOrphaned', error_message = ${message}
        WHERE id = ${row.id} AND finished_at IS NULL
        RETURNING id`
      return ended.length
    })

  return (options: ReconcileOptions = {}): Effect.Effect<number, SqlError | StorageError> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const open = yield* sql<OpenRow>`
        SELECT f.id, f.job_id, f.instance_id, f.started_at,
          j.status AS job_status, j.owner_instance AS job_owner, j.finished_at AS job_finished_at
        FROM flight_recorder AS f LEFT JOIN jobs AS j ON j.id = f.job_id
        WHERE f.finished_at IS NULL
          AND (j.id IS NULL OR j.status IN ('completed', 'failed', 'canceled', 'orphaned'))`
      if (open.length === 0) return 0
      // Each instance is judged once per pass.
      const verdicts = new Map<string, boolean>()
      const gone = (instanceId: string | null) =>
        Effect.gen(function*() {
          if (instanceId === null) return true
          if (options.isGone === undefined) return false
          const known = verdicts.get(instanceId)
          if (known !== undefined) return known
          const verdict = yield* options.isGone(instanceId)
          verdicts.set(instanceId, verdict)
          return verdict
        })
      let completed = 0
      const jobsDone = new Set<string>()
      for (const row of open) {
        if (row.job_status === null) {
          if (yield* gone(row.instance_id)) completed += yield* endAsOrphan(row, now)
          continue
        }
        const jobId = row.job_id!
        if (jobsDone.has(jobId)) continue
        const settled = row.job_status === "orphaned" ||
          (row.job_finished_at !== null && row.job_finished_at <= now - SETTLE_MS) ||
          (yield* gone(row.job_owner))
        if (!settled) continue
        jobsDone.add(jobId)
        completed += yield* endFromJob(jobId)
      }
      return completed
    })
}
