/**
 * Hostile input, case by case, on one built server: prompts, names,
 * numbers, unknown fields, wrong types, unknown tools, and JSON-RPC lines of
 * 10 MB, 30 MB and past the line bound. Each case looks at what the fake
 * CLIs recorded during it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { join } from "node:path"
import { argvProblems } from "./helpers/argv.js"
import { classify, INVALID_PARAMS, STACK } from "./helpers/answers.js"
import { ms, suiteRecorder } from "./helpers/results.js"
import { alive, type JsonRpcMessage, memoryOf, type RawServer, recordsIn, root, startRaw, tempDir } from "./helpers/server.js"

const MiB = 1024 * 1024

const results = suiteRecorder(
  "hostile-named",
  "Named hostile values, one call each on one built server (newline-delimited JSON-RPC written by the test). " +
    "`InvalidRequest` answers name the field; \"no CLI run\" means the fake CLIs recorded nothing during the call."
)

type Answer = JsonRpcMessage | { readonly jsonrpc: "2.0"; readonly id: null; readonly error: JsonRpcMessage["error"] }

/**
 * Every answer a server writes, in order, including those with id null (the raw server matches only the ids
 * of its own requests), and a wait for the first with an id written from an index on.
 */
const collect = (raw: RawServer) => {
  const answered: Array<Answer> = []
  let partial = ""
  raw.child.stdout.on("data", (c: Buffer) => {
    const lines = (partial + c.toString()).split("\n")
    partial = lines.pop()!
    for (const line of lines) {
      try {
        const message = JSON.parse(line)
        if (message.method === undefined) answered.push(message)
      } catch {}
    }
  })
  const answerTo = async (id: string | number | null, from: number, timeoutMs: number): Promise<Answer> => {
    const start = Date.now()
    for (;;) {
      const found = answered.slice(from).find((m) => m.id === id)
      if (found !== undefined) return found
      if (Date.now() - start > timeoutMs) throw new Error(`no answer with id ${JSON.stringify(id)} in ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  return { answered, answerTo }
}

let dir = ""
let server: RawServer
let answers: ReturnType<typeof collect>
beforeAll(async () => {
  dir = tempDir()
  server = startRaw(dir, {
    LLM_GATEWAY_JOBS_DB: join(dir, "jobs.db"),
    LLM_GATEWAY_MCP_SERVERS: join(root, "test/fixtures/mcpServers/registry.json"),
    LLM_GATEWAY_RETRY_MAX_ATTEMPTS: "1",
    LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "0"
  })
  answers = collect(server)
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
    const from = answers.answered.length
    await server.writeRaw("z".repeat(10 * 1024 * 1024) + "\n")
    const ping = await server.request("ping", undefined, 20_000)
    expect(ping.result).toEqual({})
    // JSON-RPC's answer to a line that is not JSON: a Parse error, id null.
    expect(await answers.answerTo(null, from, 1_000)).toMatchObject({ id: null, error: { code: -32700 } })
    expect((await call("llm_process_health", {})).kind).toBe("ok")
    expect(server.garbage()).toEqual([])
    expect(alive(server.pid)).toBe(true)
    row.pass("the 10 MB prompt is refused as InvalidRequest (field prompt) with a short answer, no CLI run; the 10 MB non-JSON line is " +
      "answered with a JSON-RPC Parse error (-32700, id null) and the next request answered. Lines longer than the line bound are H18", {
      "10 MB call answered in": ms(bigMs),
      "RSS before / peak": `${(rssBefore / 1024).toFixed(0)} MB / ${(peak / 1024).toFixed(0)} MB`
    })
  }, 60_000)
})

describe("long lines", () => {
  /** A tools/call line with an `mb` MB prompt, built before the clock starts. */
  const bigLine = (id: string, mb: number) =>
    Buffer.from(
      JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "claude_request", arguments: { prompt: "y".repeat(mb * MiB) } }
      }) + "\n"
    )

  /** Writes a big line and a ping after it: when each was answered (ms from the write). */
  const bigCall = async (raw: RawServer, seen: ReturnType<typeof collect>, line: Buffer) => {
    const id = /"id":"([^"]+)"/.exec(line.toString("latin1", 0, 100))![1]!
    const from = seen.answered.length
    const start = Date.now()
    const written = raw.writeRaw(line)
    // A generous bound: linear reading takes well under a second here; quadratic took 25 s for 30 MB.
    const ping = raw.request("ping", undefined, 30_000).then(() => Date.now() - start)
    await written
    const answer = (await seen.answerTo(id, from, 30_000)) as JsonRpcMessage
    const bigMs = Date.now() - start
    expect(classify(answer)).toBe("InvalidRequest")
    return { bigMs, pingMs: await ping }
  }

  it("a 40 MB line: read in linear time, and the request after it is not held", async () => {
    const row = results.begin(
      "H17",
      "A 40 MB JSON-RPC line (a tools/call with a 40 MB prompt) and a 5 MB one, each followed by a ping, on a server whose " +
        "line bound is 48 MiB: read in linear time"
    )
    // A server of its own, whose line bound (48 MiB) lets a 40 MB line be read. 5 and 40 MB: linear reading costs
    // 8x, quadratic 64x, so a busy machine's noise cannot make one look like the other.
    const own = startRaw(dir, { LLM_GATEWAY_JOBS_DB: "none", LLM_GATEWAY_MAX_LINE_BYTES: String(48 * MiB) })
    let small = { bigMs: Infinity, pingMs: Infinity }
    let large = { bigMs: Infinity, pingMs: Infinity }
    try {
      const seen = collect(own)
      await own.initialize()
      await bigCall(own, seen, bigLine("h17-warm", 1))
      // The best of three rounds each, interleaved: other work on the machine only ever adds time.
      for (let round = 0; round < 3; round++) {
        const a = await bigCall(own, seen, bigLine(`h17-5-${round}`, 5))
        if (a.pingMs < small.pingMs) small = a
        const b = await bigCall(own, seen, bigLine(`h17-40-${round}`, 40))
        if (b.pingMs < large.pingMs) large = b
      }
      expect(alive(own.pid)).toBe(true)
    } finally {
      own.kill()
      await own.exited
    }
    // Quadratic reading (the MCP SDK's transport: each chunk joined to all before it) took 3.0 s for 10 MB and 25 s for
    // 30 MB here: 40 MB would take over 40 s.
    const ratio = large.pingMs / small.pingMs
    expect(ratio, `5 MB: ${small.pingMs} ms, 40 MB: ${large.pingMs} ms`).toBeLessThan(32)
    // Not held: the ping written after the 40 MB line is answered as soon as the line is read.
    expect(large.pingMs - large.bigMs).toBeLessThan(1_000)
    expect(large.pingMs).toBeLessThan(15_000)
    row.pass(
      "each big call refused as InvalidRequest (field prompt); the ping written after each big line answered right after it; " +
        `the 40 MB line costs ${ratio.toFixed(1)}x the 5 MB one (linear: 8x, quadratic: 64x; the MCP SDK's stdio transport ` +
        "took 3.0 s for 10 MB and 25 s for 30 MB)",
      {
        "5 MB call / ping after it answered in": `${ms(small.bigMs)} / ${ms(small.pingMs)}`,
        "40 MB call / ping after it answered in": `${ms(large.bigMs)} / ${ms(large.pingMs)}`
      }
    )
  }, 120_000)

  it("a line over the bound: answered with a JSON-RPC error carrying its id, skipped; the server goes on", async () => {
    const row = results.begin(
      "H18",
      "50 MB lines, over the 16 MiB line bound (`LLM_GATEWAY_MAX_LINE_BYTES`): a tools/call with its id first, " +
        "then one with its id last (as the MCP SDK's client writes it), then tools/list"
    )
    const rssBefore = memoryOf(server.pid).rssKb
    const runsBefore = recordsIn(dir).length
    const params = { name: "claude_request", arguments: { prompt: "y".repeat(50 * MiB) } }
    const lines = [
      ["h18-first", JSON.stringify({ jsonrpc: "2.0", id: "h18-first", method: "tools/call", params })],
      [918, JSON.stringify({ method: "tools/call", params, jsonrpc: "2.0", id: 918 })]
    ] as const
    const figures: Record<string, string> = {}
    for (const [id, line] of lines) {
      const from = answers.answered.length
      const start = Date.now()
      await server.writeRaw(line + "\n")
      const answer = await answers.answerTo(id, from, 60_000)
      figures[`50 MB line (id ${JSON.stringify(id)}) answered in`] = ms(Date.now() - start)
      expect(answer.error?.code, JSON.stringify(answer)).toBe(-32600)
      expect(answer.error?.message).toBe(
        `Invalid Request: the line is over ${16 * MiB} bytes (it has ${Buffer.byteLength(line)}) and was skipped`
      )
      expect(answer.error?.message).not.toMatch(STACK)
    }
    expect(recordsIn(dir)).toHaveLength(runsBefore)
    const list = await server.request("tools/list", {}, 20_000)
    expect(list.result?.tools?.length).toBeGreaterThan(0)
    expect((await call("llm_process_health", {})).kind).toBe("ok")
    expect(server.garbage()).toEqual([])
    expect(alive(server.pid)).toBe(true)
    const rssAfter = memoryOf(server.pid).rssKb
    row.pass(
      "each answered with a JSON-RPC Invalid Request (-32600) carrying the line's id, found before or after the 50 MB member, saying the line " +
        "is over 16777216 bytes and was skipped; nothing past the bound was kept (the rest of the line dropped as it streamed in), no CLI run; " +
        "tools/list and a tool call answered after it",
      { ...figures, "RSS before / after": `${(rssBefore / 1024).toFixed(0)} MB / ${(rssAfter / 1024).toFixed(0)} MB` }
    )
  }, 120_000)
})

