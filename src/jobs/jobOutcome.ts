/**
 * What JobManager answers, in plain values: a request as accepted, why one
 * is refused, the live facts of this instance's jobs, and how a run's end
 * is stored (its reply, or its typed failure). Pure.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import type { Cli } from "../domain/Cli.js"
import {
  type ApprovalDenied,
  GatewayError,
  InternalError,
  JobCanceled,
  type GatewaySessionUnlinked,
  type McpRegistryInvalid,
  type McpServersMissing,
  type InvalidRequest,
  type SessionCliMismatch,
  type SessionNotFound,
  type StorageError
} from "../domain/errors.js"
import type { Job, JobError, JobReply } from "../domain/Job.js"
import { redactStrings } from "../observability/redact.js"
import type { FinalState } from "./JobStore.js"
import type { RequestOutcome, RunError } from "./RequestRunner.js"

/**
 * A request as accepted: its job, and whether it landed on an existing one.
 *
 * @since 0.1.0
 */
export interface Submitted {
  readonly job: Job
  readonly deduped: boolean
  /** The MCP servers the request named, and which of them the registry defines (claude and gemini). */
  readonly mcpServers?: {
    readonly requested: ReadonlyArray<string>
    readonly enabled: ReadonlyArray<string>
    readonly missing: ReadonlyArray<string>
  } | undefined
}

/**
 * Why a request is refused before it becomes a job.
 *
 * @since 0.1.0
 */
export type SubmitError =
  | InvalidRequest
  | StorageError
  | ApprovalDenied
  | SessionNotFound
  | SessionCliMismatch
  | GatewaySessionUnlinked
  | McpServersMissing
  | McpRegistryInvalid

/**
 * Live facts of the jobs this instance runs.
 *
 * @since 0.1.0
 */
export interface Health {
  readonly instanceId: string
  readonly pid: number
  readonly running: ReadonlyArray<{
    readonly jobId: string
    readonly cli: Cli
    readonly pid: number | null
    readonly startedAt: number | null
    /** Runs of its CLI so far (a retry is the next). */
    readonly attemptCount: number
    readonly lastOutputAt: number | null
    readonly stdoutBytes: number
  }>
  readonly queued: number
  readonly limits: { readonly global: number; readonly perCli: number }
}

const encodeGatewayError = Schema.encodeSync(GatewayError)

/**
 * The stored form of a typed failure: its tag, message and fields, every
 * string redacted (`observability/redact`): a job's error is written to
 * its row and answered from it.
 *
 * @since 0.1.0
 */
export const toJobError = (error: GatewayError): JobError =>
  redactStrings(encodeGatewayError(error)) as unknown as JobError

/**
 * The stored reply of a run that succeeded: its length, and whichever of
 * model, session id, usage and cost the CLI told.
 *
 * @since 0.1.0
 */
export const toReply = (outcome: RequestOutcome): JobReply => ({
  chars: outcome.text.length,
  ...(outcome.model !== undefined ? { model: outcome.model } : {}),
  ...(outcome.sessionId !== undefined ? { sessionId: outcome.sessionId } : {}),
  ...(outcome.usage !== undefined ? { usage: outcome.usage } : {}),
  ...(outcome.costUsd !== undefined ? { costUsd: outcome.costUsd } : {})
})

/**
 * How a run's end is stored: its reply, or its typed failure with the exit
 * code and signal the failure carries.
 *
 * @since 0.1.0
 */
export const finalOf = (
  outcome: Either.Either<RequestOutcome, RunError>,
  finishedAt: number
): Omit<FinalState, "output"> =>
  outcome._tag === "Right"
    ? {
      status: "completed",
      finishedAt,
      exitCode: outcome.right.exitCode,
      signal: null,
      error: null,
      reply: toReply(outcome.right),
      replyText: outcome.right.text
    }
    : {
      status: "failed",
      finishedAt,
      exitCode: "exitCode" in outcome.left && typeof outcome.left.exitCode === "number" ? outcome.left.exitCode : null,
      signal: "signal" in outcome.left && typeof outcome.left.signal === "string" ? outcome.left.signal : null,
      error: toJobError(outcome.left),
      reply: null
    }

/**
 * How a run that never came to its own end is stored: `canceled` when its
 * fiber was interrupted, else `failed` with an `InternalError` (a defect of
 * the gateway's).
 *
 * @since 0.1.0
 */
export const stoppedFinal = (jobId: string, cause: Cause.Cause<unknown>, finishedAt: number): Omit<FinalState, "output"> => {
  const interrupted = Cause.isInterruptedOnly(cause)
  return {
    status: interrupted ? "canceled" : "failed",
    finishedAt,
    exitCode: null,
    signal: null,
    error: toJobError(
      interrupted
        ? new JobCanceled({ message: "the job was canceled", jobId })
        : new InternalError({ message: `the gateway failed while running the job: ${Cause.squash(cause)}` })
    ),
    reply: null
  }
}
