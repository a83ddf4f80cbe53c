/**
 * The approval tool: `approval_list`, the log of `mcp_managed` decisions.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { type ApprovalRecord, ApprovalPolicy } from "../../approvals/ApprovalPolicy.js"
import { Cli } from "../../domain/Cli.js"
import { withDefault } from "../../domain/fields.js"
import { ApprovalPolicy as PolicyName } from "../../domain/requests.js"
import { GatewayConfig } from "../../Config.js"
import { pageBytes } from "../answerSize.js"
import { cursorAt, CursorParameter, positionOf, takeWithinBytes } from "../pages.js"
import * as Tool from "../Tool.js"

/** @since 0.1.0 */
export const APPROVAL_LIST_MAX = 500

const line = (r: ApprovalRecord): string =>
  `${new Date(r.createdAt).toISOString()} ${r.cli} ${r.status} by ${r.policy} (${r.risk} risk` +
  `${r.bypass ? ", bypass" : ""}) correlation ${r.correlationId}${r.jobId !== null ? ` job ${r.jobId}` : ""}\n` +
  r.reasons.map((reason) => `  - ${reason}`).join("\n")

/**
 * One decision of the approval log, as `approval_list` answers it.
 *
 * @since 0.1.0
 */
export const ApprovalView = Schema.Struct({
  id: Schema.String,
  createdAt: Schema.String.annotations({ description: "An ISO 8601 time." }),
  createdAtMs: Schema.Number,
  cli: Cli,
  policy: PolicyName,
  status: Schema.Literal("approved", "denied"),
  risk: Schema.Literal("low", "medium", "high"),
  bypass: Schema.Boolean,
  reasons: Schema.Array(Schema.String),
  correlationId: Schema.String,
  jobId: Schema.NullOr(Schema.String),
  request: Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
    description: "The fields the decision read, and promptLength; never the prompt."
  })
})

/**
 * What `approval_list` answers.
 *
 * @since 0.1.0
 */
export const ApprovalListOutput = Schema.Struct({
  approvals: Schema.Array(ApprovalView),
  count: Schema.Number,
  total: Schema.Number.annotations({ description: "Decisions in all (of the CLI), not only on this page." }),
  limit: Schema.Number,
  nextCursor: Schema.NullOr(Schema.String).annotations({ description: "Pass it as cursor for the next page; null: none." }),
  cli: Schema.optional(Cli),
  defaultPolicy: PolicyName
})

const structured = (r: ApprovalRecord): typeof ApprovalView.Type => ({
  id: r.id,
  createdAt: new Date(r.createdAt).toISOString(),
  createdAtMs: r.createdAt,
  cli: r.cli,
  policy: r.policy,
  status: r.status,
  risk: r.risk,
  bypass: r.bypass,
  reasons: r.reasons,
  correlationId: r.correlationId,
  jobId: r.jobId,
  request: r.request
})

/** @since 0.1.0 */
export const approvalList = Tool.make({
  name: "approval_list",
  description: "Decisions on mcp_managed requests, newest first (approved/denied, policy, risk, reasons); " +
    "pages by nextCursor.",
  input: Schema.Struct({
    limit: withDefault(Schema.Int.pipe(Schema.between(1, APPROVAL_LIST_MAX)), 50),
    cli: Schema.optional(Cli),
    cursor: Schema.optional(CursorParameter)
  }),
  output: ApprovalListOutput,
  annotations: Tool.readOnly("Approval log"),
  handler: ({ cli, cursor, limit }) =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      const { maxAnswerBytes } = yield* GatewayConfig
      const offset = yield* positionOf("approval_list", cursor)
      const page = yield* approvals.list({ limit, offset, cli })
      // A page also fits the answer budget: as many decisions as fit, the rest on the next page.
      const records = takeWithinBytes(page.records.map(structured), pageBytes(maxAnswerBytes))
      const end = offset + records.length
      const nextCursor = end < page.total && records.length > 0 ? cursorAt(end) : null
      const scope = cli === undefined ? "" : ` for ${cli}`
      const more = nextCursor === null
        ? ""
        : `\nMore: approval_list {${cli === undefined ? "" : `"cli": "${cli}", `}"cursor": "${nextCursor}"}.`
      const text = page.total === 0
        ? `No approval decisions recorded${scope}. Only requests with approvalStrategy "mcp_managed" are recorded ` +
          `(default policy: ${approvals.defaultPolicy}).`
        : `${page.total} approval decision(s)${scope}, newest first, ${records.length} shown from #${offset + 1} ` +
          `(default policy: ${approvals.defaultPolicy}):\n` +
          page.records.slice(0, records.length).map(line).join("\n") + more
      return {
        text,
        structured: {
          approvals: records,
          count: records.length,
          total: page.total,
          limit,
          nextCursor,
          ...(cli !== undefined ? { cli } : {}),
          defaultPolicy: approvals.defaultPolicy
        }
      }
    })
})

/** @since 0.1.0 */
export const approvalTools = [approvalList] as const
