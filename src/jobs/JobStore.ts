/**
 * The durable rows of jobs: inserted when a request is accepted, updated on
 * every change of state and on throttled output flushes, read by any
 * instance. A final state, once committed, is never overwritten.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { Cli } from "../domain/Cli.js"
import { StorageError } from "../domain/errors.js"
import type { Job, JobAttempt, JobStatus } from "../domain/Job.js"
import { encodeAttempts, fromRow, type JobRow } from "./jobRow.js"
import type { FinalState, InsertOutcome, NewJob, OutputFlush } from "./jobWrites.js"
import { type Notification, Notifications } from "../storage/Notifications.js"
import { PIECE_CHARS, slicePieces, textPieces } from "../storage/textPieces.js"
import { inTransaction } from "../storage/dialect.js"

/**
 * What the store is given to write, and what an insert did (defined in
 * `jobs/jobWrites`).
 *
 * @since 0.1.0
 */
export type { FinalState, InsertOutcome, NewJob, OutputFlush } from "./jobWrites.js"

/**
 * @since 0.1.0
 */
export interface JobStoreShape {
  /**
   * Inserts a job as `queued`, unless `dedupSince` is given and a job of
   * the same principal with the same request key, created since then, is
   * queued, running or completed: then that job is returned. Atomic across
   * processes.
   */
  readonly insert: (job: NewJob, dedupSince: number | undefined) => Effect.Effect<InsertOutcome, StorageError>
  /**
   * `queued` → `running`, with the process (and the attempts, the new one
   * open). A retry's process replaces pid and command; the start stays the
   * first attempt's. False when the job is already final.
   */
  readonly markRunning: (
    id: string,
    run: {
      readonly pid: number
      readonly command: string
      readonly startedAt: number
      readonly attempts?: ReadonlyArray<JobAttempt> | undefined
    }
  ) => Effect.Effect<boolean, StorageError>
  /** Records the attempts (after one failed and is retried). False when the job is already final. */
  readonly recordAttempts: (id: string, attempts: ReadonlyArray<JobAttempt>) => Effect.Effect<boolean, StorageError>
  /** Appends output while the job is not final. False when it is. */
  readonly appendOutput: (id: string, flush: OutputFlush) => Effect.Effect<boolean, StorageError>
  /** Writes the final state (and the last output) in one transaction, unless already final. */
  readonly finish: (id: string, final: FinalState) => Effect.Effect<boolean, StorageError>
  readonly get: (id: string) => Effect.Effect<Option.Option<Job>, StorageError>
  /**
   * The newest jobs first (ties by id); `before` pages on from the last job
   * of the previous page. Only the `principal`'s, when given.
   */
  readonly list: (options: {
    readonly limit: number
    readonly principal?: string | undefined
    readonly statuses?: ReadonlyArray<JobStatus> | undefined
    readonly cli?: Cli | undefined
    readonly before?: { readonly createdAt: number; readonly id: string } | undefined
  }) => Effect.Effect<ReadonlyArray<Job>, StorageError>
  /** Up to `maxChars` characters of a stream's output, from `offset`. */
  readonly readOutput: (
    id: string,
    stream: "stdout" | "stderr",
    offset: number,
    maxChars: number
  ) => Effect.Effect<string, StorageError>
  /** Up to `maxChars` characters of a completed job's reply, from `offset`. */
  readonly readReply: (id: string, offset: number, maxChars: number) => Effect.Effect<string, StorageError>
  /** Records that someone asked to cancel the job. False when it is already final. */
  readonly requestCancel: (id: string, at: number) => Effect.Effect<boolean, StorageError>
  /** The ids of an instance's active jobs that someone asked to cancel. */
  readonly cancelRequested: (ownerInstance: string) => Effect.Effect<ReadonlyArray<string>, StorageError>
  /** Deletes final jobs that finished before the time; the count deleted. */
  readonly purge: (finishedBefore: number) => Effect.Effect<number, StorageError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class JobStore extends Context.Tag("llm-cli-gateway/JobStore")<JobStore, JobStoreShape>() {}

/**
 * Turns a row into a Job (defined in `jobs/jobRow`).
 *
 * @since 0.1.0
 */
export { fromRow } from "./jobRow.js"

const ACTIVE = ["queued", "running"] as const
const DEDUPABLE = ["queued", "running", "completed"] as const

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<JobStoreShape, never, SqlClient.SqlClient | Notifications> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const notifications = yield* Notifications
  /** Tells the waiters of every gateway, once the change is committed. */
  const told = (notification: Notification) => (changed: boolean) =>
    changed ? Effect.as(notifications.publish(notification), true) : Effect.succeed(false)

