/**
 * What the client's model is told at `initialize`: how the served tools fit
 * together. A sentence about tools that are not served (see `toolsets`) is
 * left out, so the model is never pointed at a tool it cannot call.
 *
 * @since 0.1.0
 */
import { allClis } from "../domain/Cli.js"

const words = (items: ReadonlyArray<string>): string =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`

/**
 * The instructions for a server that serves the tools named.
 *
 * @since 0.1.0
 */
export const instructionsFor = (served: ReadonlySet<string>): string => {
  const has = (name: string) => served.has(name)
  const sync = allClis.filter((cli) => has(`${cli}_request`))
  const async = allClis.filter((cli) => has(`${cli}_request_async`))
  const clis = allClis.filter((cli) => sync.includes(cli) || async.includes(cli))
  const jobs = has("llm_job_wait") && has("llm_job_result")
  const out: Array<string> = [
    clis.length > 0
      ? `llm-cli-gateway runs the local coding-agent CLIs ${words(clis)}.`
      : "llm-cli-gateway runs the local coding-agent CLIs."
  ]
  if (sync.length > 0) {
    out.push(
      `${sync.map((cli) => `${cli}_request`).join(", ")} answer with the reply when the CLI ends; a run still going ` +
        `after SYNC_DEADLINE_MS (45 s) answers with a jobId instead.`
    )
  }
  if (jobs) {
    out.push(
      (async.length > 0 ? "For long work use the *_request_async tools, then " : "Collect a job with ") +
        "llm_job_wait (waits up to timeoutMs) and llm_job_result (pages with offset)" +
        (has("llm_job_cancel") ? "; llm_job_cancel ends a job." : ".")
    )
  }
  if (clis.length > 0) {
    out.push(
      "Every request is a durable job: identical requests within an hour share one run (forceRefresh: true for a new",
      "one), and results survive restarts. structuredContent carries the CLI's own sessionId (pass it back as",
      "sessionId to continue), usage and cost."
    )
  }
  out.push(
    "Failures are typed: structuredContent.error._tag (CliAuthRequired, CliRateLimited, IdleTimeout, InvalidRequest,",
    "JobNotFound, CircuitOpen, ...) and the text says what to do."
  )
  if (clis.length > 0) {
    out.push(
      "A CLI that prints nothing for idleTimeoutMs (default 10 minutes) is stopped; transient failures are retried."
    )
  }
  if (has("session_create")) {
    out.push("Sessions: session_create gives a gw- id that stands for a CLI conversation; session_list and session_get show them.")
  }
  if (clis.length > 0) {
    out.push(
      "Approvals: approvalStrategy mcp_managed lets the server's policy decide on bypass flags" +
        (has("approval_list") ? "; approval_list shows the decisions." : ".")
    )
    out.push("The request tools also run as MCP tasks (tasks/get, tasks/result, tasks/cancel).")
  }
  out.push(
    "Guides: skills://async-orchestration, skills://multi-model-review, skills://sessions; job state: jobs://recent."
  )
  return out.join(" ")
}

/**
 * The instructions of a server that serves every tool.
 *
 * @since 0.1.0
 */
export const everything: string = instructionsFor(
  new Set([
    ...allClis.flatMap((cli) => [`${cli}_request`, `${cli}_request_async`]),
    "llm_job_wait",
    "llm_job_result",
    "llm_job_cancel",
    "session_create",
    "approval_list"
  ])
)
