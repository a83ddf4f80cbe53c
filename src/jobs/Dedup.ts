/**
 * The request key: what makes two requests the same run. Pure.
 *
 * Two requests are the same when they would run the same CLI with the same
 * argv, prompt, extra environment and working folder, and render the reply
 * in the same format. The correlation id, timeouts and `forceRefresh` do
 * not change the run's outcome and are left out.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import type { PlannedRequest } from "./RequestRunner.js"

/**
 * @since 0.1.0
 */
export const requestKey = (planned: PlannedRequest): string => {
  const { invocation } = planned
  const env = Object.keys(invocation.env).sort().map((k) => [k, invocation.env[k]])
  const material = JSON.stringify([
    "v1",
    planned.cli,
    planned.binary,
    planned.cwd,
    invocation.args,
    invocation.prompt._tag,
    invocation.prompt._tag === "File" ? invocation.prompt.flag : "",
    invocation.prompt.text,
    env,
    invocation.outputFormat,
    invocation.mcpConfig === undefined ? null : [invocation.mcpConfig.flag, invocation.mcpConfig.config]
  ])
  return createHash("sha256").update(material).digest("hex")
}

/**
 * The earliest creation time a job may have to be deduped onto, or
 * `undefined` when dedup does not apply (window 0, or a forced refresh).
 *
 * @since 0.1.0
 */
export const dedupSince = (now: number, windowMs: number, forceRefresh: boolean): number | undefined =>
  windowMs <= 0 || forceRefresh ? undefined : now - windowMs
