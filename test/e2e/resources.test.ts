/**
 * MCP resources over stdio: the job resources, listed and read, and the
 * errors of a URI that names nothing.
 */
import { McpError } from "@modelcontextprotocol/sdk/types.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { callTool, type Gateway, startGateway } from "./harness.js"

const RESOURCE_NOT_FOUND = -32002

const readJson = async (gateway: Gateway, uri: string): Promise<any> => {
  const { contents } = await gateway.client.readResource({ uri })
  expect(contents).toHaveLength(1)
  expect(contents[0]!.uri).toBe(uri)
  expect(contents[0]!.mimeType).toBe("application/json")
  return JSON.parse((contents[0] as { text: string }).text)
}

const rejection = async (promise: Promise<unknown>): Promise<McpError> => {
  try {
    await promise
  } catch (e) {
    if (e instanceof McpError) return e
    throw e
  }
  throw new Error("expected a rejection")
}

describe("MCP resources", () => {
  let gateway: Gateway
  beforeAll(async () => {
    gateway = await startGateway()
  })
  afterAll(async () => {
    await gateway?.close()
  })

  it("declares resources and lists jobs://recent and the jobs://{id} template", async () => {
    expect(gateway.client.getServerCapabilities()?.resources).toBeDefined()
    const { resources } = await gateway.client.listResources()
    expect(resources.map((r) => r.uri)).toContain("jobs://recent")
    expect(resources.find((r) => r.uri === "jobs://recent")?.mimeType).toBe("application/json")
    const { resourceTemplates } = await gateway.client.listResourceTemplates()
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain("jobs://{id}")
  })

  it("jobs://{id} reads a job's status as llm_job_status reports it, without its text", async () => {
    const done = await callTool(gateway, "claude_request", { prompt: "a reply that should not be in the resource" })
    const jobId = done.structuredContent!.jobId as string
    const read = await readJson(gateway, `jobs://${jobId}`)
    const status = await callTool(gateway, "llm_job_status", { jobId })
    const { durationMs: _a, ...fromResource } = read
    const { durationMs: _b, ...fromTool } = status.structuredContent!
    expect(fromResource).toEqual(fromTool)
    expect(read.status).toBe("completed")
    expect(JSON.stringify(read)).not.toContain("should not be in the resource")
  })

  it("jobs://recent lists the newest jobs first, at most 20", async () => {
    for (let i = 0; i < 22; i++) {
      await callTool(gateway, "codex_request_async", { prompt: `[[fake:sleep=1]] job number ${i}` })
    }
    const newest = await callTool(gateway, "gemini_request_async", { prompt: "the newest one" })
    const recent = await readJson(gateway, "jobs://recent")
    expect(recent.jobs).toHaveLength(20)
    expect(recent.jobs[0].jobId).toBe(newest.structuredContent!.jobId)
    const created = recent.jobs.map((j: { createdAt: string }) => Date.parse(j.createdAt))
    for (let i = 1; i < created.length; i++) expect(created[i]).toBeLessThanOrEqual(created[i - 1])
    expect(recent.jobs.every((j: Record<string, unknown>) => !("text" in j))).toBe(true)
  })

  it("a URI that names no resource, or no job, is resource-not-found (-32002)", async () => {
    const unknownScheme = await rejection(gateway.client.readResource({ uri: "nothing://here" }))
    expect(unknownScheme.code).toBe(RESOURCE_NOT_FOUND)
    const unknownJob = await rejection(gateway.client.readResource({ uri: "jobs://00000000-0000-4000-8000-000000000000" }))
    expect(unknownJob.code).toBe(RESOURCE_NOT_FOUND)
    expect(unknownJob.message).toContain("JobNotFound")
    const nested = await rejection(gateway.client.readResource({ uri: "jobs://a/b" }))
    expect(nested.code).toBe(RESOURCE_NOT_FOUND)
  })
})

describe("MCP resources before the services are up", () => {
  it("a read right after initialize waits for the services, then answers", async () => {
    const gateway = await startGateway()
    try {
      const recent = await gateway.client.readResource({ uri: "jobs://recent" })
      expect(JSON.parse((recent.contents[0] as { text: string }).text)).toEqual({ jobs: [] })
    } finally {
      await gateway.close()
    }
  })
})
