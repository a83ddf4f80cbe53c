/**
 * Every tool the server lists.
 *
 * @since 0.1.0
 */
import type { GatewayConfig } from "../../Config.js"
import type { JobManager } from "../../jobs/JobManager.js"
import type { JobStore } from "../../jobs/JobStore.js"
import type { Tool } from "../Tool.js"
import { jobTools } from "./jobs.js"
import { requestTools } from "./requests.js"

/**
 * The services the tools run on.
 *
 * @since 0.1.0
 */
export type ToolServices = GatewayConfig | JobManager | JobStore

/** @since 0.1.0 */
export const tools: ReadonlyArray<Tool<ToolServices>> = [...requestTools, ...jobTools]
