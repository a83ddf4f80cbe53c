/**
 * 1,000 async jobs, 32 in flight, against the fast fake CLIs: every result
 * collected and correct, none lost or duplicated, the server's memory
 * bounded, and the database back to its size once the retention purge has
 * run. Slow (about 30 s alone on 2 cores): `npm run test:reliability`.
 */
import { afterAll, expect, it } from "vitest"
import { kib, mb, runLoad } from "./helpers/load.js"
import { suiteRecorder } from "./helpers/results.js"

/** The bound on the server's peak RSS (VmHWM) through the run. */
const RSS_BOUND_MB = 256
/** How much the peak RSS may rise from the second quarter of the jobs to the last: not with the count. */
const LATE_GROWTH_BOUND_MB = 48

const results = suiteRecorder(
  "load-1000",
  "1,000 async requests (`*_request_async`, 250 per CLI, each prompt unique), 32 client pipelines outstanding (submit, " +
    "`llm_job_wait`, `llm_job_result`), server limits `LLM_GATEWAY_MAX_CONCURRENT_JOBS=32`, `LLM_GATEWAY_MAX_CONCURRENT_PER_CLI=8`; " +
    "the server's VmRSS sampled from /proc every 50 ms. Then a server started with a retention of one second " +
    "(`LLM_GATEWAY_JOB_RETENTION_DAYS=0.0000115...`) purges the finished jobs at start-up."
)
afterAll(() => results.flush())

it("1,000 jobs, 32 in flight: all collected and correct, RSS bounded, the database back to its size after the purge", async () => {
  const row = results.begin("L10", "1,000 async jobs, 32 in flight")
  const r = await runLoad(1_000, 32)
  expect(r.wrongResults).toBe(0)
  expect(r.completed).toBe(1_000)
  expect(r.distinctJobIds).toBe(1_000)
  expect(r.cliRuns).toBe(1_000)
  expect(r.promptsSeenTwice).toBe(0)
  expect(r.hwmKb / 1024).toBeLessThan(RSS_BOUND_MB)
  const [, q2, , q4] = r.rssByQuarterKb as [number, number, number, number]
  expect((q4 - q2) / 1024).toBeLessThan(LATE_GROWTH_BOUND_MB)
  expect(r.rowsAfterPurge).toBe(0)
  expect(r.outputRowsAfterPurge).toBe(0)
  // Back to the pages in use before the load (the file keeps its free pages for reuse; SQLite does not shrink it).
  expect(r.dbAfterPurge.usedBytes).toBeLessThanOrEqual(r.dbBefore.usedBytes + 8_192)
  row.pass(
    `all 1,000 completed with the right reply (no job lost, none run twice: 1,000 CLI processes, 1,000 distinct job ids); ` +
      `peak RSS under the ${RSS_BOUND_MB} MB bound and flat from the second quarter on (bound: +${LATE_GROWTH_BOUND_MB} MB); ` +
      `after the purge no job or output row is left and the pages in use are back to the size before the load`,
    {
      "wall time": `${(r.wallMs / 1000).toFixed(1)} s`,
      throughput: `${r.jobsPerSecond} jobs/s`,
      "RSS after warm-up": mb(r.rssBaselineKb),
      "peak RSS (VmHWM)": mb(r.hwmKb),
      "peak RSS per quarter": r.rssByQuarterKb.map(mb).join(" / "),
      "DB in use before / after load / after purge": `${kib(r.dbBefore.usedBytes)} / ${kib(r.dbAfterLoad.usedBytes)} / ${kib(r.dbAfterPurge.usedBytes)}`,
      "DB file after purge": `${kib(r.dbAfterPurge.fileBytes)} (free pages kept for reuse)`,
      "purge (server start to rows gone)": `${r.purgeMs} ms`
    }
  )
})
