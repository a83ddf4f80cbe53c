/**
 * JobManager's housekeeping over a real SQLite file: at start it completes
 * the flight-recorder rows a killed server left open, from their jobs.
 */
import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { mkdtempSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import * as Gateway from "../../src/Gateway.js"
import { JobManager } from "../../src/jobs/JobManager.js"
import { FlightRecorder } from "../../src/observability/FlightRecorder.js"
import { CommandRunner } from "../../src/process/CommandRunner.js"
import { ownPidNamespace } from "../../src/process/processInfo.js"
import { testConfig, testDatabaseAt } from "../support/testDatabase.js"

/** No CLI runs in these tests. */
const noRunner = Layer.succeed(CommandRunner, {
  resolve: (command) => Effect.succeed(command),
  run: () => Effect.dieMessage("no CLI runs here"),
  exec: () => Effect.dieMessage("no CLI runs here")
})

/** Ten seconds ago: within every retention. */
const T = Date.now() - 10_000

const job = (id: string, columns: Record<string, unknown>) => ({
  id,
  cli: "claude",
  request_key: id,
  argv_json: "[]",
  cwd: "/",
  correlation_id: `corr-${id}`,
  output_format: "text",
  owner_instance: "killed",
  created_at: T,
  ...columns
})

const openRow = (id: string, jobId: string) => ({
  id,
  correlation_id: `corr-${jobId}`,
  job_id: jobId,
  instance_id: "killed",
  cli: "claude",
  status: "started",
  started_at: T,
  prompt_chars: 2
})

/**
 * The file as a server SIGKILLed at a bad moment leaves it: its instance
 * never recorded its stop, its pid runs nothing; one job completed whose
 * row was never completed, one job still `running`.
 */
const killedServer = (path: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`INSERT INTO instances ${
      sql.insert({
        id: "killed",
        pid: 2_147_483_000,
        host: hostname(),
        pid_namespace: ownPidNamespace() ?? null,
        started_at: T - 500,
        heartbeat_at: T + 1_000,
        lease_ms: 60_000
      })
    }`
    yield* sql`INSERT INTO jobs ${
      sql.insert(job("done", { status: "completed", started_at: T + 10, finished_at: T + 900, exit_code: 0 }))
    }`
    yield* sql`INSERT INTO jobs ${sql.insert(job("running", { status: "running", started_at: T + 10, pid: null }))}`
    yield* sql`INSERT INTO flight_recorder ${sql.insert(openRow("row-done", "done"))}`
    yield* sql`INSERT INTO flight_recorder ${sql.insert(openRow("row-running", "running"))}`
  }).pipe(Effect.provide(testDatabaseAt(path)))

describe("housekeeping", () => {
  it.live("at start, completes the recorder rows a killed server left open: from the job's end, or orphaned", () => {
    const path = join(mkdtempSync(join(tmpdir(), "gateway-housekeeping-")), "gateway.db")
    const services = Gateway.layerServicesWith(noRunner, CliIdentity.layerTrusting).pipe(
      Layer.provideMerge(testConfig({ databasePath: path }))
    )
    return Effect.gen(function*() {
      yield* killedServer(path)
      yield* Effect.gen(function*() {
        yield* JobManager
        const recorder = yield* FlightRecorder
        const read = Effect.map(recorder.recent({ limit: 10 }), (rows) => new Map(rows.map((r) => [r.jobId, r])))
        // Well before the recorder's own minute: at start.
        let rows = yield* read
        for (let i = 0; i < 150 && [...rows.values()].some((r) => r.status === "started"); i++) {
          yield* Effect.sleep("20 millis")
          rows = yield* read
        }
        expect(rows.get("done")).toMatchObject({ status: "completed", exitCode: 0, finishedAt: T + 900, durationMs: 900 })
        expect(rows.get("running")).toMatchObject({ status: "orphaned", errorTag: "JobOrphaned" })
      }).pipe(Effect.provide(services))
    })
  })
})
