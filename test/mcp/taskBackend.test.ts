import { describe, expect, it } from "@effect/vitest"
import type { Job, JobStatus } from "../../src/domain/Job.js"
import { POLL_INTERVAL_MS, taskStatus, toTask } from "../../src/mcp/taskBackend.js"

const job = (over: Partial<Job>): Job => ({
  id: "00000000-0000-4000-8000-000000000001",
  cli: "claude",
  requestKey: "k",
  argv: [],
  cwd: "/tmp",
  correlationId: "c",
  outputFormat: "text",
  status: "queued",
  ownerInstance: "i",
  principal: "local",
  createdAt: 1_000,
  startedAt: null,
  finishedAt: null,
  exitCode: null,
  signal: null,
  error: null,
  reply: null,
  pid: null,
  stdoutBytes: 0,
  stderrBytes: 0,
  stdoutChars: 0,
  stderrChars: 0,
  outputTruncated: false,
  cancelRequestedAt: null,
  ...over
} as Job)

describe("tasks from jobs", () => {
  it("maps every job status to a task status", () => {
    const expected: Record<JobStatus, string> = {
      queued: "working",
      running: "working",
      completed: "completed",
      failed: "failed",
      orphaned: "failed",
      canceled: "cancelled"
    }
    for (const [status, task] of Object.entries(expected)) expect(taskStatus(status as JobStatus)).toBe(task)
  })

  it("a task carries the job's id, times, ttl and poll interval", () => {
    const task = toTask(job({ status: "completed", startedAt: 2_000, finishedAt: 5_000 }), 42)
    expect(task).toMatchObject({
      taskId: "00000000-0000-4000-8000-000000000001",
      status: "completed",
      createdAt: new Date(1_000).toISOString(),
      lastUpdatedAt: new Date(5_000).toISOString(),
      ttl: 42,
      pollInterval: POLL_INTERVAL_MS
    })
    expect(task.statusMessage).toContain("completed")
    expect(toTask(job({ cancelRequestedAt: 3_000 }), null).lastUpdatedAt).toBe(new Date(3_000).toISOString())
  })
})
