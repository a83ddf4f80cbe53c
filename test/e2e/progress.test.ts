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
