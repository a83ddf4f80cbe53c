// The floor for any Node MCP server that runs CLI jobs: the SDK's Server on stdio with the four tools the
// async bench calls (claude_request_async, llm_job_status, llm_job_wait, llm_job_result), the jobs in a Map,
// nothing written anywhere, no dedup, no limits, no process-group clean-up. What is left when a server does
// only what a polling client needs: an MCP round trip per call and a fork per job.
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js"
import { spawn } from "node:child_process"
import { randomUUID } from "node:crypto"

const bin = process.env.LLM_GATEWAY_CLAUDE_BIN ?? "claude"
const argv = ["-p", "--output-format", "stream-json", "--verbose"]
const jobs = new Map()

/** The reply of a stream-json run: its result event's text. */
const replyOf = (stdout) => {
  const line = stdout.split("\n").reverse().find((l) => l.includes("\"type\":\"result\""))
  return line === undefined ? stdout : String(JSON.parse(line).result ?? "")
}

const start = (prompt) => {
  const job = { id: randomUUID(), status: "running", out: [], text: "", waiters: [] }
  jobs.set(job.id, job)
  const child = spawn(bin, argv, { stdio: ["pipe", "pipe", "pipe"], detached: true })
  child.stdout.on("data", (chunk) => job.out.push(chunk))
  child.stderr.resume()
  child.on("close", (code) => {
    job.text = replyOf(Buffer.concat(job.out).toString("utf8"))
    job.status = code === 0 ? "completed" : "failed"
    for (const wake of job.waiters) wake()
    job.waiters = []
  })
  child.stdin.end(prompt)
  return job
}

const view = (job) => ({ jobId: job.id, status: job.status })
const answer = (structuredContent) => ({ content: [{ type: "text", text: JSON.stringify(structuredContent) }], structuredContent })
const found = (jobId) => {
  const job = jobs.get(jobId)
  if (job === undefined) throw new Error(`no job ${jobId}`)
  return job
}

const object = (properties) => ({ type: "object", properties })
const tools = [
  { name: "claude_request_async", inputSchema: object({ prompt: { type: "string" } }) },
  { name: "llm_job_status", inputSchema: object({ jobId: { type: "string" } }) },
  { name: "llm_job_wait", inputSchema: object({ jobId: { type: "string" }, timeoutMs: { type: "number" } }) },
  { name: "llm_job_result", inputSchema: object({ jobId: { type: "string" }, offset: { type: "number" }, maxChars: { type: "number" } }) }
]

const server = new Server({ name: "minimal-jobs", version: "1.0.0" }, { capabilities: { tools: {} } })
server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }))
server.setRequestHandler(CallToolRequestSchema, async (request) => {
  const args = request.params.arguments ?? {}
  switch (request.params.name) {
    case "claude_request_async":
      return answer(view(start(String(args.prompt ?? ""))))
    case "llm_job_status":
      return answer(view(found(String(args.jobId))))
    case "llm_job_wait": {
      const job = found(String(args.jobId))
      if (job.status === "running") {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, Number(args.timeoutMs ?? 30_000))
          job.waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      return answer(view(job))
    }
    case "llm_job_result": {
      const job = found(String(args.jobId))
      const offset = Number(args.offset ?? 0)
      const end = offset + Number(args.maxChars ?? 2_000_000)
      return answer({ jobId: job.id, text: job.text.slice(offset, end), nextOffset: end < job.text.length ? end : null })
    }
    default:
      throw new Error(`unknown tool ${request.params.name}`)
  }
})
await server.connect(new StdioServerTransport())
