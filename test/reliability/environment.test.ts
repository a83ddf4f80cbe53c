/**
 * The environment: which variables a CLI is started with (documented in
 * docs/RELIABILITY.md from what the fake CLIs record), and secrets the
 * gateway's own environment holds never written to job rows, the flight
 * recorder (the whole database file is searched) or the log on stderr;
 * nor, when a CLI prints a secret of no known shape and fails, in any
 * answer.
 */
import { afterAll, describe, expect, it } from "vitest"
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { childEnvironment, cliInheritance, nestingMarkers, sharedVariables } from "../../src/process/childEnvironment.js"
import * as Providers from "../../src/providers/Providers.js"
import { suiteRecorder } from "./helpers/results.js"
import { baseEnv, fakeBin, recordsIn, startRaw, tempDir, waitUntil, withDb } from "./helpers/server.js"

const results = suiteRecorder(
  "environment",
  "A server started with known variables (a secret of the gateway's own, an unrelated secret, an API key a CLI " +
    "needs, nesting markers), debug logging on, and one request per CLI (a success, a failure, an async job); the " +
    "fake CLIs record every variable they receive (`[[fake:record-env]]`)."
)
afterAll(() => results.flush())

const SECRETS = {
  LLM_GATEWAY_TEST_SECRET: "gw-secret-7c1d2e",
  SECRET_TOKEN: "unrelated-secret-93ab4f",
  ANTHROPIC_API_KEY: "sk-ant-api03-secretkey-5f6e7d",
  OPENAI_API_KEY: "sk-proj-secretkey-0a1b2c",
  AWS_SECRET_ACCESS_KEY: "aws-secret-9f8e7d"
}
/** The vendor whose CLI may receive each secret (no vendor: none may). */
const OWNER: Readonly<Record<string, string | undefined>> = { ANTHROPIC_API_KEY: "claude", OPENAI_API_KEY: "codex" }
const adapters = Providers.make({ trustWorkspace: true })
const MARKERS = { CLAUDECODE: "1", CLAUDE_CODE_ENTRYPOINT: "cli", GEMINI_CLI: "1", CODEX_SANDBOX: "seatbelt" }

