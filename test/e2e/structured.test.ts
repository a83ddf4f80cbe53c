/**
 * Structured output over stdio: every tool is called with arguments that
 * succeed, and each `structuredContent` is validated with ajv against the
 * `outputSchema` that `tools/list` declares for the tool. A failed call's
 * error envelope validates too (the SDK Client checks it even on isError).
 */
import { allClis } from "../../src/domain/Cli.js"
import { Ajv, type ValidateFunction } from "ajv"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { alive, callTool, type Gateway, startGateway, type ToolResult, waitUntil } from "./harness.js"

describe("structuredContent validates against outputSchema, for every tool", () => {
  let gateway: Gateway
  // The SDK Client's own settings (strict: false), without its format plugin: no schema here uses `format`.
  const ajv = new Ajv({ strict: false, allErrors: true })
  const validators = new Map<string, ValidateFunction>()
  const succeeded = new Set<string>()

  beforeAll(async () => {
    gateway = await startGateway({ SYNC_DEADLINE_MS: "1500" })
    const { tools } = await gateway.client.listTools()
    for (const tool of tools) {
      expect(tool.outputSchema?.type, tool.name).toBe("object")
      // As the SDK client does: tools that answer alike share an $id, compiled once.
      validators.set(tool.name, ajv.getSchema(tool.outputSchema!.$id as string) ?? ajv.compile(tool.outputSchema!))
    }
  })
  afterAll(async () => {
    await gateway?.close()
  })

  const valid = (name: string, result: ToolResult): void => {
    const validate = validators.get(name)
    expect(validate, `${name} has no outputSchema`).toBeDefined()
    const ok = validate!(result.structuredContent)
    expect(ok, `${name}: ${ajv.errorsText(validate!.errors)}\n${JSON.stringify(result.structuredContent)}`).toBe(true)
  }

  /** Calls a tool that must succeed, and validates its structuredContent. */
  const call = async (name: string, args: Record<string, unknown>): Promise<Record<string, any>> => {
    const result = await callTool(gateway, name, args)
    expect(result.isError ?? false, `${name} failed: ${result.content[0]?.text}`).toBe(false)
    expect(result.structuredContent, name).toBeDefined()
    valid(name, result)
    succeeded.add(name)
    return result.structuredContent!
  }

  it("the request tools: a reply from each sync tool, a job from each async tool, and a deferred job reference", async () => {
    for (const cli of allClis) {
      const reply = await call(`${cli}_request`, {
        prompt: `structured ${cli}`,
        ...(cli === "opencode" ? { model: "opencode/big-pickle" } : {})
      })
      expect(reply.text.length).toBeGreaterThan(0)
      expect(reply.deferred).toBeUndefined()
      const job = await call(`${cli}_request_async`, {
        prompt: `structured async ${cli}`,
        ...(cli === "opencode" ? { model: "opencode/big-pickle" } : {})
      })
      expect(job.jobId).toMatch(/^[0-9a-f-]{36}$/)
    }
    // Past the sync deadline (1.5 s here) a sync request answers with its job instead.
    const deferred = await call("claude_request", { prompt: "[[fake:sleep=4000]] slow" })
    expect(deferred.deferred).toBe(true)
    const waited = await call("llm_job_wait", { jobId: deferred.jobId, timeoutMs: 20_000 })
    expect(waited.status).toBe("completed")
  })

  it("the job tools: status, wait, result, cancel and process health", async () => {
    const started = await call("codex_request_async", { prompt: "[[fake:big=2500]] job tools" })
    const jobId = started.jobId as string
    const waited = await call("llm_job_wait", { jobId, timeoutMs: 20_000 })
    expect(waited.status).toBe("completed")
    const status = await call("llm_job_status", { jobId })
    expect(status.jobId).toBe(jobId)
    const page = await call("llm_job_result", { jobId, maxChars: 1000 })
    expect(page.nextOffset).toBe(1000)

    const slow = await call("gemini_request_async", { prompt: "[[fake:sleep=30000]] to cancel" })
    await waitUntil(() => gateway.records().some((r) => r.prompt?.includes("to cancel") === true), 10_000)
    const health = await call("llm_process_health", {})
    expect(health.running.some((r: { jobId: string }) => r.jobId === slow.jobId)).toBe(true)
    const canceled = await call("llm_job_cancel", { jobId: slow.jobId })
    expect(canceled.jobId).toBe(slow.jobId)
    const pid = gateway.records().find((r) => r.prompt?.includes("to cancel") === true)!.pid!
    await waitUntil(() => !alive(pid), 10_000)
  })

  it("the session tools", async () => {
    const created = await call("session_create", { cli: "gemini", description: "structured" })
    const id = created.session.id as string
    await call("session_list", {})
    await call("session_list", { cli: "gemini" })
    await call("session_get", { sessionId: id })
    const cleared = await call("session_set_active", { cli: "gemini", sessionId: null })
    expect(cleared.session).toBeNull()
    const set = await call("session_set_active", { cli: "gemini", sessionId: id })
    expect(set.session.id).toBe(id)
    await call("session_delete", { sessionId: id })
    await call("session_create", { cli: "grok" })
    await call("session_clear_all", {})
  })

  it("the approval, model and CLI tools", async () => {
    await call("codex_request", { prompt: "managed", approvalStrategy: "mcp_managed" })
    const log = await call("approval_list", { limit: 5 })
    expect(log.count).toBeGreaterThanOrEqual(1)
    await call("approval_list", { cli: "codex" })
    const models = await call("list_models", {})
    expect(Object.keys(models.clis).sort()).toEqual([...allClis].sort())
    await call("list_models", { cli: "gemini" })
    const versions = await call("cli_versions", {})
    expect(versions.versions).toHaveLength(allClis.length)
    const plan = await call("cli_upgrade", { cli: "gemini" })
    expect(plan.dryRun).toBe(true)
  })

  it("a failed call's error envelope validates against the same outputSchema (the SDK Client did not throw)", async () => {
    const missing = await callTool(gateway, "llm_job_status", { jobId: "00000000-0000-4000-8000-000000000000" })
    expect(missing.isError).toBe(true)
    expect(missing.structuredContent!.error._tag).toBe("JobNotFound")
    valid("llm_job_status", missing)
    const refused = await callTool(gateway, "claude_request", { prompt: "hi", model: "--help" })
    expect(refused.structuredContent!.error._tag).toBe("InvalidRequest")
    valid("claude_request", refused)
  })

  it("every listed tool was called successfully above", () => {
    expect([...validators.keys()].filter((name) => !succeeded.has(name))).toEqual([])
    expect(succeeded.size).toBe(2 * allClis.length + 15)
  })
})