  const failed = (operation: string) => (error: SqlError) =>
    new StorageError({ message: `database ${operation} failed: ${error.message}${causeOf(error)}`, operation })

  const getRow = (id: string) =>
    Effect.map(sql<JobRow>`SELECT * FROM jobs WHERE id = ${id}`, (rows) => Option.fromNullable(rows[0]))

  /** The pieces of a flush; a piece may come twice (a flush whose commit was made but whose answer was lost is sent again). */
  const writePieces = (id: string, flush: OutputFlush) =>
    Effect.forEach(
      flush.chunks,
      (chunk) =>
        sql`INSERT INTO job_output ${
          sql.insert({ job_id: id, stream: chunk.stream, seq: chunk.seq, char_start: chunk.charStart, data: chunk.data })
        } ON CONFLICT (job_id, stream, seq) DO NOTHING`,
      { discard: true }
    )

  /** The reply in pieces: SQLite never builds, nor the binding copies, one record of a huge reply. */
  const writeReply = (id: string, text: string) =>
    Effect.gen(function*() {
      const pieces = textPieces(text)
      for (let seq = 0; seq < pieces.length; seq++) {
        const { data, start } = pieces[seq]!
        yield* sql`INSERT INTO job_reply ${sql.insert({ job_id: id, seq, char_start: start, data })}`
      }
    })

  /**
   * Makes a dedup check and the insert that follows atomic across every
   * process and host: on SQLite, the first statement writes, so the
   * transaction takes the database's write lock at once (waiting on the
   * busy timeout); on PostgreSQL, a transaction-scoped advisory lock on the
   * principal and request key.
   */
  const lockRequestKey = (job: NewJob) =>
    sql.onDialectOrElse({
      pg: () =>
        sql`SELECT pg_advisory_xact_lock(hashtextextended(${job.principal + "\n" + job.requestKey}, 0))`,
      orElse: () => sql`UPDATE instances SET heartbeat_at = heartbeat_at WHERE id = ${job.ownerInstance}`
    })

  const insert = (job: NewJob, dedupSince: number | undefined) =>
    Effect.gen(function*() {
      if (dedupSince !== undefined) yield* lockRequestKey(job)
      if (dedupSince !== undefined) {
        const existing = yield* sql<JobRow>`
          SELECT * FROM jobs
          WHERE request_key = ${job.requestKey} AND principal = ${job.principal}
            AND created_at >= ${dedupSince} AND status IN ${sql.in(DEDUPABLE)}
          ORDER BY created_at DESC LIMIT 1`
        if (existing[0] !== undefined) return { _tag: "Duplicate", job: fromRow(existing[0]) } as const
      }
      // The row as stored (its defaults too), in the same statement.
      const inserted = yield* sql<JobRow>`INSERT INTO jobs ${
        sql.insert({
          id: job.id,
          cli: job.cli,
          request_key: job.requestKey,
          argv_json: JSON.stringify(job.argv),
          cwd: job.cwd,
          correlation_id: job.correlationId,
          output_format: job.outputFormat,
          status: "queued",
          owner_instance: job.ownerInstance,
          principal: job.principal,
          created_at: job.createdAt,
          attempts: "[]"
        })
      } RETURNING *`
      return { _tag: "Inserted", job: fromRow(inserted[0]!) } as const
    }).pipe(inTransaction(sql), Effect.mapError(failed("insert")))

