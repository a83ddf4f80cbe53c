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
  limit: Schema.Number,
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
  description: "The decisions on mcp_managed requests, newest first: approved or denied, policy, risk, reasons.",
  input: Schema.Struct({
    limit: withDefault(Schema.Int.pipe(Schema.between(1, APPROVAL_LIST_MAX)), 50),
    cli: Schema.optional(Cli)
  }),
  output: ApprovalListOutput,
  annotations: Tool.readOnly("Approval log"),
  handler: ({ cli, limit }) =>
    Effect.gen(function*() {
      const approvals = yield* ApprovalPolicy
      const records = yield* approvals.list({ limit, cli })
      const scope = cli === undefined ? "" : ` for ${cli}`
      const text = records.length === 0
        ? `No approval decisions recorded${scope}. Only requests with approvalStrategy "mcp_managed" are recorded ` +
          `(default policy: ${approvals.defaultPolicy}).`
        : `${records.length} approval decision(s)${scope}, newest first (default policy: ${approvals.defaultPolicy}):\n` +
          records.map(line).join("\n")
      return {
        text,
        structured: {
          approvals: records.map(structured),
          count: records.length,
          limit,
          ...(cli !== undefined ? { cli } : {}),
          defaultPolicy: approvals.defaultPolicy
        }
      }
    })
})

/** @since 0.1.0 */
export const approvalTools = [approvalList] as const
