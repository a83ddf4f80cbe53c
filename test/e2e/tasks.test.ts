/**
 * MCP tasks over stdio: a task-augmented call answers at once with a task
 * that IS the job it started; tasks/get, tasks/result, tasks/list and
 * tasks/cancel are served from the job store.
 */
import { allClis } from "../../src/domain/Cli.js"
import { ErrorCode, McpError, RELATED_TASK_META_KEY } from "@modelcontextprotocol/sdk/types.js"
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  GetTaskPayloadResultSchema,
  type Task
} from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { JobStore, layer as jobStoreLayer } from "../../src/jobs/JobStore.js"
import * as Migrations from "../../src/migrations.js"
import { layerAt } from "../../src/storage/Database.js"
import { alive, callTool, type Gateway, startGateway, tempDir, waitUntil } from "./harness.js"

const requestTools = [
  ...allClis.map((cli) => `${cli}_request`),
  ...allClis.map((cli) => `${cli}_request_async`)
]

/** Starts a task-augmented tools/call and answers its task (and the result's _meta). */
const createTask = async (gateway: Gateway, name: string, args: Record<string, unknown>) =>
  gateway.client.request(
    { method: "tools/call", params: { name, arguments: args, task: { ttl: 60_000 } } },
    CreateTaskResultSchema
  )

/** The code of an McpError a promise rejects with. */
const rejectionCode = async (promise: Promise<unknown>): Promise<number | undefined> => {
  try {
    await promise
  } catch (e) {
    return e instanceof McpError ? e.code : -1
  }
  return undefined
}

