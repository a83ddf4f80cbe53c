/**
 * Hostile input, case by case, on one built server: prompts, names,
 * numbers, unknown fields, wrong types, unknown tools and a 10 MB JSON-RPC
 * line. Each case looks at what the fake CLIs recorded during it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import { argvProblems } from "./helpers/argv.js"
import { classify, INVALID_PARAMS, STACK } from "./helpers/answers.js"
import { ms, suiteRecorder } from "./helpers/results.js"
import { alive, memoryOf, type RawServer, recordsIn, root, startRaw, tempDir } from "./helpers/server.js"

const results = suiteRecorder(
  "hostile-named",
  "Named hostile values, one call each on one built server (newline-delimited JSON-RPC written by the test). " +
    "`InvalidRequest` answers name the field; \"no CLI run\" means the fake CLIs recorded nothing during the call."
)

let dir = ""
let server: RawServer
beforeAll(async () => {
  dir = tempDir()
  server = startRaw(dir, {
    LLM_GATEWAY_JOBS_DB: join(dir, "jobs.db"),
    LLM_GATEWAY_MCP_SERVERS: join(root, "test/fixtures/mcpServers/registry.json"),
    LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1",
    LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "0"
  })
  await server.initialize()
})
afterAll(() => {
  server.kill()
  results.flush()
})

/** Calls a tool and answers the kind of answer and the CLI runs recorded during the call. */
const call = async (name: string, args: unknown) => {
  const before = recordsIn(dir).length
  const answer = await server.callTool(name, args, 60_000)
  const kind = classify(answer)
  const runs = recordsIn(dir).slice(before).filter((r) => r.argv !== undefined)
  for (const r of runs) expect(argvProblems(r.argv!)).toEqual([])
  return { answer, kind, runs, field: answer.result?.structuredContent?.error?.field as string | undefined }
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v)
  return s.length > 40 ? `${s.slice(0, 37)}…` : s
}

describe("the argv check itself", () => {
  it("flags a request value used as an option, a prompt in argv and an option no adapter writes", () => {
    expect(argvProblems(["-p", "--model", "qz7sonnet"])).toEqual([])
    expect(argvProblems(["-p", "--allowedTools=qz7Read"])).toEqual([])
    expect(argvProblems(["-p", "--qz7evil"])).toHaveLength(2)
    expect(argvProblems(["-p", "qz7positional"])).toHaveLength(1)
    expect(argvProblems(["-p", "--allowedTools=-qz7"])).toHaveLength(1)
    expect(argvProblems(["-p", "pq9 the prompt"])).toHaveLength(1)
    expect(argvProblems(["--dangerously-skip-permissions"])).toHaveLength(1)
  })
})

describe("prompts", () => {
  it("that start with '-', contain NUL, are at and past the length bound", async () => {
    const row = results.begin("H10", "Prompts: leading `-`, NUL, at and past the 100,000-character bound")
    const lines: Array<string> = []
    for (const prompt of ["--dangerously-skip-permissions", "-p --model x --help", "-", "--"]) {
      for (const cli of ["claude", "codex", "gemini", "grok"]) {
        const r = await call(`${cli}_request`, { prompt, forceRefresh: true })
        expect(r.kind).toBe("ok")
        expect(r.runs).toHaveLength(1)
        // codex's own argv ends with `-` (read the prompt from stdin): that one is the adapter's, not the prompt.
        const own = cli === "codex" && prompt === "-" ? 1 : 0
        expect(r.runs[0]!.argv!.filter((a) => a === prompt)).toHaveLength(own)
        expect(String(r.runs[0]!.prompt)).toContain(prompt)
      }
      lines.push(`${show(prompt)}: ok on all four CLIs, the CLI received it as the prompt, not in argv`)
    }
    const nul = await call("claude_request", { prompt: "before\u0000after" })
    expect(nul.kind).toBe("InvalidRequest")
    expect(nul.field).toBe("prompt")
    expect(nul.runs).toHaveLength(0)
    lines.push("NUL: InvalidRequest (field prompt), no CLI run")
    const atBound = await call("codex_request", { prompt: "x".repeat(99_991) + " at bound" })
    expect(atBound.kind).toBe("ok")
    expect(String(atBound.runs[0]!.prompt)).toHaveLength(100_000)
    lines.push("100,000 characters: ok, received whole")
    const past = await call("codex_request", { prompt: "x".repeat(100_001) })
    expect(past.kind).toBe("InvalidRequest")
    expect(past.field).toBe("prompt")
    expect(past.runs).toHaveLength(0)
    lines.push("100,001 characters: InvalidRequest (field prompt), no CLI run")
    row.pass(lines.join("; "))
  }, 60_000)
})

