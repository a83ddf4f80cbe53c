/**
 * Big reply: one sync `claude_request` whose fake claude prints a
 * REPLY_CHARS-character reply. Its latency, the reply as received (paged
 * with llm_job_result if the answer was cut), and the server's peak
 * resident set (VmHWM) after serving it, next to a direct spawn of the fake.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { root, runFakeClaude } from "./fakeClaude.js"
import { answerText, type BenchGateway, procStatusBytes, readReply, requireOk, startGateway, waitForJob } from "./gateway.js"
import { count, mb, met, ms, table, timed } from "./stats.js"

export const REPLY_CHARS = 10_000_000
/** Peak RSS of the server while it serves the sync request: under 150 MB (decimal, as the goal says). */
export const GOAL_PEAK_RSS = 150 * 1000 * 1000
/** The sync answer carries the reply twice (content and structuredContent): room for both. */
const CLIENT_BUFFER = 64 * 1024 * 1024
/** The MCP SDK stdio client's default read buffer: the largest message a default client accepts. */
const SDK_DEFAULT_BUFFER = 10 * 1024 * 1024
const PROMPT = `Big reply [[fake:big=${REPLY_CHARS}]]`

/** The reply the fake gives for `big=N` (see test/fixtures/lib/fake-cli.cjs). */
const expectedReply = (n: number): string => {
  const unit = "lorem ipsum dolor sit amet "
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n)
}

export interface BigReply {
  readonly latencyMs: number
  readonly directMs: number
  readonly replyChars: number
  /** True when the reply read equals the fake's, character for character. */
  readonly intact: boolean
  /** llm_job_result pages read after the sync answer (0 when it carried the whole reply). */
  readonly pages: number
  /** Size of the sync answer as JSON, close to its size on the wire. */
  readonly answerBytes: number
  readonly rssBefore: number
  /** VmHWM when the sync answer has arrived: the request's own peak. */
  readonly peakRss: number
  /** VmHWM after the rest of the reply was read in llm_job_result pages too. */
  readonly peakAfterPages: number
}

/** The sync request, then, if its answer did not carry the whole reply, the rest in pages. */
const readBigReply = async (gateway: BenchGateway) => {
  const answer = requireOk("claude_request", await gateway.call("claude_request", { prompt: PROMPT }))
  const peakOfRequest = procStatusBytes(gateway.pid, "VmHWM")
  const jobId = String(answer.structuredContent?.jobId)
  // A deferred answer (past the sync deadline) carries a job reference, not the reply.
  const deferred = answer.structuredContent?.deferred === true
  if (deferred) await waitForJob(gateway, jobId)
  // The reply as the answer carries it (structuredContent.text: content adds a note when the reply continues).
  const sent = deferred ? "" : String(answer.structuredContent?.text ?? answerText(answer))
  const rest = sent.length < REPLY_CHARS ? await readReply(gateway, jobId, sent.length) : { text: "", pages: 0 }
  return { answer, reply: sent + rest.text, pages: rest.pages, peakOfRequest }
}

/** @param env extra environment of the server (LLM_GATEWAY_HEAP=default: V8's own heap settings). */
export const measureBigReply = async (env: Record<string, string> = {}): Promise<BigReply> => {
  const gateway = await startGateway({ maxBufferSize: CLIENT_BUFFER, env })
  const floorHome = mkdtempSync(join(tmpdir(), "gateway-bench-floor-"))
  try {
    // A small request first, so the figure is the big reply's, not the first request's.
    requireOk("claude_request", await gateway.call("claude_request", { prompt: "Warm up." }))
    const rssBefore = procStatusBytes(gateway.pid, "VmRSS")
    const { ms: latencyMs, value: { answer, pages, peakOfRequest, reply } } = await timed(() => readBigReply(gateway))
    const peakAfterPages = procStatusBytes(gateway.pid, "VmHWM")
    const answerBytes = Buffer.byteLength(JSON.stringify(answer))
    const direct = await runFakeClaude(PROMPT, { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: floorHome })
    return {
      latencyMs,
      directMs: direct.ms,
      replyChars: reply.length,
      intact: reply === expectedReply(REPLY_CHARS),
      pages,
      answerBytes,
      rssBefore,
      peakRss: peakOfRequest,
      peakAfterPages
    }
  } finally {
    await gateway.close()
    rmSync(floorHome, { recursive: true, force: true })
  }
}

