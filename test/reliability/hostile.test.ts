/**
 * Hostile input: fast-check properties over every tool's parameters, run
 * against one built server per property; the answer is a result or a typed
 * error (never a crash, a hang, a stack trace or a JSON-RPC internal
 * error), and no generated value reaches a CLI as an option (the fake CLIs
 * record their argv). The named cases are in hostile-named.test.ts.
 */
import { agents } from "../../src/agents/registry.js"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { allClis } from "../../src/domain/Cli.js"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import { argumentsFor, MARK } from "./helpers/arbitraries.js"
import { argvProblems } from "./helpers/argv.js"
import { classify, STACK } from "./helpers/answers.js"
import { ms, suiteRecorder } from "./helpers/results.js"
import { alive, jobRows, recordsIn, root, startRaw, tempDir, waitUntil } from "./helpers/server.js"

const results = suiteRecorder(
  "hostile",
  "Property runs (fast-check, fixed seed; `RELIABILITY_SEED` and `RELIABILITY_RUNS` change them) on the built server over " +
    "stdio (newline-delimited JSON-RPC written by the test), one server per property run. H01 mixes hostile values into " +
    "every field, so its request cases stop at validation; H02 keeps the values the schema accepts, so its cases reach the CLIs. A generated string carries a marker so that the argv the fake CLIs record " +
    "can be searched for it: a request value may only stand right after an option whose value the gateway validated " +
    "(`--model`, `--resume`, `--include-directories`, ...; the list is in test/reliability/helpers/argv.ts), never as an " +
    "option, and a prompt never appears in argv at all. Every option in a recorded argv must be one the adapters write."
)
afterAll(() => results.flush())

/** A server for a property run, with every side effect kept in a temp folder. */
const serverFor = (dir: string) =>
  startRaw(dir, {
    LLM_GATEWAY_JOBS_DB: join(dir, "jobs.db"),
    LLM_GATEWAY_NPM_BIN: join(root, "test/fixtures/cli/npm"),
    LLM_GATEWAY_MCP_SERVERS: join(root, "test/fixtures/mcpServers/registry.json"),
    FAKE_UPGRADE_STATE: dir,
    LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1",
    LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "0",
    LLM_GATEWAY_IDLE_TIMEOUT_MS: "20000"
  })

const CASE_TIMEOUT_MS = 25_000