  const markRunning: JobStoreShape["markRunning"] = (id, run) =>
    Effect.map(
      sql`UPDATE jobs SET status = 'running', pid = ${run.pid}, command = ${run.command},
            started_at = coalesce(started_at, ${run.startedAt}),
            attempts = coalesce(${encodeAttempts(run.attempts)}, attempts)
          WHERE id = ${id} AND status IN ${sql.in(ACTIVE)} RETURNING id`,
      (rows) => rows.length > 0
    ).pipe(Effect.mapError(failed("update")))

  const recordAttempts: JobStoreShape["recordAttempts"] = (id, attempts) =>
    Effect.map(
      sql`UPDATE jobs SET attempts = ${encodeAttempts(attempts)}
          WHERE id = ${id} AND status IN ${sql.in(ACTIVE)} RETURNING id`,
      (rows) => rows.length > 0
    ).pipe(Effect.mapError(failed("update")))

  /*
   * A write to an active job starts with its one UPDATE, guarded by
   * `status IN (queued, running)`: a write, so that it takes the lock first —
   * on PostgreSQL the row's lock (a reaper's `orphaned` and the owner's final
   * state never both land); on SQLite the database's write lock, waiting on
   * the busy timeout (a read first would be refused at once when the
   * transaction later writes after another process has). The pieces follow
   * only when it found the job active.
   */
  const appendOutput: JobStoreShape["appendOutput"] = (id, flush) =>
    Effect.gen(function*() {
      const active = yield* sql`UPDATE jobs SET
          stdout_bytes = ${flush.stdoutBytes}, stderr_bytes = ${flush.stderrBytes},
          stdout_chars = ${flush.stdoutChars}, stderr_chars = ${flush.stderrChars},
          output_truncated = ${flush.truncated ? 1 : 0}
        WHERE id = ${id} AND status IN ${sql.in(ACTIVE)} RETURNING id`
      if (active.length === 0) return false
      yield* writePieces(id, flush)
      return true
    }).pipe(
      inTransaction(sql),
      Effect.mapError(failed("append output")),
      Effect.flatMap(told({ _tag: "JobOutput", jobId: id }))
    )

  const finish: JobStoreShape["finish"] = (id, final) =>
    Effect.gen(function*() {
      const output = final.output
      const ended = yield* sql`UPDATE jobs SET
          status = ${final.status}, finished_at = ${final.finishedAt},
          exit_code = ${final.exitCode}, signal = ${final.signal},
          error_json = ${final.error === null ? null : JSON.stringify(final.error)},
          reply_json = ${final.reply === null ? null : JSON.stringify(final.reply)},
          attempts = coalesce(${encodeAttempts(final.attempts)}, attempts),
          stdout_bytes = coalesce(${output?.stdoutBytes ?? null}, stdout_bytes),
          stderr_bytes = coalesce(${output?.stderrBytes ?? null}, stderr_bytes),
          stdout_chars = coalesce(${output?.stdoutChars ?? null}, stdout_chars),
          stderr_chars = coalesce(${output?.stderrChars ?? null}, stderr_chars),
          output_truncated = coalesce(${output === undefined ? null : output.truncated ? 1 : 0}, output_truncated)
        WHERE id = ${id} AND status IN ${sql.in(ACTIVE)} RETURNING id`
      if (ended.length === 0) return false
      if (output !== undefined) yield* writePieces(id, output)
      if (final.replyText !== undefined) yield* writeReply(id, final.replyText)
      return true
    }).pipe(
      inTransaction(sql),
      Effect.mapError(failed("finish")),
      Effect.flatMap(told({ _tag: "JobEnded", jobId: id }))
    )

  const get: JobStoreShape["get"] = (id) =>
    Effect.map(getRow(id), Option.map(fromRow)).pipe(Effect.mapError(failed("read")))