describe("MCP tasks", () => {
  let gateway: Gateway
  beforeAll(async () => {
    gateway = await startGateway()
  })
  afterAll(async () => {
    await gateway?.close()
  })

  it("declares the tasks capability, and taskSupport optional on the request tools only", async () => {
    const capabilities = gateway.client.getServerCapabilities()
    expect(capabilities?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } })
    const { tools } = await gateway.client.listTools()
    for (const tool of tools) {
      if (requestTools.includes(tool.name)) expect(tool.execution, tool.name).toEqual({ taskSupport: "optional" })
      else expect(tool.execution, tool.name).toBeUndefined()
    }
  })

  it("a task outlives a short client time limit and still delivers its result; tasks/get goes working → completed", async () => {
    const slow = "[[fake:sleep=2500]] take your time"
    // The same work as a plain call times out on the client's 1 s limit.
    const plain = await rejectionCode(
      gateway.client.callTool({ name: "codex_request", arguments: { prompt: slow } }, CallToolResultSchema, { timeout: 1000 })
    )
    expect(plain).toBe(ErrorCode.RequestTimeout)

    const seen: Array<Task> = []
    let result: Record<string, any> | undefined
    for await (
      const message of gateway.client.experimental.tasks.callToolStream(
        { name: "claude_request", arguments: { prompt: slow } },
        CallToolResultSchema,
        { timeout: 1000 }
      )
    ) {
      if (message.type === "taskCreated" || message.type === "taskStatus") seen.push(message.task)
      if (message.type === "result") result = message.result
      if (message.type === "error") throw message.error
    }
    expect(seen[0]!.status).toBe("working")
    expect(seen.at(-1)!.status).toBe("completed")
    expect(seen.filter((t) => t.status === "working").length).toBeGreaterThanOrEqual(2)
    const taskId = seen[0]!.taskId
    expect(seen.every((t) => t.taskId === taskId)).toBe(true)
    expect(seen[0]!.pollInterval).toBeGreaterThan(0)
    expect(seen[0]!.ttl).toBe(30 * 24 * 3_600_000)
    expect(result!.isError ?? false).toBe(false)
    expect(result!.structuredContent.jobId).toBe(taskId)
    expect(result!.content[0].text).toContain("take your time")
    expect(result!._meta[RELATED_TASK_META_KEY]).toEqual({ taskId })

    // The task is the job: llm_job_status knows it, and tasks/list lists it.
    const status = await callTool(gateway, "llm_job_status", { jobId: taskId })
    expect(status.structuredContent!.status).toBe("completed")
    const listed = await gateway.client.experimental.tasks.listTasks()
    expect(listed.tasks.find((t) => t.taskId === taskId)?.status).toBe("completed")
  })

  it("an async twin called as a task answers as it would: the job's status (here, as it ended), valid for its outputSchema", async () => {
    await gateway.client.listTools() // the client validates structuredContent against the listed outputSchema
    let result: Record<string, any> | undefined
    for await (
      const message of gateway.client.experimental.tasks.callToolStream(
        { name: "gemini_request_async", arguments: { prompt: "[[fake:sleep=200]] in the background" } },
        CallToolResultSchema
      )
    ) {
      if (message.type === "result") result = message.result
      if (message.type === "error") throw message.error
    }
    expect(result!.isError ?? false).toBe(false)
    expect(result!.structuredContent.status).toBe("completed")
    expect(result!.structuredContent.resultChars).toBeGreaterThan(0)
    expect(result!.structuredContent.text).toBeUndefined()
  })

  it("tasks/result of a failed job is the tool's isError result; the task is failed", async () => {
    const { task } = await createTask(gateway, "gemini_request", { prompt: "[[fake:auth]] who am I" })
    const result = await gateway.client.experimental.tasks.getTaskResult(task.taskId, GetTaskPayloadResultSchema)
    expect(result.isError).toBe(true)
    expect((result.structuredContent as any).error._tag).toBe("CliAuthRequired")
    expect((result._meta as any)[RELATED_TASK_META_KEY]).toEqual({ taskId: task.taskId })
    expect((await gateway.client.experimental.tasks.getTask(task.taskId)).status).toBe("failed")
  })

  it("tasks/cancel ends the job and its process; a second cancel is refused", async () => {
    const { task } = await createTask(gateway, "grok_request_async", { prompt: "[[fake:silent]] [[fake:ignore-term]] forever" })
    await waitUntil(() => gateway.records().some((r) => r.cli === "grok"))
    const pid = gateway.records().find((r) => r.cli === "grok")!.pid!
    expect(alive(pid)).toBe(true)
    const cancelled = await gateway.client.experimental.tasks.cancelTask(task.taskId)
    expect(cancelled.status).toBe("cancelled")
    await waitUntil(() => !alive(pid), 4_000)
    expect((await gateway.client.experimental.tasks.getTask(task.taskId)).status).toBe("cancelled")
    const status = await callTool(gateway, "llm_job_status", { jobId: task.taskId })
    expect(status.structuredContent!.status).toBe("canceled")
    expect(await rejectionCode(gateway.client.experimental.tasks.cancelTask(task.taskId))).toBe(ErrorCode.InvalidParams)
  })

  it("identical task calls share one task (the job's dedup)", async () => {
    const args = { prompt: "[[fake:sleep=300]] same thing twice" }
    const first = await createTask(gateway, "codex_request", args)
    const second = await createTask(gateway, "codex_request", args)
    expect(second.task.taskId).toBe(first.task.taskId)
    expect(first._meta?.["llm-cli-gateway/deduped"]).toBe(false)
    expect(second._meta?.["llm-cli-gateway/deduped"]).toBe(true)
    const result = await gateway.client.experimental.tasks.getTaskResult(first.task.taskId, CallToolResultSchema)
    expect(result.isError ?? false).toBe(false)
  })

  it("a plain call is unchanged: the result itself, no task", async () => {
    const result = await gateway.client.callTool({ name: "claude_request", arguments: { prompt: "plain and simple" } })
    expect(result.isError ?? false).toBe(false)
    expect("task" in result).toBe(false)
    expect((result.structuredContent as any).text).toContain("plain and simple")
  })

  it("refuses a task on a tool without task support, unknown tasks, bad arguments and bad cursors", async () => {
    expect(await rejectionCode(createTask(gateway, "llm_process_health", {}))).toBe(ErrorCode.MethodNotFound)
    expect(await rejectionCode(createTask(gateway, "claude_request", { prompt: 42 }))).toBe(ErrorCode.InvalidParams)
    const unknown = "00000000-0000-4000-8000-000000000000"
    expect(await rejectionCode(gateway.client.experimental.tasks.getTask(unknown))).toBe(ErrorCode.InvalidParams)
    expect(await rejectionCode(gateway.client.experimental.tasks.getTaskResult(unknown, CallToolResultSchema)))
      .toBe(ErrorCode.InvalidParams)
    expect(await rejectionCode(gateway.client.experimental.tasks.cancelTask("not-a-job"))).toBe(ErrorCode.InvalidParams)
    expect(await rejectionCode(gateway.client.experimental.tasks.listTasks("bogus"))).toBe(ErrorCode.InvalidParams)
  })
})

