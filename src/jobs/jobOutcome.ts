/**
 * What JobManager answers, in plain values: a request as accepted, why one
 * is refused, the live facts of this instance's jobs, and how a run's end
 * is stored (its reply, or its typed failure). Pure.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import type { Cli } from "../domain/Cli.js"
import {
  type ApprovalDenied,
  GatewayError,
  type GatewaySessionUnlinked,
  type McpRegistryInvalid,
  type McpServersMissing,
  type InvalidRequest,
  type SessionCliMismatch,
  type SessionNotFound,
  type StorageError
} from "../domain/errors.js"
import type { Job, JobError, JobReply } from "../domain/Job.js"
import type { RequestOutcome } from "./RequestRunner.js"

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
    readonly lastOutputAt: number | null
    readonly stdoutBytes: number
  }>
  readonly queued: number
  readonly limits: { readonly global: number; readonly perCli: number }
}

const encodeGatewayError = Schema.encodeSync(GatewayError)

/**
 * The stored form of a typed failure: its tag, message and fields.
 *
 * @since 0.1.0
 */
export const toJobError = (error: GatewayError): JobError => encodeGatewayError(error) as unknown as JobError

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