describe("every tool, any arguments", () => {
  it("answers a result or a typed error, never a crash, hang or stack, and no value reaches a CLI as an option", async () => {
    const numRuns = Number(process.env.RELIABILITY_RUNS ?? 400)
    const row = results.begin("H01", `fast-check: any arguments to any tool (${numRuns} runs)`)
    const dir = tempDir()
    const server = serverFor(dir)
    const outcomes = new Map<string, number>()
    let slowest = 0
    try {
      await server.initialize()
      const listed = await server.request("tools/list")
      const tools = listed.result.tools as Array<{ name: string; inputSchema: Record<string, any> }>
      expect(tools.length).toBeGreaterThan(20)
      const call = fc.oneof(...tools.map((t) => argumentsFor(t.inputSchema).map((args) => ({ name: t.name, args }))))
      const start = Date.now()
      await fc.assert(
        fc.asyncProperty(call, async ({ args, name }) => {
          const t0 = Date.now()
          const answer = await server.callTool(name, args, CASE_TIMEOUT_MS)
          slowest = Math.max(slowest, Date.now() - t0)
          const outcome = classify(answer)
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
          expect(alive(server.pid)).toBe(true)
        }),
        { numRuns, seed: Number(process.env.RELIABILITY_SEED ?? 20251126), endOnFailure: true }
      )
      const runMs = Date.now() - start
      // Let the async jobs the run started finish, then look at every argv recorded.
      await waitUntil(() => jobRows(join(dir, "jobs.db")).every((r) => r.status !== "queued" && r.status !== "running"), 30_000)
      const runs = recordsIn(dir).filter((r) => r.argv !== undefined)
      const problems = runs.flatMap((r) => argvProblems(r.argv!).map((p) => `${r.cli ?? "?"}: ${p}`))
      expect(problems).toEqual([])
      const marked = runs.filter((r) => r.argv!.some((a) => a.includes(MARK))).length
      expect(server.stderr()).not.toMatch(STACK)
      expect(server.garbage()).toEqual([])
      const summary = [...outcomes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      row.pass(
        "every answer a result or a typed error; no JSON-RPC internal error, no stack trace (answers and stderr), no answer past " +
          `${CASE_TIMEOUT_MS / 1000} s; the server never exited; no recorded argv with a request value as an option or a prompt in it`,
        {
          "answers by kind": summary.map(([k, n]) => `${k} ${n}`).join(", "),
          "CLI runs checked": `${runs.length} (${marked} with a request value in argv)`,
          "slowest answer": ms(slowest),
          "run time": ms(runMs)
        }
      )
    } finally {
      server.kill()
    }
  }, 240_000)

  it("request tools with mostly valid arguments: the CLI runs, and its argv holds no request value as an option", async () => {
    const numRuns = Math.ceil(Number(process.env.RELIABILITY_RUNS ?? 400) / 2.5)
    const row = results.begin("H02", `fast-check: valid-ish arguments to the four sync request tools (${numRuns} runs)`)
    const dir = tempDir()
    const server = serverFor(dir)
    const outcomes = new Map<string, number>()
    try {
      await server.initialize()
      const listed = await server.request("tools/list")
      const tools = (listed.result.tools as Array<{ name: string; inputSchema: Record<string, any> }>).filter((t) =>
        /_request$/.test(t.name)
      )
      expect(tools).toHaveLength(allClis.length)
      // Only the valid-looking shapes: drop the keys that decoding refuses, so that most cases start a CLI.
      const call = fc.oneof(
        ...tools.map((t) =>
          argumentsFor(t.inputSchema)
            .filter((a): a is Record<string, unknown> => a !== null && typeof a === "object" && !Array.isArray(a))
            .map((args) => ({ name: t.name, args: keepDecodable(t.name, keepValid(args, t.inputSchema)) }))
        )
      )
      const start = Date.now()
      await fc.assert(
        fc.asyncProperty(call, async ({ args, name }) => {
          const answer = await server.callTool(name, args, CASE_TIMEOUT_MS)
          const outcome = classify(answer)
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
        }),
        { numRuns, seed: Number(process.env.RELIABILITY_SEED ?? 20251126), endOnFailure: true }
      )
      const runMs = Date.now() - start
      const runs = recordsIn(dir).filter((r) => r.argv !== undefined)
      // Most cases pass the schema and start a CLI (the rest fail later checks, such as a session that does not exist).
      expect(runs.length).toBeGreaterThan(numRuns / 4)
      const problems = runs.flatMap((r) => argvProblems(r.argv!).map((p) => `${r.cli ?? "?"}: ${p}`))
      expect(problems).toEqual([])
      expect(server.stderr()).not.toMatch(STACK)
      const summary = [...outcomes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      const marked = runs.filter((r) => r.argv!.some((a) => a.includes(MARK))).length
      row.pass("every answer a result or a typed error; every recorded argv clean (request values only after validated options)", {
        "answers by kind": summary.map(([k, n]) => `${k} ${n}`).join(", "),
        "CLI runs checked": `${runs.length} (${marked} with a request value in argv)`,
        "run time": ms(runMs)
      })
    } finally {
      server.kill()
    }
  }, 240_000)
})

/**
 * The arguments without the values the schema refuses (so that a case
 * reaches the CLI), keeping hostile values the schema allows.
 */
const keepValid = (args: Record<string, unknown>, schema: Record<string, any>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(args)) {
    const p = schema.properties?.[k] as Record<string, any> | undefined
    if (p === undefined) continue
    if (fits(v, p)) out[k] = v
  }
  if (typeof out.prompt !== "string") out.prompt = "pq9 a plain prompt"
  // No test wants a run to go on for the default 10 minutes, nor to resume sessions that do not exist.
  delete out.idleTimeoutMs
  return out
}

/**
 * The arguments without the fields the server's own Schema refuses (the
 * tool list leaves some patterns out; the decoder checks them), so that a
 * case reaches the CLI.
 */
const keepDecodable = (tool: string, args: Record<string, unknown>): Record<string, unknown> => {
  const cli = tool.replace(/_request$/, "") as keyof typeof agents
  const decode = Schema.decodeUnknownEither(agents[cli].request as Schema.Schema<unknown, unknown>, { errors: "all" })
  let out = { ...args }
  for (let round = 0; round < 3; round++) {
    const result = decode(out)
    if (Either.isRight(result)) return out
    const refused = new Set(
      ParseResult.ArrayFormatter.formatErrorSync(result.left).map((issue) => String(issue.path[0] ?? ""))
    )
    out = Object.fromEntries(Object.entries(out).filter(([k]) => k === "prompt" || !refused.has(k)))
  }
  return out
}

const fits = (v: unknown, p: Record<string, any>): boolean => {
  if (Array.isArray(p.enum)) return p.enum.includes(v)
  switch (p.type) {
    case "string":
      return typeof v === "string" && v.length >= (p.minLength ?? 0) && v.length <= (p.maxLength ?? Infinity) &&
        (p.pattern === undefined || new RegExp(p.pattern).test(v)) && !v.includes("\u0000")
    case "boolean":
      return typeof v === "boolean"
    case "integer":
      return Number.isInteger(v) && (v as number) >= (p.minimum ?? -Infinity) && (v as number) <= (p.maximum ?? Infinity)
    case "array":
      return Array.isArray(v) && v.every((x) => fits(x, p.items ?? {}))
    default:
      return false
  }
}

