/**
 * Approvals: decides each request before any process starts, and keeps the
 * log of every `mcp_managed` decision in the database.
 *
 * - `legacy` (the request tools' default): no policy, nothing recorded; the
 *   decision says whether the CLI's own bypass flag is asked for, as 1.4.0
 *   passes it.
 * - `mcp_managed`: decided by `request.approvalPolicy`, else the default
 *   policy (`LLM_GATEWAY_APPROVAL_POLICY`, else `balanced`); recorded,
 *   approved or denied; a denial fails with `ApprovalDenied`.
 *
 * What each policy allows: see `policy.ts`.
 *
 * @since 0.1.0
 */
import { CurrentPrincipal } from "../domain/Principal.js"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { randomUUID } from "node:crypto"
import type { Cli } from "../domain/Cli.js"
import { StorageError } from "../domain/errors.js"
import type { ApprovalPolicy as PolicyName } from "../domain/requests.js"
import { ApprovalDenied } from "./errors.js"
import { inTransaction } from "../storage/dialect.js"
import {
  type ApprovalStatus,
  type ApprovalSubject,
  type Decision,
  decide,
  legacyDecision,
  type ManagedDecision,
  parsePolicy,
  type Risk,
  summarize
} from "./policy.js"

/**
 * One decision of the log.
 *
 * @since 0.1.0
 */
export interface ApprovalRecord {
  readonly id: string
  readonly createdAt: number
  readonly cli: Cli
  readonly policy: PolicyName
  readonly status: ApprovalStatus
  readonly risk: Risk
  readonly bypass: boolean
  readonly reasons: ReadonlyArray<string>
  readonly correlationId: string
  readonly jobId: string | null
  /** The request's summary: the fields the decision read and `promptLength`; never the prompt. */
  readonly request: Readonly<Record<string, unknown>>
}

/**
 * Where a decision belongs.
 *
 * @since 0.1.0
 */
export interface ApprovalContext {
  readonly correlationId: string
  readonly jobId?: string | undefined
}

/**
 * @since 0.1.0
 */
export interface ApprovalPolicyShape {
  /** The policy of `mcp_managed` requests that name none. */
  readonly defaultPolicy: PolicyName
  /**
   * Decides a request. `legacy`: approved as asked, nothing recorded.
   * `mcp_managed`: decided, recorded, and a denial fails with
   * `ApprovalDenied`. Call it before the process starts.
   */
  readonly evaluate: (
    cli: Cli,
    request: ApprovalSubject,
    context: ApprovalContext
  ) => Effect.Effect<Decision, ApprovalDenied | StorageError>
  /** Records the job a recorded decision led to (the job is known only after it is accepted or deduped). */
  readonly linkJob: (approvalId: string, jobId: string) => Effect.Effect<void, StorageError>
  /** The log, newest first: `limit` decisions from `offset` (default 0), and how many there are in all. */
  readonly list: (options: {
    readonly limit: number
    readonly offset?: number | undefined
    readonly cli?: Cli | undefined
  }) => Effect.Effect<{ readonly records: ReadonlyArray<ApprovalRecord>; readonly total: number }, StorageError>
  /** Deletes decisions recorded before the time; the count deleted. */
  readonly purge: (before: number) => Effect.Effect<number, StorageError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ApprovalPolicy extends Context.Tag("llm-cli-gateway/ApprovalPolicy")<
  ApprovalPolicy,
  ApprovalPolicyShape
>() {}

/**
 * @since 0.1.0
 */
export interface ApprovalPolicyOptions {
  /**
   * The default policy, as `LLM_GATEWAY_APPROVAL_POLICY` gives it: `strict`,
   * `balanced` or `permissive`; anything else, or nothing, is `balanced`.
   */
  readonly defaultPolicy?: string | undefined
}

interface ApprovalRow {
  readonly id: string
  readonly created_at: number
  readonly cli: Cli
  readonly policy: PolicyName
  readonly status: ApprovalStatus
  readonly risk: Risk
  readonly bypass: number
  readonly reasons_json: string
  readonly correlation_id: string
  readonly job_id: string | null
  readonly request_json: string
}

const decodeReasons = Schema.decodeUnknownOption(Schema.parseJson(Schema.Array(Schema.String)))
const decodeSummary = Schema.decodeUnknownOption(
  Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
)

const fromRow = (row: ApprovalRow): ApprovalRecord => ({
  id: row.id,
  createdAt: row.created_at,
  cli: row.cli,
  policy: row.policy,
  status: row.status,
  risk: row.risk,
  bypass: row.bypass !== 0,
  reasons: Option.getOrElse(decodeReasons(row.reasons_json), () => []),
  correlationId: row.correlation_id,
  jobId: row.job_id,
  request: Option.getOrElse(decodeSummary(row.request_json), () => ({}))
})

const causeOf = (error: SqlError): string => {
  const cause = error.cause as { message?: unknown } | undefined
  return cause !== undefined && typeof cause.message === "string" ? ` (${cause.message})` : ""
}

/**
 * The error of a denied decision: which policy denied what, and how to
 * proceed.
 *
 * @since 0.1.0
 */
export const denial = (cli: Cli, decision: ManagedDecision): ApprovalDenied => {
  const refused = decision.reasons.filter((r) => r.startsWith("denied by "))
  const looser = decision.policy === "strict"
    ? `approvalPolicy "balanced" (workspace writes) or "permissive" (everything)`
    : `approvalPolicy "permissive"`
  const hint = `Drop what was denied from the request, or, if the user agrees to it, repeat the request with ${looser}.`
  return new ApprovalDenied({
    message: `the ${decision.policy} approval policy denied this ${cli} request before it started: ` +
      refused.map((r) => r.replace(/^denied by \w+: /, "")).join("; ") + `. ${hint}`,
    cli,
    policy: decision.policy,
    reasons: refused,
    risk: decision.risk,
    ...(decision.approvalId !== undefined ? { approvalId: decision.approvalId } : {})
  })
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: ApprovalPolicyOptions = {}
): Effect.Effect<ApprovalPolicyShape, never, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const defaultPolicy = parsePolicy(options.defaultPolicy)

