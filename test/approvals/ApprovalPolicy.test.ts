import { agents } from "../../src/agents/registry.js"
import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ApprovalPolicy, type ApprovalPolicyOptions, layer } from "../../src/approvals/ApprovalPolicy.js"
import { ApprovalDenied } from "../../src/approvals/errors.js"
import type { ApprovalSubject } from "../../src/approvals/policy.js"
import { byCli, type Cli } from "../../src/domain/Cli.js"
import * as Principal from "../../src/domain/Principal.js"
import { approvalList, approvalTools } from "../../src/mcp/tools/approvals.js"
import { testDatabaseAt } from "../support/testDatabase.js"
import * as GatewayConfig from "../../src/Config.js"

const tempDb = () => join(mkdtempSync(join(tmpdir(), "gateway-approvals-")), "gateway.db")

/** A real database (a SQLite file, or PostgreSQL under its run), migrated with the approval table, and the service on it. */
const approvalsAt = (path: string, options: ApprovalPolicyOptions = {}) =>
  layer(options).pipe(Layer.provideMerge(testDatabaseAt(path)), Layer.merge(GatewayConfig.layerTest()))

const decoders = byCli((cli) => Schema.decodeUnknownSync(agents[cli].request as unknown as Schema.Schema<ApprovalSubject, unknown>))
const request = (cli: Cli, fields: Record<string, unknown>): ApprovalSubject =>
  decoders[cli]({ prompt: "do the thing", ...fields })

const rows = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<Record<string, unknown>>`SELECT * FROM approvals ORDER BY rowid`)

