/**
 * A CLI that prints the value of a secret of the server's environment (one
 * of no known shape) and fails: the value is in neither the job's typed
 * failure, nor its stored row, output, attempts or flight-recorder row,
 * nor anywhere in the database file. JobManager over a real SQLite file
 * and a scripted CommandRunner.
 */
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { vi } from "vitest"
import * as GatewayConfig from "../../src/Config.js"
import { CliExitedNonZero } from "../../src/domain/errors.js"
import * as Gateway from "../../src/Gateway.js"
import { attemptError } from "../../src/jobs/attempts.js"
import { JobManager } from "../../src/jobs/JobManager.js"
import { stoppedFinal, toJobError } from "../../src/jobs/jobOutcome.js"
import { JobStore } from "../../src/jobs/JobStore.js"
import { FlightRecorder } from "../../src/observability/FlightRecorder.js"
import { CommandRunner, type CommandSpec, requireSuccess } from "../../src/process/CommandRunner.js"
import { claudeRequest } from "./clock.js"

// In the server's environment before anything reads it: secret-named, with values of no known shape.
const TOKEN = "hunter2hunter2-7d1f"
const PASSWORD = "pa$$(w0rd)+*?.db"
vi.hoisted(() => {
  process.env.SOME_SERVICE_TOKEN = "hunter2hunter2-7d1f"
  process.env.DATABASE_PASSWORD = "pa$$(w0rd)+*?.db"
})

/** A claude that prints the secrets (stderr, and an error event on stdout) and exits 1, once per spec. */
const leakingRunner = (seen: Array<CommandSpec>) => {
  const exec = (spec: CommandSpec) =>
    Effect.gen(function*() {
      seen.push(spec)
      if (spec.onSpawn) yield* spec.onSpawn(4242, "/fake/claude")
      const stderr = `Error: request to https://api.example.com failed: token ${TOKEN} was refused\n` +
        `connecting with password ${PASSWORD.slice(0, 5)}`
      const stderrRest = `${PASSWORD.slice(5)} failed\nTypeError: Cannot read properties of undefined\n`
      const stdout = JSON.stringify({ type: "result", subtype: "error_during_execution", is_error: true, result: `auth ${TOKEN}` }) + "\n"
      if (spec.onOutput) {
        // The password arrives cut in two chunks.
        yield* spec.onOutput({ stream: "stderr", data: Buffer.from(stderr) })
        yield* spec.onOutput({ stream: "stdout", data: Buffer.from(stdout) })
        yield* spec.onOutput({ stream: "stderr", data: Buffer.from(stderrRest) })
      }
      const all = stderr + stderrRest
      return {
        command: "/fake/claude -p",
        pid: 4242,
        exitCode: 1,
        signal: null,
        stdout,
        stderr: all,
        stdoutTruncated: false,
        stderrTruncated: false,
        stdoutBytes: Buffer.byteLength(stdout),
        stderrBytes: Buffer.byteLength(all),
        stdoutTail: stdout,
        stderrTail: all,
        durationMs: 5
      }
    })
  return Layer.succeed(CommandRunner, {
    resolve: (command) => Effect.succeed(command),
    run: (spec) => Effect.flatMap(exec(spec), requireSuccess),
    exec
  })
}

describe("a CLI that prints the server's secrets and fails", () => {
  it.live("the value is in no typed failure, job row, output, attempt, flight-recorder row or database file", () => {
    const dir = mkdtempSync(join(tmpdir(), "gateway-secrets-"))
    const path = join(dir, "gateway.db")
    const seen: Array<CommandSpec> = []
    const layer = Gateway.layerServicesWith(leakingRunner(seen), CliIdentity.layerTrusting).pipe(
      Layer.provideMerge(GatewayConfig.layerTest({ databasePath: path }))
    )
    return Effect.gen(function*() {
      const manager = yield* JobManager
      const store = yield* JobStore
      const recorder = yield* FlightRecorder
      const { job } = yield* manager.submit("claude", { ...claudeRequest("hello"), outputFormat: "json" as const })
      const done = yield* manager.await(job.id, undefined)
      expect(done.status).toBe("failed")
      expect(seen).toHaveLength(1)
      // The failure as answered (the waiter's job) and as stored.
      const stored = Option.getOrThrow(yield* store.get(job.id))
      const stderr = yield* store.readOutput(job.id, "stderr", 0, 100_000)
      const stdout = yield* store.readOutput(job.id, "stdout", 0, 100_000)
      expect(stderr).toContain("[REDACTED]")
      expect(stderr).toContain("was refused")
      // The flight recorder's row is written once the waiters have answered.
      yield* Effect.sleep("200 millis")
      const records = yield* recorder.byCorrelationId(job.correlationId)
      expect(records.length).toBeGreaterThan(0)
      const answered = [done, stored, stderr, stdout, records].map((v) => JSON.stringify(v)).join("\n")
      expect(done.error?.message ?? "").not.toBe("")
      for (const secret of [TOKEN, PASSWORD, JSON.stringify(PASSWORD).slice(1, -1)]) {
        expect(answered.includes(secret), `${secret} answered or stored`).toBe(false)
      }
      // Every byte SQLite wrote (the file, its WAL).
      for (const file of readdirSync(dir)) {
        const bytes = readFileSync(join(dir, file)).toString("latin1")
        for (const secret of [TOKEN, PASSWORD]) expect(bytes.includes(secret), `${secret} in ${file}`).toBe(false)
      }
    }).pipe(
      Effect.provide(layer),
      Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    )
  })
})

describe("the stored forms of a failure", () => {
  it("toJobError, attemptError and a defect's stored error carry no secret value", () => {
    const error = new CliExitedNonZero({
      message: `claude exited with code 1: ${TOKEN}`,
      command: "claude -p",
      exitCode: 1,
      signal: null,
      stderrTail: `password ${PASSWORD}`,
      stdoutTail: ""
    })
    const stored = JSON.stringify(toJobError(error))
    expect(stored).toContain("[REDACTED]")
    expect(JSON.stringify(attemptError(error))).not.toContain(TOKEN)
    const died = stoppedFinal("job-1", Cause.die(new Error(`boom with ${TOKEN}`)), 0)
    for (const text of [stored, JSON.stringify(died.error)]) {
      expect(text).not.toContain(TOKEN)
      expect(text).not.toContain(PASSWORD)
    }
  })
})