    const failed = (operation: string) => (error: SqlError) =>
      new StorageError({ message: `database ${operation} failed: ${error.message}${causeOf(error)}`, operation })

    const record = (cli: Cli, request: ApprovalSubject, decision: ManagedDecision, context: ApprovalContext) =>
      Effect.gen(function*() {
        const id = randomUUID()
        const now = yield* Clock.currentTimeMillis
        yield* sql`INSERT INTO approvals ${
          sql.insert({
            id,
            created_at: now,
            cli,
            policy: decision.policy,
            status: decision.status,
            risk: decision.risk,
            bypass: decision.bypass ? 1 : 0,
            reasons_json: JSON.stringify(decision.reasons),
            correlation_id: context.correlationId,
            job_id: context.jobId ?? null,
            request_json: JSON.stringify(summarize(cli, request)),
            principal: yield* CurrentPrincipal
          })
        }`
        return id
      }).pipe(Effect.mapError(failed("record approval")))

    const evaluate: ApprovalPolicyShape["evaluate"] = (cli, request, context) =>
      Effect.gen(function*() {
        if (request.approvalStrategy !== "mcp_managed") return legacyDecision(cli, request)
        const decided = decide(cli, request, request.approvalPolicy ?? defaultPolicy)
        const approvalId = yield* record(cli, request, decided, context)
        const decision: ManagedDecision = { ...decided, approvalId }
        yield* Effect.annotateLogs(
          Effect.logInfo(`approval ${decision.status} (${decision.policy}, ${decision.risk} risk)`),
          { cli, correlationId: context.correlationId, approvalId }
        )
        if (decision.status === "denied") return yield* Effect.fail(denial(cli, decision))
        return decision
      })

    const linkJob: ApprovalPolicyShape["linkJob"] = (approvalId, jobId) =>
      Effect.asVoid(sql`UPDATE approvals SET job_id = ${jobId} WHERE id = ${approvalId}`).pipe(
        Effect.mapError(failed("link approval"))
      )

    const list: ApprovalPolicyShape["list"] = ({ cli, limit, offset = 0 }) =>
      Effect.gen(function*() {
        // The current principal's decisions only.
        const principal = yield* CurrentPrincipal
        const where = cli === undefined ? sql`principal = ${principal}` : sql`principal = ${principal} AND cli = ${cli}`
        const rows = yield* sql<ApprovalRow>`SELECT * FROM approvals WHERE ${where}
          ORDER BY created_at DESC, rowid DESC LIMIT ${limit} OFFSET ${offset}`
        const [count] = yield* sql<{ n: number }>`SELECT count(*) AS n FROM approvals WHERE ${where}`
        return { records: rows.map(fromRow), total: Number(count?.n ?? 0) }
      }).pipe(inTransaction(sql), Effect.mapError(failed("list approvals")))

    const purge: ApprovalPolicyShape["purge"] = (before) =>
      Effect.map(sql`DELETE FROM approvals WHERE created_at < ${before} RETURNING id`, (rows) => rows.length).pipe(
        Effect.mapError(failed("purge approvals"))
      )

    return { defaultPolicy, evaluate, linkJob, list, purge }
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ApprovalPolicyOptions = {}): Layer.Layer<ApprovalPolicy, never, SqlClient.SqlClient> =>
  Layer.effect(ApprovalPolicy, make(options))