  const list: JobStoreShape["list"] = (options) => {
    const where = [
      options.statuses !== undefined && options.statuses.length > 0 ? sql`status IN ${sql.in(options.statuses)}` : undefined,
      options.cli !== undefined ? sql`cli = ${options.cli}` : undefined,
      options.principal !== undefined ? sql`principal = ${options.principal}` : undefined,
      options.before !== undefined
        ? sql`(created_at < ${options.before.createdAt} OR (created_at = ${options.before.createdAt} AND id < ${options.before.id}))`
        : undefined
    ].filter((x) => x !== undefined)
    return Effect.map(
      sql<JobRow>`SELECT * FROM jobs WHERE ${sql.and(where)} ORDER BY created_at DESC, id DESC LIMIT ${options.limit}`,
      (rows) => rows.map(fromRow)
    ).pipe(Effect.mapError(failed("list")))
  }

  const byteLength = sql.onDialectOrElse({
    pg: () => sql.literal("octet_length(data)"),
    orElse: () => sql.literal("length(CAST(data AS BLOB))")
  })

  const readOutput: JobStoreShape["readOutput"] = (id, stream, offset, maxChars) =>
    Effect.map(
      sql<{ char_start: number; data: string }>`
        SELECT char_start, data FROM job_output
        WHERE job_id = ${id} AND stream = ${stream}
          AND char_start + ${byteLength} > ${offset} AND char_start < ${offset + maxChars}
        ORDER BY seq`,
      // The byte length bounds the length in UTF-16 units from above; slicePieces skips the extra pieces.
      (rows) => slicePieces(rows, offset, maxChars)
    ).pipe(Effect.mapError(failed("read output")))

  // A piece holds at most PIECE_CHARS units, so one that reaches `offset` starts after
  // offset - PIECE_CHARS (SQLite's length() counts code points, not JavaScript's units).
  const readReply: JobStoreShape["readReply"] = (id, offset, maxChars) =>
    Effect.map(
      sql<{ char_start: number; data: string }>`
        SELECT char_start, data FROM job_reply
        WHERE job_id = ${id} AND char_start > ${offset - PIECE_CHARS} AND char_start < ${offset + maxChars}
        ORDER BY seq`,
      (rows) => slicePieces(rows, offset, maxChars)
    ).pipe(Effect.mapError(failed("read reply")))

  const requestCancel: JobStoreShape["requestCancel"] = (id, at) =>
    sql<{ owner_instance: string }>`UPDATE jobs SET cancel_requested_at = coalesce(cancel_requested_at, ${at})
        WHERE id = ${id} AND status IN ${sql.in(ACTIVE)} RETURNING owner_instance`.pipe(
      Effect.mapError(failed("cancel")),
      Effect.flatMap((rows) =>
        rows[0] === undefined
          ? Effect.succeed(false)
          : told({ _tag: "CancelRequested", jobId: id, ownerInstance: rows[0].owner_instance })(true)
      )
    )

  const cancelRequested: JobStoreShape["cancelRequested"] = (owner) =>
    Effect.map(
      sql<{ id: string }>`SELECT id FROM jobs
        WHERE owner_instance = ${owner} AND status IN ${sql.in(ACTIVE)} AND cancel_requested_at IS NOT NULL`,
      (rows) => rows.map((r) => r.id)
    ).pipe(Effect.mapError(failed("read")))

  const purge: JobStoreShape["purge"] = (before) =>
    Effect.map(
      sql`DELETE FROM jobs WHERE status NOT IN ${sql.in(ACTIVE)} AND coalesce(finished_at, created_at) < ${before}
          RETURNING id`,
      (rows) => rows.length
    ).pipe(Effect.mapError(failed("purge")))

  return {
    insert,
    markRunning,
    recordAttempts,
    appendOutput,
    finish,
    get,
    list,
    readOutput,
    readReply,
    requestCancel,
    cancelRequested,
    purge
  }
})

const causeOf = (error: SqlError): string => {
  const cause = error.cause as { message?: unknown } | undefined
  return cause !== undefined && typeof cause.message === "string" ? ` (${cause.message})` : ""
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<JobStore, never, SqlClient.SqlClient | Notifications> = Layer.effect(JobStore, make)
