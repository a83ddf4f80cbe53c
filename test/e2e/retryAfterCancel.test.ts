/**
 * A client that cancels a request and sends it again at once, with the
 * same id and the same arguments: dedup would join the run being ended, so
 * the new request would answer JobCanceled. It runs anew and answers.
 */
import { expect, it } from "vitest"
import { join } from "node:path"
import { groupRunning, killGroup, recordsIn, startRaw, tempDir, timeUntil, waitUntil } from "../reliability/helpers/server.js"

it("a request cancelled and sent again at once with the same arguments runs again and answers", async () => {
  const dir = tempDir()
  const server = startRaw(dir, { LLM_GATEWAY_JOBS_DB: join(dir, "jobs.db"), LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1" })
  const answers: Array<any> = []
  let buffer = ""
  server.child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString()
    let nl: number
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      try {
        const message = JSON.parse(line)
        if (message.id === 7 && message.method === undefined) answers.push(message)
      } catch {}
    }
  })
  const call = JSON.stringify({
    jsonrpc: "2.0",
    id: 7,
    method: "tools/call",
    params: { name: "claude_request", arguments: { prompt: "[[fake:sleep=1500]] same" } }
  }) + "\n"
  const cancel = JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } }) + "\n"
  const runs = () => recordsIn(dir).filter((r) => r.cli === "claude")
  try {
    await server.initialize()
    await server.writeRaw(call)
    await waitUntil(() => runs().length === 1, 10_000)
    // The cancel and the same request again, in one write.
    await server.writeRaw(cancel + call)
    await timeUntil(() => !groupRunning(runs()[0]!.pid!), 5_000)
    await waitUntil(() => answers.length > 0, 10_000)
    expect(answers).toHaveLength(1)
    expect(answers[0].result.isError ?? false).toBe(false)
    expect(answers[0].result.structuredContent.text).toContain("same")
    expect(runs()).toHaveLength(2)
  } finally {
    server.kill()
    await server.exited
    for (const r of runs()) killGroup(r.pid!)
  }
}, 30_000)