describe("what a CLI gets, and where secrets go", () => {
  it("the CLI's environment is the documented policy; no secret in job rows, the database file or the log", async () => {
    const row = results.begin("E01", "Variables a CLI receives; secrets in rows, database, flight recorder and log")
    const dir = tempDir()
    const db = join(dir, "jobs.db")
    const extra = { LLM_GATEWAY_JOBS_DB: db, DEBUG: "1", ...SECRETS, ...MARKERS }
    const serverEnv = baseEnv(dir, extra)
    const server = startRaw(dir, extra)
    try {
      await server.initialize()
      for (const cli of ["claude", "codex", "gemini", "grok"]) {
        const ok = await server.callTool(`${cli}_request`, { prompt: `[[fake:record-env]] environment of ${cli}` })
        expect(ok.result.isError ?? false).toBe(false)
        const failed = await server.callTool(`${cli}_request`, { prompt: "[[fake:crash]] a failure to log" })
        expect(failed.result.isError).toBe(true)
      }
      const started = await server.callTool("claude_request_async", { prompt: "[[fake:chunks=3]] [[fake:delay=50]] async" })
      const jobId = started.result.structuredContent.jobId as string
      await server.callTool("llm_job_wait", { jobId, timeoutMs: 20_000 })
      await server.callTool("llm_process_health", {})
      await server.callTool("session_list", {})

      // 1. What each CLI received: the allowed part of the server's environment (the harness allows the fakes'
      // FAKE_CLI_* through LLM_GATEWAY_CHILD_ENV), less the nesting markers, plus the adapter's own.
      const received = new Map<string, ReadonlyArray<string>>()
      const reached = new Map<string, Array<string>>()
      for (const cli of ["claude", "codex", "gemini", "grok"] as const) {
        const policy = childEnvironment(serverEnv, {}, cliInheritance(adapters[cli].environment, ["FAKE_CLI_*"]))
        const rec = recordsIn(dir).find((r) => r.cli === cli && String(r.prompt).includes("record-env"))!
        const env = rec.env ?? {}
        for (const marker of nestingMarkers) expect(env[marker], `${cli} got ${marker}`).toBeUndefined()
        for (const [k, v] of Object.entries(policy)) expect(env[k], `${cli}: ${k}`).toBe(v)
        received.set(cli, Object.keys(env).filter((k) => !(k in policy)).sort())
        // A secret reaches the CLI exactly when the policy passes it on: a vendor's key only its own CLI,
        // AWS credentials none (claude gets them only when configured for Bedrock).
        for (const k of Object.keys(SECRETS)) {
          expect(k in env, `${cli}: ${k}`).toBe(k in policy)
          expect(k in env, `${cli}: ${k}`).toBe(OWNER[k] === cli)
          if (k in env) reached.set(k, [...(reached.get(k) ?? []), cli])
        }
        // The gateway's own settings and unrelated variables stay with the gateway; the provider's key goes on.
        expect(env.LLM_GATEWAY_TEST_SECRET, `${cli} got LLM_GATEWAY_TEST_SECRET`).toBeUndefined()
        expect(env.SECRET_TOKEN, `${cli} got SECRET_TOKEN`).toBeUndefined()
        expect(Object.keys(env).some((k) => k.startsWith("LLM_GATEWAY_")), `${cli} got an LLM_GATEWAY_ variable`).toBe(false)
        expect(env.ANTHROPIC_API_KEY).toBe(cli === "claude" ? SECRETS.ANTHROPIC_API_KEY : undefined)
        expect(env.AWS_SECRET_ACCESS_KEY, `${cli} got AWS_SECRET_ACCESS_KEY`).toBeUndefined()
      }

      // 2. Secrets never written to the database file (job rows, output, sessions, flight recorder) or the log.
      await server.callTool("llm_process_health", {})
      const files = readdirSync(dir).filter((f) => f.startsWith("jobs.db"))
      const tables = withDb(db, (d) =>
        (d.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name)
      )
      for (const file of files) {
        const bytes = readFileSync(join(dir, file)).toString("latin1")
        for (const secret of Object.values(SECRETS)) expect(bytes.includes(secret), `${secret} in ${file}`).toBe(false)
      }
      await waitUntil(() => server.stderr().length > 0, 5_000)
      for (const secret of Object.values(SECRETS)) expect(server.stderr().includes(secret), `${secret} in the log`).toBe(false)
      const flightRecorder = tables.filter((t) => /flight|request_log|recorder/i.test(t))

      const passed = [...reached].map(([k, clis]) => `${k} (${clis.join(", ")} only)`)
      row.pass(
        `every CLI received only the allowed variables of the server's environment, never the nesting markers (${nestingMarkers.join(", ")}), plus its adapter's ` +
          `own variables; no secret value in the database files (${files.join(", ")}: tables ${tables.join(", ")}) or in the ` +
          `${Math.round(server.stderr().length / 1024)} KiB of debug log. ` +
          (passed.length > 0
            ? `A CLI receives its own vendor's credential only: ${passed.join(", ")}; ` +
              `${Object.keys(SECRETS).filter((k) => !reached.has(k)).join(", ")} never reached a CLI`
            : "No secret reached a CLI"),
        {
          "added by the adapters": [...received].map(([cli, keys]) => `${cli}: ${keys.length === 0 ? "none" : keys.join(", ")}`).join("; "),
          "flight recorder table": flightRecorder.length > 0 ? flightRecorder.join(", ") : "none in this build"
        }
      )
      results.note(
        "policy",
        "**What a CLI is started with** (`src/process/childEnvironment.ts`): only the variables it and the tools it runs " +
          "need, by name or prefix: the shared " + sharedVariables.map((v) => `\`${v}\``).join(", ") + "; and its own " +
          "vendor's only: " + (["claude", "codex", "gemini", "grok"] as const).map((cli) =>
            `${cli} ${adapters[cli].environment.always.map((v) => `\`${v}\``).join(", ")}${
              (adapters[cli].environment.when ?? []).map((w) => `, with \`${w.set}\` set ${w.variables.map((v) => `\`${v}\``).join(", ")}`).join("")
            }`).join("; ") + ". Never the gateway's own " +
          "`LLM_GATEWAY_*` settings, never the nesting markers `" + nestingMarkers.join("`, `") + "` (which make a CLI believe it " +
          "runs inside another agent), and nothing else the MCP client gave the server; `LLM_GATEWAY_CHILD_ENV` adds names or " +
          "`PREFIX*` patterns (`*` passes everything on). The adapter's own variables are added last (listed above). Secrets " +
          "are kept out of the gateway's own records: the test above searches the database files and the log for every secret value."
      )
    } finally {
      server.kill()
    }
  }, 60_000)

  it("a secret of no known shape that a CLI prints and fails with is in no answer, database file, log line or flight-recorder row", async () => {
    const row = results.begin("E02", "A CLI prints an unshaped secret of the server's environment and fails")
    const dir = tempDir()
    const db = join(dir, "jobs.db")
    // Secret-named variables whose values match no shape rule (no sk-, no bearer, no KEY=value on the line).
    const secrets = { SOME_SERVICE_TOKEN: "hunter2hunter2-e02", DATABASE_PASSWORD: "c0rrect.h0rse*(battery)" }
    // A claude that is the fake for its identity check, and otherwise prints both values on stderr and exits 1
    // (as a CLI echoing its configuration in a crash report would). It learns them as real CLIs learn theirs:
    // the server passes the variables on (LLM_GATEWAY_CHILD_ENV).
    const leaky = join(dir, "leaky-claude")
    writeFileSync(
      leaky,
      `#!/bin/sh\ncase "$1" in --version|-v|--help) exec ${JSON.stringify(fakeBin("claude"))} "$@" ;; esac\n` +
        `cat >/dev/null\n` +
        `printf 'Error: request to the service failed\\n  token: %s\\n' "$SOME_SERVICE_TOKEN" >&2\n` +
        `printf 'connecting as app with %s: refused\\n' "$DATABASE_PASSWORD" >&2\n` +
        `printf '{"type":"result","subtype":"error_during_execution","is_error":true,"result":"%s"}\\n' "$SOME_SERVICE_TOKEN"\n` +
        `exit 1\n`
    )
    chmodSync(leaky, 0o755)
    const server = startRaw(dir, {
      LLM_GATEWAY_JOBS_DB: db,
      DEBUG: "1",
      LLM_GATEWAY_CLAUDE_BIN: leaky,
      LLM_GATEWAY_CHILD_ENV: "FAKE_CLI_*,SOME_SERVICE_TOKEN,DATABASE_PASSWORD",
      ...secrets
    })
    // Everything the server writes on stdout: answers, notifications, progress.
    let stdout = ""
    server.child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString()
    })
    try {
      await server.initialize()
      const answers: Array<unknown> = []
      for (const outputFormat of ["text", "json"]) {
        const failed = await server.callTool("claude_request", { prompt: "crash and tell", outputFormat })
        expect(failed.result.isError).toBe(true)
        answers.push(failed)
      }
      const started = await server.callTool("claude_request_async", { prompt: "crash later" })
      const jobId = started.result.structuredContent.jobId as string
      answers.push(started)
      answers.push(await server.callTool("llm_job_wait", { jobId, timeoutMs: 20_000 }))
      answers.push(await server.callTool("llm_job_status", { jobId }))
      const result = await server.callTool("llm_job_result", { jobId })
      answers.push(result)
      answers.push(await server.callTool("llm_process_health", {}))

      const tables = withDb(db, (d) =>
        (d.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name)
      )
      const recorderTables = tables.filter((t) => /flight|request_log|recorder/i.test(t))
      await waitUntil(
        () =>
          recorderTables.length > 0 &&
          withDb(db, (d) => (d.prepare(`SELECT count(*) AS n FROM ${recorderTables[0]}`).get() as { n: number }).n) >= 3,
        10_000
      )
      const recorderRows = recorderTables.flatMap((t) => withDb(db, (d) => d.prepare(`SELECT * FROM ${t}`).all()))
      const jobRows = withDb(db, (d) => d.prepare("SELECT * FROM jobs").all())
      expect(jobRows.length).toBe(3)
      const files = readdirSync(dir).filter((f) => f.startsWith("jobs.db"))
      const places: ReadonlyArray<readonly [string, string]> = [
        ["the answers", JSON.stringify(answers)],
        ["stdout (answers and notifications)", stdout],
        ["the job rows", JSON.stringify(jobRows)],
        ["the flight-recorder rows", JSON.stringify(recorderRows)],
        ["the log", server.stderr()],
        ...files.map((f) => [`database file ${f}`, readFileSync(join(dir, f)).toString("latin1")] as const)
      ]
      for (const [where, text] of places) {
        for (const value of Object.values(secrets)) {
          expect(text.includes(value), `${value} in ${where}`).toBe(false)
          expect(text.includes(JSON.stringify(value).slice(1, -1)), `${value} (escaped) in ${where}`).toBe(false)
        }
      }
      // The CLI did print the values (it got them): its failure reached the client with the marker in their place.
      expect(JSON.stringify(result)).toContain("[REDACTED]")
      row.pass(
        "a CLI given two secret-named variables of no known shape (`SOME_SERVICE_TOKEN`, `DATABASE_PASSWORD` with regex " +
          "metacharacters) printed them on stderr and stdout and failed; three requests (two sync, one async read back with " +
          "llm_job_wait, llm_job_status, llm_job_result): neither value is in any answer, any line on stdout, the job rows, " +
          `the flight-recorder rows (${recorderRows.length}), the ${Math.round(server.stderr().length / 1024)} KiB of debug log ` +
          `or the database files (${files.join(", ")}); each shows [REDACTED] where the value was`,
        { "job rows": jobRows.length, "flight-recorder rows": recorderRows.length, "stdout bytes": stdout.length }
      )
    } finally {
      server.kill()
      await server.exited
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