describe("ApprovalPolicy.evaluate", () => {
  it.effect("legacy: approved as asked, bypass as asked, nothing recorded", () =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      const bypassing = yield* approvals.evaluate(
        "claude",
        request("claude", { dangerouslySkipPermissions: true }),
        { correlationId: "c-1" }
      )
      expect(bypassing).toMatchObject({ strategy: "legacy", status: "approved", policy: null, bypass: true })
      const plain = yield* approvals.evaluate("codex", request("codex", {}), { correlationId: "c-2" })
      expect(plain).toMatchObject({ strategy: "legacy", bypass: false })
      // an explicit legacy strategy with a policy named is still legacy
      const named = yield* approvals.evaluate(
        "gemini",
        request("gemini", { approvalStrategy: "legacy", approvalPolicy: "strict", approvalMode: "yolo" }),
        { correlationId: "c-3" }
      )
      expect(named).toMatchObject({ strategy: "legacy", status: "approved", bypass: true })
      expect(yield* rows).toHaveLength(0)
      expect((yield* approvals.list({ limit: 50 })).records).toHaveLength(0)
    }).pipe(Effect.provide(approvalsAt(tempDb(), { defaultPolicy: "strict" }))))

  it.effect("mcp_managed: records an approval with its reasons, risk, correlation and summary", () =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      yield* TestClock.adjust("5 seconds")
      const decision = yield* approvals.evaluate(
        "codex",
        request("codex", { approvalStrategy: "mcp_managed", fullAuto: true }),
        { correlationId: "corr-ok", jobId: "job-1" }
      )
      expect(decision).toMatchObject({ strategy: "mcp_managed", status: "approved", policy: "balanced", risk: "medium", bypass: false })
      expect(decision.strategy === "mcp_managed" && typeof decision.approvalId).toBe("string")
      const [row, ...rest] = yield* rows
      expect(rest).toHaveLength(0)
      expect(row).toMatchObject({
        cli: "codex",
        policy: "balanced",
        status: "approved",
        risk: "medium",
        bypass: 0,
        correlation_id: "corr-ok",
        job_id: "job-1",
        created_at: 5000
      })
      expect(row?.id).toBe(decision.strategy === "mcp_managed" ? decision.approvalId : undefined)
      expect(JSON.parse(String(row?.reasons_json))).toEqual(decision.reasons)
      expect(JSON.parse(String(row?.request_json))).toMatchObject({ cli: "codex", fullAuto: true, promptLength: 12 })
    }).pipe(Effect.provide(approvalsAt(tempDb()))))

  it.effect("mcp_managed: records a denial, then fails with ApprovalDenied carrying cli, policy, reasons and how to proceed", () =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      const error = yield* Effect.flip(
        approvals.evaluate(
          "codex",
          request("codex", { approvalStrategy: "mcp_managed", dangerouslyBypassApprovalsAndSandbox: true }),
          { correlationId: "corr-no" }
        )
      )
      expect(error).toBeInstanceOf(ApprovalDenied)
      if (!(error instanceof ApprovalDenied)) return
      expect(error._tag).toBe("ApprovalDenied")
      expect(error.cli).toBe("codex")
      expect(error.policy).toBe("balanced")
      expect(error.risk).toBe("high")
      expect(error.reasons).toHaveLength(1)
      expect(error.reasons[0]).toContain("dangerouslyBypassApprovalsAndSandbox")
      expect(error.message).toContain("balanced approval policy denied")
      expect(error.message).toContain("dangerouslyBypassApprovalsAndSandbox")
      expect(error.message).toContain(`approvalPolicy "permissive"`)
      expect(error.message).toContain("Drop what was denied")
      // it serializes (it crosses the MCP boundary)
      expect(Schema.encodeSync(ApprovalDenied)(error)).toMatchObject({ _tag: "ApprovalDenied", cli: "codex", policy: "balanced" })

      const [row] = yield* rows
      expect(row).toMatchObject({ id: error.approvalId, status: "denied", policy: "balanced", risk: "high", correlation_id: "corr-no" })
      expect(JSON.parse(String(row?.reasons_json))[0]).toContain("denied by balanced")
    }).pipe(Effect.provide(approvalsAt(tempDb()))))

  it.effect("strict's denial suggests balanced or permissive", () =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      const error = yield* Effect.flip(
        approvals.evaluate("grok", request("grok", { approvalStrategy: "mcp_managed", permissionMode: "acceptEdits" }), {
          correlationId: "c"
        })
      )
      expect(error._tag).toBe("ApprovalDenied")
      if (error._tag !== "ApprovalDenied") return
      expect(error.policy).toBe("strict")
      expect(error.message).toContain(`"balanced"`)
    }).pipe(Effect.provide(approvalsAt(tempDb(), { defaultPolicy: "strict" }))))

  it.effect("permissive approves a full bypass with bypass: true and records it", () =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      const decision = yield* approvals.evaluate(
        "grok",
        request("grok", { approvalStrategy: "mcp_managed", approvalPolicy: "permissive", alwaysApprove: true }),
        { correlationId: "c" }
      )
      expect(decision).toMatchObject({ status: "approved", policy: "permissive", bypass: true, risk: "high" })
      const [row] = yield* rows
      expect(row).toMatchObject({ status: "approved", policy: "permissive", bypass: 1 })
    }).pipe(Effect.provide(approvalsAt(tempDb()))))

  describe("the default policy comes from the option; a request's approvalPolicy wins", () => {
    const fullAuto = request("codex", { approvalStrategy: "mcp_managed", fullAuto: true })
    const cases: ReadonlyArray<readonly [string | undefined, "strict" | "balanced" | "permissive", "approved" | "denied"]> = [
      [undefined, "balanced", "approved"],
      ["strict", "strict", "denied"],
      [" PERMISSIVE ", "permissive", "approved"],
      ["nonsense", "balanced", "approved"]
    ]
    for (const [option, policy, status] of cases) {
      it.effect(`option ${JSON.stringify(option)} → ${policy}`, () =>
        Effect.gen(function*() {
          const approvals = yield* ApprovalPolicy
          expect(approvals.defaultPolicy).toBe(policy)
          const outcome = yield* Effect.either(approvals.evaluate("codex", fullAuto, { correlationId: "c" }))
          expect(outcome._tag === "Right" ? "approved" : "denied").toBe(status)
          const [row] = yield* rows
          expect(row).toMatchObject({ policy, status })
        }).pipe(Effect.provide(approvalsAt(tempDb(), { defaultPolicy: option }))))
    }

    it.effect("a request naming balanced under a strict default is decided by balanced", () =>
      Effect.gen(function*() {
        const approvals = yield* ApprovalPolicy
        const decision = yield* approvals.evaluate(
          "codex",
          request("codex", { approvalStrategy: "mcp_managed", approvalPolicy: "balanced", fullAuto: true }),
          { correlationId: "c" }
        )
        expect(decision).toMatchObject({ status: "approved", policy: "balanced" })
      }).pipe(Effect.provide(approvalsAt(tempDb(), { defaultPolicy: "strict" }))))
  })

  it.effect("the prompt's text is never stored, only its length", () => {
    const path = tempDb()
    const marker = "PROMPT-MARKER-c0ffee-91b2"
    const prompt = `Please read ${marker} and keep it secret`
    return Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      yield* approvals.evaluate("claude", request("claude", { prompt, approvalStrategy: "mcp_managed" }), { correlationId: "c-a" })
      yield* Effect.either(
        approvals.evaluate("claude", request("claude", { prompt, approvalStrategy: "mcp_managed", allowedTools: ["Bash"] }), {
          correlationId: "c-d"
        })
      )
      const all = yield* rows
      expect(all).toHaveLength(2)
      for (const row of all) {
        expect(JSON.stringify(row)).not.toContain(marker)
        expect(JSON.parse(String(row.request_json)).promptLength).toBe(prompt.length)
      }
      for (const file of [path, `${path}-wal`]) {
        if (existsSync(file)) expect(readFileSync(file).includes(marker)).toBe(false)
      }
      const listed = yield* approvals.list({ limit: 10 })
      expect(JSON.stringify(listed)).not.toContain(marker)
    }).pipe(Effect.provide(approvalsAt(path)))
  })

  it.effect("linkJob records the job a decision led to; purge drops old decisions", () =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      const decision = yield* approvals.evaluate("gemini", request("gemini", { approvalStrategy: "mcp_managed" }), {
        correlationId: "c"
      })
      if (decision.strategy !== "mcp_managed" || decision.approvalId === undefined) throw new Error("not recorded")
      yield* approvals.linkJob(decision.approvalId, "job-42")
      const [record] = (yield* approvals.list({ limit: 1 })).records
      expect(record?.jobId).toBe("job-42")
      yield* TestClock.adjust("10 seconds")
      yield* approvals.evaluate("gemini", request("gemini", { approvalStrategy: "mcp_managed" }), { correlationId: "c2" })
      expect(yield* approvals.purge(5_000)).toBe(1)
      expect((yield* approvals.list({ limit: 10 })).records.map((r) => r.correlationId)).toEqual(["c2"])
    }).pipe(Effect.provide(approvalsAt(tempDb()))))

  it.effect("a storage failure while recording refuses the request with StorageError", () =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      const sql = yield* SqlClient.SqlClient
      yield* sql`DROP TABLE approvals`
      const error = yield* Effect.flip(
        approvals.evaluate("codex", request("codex", { approvalStrategy: "mcp_managed" }), { correlationId: "c" })
      )
      expect(error._tag).toBe("StorageError")
    }).pipe(Effect.provide(approvalsAt(tempDb()))))
})