describe("approvals that mean it", () => {
  it("under strict, every shell form is refused before any run, an unknown tool is not low risk, and the log says denied", async () => {
    const row = results.begin(
      "H19",
      "`mcp_managed` requests under `strict` asking for a shell by name, interpreter or `-c` form, and for an unknown tool"
    )
    // A shell by name or through an interpreter is any command: high risk. A shell rule narrowed to one
    // command that is no interpreter (`rm`) is medium risk, and strict refuses it too.
    // grok's allowedTools (`--tools`) only narrows its tool set and approves nothing: its bash runs without asking
    // only under permissionMode auto or bypassPermissions (or alwaysApprove), which strict refuses.
    const forms: ReadonlyArray<readonly [string, string, "high" | "medium", Record<string, unknown>?]> = [
      ["claude", "Bash", "high"],
      ["claude", "Bash(sh:*)", "high"],
      ["claude", "Bash(bash:*)", "high"],
      ["claude", "Bash(zsh:*)", "high"],
      ["claude", "Bash(bash -c:*)", "high"],
      ["claude", "Bash(sh -c:*)", "high"],
      ["claude", "Bash(env:*)", "high"],
      ["claude", "Bash(python -c:*)", "high"],
      ["qwen", "run_shell_command", "high"],
      ["gemini", "run_shell_command", "high"],
      ["gemini", "run_shell_command(sh)", "high"],
      ["gemini", "run_shell_command(rm)", "medium"],
      ["grok", "bash", "high", { permissionMode: "bypassPermissions" }],
      ["grok", "bash", "medium", { permissionMode: "auto" }]
    ]
    const outcome: Array<string> = []
    for (const [cli, tool, risk, extra] of forms) {
      const { answer, runs } = await call(`${cli}_request`, {
        prompt: "tidy up",
        approvalStrategy: "mcp_managed",
        approvalPolicy: "strict",
        allowedTools: [tool],
        ...extra
      })
      const error = answer.result?.structuredContent?.error
      expect(error?._tag, `${cli} ${tool}`).toBe("ApprovalDenied")
      expect(error?.risk, `${cli} ${tool}`).toBe(risk)
      expect(runs, `${cli} ${tool}`).toEqual([])
      const logged = await call("approval_list", { cli, limit: 1 })
      const record = logged.answer.result.structuredContent.approvals[0]
      expect(record.id).toBe(error.approvalId)
      expect(record.status).toBe("denied")
      outcome.push(`${cli} ${tool}${extra === undefined ? "" : ` ${JSON.stringify(extra)}`} (${risk})`)
    }
    // An unknown tool name is not read-only: under strict it is refused too, and never counted low risk.
    const unknown = await call("claude_request", {
      prompt: "use it",
      approvalStrategy: "mcp_managed",
      approvalPolicy: "strict",
      allowedTools: ["FrobnicateEverything"]
    })
    const unknownError = unknown.answer.result?.structuredContent?.error
    expect(unknownError?._tag).toBe("ApprovalDenied")
    expect(unknownError?.risk).not.toBe("low")
    expect(unknown.runs).toEqual([])
    row.pass(
      "each refused as ApprovalDenied (an interpreter or an unnarrowed shell: high risk; a rule narrowed to one other command: " +
        "medium), no CLI run, recorded denied in approval_list under its approvalId; " +
        `the unknown tool refused (risk ${unknownError?.risk})`,
      { "forms refused": outcome.join(", ") }
    )
  }, 120_000)
})
