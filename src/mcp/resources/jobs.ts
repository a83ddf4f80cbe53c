/**
 * The job resources: `jobs://recent` (the newest jobs) and `jobs://{id}`
 * (one job), each job's status as `llm_job_status` reports it, without its
 * output or reply text.
 *
 * @since 0.1.0
 */
import { CurrentPrincipal } from "../../domain/Principal.js"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Job } from "../../domain/Job.js"
import { JobManager } from "../../jobs/JobManager.js"
import { JobStore } from "../../jobs/JobStore.js"
import * as Resource from "../Resource.js"
import { jobStatus, JobStatusView } from "../tools/jobView.js"

/**
 * How many jobs `jobs://recent` lists.
 *
 * @since 0.1.0
 */
export const RECENT_JOBS = 20

const encodeStatus = Schema.encode(JobStatusView)

/** The statuses of jobs as this server sees them (`ownedByThisServer`), as JSON. */
const statuses = (jobs: ReadonlyArray<Job>) =>
  Effect.gen(function*() {
    const { instanceId } = yield* JobManager
    // Our own Schema refusing our own view is a bug: a defect.
    return yield* Effect.forEach(jobs, (job) => Effect.orDie(encodeStatus(jobStatus(job, { selfInstance: instanceId }))))
  })

const json = (value: unknown): Resource.ResourceContents => ({
  mimeType: "application/json",
  text: JSON.stringify(value, null, 2)
})

/** @since 0.1.0 */
export const recentJobs = Resource.make({
  uri: "jobs://recent",
  name: "Recent jobs",
  description: `The ${RECENT_JOBS} newest jobs of every server on this database, newest first: status, timings, ` +
    "exit code, error and output size (no output text; read that with llm_job_result).",
  mimeType: "application/json",
  read: Effect.gen(function*() {
    const store = yield* JobStore
    const jobs = yield* store.list({ limit: RECENT_JOBS, principal: yield* CurrentPrincipal })
    return json({ jobs: yield* statuses(jobs) })
  })
})

/** @since 0.1.0 */
export const jobById = Resource.template({
  uriTemplate: "jobs://{id}",
  name: "Job",
  description: "One job's status as llm_job_status reports it (no output text; read that with llm_job_result).",
  mimeType: "application/json",
  read: ({ id }) =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const job = yield* manager.get(id!)
      const [status] = yield* statuses([job])
      return json(status)
    })
})

/**
 * `jobs://recent` before the template it would also match.
 *
 * @since 0.1.0
 */
export const jobResources = [recentJobs, jobById] as const