/** Three decisions per CLI pair, a second apart: claude, codex, claude, codex (denied), gemini. */
const seed = Effect.gen(function*() {
  const approvals = yield* ApprovalPolicy
  const steps: ReadonlyArray<readonly [Cli, Record<string, unknown>, string]> = [
    ["claude", {}, "first"],
    ["codex", {}, "second"],
    ["claude", { allowedTools: ["Read"] }, "third"],
    ["codex", { dangerouslyBypassApprovalsAndSandbox: true }, "fourth"],
    ["gemini", {}, "fifth"]
  ]
  for (const [cli, fields, correlationId] of steps) {
    yield* TestClock.adjust("1 second")
    yield* Effect.either(approvals.evaluate(cli, request(cli, { approvalStrategy: "mcp_managed", ...fields }), { correlationId }))
  }
})

describe("ApprovalPolicy.list and approval_list", () => {
  it.effect("lists newest first, with limit and cli filter", () =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      yield* seed
      expect((yield* approvals.list({ limit: 50 })).records.map((r) => r.correlationId)).toEqual([
        "fifth",
        "fourth",
        "third",
        "second",
        "first"
      ])
      expect((yield* approvals.list({ limit: 2 })).records.map((r) => r.correlationId)).toEqual(["fifth", "fourth"])
      expect((yield* approvals.list({ limit: 50, cli: "claude" })).records.map((r) => r.correlationId)).toEqual(["third", "first"])
      expect(yield* approvals.list({ limit: 50, cli: "grok" })).toEqual({ records: [], total: 0 })
      expect((yield* approvals.list({ limit: 2, offset: 2 })).records.map((r) => r.correlationId)).toEqual(["third", "second"])
      expect((yield* approvals.list({ limit: 2, offset: 2 })).total).toBe(5)
    }).pipe(Effect.provide(approvalsAt(tempDb()))))

  it.effect("a principal lists only its own decisions; each row records whose it is", () =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      const managed = request("codex", { approvalStrategy: "mcp_managed" })
      yield* approvals.evaluate("codex", managed, { correlationId: "mine" })
      yield* Principal.as(approvals.evaluate("codex", managed, { correlationId: "theirs" }), "token:b")
      expect((yield* approvals.list({ limit: 50 })).records.map((r) => r.correlationId)).toEqual(["mine"])
      expect(yield* Principal.as(approvals.list({ limit: 50 }), "token:b")).toMatchObject({
        records: [{ correlationId: "theirs" }],
        total: 1
      })
      expect(yield* Principal.as(approvals.list({ limit: 50, cli: "codex" }), "token:c")).toEqual({ records: [], total: 0 })
      expect((yield* rows).map((r) => [r.correlation_id, r.principal])).toEqual([["mine", "local"], ["theirs", "token:b"]])
    }).pipe(Effect.provide(approvalsAt(tempDb()))))

  it.effect("decisions made in the same millisecond still list newest first", () =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      for (const correlationId of ["a", "b", "c"]) {
        yield* approvals.evaluate("claude", request("claude", { approvalStrategy: "mcp_managed" }), { correlationId })
      }
      expect((yield* approvals.list({ limit: 50 })).records.map((r) => r.correlationId)).toEqual(["c", "b", "a"])
    }).pipe(Effect.provide(approvalsAt(tempDb()))))

  it.effect("approval_list answers readable text and structured records, filtered and limited", () =>
    Effect.gen(function*() {
      yield* seed
      const answer = yield* approvalList.call({ cli: "codex", limit: 1 })
      const structured = answer.structured as {
        approvals: ReadonlyArray<Record<string, unknown>>
        count: number
        limit: number
        cli: string
      }
      expect(structured.count).toBe(1)
      expect(structured.limit).toBe(1)
      expect(structured.cli).toBe("codex")
      expect(structured.approvals[0]).toMatchObject({
        cli: "codex",
        status: "denied",
        policy: "balanced",
        risk: "high",
        correlationId: "fourth",
        createdAt: new Date(4000).toISOString()
      })
      expect((structured.approvals[0]?.reasons as Array<string>)[0]).toContain("dangerouslyBypassApprovalsAndSandbox")
      expect(answer.text).toContain("codex denied by balanced")
      expect(answer.text).toContain("dangerouslyBypassApprovalsAndSandbox")
      expect(answer.text).not.toContain("second")

      const all = yield* approvalList.call({})
      expect((all.structured as { count: number; limit: number }).count).toBe(5)
      expect((all.structured as { limit: number }).limit).toBe(50)
      expect(all.structured.nextCursor).toBeNull()

      // Pages: two at a time to the end, each decision once.
      const seen: Array<string> = []
      let cursor: string | null = null
      do {
        const page = yield* approvalList.call({ limit: 2, ...(cursor !== null ? { cursor } : {}) })
        seen.push(...(page.structured.approvals as ReadonlyArray<{ correlationId: string }>).map((a) => a.correlationId))
        expect(page.structured.total).toBe(5)
        cursor = page.structured.nextCursor as string | null
      } while (cursor !== null && seen.length < 10)
      expect(seen).toEqual(["fifth", "fourth", "third", "second", "first"])
    }).pipe(Effect.provide(approvalsAt(tempDb()))))

  it.effect("approval_list on an empty log says how decisions get recorded", () =>
    Effect.gen(function*() {
      const answer = yield* approvalList.call({ cli: "grok" })
      expect(answer.text).toContain("No approval decisions recorded for grok")
      expect(answer.text).toContain("mcp_managed")
      expect(answer.structured).toMatchObject({ approvals: [], count: 0, defaultPolicy: "strict" })
    }).pipe(Effect.provide(approvalsAt(tempDb(), { defaultPolicy: "strict" }))))

  describe("approval_list refuses bad arguments", () => {
    const bad: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
      ["limit 0", { limit: 0 }, "limit"],
      ["limit 501", { limit: 501 }, "limit"],
      ["a fractional limit", { limit: 2.5 }, "limit"],
      ["an unknown cli", { cli: "aider" }, "cli"],
      ["an unknown field", { status: "denied" }, "status"],
      ["a cursor no page gave", { cursor: "42" }, "cursor"]
    ]
    for (const [what, args, field] of bad) {
      it.effect(what, () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(approvalList.call(args))
          expect(error._tag).toBe("InvalidRequest")
          if (error._tag === "InvalidRequest") expect(error.field).toBe(field)
        }).pipe(Effect.provide(approvalsAt(tempDb()))))
    }
  })

  it("approval_list declares 1.4.0's parameters: limit 1–500 default 50, cli", () => {
    expect(approvalTools.map((t) => t.name)).toEqual(["approval_list"])
    const schema = approvalList.inputSchema as {
      properties: Record<string, Record<string, unknown>>
      required?: ReadonlyArray<string>
      additionalProperties: boolean
    }
    expect(schema.properties.limit).toMatchObject({ type: "integer", minimum: 1, maximum: 500, default: 50 })
    expect(schema.properties.cli?.enum).toEqual(expect.arrayContaining(["claude", "codex", "gemini", "grok"]))
    expect(schema.required ?? []).toEqual([])
    expect(schema.additionalProperties).toBe(false)
    expect(approvalList.annotations.readOnlyHint).toBe(true)
  })
})
