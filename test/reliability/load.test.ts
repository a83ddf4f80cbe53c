/**
 * Load that `npm test` can afford: 200 identical requests at one instant.
 * (The 1,000-job load is load-1000.slow.ts, run by `npm run test:reliability`.)
 */
import { afterAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import { ms, suiteRecorder } from "./helpers/results.js"
import { callTool, memoryOf, startGateway, tempDir } from "./helpers/server.js"

const results = suiteRecorder(
  "load",
  "Identical requests sent at once over one stdio connection to the built server, with a fake CLI that takes 500 ms."
)
afterAll(() => results.flush())

describe("200 simultaneous identical requests", () => {
  for (const [id, tool] of [["L01", "claude_request"], ["L02", "gemini_request_async"]] as const) {
    it(`${tool}: exactly one CLI process, 200 answers with the same job id`, async () => {
      const row = results.begin(id, `200 identical \`${tool}\` calls at the same instant`)
      const dir = tempDir()
      const gateway = await startGateway({ LLM_GATEWAY_JOBS_DB: join(dir, "jobs.db") }, { dir })
      try {
        const cli = tool.split("_")[0]!
        const start = Date.now()
        const answers = await Promise.all(
          Array.from({ length: 200 }, () => callTool(gateway, tool, { prompt: "[[fake:sleep=500]] the same question" }))
        )
        const allMs = Date.now() - start
        expect(answers.filter((a) => a.isError === true)).toEqual([])
        const ids = new Set(answers.map((a) => a.structuredContent!.jobId))
        expect(ids.size).toBe(1)
        expect(answers.filter((a) => a.structuredContent!.deduped === true)).toHaveLength(199)
        if (tool.endsWith("_async")) {
          const waited = await callTool(gateway, "llm_job_wait", { jobId: [...ids][0], timeoutMs: 20_000 })
          expect(waited.structuredContent!.status).toBe("completed")
        } else {
          expect(new Set(answers.map((a) => a.structuredContent!.text)).size).toBe(1)
        }
        expect(gateway.records().filter((r) => r.cli === cli)).toHaveLength(1)
        row.pass("one CLI process; all 200 answers carry the same job id (199 say `deduped`)" +
          (tool.endsWith("_async") ? "; the job completes" : " and the same reply"), {
          "200 answers in": ms(allMs),
          "server RSS after": `${(memoryOf(gateway.transport.pid!).rssKb / 1024).toFixed(1)} MB`
        })
      } finally {
        await gateway.close()
      }
    })
  }
})
