/**
 * Progress notifications over stdio: a client that sends a progressToken
 * hears about a running request as its output grows, and at least every
 * heartbeat while it is silent.
 */
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js"
import { describe, expect, it } from "vitest"
import { startGateway } from "./harness.js"

interface Heard {
  readonly progress: number
  readonly message?: string
}

describe("progress notifications", () => {
  it("a streaming run reports its output as it grows, with progress increasing; a silent one sends heartbeats", async () => {
    const gateway = await startGateway({ LLM_GATEWAY_PROGRESS_HEARTBEAT_MS: "1000", LLM_GATEWAY_FLUSH_INTERVAL_MS: "200" })
    try {
      const heard: Array<Heard> = []
      const result = await gateway.client.callTool(
        { name: "claude_request", arguments: { prompt: "[[fake:chunks=5]] [[fake:delay=600]] stream to me" } },
        CallToolResultSchema,
        { onprogress: (p) => heard.push({ progress: p.progress, ...(p.message !== undefined ? { message: p.message } : {}) }) }
      )
      expect(result.isError ?? false).toBe(false)
      expect(heard.length).toBeGreaterThanOrEqual(2)
      expect(heard.some((h) => /[1-9]\d* bytes of output/.test(h.message ?? ""))).toBe(true)
      for (let i = 1; i < heard.length; i++) expect(heard[i]!.progress).toBeGreaterThan(heard[i - 1]!.progress)

      const silent: Array<Heard> = []
      await gateway.client.callTool(
        { name: "codex_request", arguments: { prompt: "[[fake:sleep=2600]] think quietly" } },
        CallToolResultSchema,
        { onprogress: (p) => silent.push({ progress: p.progress, ...(p.message !== undefined ? { message: p.message } : {}) }) }
      )
      expect(silent.length).toBeGreaterThanOrEqual(1)
      expect(silent[0]!.message).toContain("running for")
    } finally {
      await gateway.close()
    }
  })

  it("without a progressToken no notification is sent", async () => {
    const gateway = await startGateway({ LLM_GATEWAY_PROGRESS_HEARTBEAT_MS: "500" })
    try {
      let notified = 0
      gateway.client.fallbackNotificationHandler = async () => {
        notified++
      }
      const result = await gateway.client.callTool({ name: "gemini_request", arguments: { prompt: "[[fake:sleep=1500]] quiet" } })
      expect(result.isError ?? false).toBe(false)
      expect(notified).toBe(0)
    } finally {
      await gateway.close()
    }
  })
})

describe("MCP cancellation", () => {
  it("cancelling a sync request ends its CLI and records the job canceled", async () => {
    const { alive, callTool, waitUntil } = await import("./harness.js")
    const gateway = await startGateway()
    try {
      const controller = new AbortController()
      const pending = gateway.client.callTool(
        { name: "claude_request", arguments: { prompt: "[[fake:silent]] [[fake:ignore-term]] forever" } },
        CallToolResultSchema,
        { signal: controller.signal }
      ).catch((e: unknown) => e)
      await waitUntil(() => gateway.records().some((r) => r.cli === "claude"))
      const pid = gateway.records().find((r) => r.cli === "claude")!.pid!
      controller.abort("changed my mind")
      await pending
      await waitUntil(() => !alive(pid), 3_000)
      const health = await callTool(gateway, "llm_process_health", {})
      expect(health.structuredContent!.running).toHaveLength(0)
      const { dirname, join } = await import("node:path")
      const Effect = await import("effect/Effect")
      const Layer = await import("effect/Layer")
      const { JobStore, layer: jobStore } = await import("../../src/jobs/JobStore.js")
      const { layerAt } = await import("../../src/storage/Database.js")
      const Migrations = await import("../../src/migrations.js")
      const path = join(dirname(gateway.recordFile), ".llm-cli-gateway", "gateway.db")
      const jobs = await Effect.runPromise(
        Effect.flatMap(JobStore, (store) => store.list({ limit: 5 })).pipe(Effect.provide(Layer.provide(jobStore, Layer.provide(layerAt(path), Migrations.layer))))
      )
      expect(jobs.map((j) => j.status)).toEqual(["canceled"])
    } finally {
      await gateway.close()
    }
  })
})
