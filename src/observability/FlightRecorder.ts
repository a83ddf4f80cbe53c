/**
 * The flight recorder: one row per request in the gateway's database
 * (table `flight_recorder`), inserted when the request is accepted (or
 * refused) and completed when its job ends, with its retries noted as they
 * happen. People read it later with `sqlite3` or Datasette.
 *
 * Prompts, replies and error messages are redacted (`redact.ts`) and
 * clipped to `LLM_GATEWAY_RECORD_MAX_CHARS` before they are written; with
 * `LLM_GATEWAY_RECORD_CONTENT=false` only their sizes are kept (a row's
 * columns: `recorderColumns.ts`).
 *
 * Recording never fails a request: every write catches its own failure,
 * logs it and counts it in `Metrics` (`recorderErrors`).
 *
 * A row whose end was never written (its server was killed between ending
 * the job and recording it, or died with the job) is completed later by
 * `reconcile` (`recorderReconcile.ts`), from the job store: JobManager's
 * housekeeping runs it at start and every minute.
 *
 * @since 0.1.0
 */
import { CurrentPrincipal } from "../domain/Principal.js"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { GatewayConfig } from "../Config.js"
import type { Cli } from "../domain/Cli.js"
import { StorageError } from "../domain/errors.js"
import {
  type FlightRecord,
  fromRow,
  type RequestEnd,
  type RequestStart,
  type RetryNote,
  type Row
} from "./flightRecord.js"
import { Metrics } from "./Metrics.js"
import { endColumns, errorText, startColumns } from "./recorderColumns.js"
import { makeReconcile, type ReconcileOptions } from "./recorderReconcile.js"
import { greatest } from "../storage/dialect.js"

/**
 * The recorder's values (defined in `observability/flightRecord`).
 *
 * @since 0.1.0
 */
export type {
  ApprovalSummary,
  FlightRecord,
  RequestEnd,
  RequestStart,
  RetryNote
} from "./flightRecord.js"

/**
 * The text as the recorder stores it (defined in `observability/recorderColumns`).
 *
 * @since 0.1.0
 */
export { recordable } from "./recorderColumns.js"

/**
 * What `reconcile` needs, and how long a row is left to its own server
 * (defined in `observability/recorderReconcile`).
 *
 * @since 0.1.0
 */
export { type ReconcileOptions, SETTLE_MS } from "./recorderReconcile.js"

/**
 * @since 0.1.0
 */
export interface FlightRecorderShape {
  /** Inserts the row of a request just accepted. Never fails. */
  readonly started: (start: RequestStart) => Effect.Effect<void>
  /** Completes every open row of the job (its own and the deduped ones). Never fails. */
  readonly jobEnded: (jobId: string, end: RequestEnd) => Effect.Effect<void>
  /** Inserts the row of a request refused before it became a job, already ended. Never fails. */
  readonly refused: (start: RequestStart, end: RequestEnd) => Effect.Effect<void>
  /** Notes a retry on the open row of the request. Never fails. */
  readonly noteRetry: (correlationId: string, retry: RetryNote) => Effect.Effect<void>
  /** Notes the circuit breaker's state on the open row of the request. Never fails. */
  readonly noteCircuit: (correlationId: string, state: string) => Effect.Effect<void>
  /** The newest rows first. */
  readonly recent: (options: {
    readonly limit: number
    readonly cli?: Cli | undefined
  }) => Effect.Effect<ReadonlyArray<FlightRecord>, StorageError>
  readonly byCorrelationId: (correlationId: string) => Effect.Effect<ReadonlyArray<FlightRecord>, StorageError>
  /**
   * Completes the open rows whose end was never recorded; the count
   * completed. A row whose job is final takes the job's outcome (status,
   * exit code, error, reply, duration to the job's end) once no live server
   * can still record it: the job was orphaned, its owner is gone, or it
   * ended `SETTLE_MS` ago. A row whose job is not in the store ends
   * `orphaned` once the instance that recorded it is gone, at that
   * instance's last sign of life. Rows of jobs still running are left to
   * their owner (or, when it is gone, to `Instances.reapOrphans` first).
   */
  readonly reconcile: (options?: ReconcileOptions) => Effect.Effect<number, StorageError>
  /** Deletes rows started before the time; the count deleted. */
  readonly purge: (before: number) => Effect.Effect<number, StorageError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class FlightRecorder extends Context.Tag("llm-cli-gateway/FlightRecorder")<
  FlightRecorder,
  FlightRecorderShape
>() {}

/** How often rows past retention are purged. */
const PURGE_EVERY = Duration.hours(1)

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<FlightRecorderShape, never, SqlClient.SqlClient | GatewayConfig | Metrics> = Effect
  .gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const config = yield* GatewayConfig
    const metrics = yield* Metrics