describe("tasks across servers", () => {
  it("a task created on one server is read, awaited and listed on another sharing the database", async () => {
    const dir = tempDir()
    const first = await startGateway({}, { dir })
    const second = await startGateway({}, { dir })
    try {
      const { task } = await createTask(first, "codex_request", { prompt: "[[fake:sleep=800]] shared work" })
      const seen = await second.client.experimental.tasks.getTask(task.taskId)
      expect(seen.status).toBe("working")
      const result = await second.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)
      expect(result.isError ?? false).toBe(false)
      expect((result.structuredContent as any).jobId).toBe(task.taskId)
      const listed = await second.client.experimental.tasks.listTasks()
      expect(listed.tasks.map((t) => t.taskId)).toContain(task.taskId)
    } finally {
      await Promise.all([first.close(), second.close()])
    }
  })
})

describe("progress of a task", () => {
  it("a task-augmented call with a progressToken hears progress until the task ends", async () => {
    const gateway = await startGateway({ LLM_GATEWAY_PROGRESS_HEARTBEAT_MS: "1000", LLM_GATEWAY_FLUSH_INTERVAL_MS: "200" })
    try {
      const heard: Array<{ progress: number; message?: string | undefined }> = []
      const created = await gateway.client.request(
        {
          method: "tools/call",
          params: { name: "claude_request", arguments: { prompt: "[[fake:chunks=4]] [[fake:delay=700]] tell me slowly" }, task: {} }
        },
        CreateTaskResultSchema,
        { onprogress: (p) => heard.push(p) }
      )
      expect(heard).toHaveLength(0)
      const result = await gateway.client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema)
      expect(result.isError ?? false).toBe(false)
      expect(heard.length).toBeGreaterThanOrEqual(1)
      expect(heard.some((h) => /running for/.test(h.message ?? ""))).toBe(true)
      for (let i = 1; i < heard.length; i++) expect(heard[i]!.progress).toBeGreaterThan(heard[i - 1]!.progress)
    } finally {
      await gateway.close()
    }
  })
})

describe("tasks/list", () => {
  it("pages through every job with a cursor, newest first, each once", async () => {
    const dir = tempDir()
    const path = join(dir, ".llm-cli-gateway", "gateway.db")
    const base = Date.now() - 3_600_000
    const ids: Array<string> = []
    await Effect.runPromise(
      Effect.gen(function*() {
        const store = yield* JobStore
        for (let i = 0; i < 57; i++) {
          const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`
          ids.push(id)
          // Some share a creation time: the cursor must still not skip or repeat one.
          const createdAt = base + Math.floor(i / 3) * 1000
          yield* store.insert({
            id,
            cli: "claude",
            requestKey: `k${i}`,
            argv: [],
            cwd: dir,
            correlationId: `c${i}`,
            outputFormat: "text",
            ownerInstance: "seed",
            principal: "local",
            createdAt
          }, undefined)
          yield* store.finish(id, {
            status: "completed",
            finishedAt: createdAt + 10,
            exitCode: 0,
            signal: null,
            error: null,
            reply: null
          })
        }
      }).pipe(Effect.provide(Layer.provide(jobStoreLayer, Layer.provide(layerAt(path), Migrations.layer))))
    )
    const gateway = await startGateway({}, { dir })
    try {
      const pages: Array<ReadonlyArray<Task>> = []
      let cursor: string | undefined
      do {
        const page = await gateway.client.experimental.tasks.listTasks(cursor)
        pages.push(page.tasks)
        cursor = page.nextCursor
      } while (cursor !== undefined)
      expect(pages.map((p) => p.length)).toEqual([50, 7])
      const listed = pages.flat().map((t) => t.taskId)
      expect(new Set(listed).size).toBe(57)
      expect([...listed].sort()).toEqual([...ids].sort())
      const created = pages.flat().map((t) => Date.parse(t.createdAt))
      for (let i = 1; i < created.length; i++) expect(created[i]!).toBeLessThanOrEqual(created[i - 1]!)
      expect(pages.flat().every((t) => t.status === "completed")).toBe(true)
    } finally {
      await gateway.close()
    }
  })
})