/** @param v8Defaults the same request to a server with LLM_GATEWAY_HEAP=default, for comparison. */
export const bigReplyTable = (m: BigReply, v8Defaults: BigReply): string =>
  table([`big reply: one sync claude_request, ${count(REPLY_CHARS)}-character reply`, "measured"], [
    ["latency via the gateway (request → whole reply read)", ms(m.latencyMs)],
    ["direct spawn of the fake claude (floor)", ms(m.directMs)],
    ["reply characters read (intact?)", `${count(m.replyChars)} (${m.intact ? "intact" : "DIFFERS"})`],
    ["llm_job_result pages read after the sync answer (0: it carried the whole reply)", count(m.pages)],
    [
      `sync answer size (a default SDK client takes ≤ ${mb(SDK_DEFAULT_BUFFER)})`,
      `${mb(m.answerBytes)}${m.answerBytes > SDK_DEFAULT_BUFFER ? " (too big for a default client)" : ""}`
    ],
    ["server RSS before the request", mb(m.rssBefore)],
    ["server peak RSS (VmHWM) when the sync answer arrived", mb(m.peakRss)],
    ["server peak RSS (VmHWM) after reading the rest in 2,000,000-character pages", mb(m.peakAfterPages)],
    [
      "the same with V8's own heap settings (LLM_GATEWAY_HEAP=default): RSS before / peak / after pages",
      `${mb(v8Defaults.rssBefore)} / ${mb(v8Defaults.peakRss)} / ${mb(v8Defaults.peakAfterPages)}`
    ]
  ])

export const bigReplyFigures = (m: BigReply): Array<Array<string>> => [
  ["big reply: server peak RSS serving the request", mb(m.peakRss), `< ${mb(GOAL_PEAK_RSS)}`, met(m.peakRss < GOAL_PEAK_RSS)],
  [
    "big reply: characters readable",
    count(m.replyChars),
    `${count(REPLY_CHARS)}, intact`,
    met(m.replyChars === REPLY_CHARS && m.intact)
  ]
]

/** The other CLIs, each with its own output format (gemini stream-json, codex JSONL events, grok JSON). */
const OTHER_CLIS = ["gemini", "codex", "grok"] as const

export interface OtherCliPeak {
  readonly cli: (typeof OTHER_CLIS)[number]
  readonly replyChars: number
  readonly peakRss: number
}

/** The same sync request to each other CLI's fake, on a server of its own: the reply's length and the peak. */
export const measureOtherClis = async (): Promise<ReadonlyArray<OtherCliPeak>> => {
  const peaks: Array<OtherCliPeak> = []
  for (const cli of OTHER_CLIS) {
    const gateway = await startGateway({
      maxBufferSize: CLIENT_BUFFER,
      env: { [`LLM_GATEWAY_${cli.toUpperCase()}_BIN`]: join(root, "test/fixtures/bin", cli) }
    })
    try {
      requireOk(`${cli}_request`, await gateway.call(`${cli}_request`, { prompt: "Warm up." }))
      const answer = requireOk(`${cli}_request`, await gateway.call(`${cli}_request`, { prompt: PROMPT }))
      const replyChars = Number(answer.structuredContent?.totalChars ?? String(answer.structuredContent?.text ?? "").length)
      peaks.push({ cli, replyChars, peakRss: procStatusBytes(gateway.pid, "VmHWM") })
    } finally {
      await gateway.close()
    }
  }
  return peaks
}

export const otherClisTable = (peaks: ReadonlyArray<OtherCliPeak>): string =>
  table(
    [`the same ${count(REPLY_CHARS)}-character reply from the other CLIs' fakes`, "reply characters", "server peak RSS"],
    peaks.map((p) => [`${p.cli}_request`, count(p.replyChars), `${mb(p.peakRss)}${p.peakRss < GOAL_PEAK_RSS ? "" : " (over 150 MB)"}`])
  )