    const failed = (operation: string) => (error: SqlError) =>
      new StorageError({ message: `flight recorder ${operation} failed: ${error.message}`, operation })

    /** A write that can only log and count its failure. */
    const safely = <E>(what: string, write: Effect.Effect<unknown, E>) =>
      write.pipe(
        Effect.asVoid,
        Effect.catchAllCause((cause) =>
          Effect.zipRight(
            metrics.recorderError,
            Effect.logWarning(`flight recorder: could not record ${what}; the request goes on`, cause)
          )
        )
      )

    const started: FlightRecorderShape["started"] = (start) =>
      safely(
        "the start of a request",
        Effect.flatMap(CurrentPrincipal, (principal) =>
          sql`INSERT INTO flight_recorder ${sql.insert(startColumns(config, start, principal))}`)
      )

    /** Completes the open rows of a job; the ids completed. */
    const endRows = (jobId: string, end: RequestEnd) => {
      const e = endColumns(config, end)
      return sql<{ id: string }>`UPDATE flight_recorder SET
            status = ${e.status}, finished_at = ${e.finishedAt}, duration_ms = ${greatest(sql)}(0, ${e.finishedAt} - started_at),
            exit_code = ${e.exitCode}, error_tag = ${e.errorTag}, error_message = ${e.errorMessage},
            reply = ${e.reply}, reply_chars = ${e.replyChars},
            content_truncated = ${greatest(sql)}(content_truncated, ${e.truncated}),
            model = coalesce(${e.model}, model), session_id = ${e.sessionId},
            input_tokens = ${e.inputTokens}, output_tokens = ${e.outputTokens}, usage_json = ${e.usage},
            cost_usd = ${e.costUsd}, circuit_state = coalesce(${e.circuitState}, circuit_state)
          WHERE job_id = ${jobId} AND finished_at IS NULL
          RETURNING id`
    }

    const jobEnded: FlightRecorderShape["jobEnded"] = (jobId, end) => safely("the end of a request", endRows(jobId, end))

    const refused: FlightRecorderShape["refused"] = (start, end) => {
      const e = endColumns(config, end)
      return safely(
        "a refused request",
        Effect.flatMap(CurrentPrincipal, (principal) => sql`INSERT INTO flight_recorder ${
          sql.insert({
            ...startColumns(config, start, principal),
            status: e.status,
            finished_at: e.finishedAt,
            duration_ms: Math.max(0, e.finishedAt - start.startedAt),
            error_tag: e.errorTag,
            error_message: e.errorMessage,
            circuit_state: e.circuitState
          })
        }`)
      )
    }

    /** The open row of a request: the newest not deduped and not yet ended. */
    const openRow = (correlationId: string) =>
      sql`(SELECT id FROM flight_recorder
           WHERE correlation_id = ${correlationId} AND finished_at IS NULL AND deduped = 0
           ORDER BY started_at DESC LIMIT 1)`