describe("names", () => {
  const values = ["--help", "-m", "a;rm -rf /", "$(id)", "`id`", "a|b", "../../etc/passwd", "..", "/etc/passwd", "a\nb", "a b", "\u0000"]
  const fields: ReadonlyArray<readonly [string, string, (v: string) => Record<string, unknown>]> = [
    ["model", "claude_request", (v) => ({ prompt: "hi", model: v })],
    ["sessionId", "codex_request", (v) => ({ prompt: "hi", sessionId: v })],
    ["allowedTools", "claude_request", (v) => ({ prompt: "hi", allowedTools: [v] })],
    ["disallowedTools", "grok_request", (v) => ({ prompt: "hi", disallowedTools: [v] })],
    ["includeDirs", "gemini_request", (v) => ({ prompt: "hi", includeDirs: [v] })],
    ["mcpServers", "gemini_request", (v) => ({ prompt: "hi", mcpServers: [v] })],
    ["correlationId", "grok_request", (v) => ({ prompt: "hi", correlationId: v })],
    ["session_get sessionId", "session_get", (v) => ({ sessionId: v })],
    ["llm_job_status jobId", "llm_job_status", (v) => ({ jobId: v })]
  ]
  it("model, session, tool, directory and server names with metacharacters, '..', absolute paths, newlines", async () => {
    const row = results.begin("H11", "Names with `-`, shell metacharacters, `..`, absolute paths, newlines, NUL")
    const lines: Array<string> = []
    for (const [label, tool, args] of fields) {
      const accepted: Array<string> = []
      for (const v of values) {
        const r = await call(tool, args(v))
        if (r.kind === "InvalidRequest") {
          expect(r.runs).toHaveLength(0)
          continue
        }
        accepted.push(`${show(v)} → ${r.kind}`)
        // Accepted: then only as a validated option's value (argvProblems above), never leading with '-'.
        for (const run of r.runs) expect(run.argv!.filter((a) => a === v && a.startsWith("-"))).toEqual([])
      }
      lines.push(
        `${label}: ${
          accepted.length === 0
            ? "all refused (InvalidRequest, no CLI run)"
            : `${values.length - accepted.length} refused; accepted as the option's value (argv, no shell): ${accepted.join(", ")}`
        }`
      )
    }
    // `-` and newlines never pass a name check.
    expect(lines.join(" ")).not.toMatch(/"--help" →|"-m" →|"a\\nb" →|"\\u0000" →/)
    row.pass(lines.join("; "))
  }, 60_000)
})

describe("numbers, unknown fields, wrong types", () => {
  it("numbers out of bounds are InvalidRequest naming the field", async () => {
    const row = results.begin("H12", "Numbers out of bounds, fractional, huge, as strings")
    const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
      ["claude_request", { prompt: "hi", idleTimeoutMs: 29_999 }, "idleTimeoutMs"],
      ["claude_request", { prompt: "hi", idleTimeoutMs: 3_600_001 }, "idleTimeoutMs"],
      ["claude_request", { prompt: "hi", idleTimeoutMs: 30_000.5 }, "idleTimeoutMs"],
      ["claude_request", { prompt: "hi", idleTimeoutMs: 1e308 }, "idleTimeoutMs"],
      ["claude_request", { prompt: "hi", idleTimeoutMs: "30000" }, "idleTimeoutMs"],
      ["llm_job_wait", { jobId: "00000000-0000-4000-8000-000000000000", timeoutMs: 600_001 }, "timeoutMs"],
      ["llm_job_wait", { jobId: "00000000-0000-4000-8000-000000000000", timeoutMs: -1 }, "timeoutMs"],
      ["llm_job_result", { jobId: "00000000-0000-4000-8000-000000000000", maxChars: 999 }, "maxChars"],
      ["llm_job_result", { jobId: "00000000-0000-4000-8000-000000000000", offset: -1 }, "offset"],
      ["llm_job_result", { jobId: "00000000-0000-4000-8000-000000000000", offset: 2 ** 53 + 2 }, "offset"],
      ["approval_list", { limit: 0 }, "limit"],
      ["approval_list", { limit: 501 }, "limit"],
      ["cli_upgrade", { cli: "codex", timeoutMs: 1 }, "timeoutMs"]
    ]
    for (const [tool, args, field] of cases) {
      const r = await call(tool, args)
      expect(r.kind, `${tool} ${JSON.stringify(args)}`).toBe("InvalidRequest")
      expect(r.field).toBe(field)
      expect(r.runs).toHaveLength(0)
    }
    row.pass(`all ${cases.length} cases InvalidRequest naming the field; no CLI run`)
  })

  it("unknown fields are InvalidRequest naming the field", async () => {
    const row = results.begin("H13", "Unknown fields (`extra`, `constructor`, a near-miss name, a JSON `__proto__` key)")
    const raw = ['{"prompt":"hi","extra":1}', '{"prompt":"hi","constructor":1}', '{"prompt":"hi","Model":"sonnet"}']
    for (const json of raw) {
      const r = await call("claude_request", JSON.parse(json))
      expect(r.kind, json).toBe("InvalidRequest")
      expect(r.runs).toHaveLength(0)
    }
    // A `__proto__` key: refused, or ignored; never a prototype that sets a field (the model here).
    const proto = await call("claude_request", JSON.parse('{"prompt":"proto","forceRefresh":true,"__proto__":{"model":"qz7proto","dangerouslySkipPermissions":true}}'))
    expect(["InvalidRequest", "ok"]).toContain(proto.kind)
    for (const run of proto.runs) {
      expect(run.argv!.join(" ")).not.toContain("qz7proto")
      expect(run.argv!.join(" ")).not.toContain("bypassPermissions")
    }
    row.pass(
      `${raw.length} cases InvalidRequest naming the unknown field, no CLI run; a JSON \`__proto__\` key ` +
        (proto.kind === "ok" ? "is ignored (the run goes on without the fields it carried: no prototype pollution)" : "is refused")
    )
  })

  it("wrong types are InvalidRequest; `arguments` that is not an object is a JSON-RPC invalid-params error, and the server goes on", async () => {
    const row = results.begin("H14", "Wrong types: prompt as number, null, array, object; cli as number; `arguments` not an object")
    for (const args of [{ prompt: 123 }, { prompt: null }, { prompt: ["a"] }, { prompt: { text: "a" } }]) {
      const r = await call("gemini_request", args)
      expect(r.kind).toBe("InvalidRequest")
      expect(r.field).toBe("prompt")
    }
    expect((await call("session_list", { cli: 5 })).kind).toBe("InvalidRequest")
    const codes: Array<string> = []
    for (const args of [null, [], "args", 42]) {
      const answer = await server.callTool("claude_request", args)
      expect(answer.error, JSON.stringify(answer)).toBeDefined()
      expect(JSON.stringify(answer)).not.toMatch(STACK)
      codes.push(`${show(args)} → ${answer.error!.code}`)
      expect(answer.error!.code, show(args)).toBe(-32602)
    }
    expect(alive(server.pid)).toBe(true)
    expect((await call("llm_process_health", {})).kind).toBe("ok")
    row.pass(
      "wrong types inside `arguments`: InvalidRequest naming the field. `arguments` not an object: JSON-RPC invalid params " +
        `(${codes.join(", ")}), never an internal error; the server goes on`
    )
  })
})

