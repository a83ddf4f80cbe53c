/**
 * What a request asks its CLI to do without asking a human: each bypass
 * flag, approval mode, auto-approved tool, narrowing, extra folder and MCP
 * server becomes an `Ask`. Each agent reads its own request's fields
 * (`src/agents/<cli>/agent.ts`, with the rules of `approvals/askRules`).
 *
 * @since 0.1.0
 */
import { agents } from "../agents/registry.js"
import type { Cli } from "../domain/Cli.js"
import type { ApprovalSubject, Ask } from "./askRules.js"

export type { ApprovalSubject, Ask, AskKind } from "./askRules.js"

/**
 * Everything a request asks for, for its CLI.
 *
 * @since 0.1.0
 */
export const asksOf = (cli: Cli, request: ApprovalSubject): ReadonlyArray<Ask> =>
  (agents[cli].asks as (request: ApprovalSubject) => ReadonlyArray<Ask>)(request)

/**
 * The request fields an approval record keeps for a CLI, beyond the common
 * ones.
 *
 * @since 0.1.0
 */
export const approvalFieldsOf = (cli: Cli): ReadonlyArray<string> => agents[cli].approvalFields
