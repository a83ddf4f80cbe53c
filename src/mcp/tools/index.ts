/**
 * Every tool the server lists.
 *
 * @since 0.1.0
 */
import type { ApprovalPolicy } from "../../approvals/ApprovalPolicy.js"
import type { CliUpdater } from "../../cli/CliUpdater.js"
import type { GatewayConfig } from "../../Config.js"
import { allClis } from "../../domain/Cli.js"
import type { JobManager } from "../../jobs/JobManager.js"
import type { JobStore } from "../../jobs/JobStore.js"
import type { ModelRegistry } from "../../models/ModelRegistry.js"
import type { FlightRecorder } from "../../observability/FlightRecorder.js"
import type { Metrics } from "../../observability/Metrics.js"
import type { SessionStore } from "../../sessions/SessionStore.js"
import type { Tool } from "../Tool.js"
import * as Toolsets from "../toolsets.js"
import { approvalTools } from "./approvals.js"
import { cliTools } from "./cli.js"
import { jobTools } from "./jobs.js"
import { modelTools } from "./models.js"
import { asyncToolAlone, requestTools } from "./requests.js"
import { sessionTools } from "./sessions.js"

/**
 * The services the tools run on.
 *
 * @since 0.1.0
 */
export type ToolServices =
  | GatewayConfig
  | JobManager
  | JobStore
  | SessionStore
  | ApprovalPolicy
  | ModelRegistry
  | CliUpdater
  | Metrics
  | FlightRecorder

/**
 * Every tool, in the order the server lists them.
 *
 * @since 0.1.0
 */
export const tools: ReadonlyArray<Tool<ToolServices>> = [
  ...requestTools,
  ...jobTools,
  ...sessionTools,
  ...approvalTools,
  ...modelTools,
  ...cliTools
]

/**
 * The tools the toolsets serve. An async twin served without its sync tool
 * describes its parameters itself (listed beside it, it points at it).
 *
 * @since 0.1.0
 */
export const servedTools = (toolsets: Toolsets.Toolsets): ReadonlyArray<Tool<ToolServices>> => {
  const served = Toolsets.select(toolsets, tools)
  const names = new Set(served.map((t) => t.name))
  return served.map((tool) => {
    const of = Toolsets.groupsOf(tool.name)
    const alone = of?.cli !== undefined && of.groups.includes("async") && !names.has(`${of.cli}_request`)
    return alone ? asyncToolAlone(of.cli!) : tool
  })
}

/**
 * Every tool a server can list, whatever its toolsets: `tools`, and each
 * CLI's async tool as it is listed alone.
 *
 * @since 0.1.0
 */
export const servableTools = (): ReadonlyArray<Tool<ToolServices>> => [...tools, ...allClis.map(asyncToolAlone)]
