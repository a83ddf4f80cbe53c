/**
 * How a job reads in tool answers: a line for people, the facts as data.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { CliRunFailed, GatewayError } from "../../domain/errors.js"
import type { Job } from "../../domain/Job.js"
import type { JsonObject } from "../jsonSchema.js"

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

/**
 * The structured status of a job.
 *
 * @since 0.1.0
 */
export const jobStatus = (job: Job, extra: { readonly deduped?: boolean; readonly selfInstance?: string } = {}): JsonObject => {
  const out: Record<string, unknown> = {
    jobId: job.id,
    cli: job.cli,
    status: job.status,
    correlationId: job.correlationId,
    createdAt: iso(job.createdAt),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
    durationMs: job.startedAt === null ? null : (job.finishedAt ?? Date.now()) - job.startedAt,
    exitCode: job.exitCode,
    stdoutBytes: job.stdoutBytes,
    stderrBytes: job.stderrBytes,
    outputTruncated: job.outputTruncated
  }
  if (extra.deduped !== undefined) out.deduped = extra.deduped
  if (extra.selfInstance !== undefined) out.ownedByThisServer = job.ownerInstance === extra.selfInstance
  if (job.signal !== null) out.signal = job.signal
  if (job.error !== null) out.error = job.error
  if (job.reply !== null) {
    out.resultChars = job.reply.text.length
    if (job.reply.sessionId !== undefined) out.sessionId = job.reply.sessionId
    if (job.reply.model !== undefined) out.model = job.reply.model
    if (job.reply.usage !== undefined) out.usage = job.reply.usage
    if (job.reply.costUsd !== undefined) out.costUsd = job.reply.costUsd
  }
  if (job.cancelRequestedAt !== null) out.cancelRequestedAt = iso(job.cancelRequestedAt)
  return out
}

/**
 * A line that says where the job is and what to do next.
 *
 * @since 0.1.0
 */
export const jobLine = (job: Job, deduped = false): string => {
  const same = deduped ? " (an identical recent request: this is its job)" : ""
  switch (job.status) {
    case "queued":
      return `Job ${job.id} (${job.cli}) is queued${same}, waiting for a free slot. Wait for it with llm_job_wait.`
    case "running":
      return `Job ${job.id} (${job.cli}) is running${same}; ${job.stdoutBytes} bytes of output so far. ` +
        "Wait for it with llm_job_wait, read it with llm_job_result, stop it with llm_job_cancel."
    case "completed":
      return `Job ${job.id} (${job.cli}) completed${same}: ${job.reply?.text.length ?? 0} characters of reply. ` +
        "Read it with llm_job_result."
    case "failed":
      return `Job ${job.id} (${job.cli}) failed${same}: ${job.error?._tag ?? "error"}: ${job.error?.message ?? ""}`
    case "canceled":
      return `Job ${job.id} (${job.cli}) was canceled${same}.`
    case "orphaned":
      return `Job ${job.id} (${job.cli}) was orphaned: its server went away while it ran. ` +
        "The output it had written is readable with llm_job_result."
  }
}

const decodeError = Schema.decodeUnknownOption(GatewayError)

/**
 * The typed error a failed job ended with, as it was raised.
 *
 * @since 0.1.0
 */
export const jobFailure = (job: Job): GatewayError =>
  Option.getOrElse(
    job.error === null ? Option.none() : decodeError(job.error),
    () =>
      new CliRunFailed({
        message: job.error?.message ?? `job ${job.id} ended ${job.status}`,
        cli: job.cli,
        hint: "Read the job's output with llm_job_result.",
        cliMessage: job.error?.message ?? "",
        exitCode: job.exitCode
      })
  )