describe("unknown tools and huge lines", () => {
  it("unknown tools are a JSON-RPC invalid-params error", async () => {
    const row = results.begin("H15", "Unknown tools (`no_such_tool`, `../claude_request`, empty, upper case, with NUL)")
    for (const name of ["no_such_tool", "../claude_request", "", "CLAUDE_REQUEST", "claude_request\u0000"]) {
      const answer = await server.callTool(name, { prompt: "hi" })
      expect(answer.error?.code).toBe(INVALID_PARAMS)
      expect(answer.error?.message).not.toMatch(STACK)
    }
    expect(alive(server.pid)).toBe(true)
    row.pass(`each a JSON-RPC error ${INVALID_PARAMS} (invalid params) naming the tool; the server goes on`)
  })

  it("a 10 MB JSON-RPC line: answered (prompt too long), memory back down, the server goes on", async () => {
    const row = results.begin("H16", "A 10 MB JSON-RPC line: a tools/call with a 10 MB prompt, then a 10 MB line that is not JSON")
    const rssBefore = memoryOf(server.pid).rssKb
    const start = Date.now()
    const big = await call("claude_request", { prompt: "y".repeat(10 * 1024 * 1024) })
    const bigMs = Date.now() - start
    expect(big.kind).toBe("InvalidRequest")
    expect(big.field).toBe("prompt")
    expect(big.runs).toHaveLength(0)
    // The text of the answer does not echo 10 MB back.
    expect(JSON.stringify(big.answer).length).toBeLessThan(10_000)
    const peak = memoryOf(server.pid).hwmKb
    await server.writeRaw("z".repeat(10 * 1024 * 1024) + "\n")
    const ping = await server.request("ping", undefined, 20_000)
    expect(ping.result).toEqual({})
    expect((await call("llm_process_health", {})).kind).toBe("ok")
    expect(server.garbage()).toEqual([])
    expect(alive(server.pid)).toBe(true)
    row.pass("the 10 MB prompt is refused as InvalidRequest (field prompt) with a short answer, no CLI run; the 10 MB non-JSON line is dropped " +
      "(no answer: it has no id) and the next request answered. Limit: a line past 64 MiB ends the stdio transport (the MCP SDK's read buffer, " +
      "raised from its 10 MiB default in src/mcp/McpServer.ts)", {
      "10 MB call answered in": ms(bigMs),
      "RSS before / peak": `${(rssBefore / 1024).toFixed(0)} MB / ${(peak / 1024).toFixed(0)} MB`
    })
  }, 60_000)
})