    const noteRetry: FlightRecorderShape["noteRetry"] = (correlationId, retry) =>
      Effect.zipRight(
        metrics.retried(retry.cli),
        Effect.flatMap(Clock.currentTimeMillis, (at) => {
          const note = JSON.stringify({
            at,
            attempt: retry.attempt,
            errorTag: retry.errorTag,
            ...(retry.message !== undefined ? { message: errorText(retry.message) } : {}),
            ...(retry.delayMs !== undefined ? { delayMs: retry.delayMs } : {})
          })
          return safely(
            "a retry",
            sql`UPDATE flight_recorder SET
                retry_count = retry_count + 1,
                retries_json = ${
              sql.onDialectOrElse({
                pg: () => sql`(retries_json::jsonb || jsonb_build_array(${note}::jsonb))::text`,
                orElse: () => sql`json_insert(retries_json, '$[#]', json(${note}))`
              })
            },
                circuit_state = coalesce(${retry.circuitState ?? null}, circuit_state)
              WHERE id = ${openRow(correlationId)}`
          )
        })
      )

    const noteCircuit: FlightRecorderShape["noteCircuit"] = (correlationId, state) =>
      safely(
        "the circuit state",
        sql`UPDATE flight_recorder SET circuit_state = ${state} WHERE id = ${openRow(correlationId)}`
      )

    const recent: FlightRecorderShape["recent"] = ({ cli, limit }) =>
      Effect.map(
        cli === undefined
          ? sql<Row>`SELECT * FROM flight_recorder ORDER BY started_at DESC, id DESC LIMIT ${limit}`
          : sql<Row>`SELECT * FROM flight_recorder WHERE cli = ${cli} ORDER BY started_at DESC, id DESC LIMIT ${limit}`,
        (rows) => rows.map(fromRow)
      ).pipe(Effect.mapError(failed("read")))

    const byCorrelationId: FlightRecorderShape["byCorrelationId"] = (correlationId) =>
      Effect.map(
        sql<Row>`SELECT * FROM flight_recorder WHERE correlation_id = ${correlationId} ORDER BY started_at, id`,
        (rows) => rows.map(fromRow)
      ).pipe(Effect.mapError(failed("read")))

    const reconcileOpen = makeReconcile(sql, config, endRows)

    const reconcile: FlightRecorderShape["reconcile"] = (options) =>
      reconcileOpen(options).pipe(Effect.mapError((e) => e._tag === "StorageError" ? e : failed("reconcile")(e)))

    const purge: FlightRecorderShape["purge"] = (before) =>
      Effect.map(
        sql`DELETE FROM flight_recorder WHERE started_at < ${before} RETURNING id`,
        (rows) => rows.length
      ).pipe(Effect.mapError(failed("purge")))

    return { started, jobEnded, refused, noteRetry, noteCircuit, recent, byCorrelationId, reconcile, purge }
  })

/**
 * The recorder's upkeep for as long as its scope lives: purges rows past
 * the job retention (`LLM_GATEWAY_JOB_RETENTION_DAYS`) every hour. (Rows
 * left open are completed by JobManager's housekeeping, which knows the
 * server instances: `reconcile`.)
 *
 * @since 0.1.0
 */
export const upkeep = (recorder: FlightRecorderShape) =>
  Effect.gen(function*() {
    const config = yield* GatewayConfig
    yield* Effect.forkScoped(
      Effect.flatMap(Clock.currentTimeMillis, (now) => recorder.purge(now - config.jobRetentionDays * 86_400_000)).pipe(
        Effect.catchAll((e) => Effect.logWarning("flight recorder: retention purge failed", e)),
        Effect.repeat(Schedule.spaced(PURGE_EVERY))
      )
    )
  })

/**
 * The recorder on the gateway's database, with its upkeep.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<FlightRecorder, never, SqlClient.SqlClient | GatewayConfig | Metrics> = Layer.scoped(
  FlightRecorder,
  Effect.tap(make, upkeep)
)

/**
 * A recorder that records nothing (reads answer empty): for embedding apps
 * that want no rows, and tests that do not look at them.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNoop: Layer.Layer<FlightRecorder> = Layer.succeed(FlightRecorder, {
  started: () => Effect.void,
  jobEnded: () => Effect.void,
  refused: () => Effect.void,
  noteRetry: () => Effect.void,
  noteCircuit: () => Effect.void,
  recent: () => Effect.succeed([]),
  byCorrelationId: () => Effect.succeed([]),
  reconcile: () => Effect.succeed(0),
  purge: () => Effect.succeed(0)
})
