import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Opencode from "../../../src/agents/opencode/adapter.js"
import { OpencodeAsyncRequest, OpencodeRequest } from "../../../src/agents/opencode/request.js"
import { unknownOptionHint } from "../../../src/providers/classify.js"
import { readJsonLines } from "../../../src/providers/jsonl.js"
import type { FailedRun, Invocation, PlanContext, RawOutput } from "../../../src/providers/Provider.js"
import { failedRunOf, failureWith, parsedWith } from "../../providers/helpers.js"

const here = path.dirname(fileURLToPath(import.meta.url))
const fixtures = path.join(here, "..", "..", "fixtures")
const sample = (name: string): string => fs.readFileSync(path.join(fixtures, "output", "opencode", name), "utf8")
const real = (name: string): string => {
  const file = path.join(fixtures, "real", "opencode", name)
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : ""
}

const decode = Schema.decodeUnknownSync(OpencodeRequest)
const SES = "ses_dbaf122c0ffe3y2pMYoLGR5A4C"
const BASE = ["run", "--format", "json", "--print-logs", "--log-level", "ERROR"]
const CONFIG = JSON.stringify({ share: "disabled", autoupdate: false })
const DENY = { edit: "deny", bash: "deny", webfetch: "deny" }
const ENV = {
  OPENCODE_CONFIG_CONTENT: CONFIG,
  OPENCODE_PERMISSION: JSON.stringify(DENY),
  OPENCODE_DISABLE_AUTOUPDATE: "1",
  OPENCODE_DISABLE_CLAUDE_CODE: "1",
  OPENCODE_AUTO_SHARE: "false"
}

const planned = (input: Record<string, unknown>, context?: PlanContext) =>
  Opencode.provider.plan(decode({ prompt: "hello", ...input }), context)
const planOf = (input: Record<string, unknown>, context?: PlanContext): Invocation => {
  const result = planned(input, context)
  if (Either.isLeft(result)) throw new Error(`expected a plan, got ${result.left.message}`)
  return result.right
}
const argvOf = (input: Record<string, unknown>) => planOf(input).args
const permissionOf = (input: Record<string, unknown>, context?: PlanContext) => {
  const value = planOf(input, context).env["OPENCODE_PERMISSION"]
  return value === undefined ? undefined : JSON.parse(value)
}
const refusal = (input: Record<string, unknown>) => {
  const result = planned(input)
  if (Either.isRight(result)) throw new Error(`expected a refusal, got ${result.right.args.join(" ")}`)
  return result.left
}

const output = (stdout: string, stderr = ""): RawOutput => ({ stdout, stderr, stdoutTruncated: false })
const parsed = (stdout: string, inv: Invocation = planOf({})) => parsedWith(Opencode.provider, inv, output(stdout))
const parseFailure = (stdout: string, stderr = "", inv: Invocation = planOf({})) => failureWith(Opencode.provider, inv, output(stdout, stderr))
const classify = (fields: Partial<FailedRun>) => Opencode.provider.classify(failedRunOf("opencode", fields))
const captured = (name: string, fields: Partial<FailedRun> = {}) =>
  classify({ stdout: real(`${name}.stdout`), stderr: real(`${name}.stderr`), exitCode: 1, ...fields })

describe("opencode plan: golden argv and environment", () => {
  it("minimal request: run --format json with error logs, prompt on stdin, edits/shell/fetch denied", () => {
    expect(planOf({ prompt: "What is 2+2?" })).toEqual({
      cli: "opencode",
      args: BASE,
      prompt: { _tag: "Stdin", text: "What is 2+2?" },
      env: ENV,
      model: undefined,
      outputFormat: "text",
      readsEventsOnly: true
    })
  })

  it("model provider/model → --model=<it>; a model without a provider is refused", () => {
    expect(planOf({ model: "anthropic/claude-sonnet-5" })).toMatchObject({
      args: [...BASE, "--model=anthropic/claude-sonnet-5"],
      model: "anthropic/claude-sonnet-5"
    })
    expect(argvOf({ model: "openrouter/x-ai/grok-4" })).toEqual([...BASE, "--model=openrouter/x-ai/grok-4"])
    for (const model of ["claude-sonnet-5", "anthropic/"]) {
      const e = refusal({ model })
      expect(e).toMatchObject({ _tag: "InvalidRequest", field: "model" })
      expect(e.message).toContain("provider/model")
    }
  })

  it("sessionId → --session=<id>; resumeLatest → --continue; createNewSession wins over both", () => {
    const inv = planOf({ sessionId: SES })
    expect(inv.args).toEqual([...BASE, `--session=${SES}`])
    expect(inv.sessionId).toBe(SES)
    expect(argvOf({ resumeLatest: true })).toEqual([...BASE, "--continue"])
    expect(argvOf({ resumeLatest: true, sessionId: SES })).toEqual([...BASE, `--session=${SES}`])
    expect(argvOf({ resumeLatest: true, sessionId: SES, createNewSession: true })).toEqual(BASE)
  })

  it("session ids that are not opencode's (and gateway ids) are refused", () => {
    expect(refusal({ sessionId: "0b5f3c1e-7d2a-4c8e-9f61-2a4b6c8d0e13" })).toMatchObject({ _tag: "InvalidRequest", field: "sessionId" })
    expect(refusal({ sessionId: "gw-3f2a" })).toMatchObject({ _tag: "InvalidRequest", field: "sessionId" })
    expect(argvOf({ sessionId: "gw-3f2a", createNewSession: true })).toEqual(BASE)
  })

  it.each(["build", "plan"] as const)("agent %s → --agent %s", (agent) => {
    expect(argvOf({ agent })).toEqual([...BASE, "--agent", agent])
    expect(() => decode({ prompt: "x", agent: "general" })).toThrow()
  })

  it("autoApprove → --auto with opencode's own defaults, when a bypass is allowed; else dropped", () => {
    const inv = planOf({ autoApprove: true })
    expect(inv.args).toEqual([...BASE, "--auto"])
    expect(inv.env["OPENCODE_PERMISSION"]).toBeUndefined()
    expect(planOf({ autoApprove: true, approvalStrategy: "mcp_managed" })).toMatchObject({ args: BASE, env: ENV })
    expect(argvOf({ autoApprove: true, approvalStrategy: "mcp_managed" }))
      .toEqual(planOf({ autoApprove: true, approvalStrategy: "mcp_managed" }, { bypassAllowed: true }).args.slice(0, -1))
    expect(planOf({ autoApprove: true }, { bypassAllowed: true }).args).toContain("--auto")
    // A denial still holds under --auto (opencode's --auto does not override deny).
    expect(permissionOf({ autoApprove: true, disallowedTools: ["bash(rm *)"] })).toEqual({ bash: { "rm *": "deny" } })
  })

  it("allowedTools: opencode permissions allowed over the default denials, patterns after '*'", () => {
    expect(permissionOf({ allowedTools: ["edit"] })).toEqual({ ...DENY, edit: "allow" })
    expect(permissionOf({ allowedTools: ["bash(git *)", "webfetch"] })).toEqual({
      edit: "deny",
      bash: { "*": "deny", "git *": "allow" },
      webfetch: "allow"
    })
    // Names opencode knows in other case or under `edit`; MCP and other tools as given.
    expect(permissionOf({ allowedTools: ["Bash", "write", "docs_search", "read(*.env)"] })).toEqual({
      edit: "allow",
      bash: "allow",
      webfetch: "deny",
      docs_search: "allow",
      read: { "*.env": "allow" }
    })
    expect(planOf({ allowedTools: ["bash"] }).args).toEqual(BASE)
  })

  it("disallowedTools come last, so a denial wins over an allowance", () => {
    expect(permissionOf({ allowedTools: ["bash"], disallowedTools: ["bash(rm *)", "docs_delete"] })).toEqual({
      edit: "deny",
      bash: { "*": "allow", "rm *": "deny" },
      webfetch: "deny",
      docs_delete: "deny"
    })
    expect(permissionOf({ allowedTools: ["bash(git *)"], disallowedTools: ["bash"] })).toEqual({
      ...DENY,
      bash: { "git *": "allow", "*": "deny" }
    })
  })

  it("tool rules opencode would misread are refused", () => {
    expect(refusal({ allowedTools: ["bash(git log:*)"] }).message).toContain("bash(git log *)")
    expect(refusal({ disallowedTools: ["bash()"] })).toMatchObject({ field: "disallowedTools" })
    expect(refusal({ allowedTools: ["bash(42)"] })).toMatchObject({ field: "allowedTools" })
  })

  it("addDirs → external_directory allowances (the folder and what is under it); relative or wildcard folders refused", () => {
    expect(permissionOf({ addDirs: ["/srv/shared/", "/"] })).toEqual({
      ...DENY,
      external_directory: { "/srv/shared": "allow", "/srv/shared/*": "allow", "/*": "allow" }
    })
    expect(refusal({ addDirs: ["docs"] })).toMatchObject({ _tag: "InvalidRequest", field: "addDirs" })
    expect(refusal({ addDirs: ["/srv/*"] })).toMatchObject({ _tag: "InvalidRequest", field: "addDirs" })
  })

  it("MCP servers: in OPENCODE_CONFIG_CONTENT, in opencode's shape; no --mcp-config file", () => {
    const config = {
      mcpServers: {
        local: { type: "stdio", command: "sqry-mcp", args: ["--stdio"], env: { LOG: "warn" } },
        plain: { command: "docs-mcp" },
        docs: { type: "http", url: "https://example.com/mcp", headers: { Authorization: "Bearer x" } },
        events: { type: "sse", url: "https://example.com/sse" }
      }
    }
    const inv = planOf({ mcpServers: ["local", "plain", "docs", "events"] }, {
      bypassAllowed: false,
      mcpServers: { enabled: ["local", "plain", "docs", "events"], config }
    })
    expect(inv.mcpConfig).toBeUndefined()
    expect(inv.args.join(" ")).not.toContain("Bearer")
    expect(JSON.parse(inv.env["OPENCODE_CONFIG_CONTENT"]!)).toEqual({
      share: "disabled",
      autoupdate: false,
      mcp: {
        local: { type: "local", command: ["sqry-mcp", "--stdio"], environment: { LOG: "warn" }, enabled: true },
        plain: { type: "local", command: ["docs-mcp"], enabled: true },
        docs: { type: "remote", url: "https://example.com/mcp", headers: { Authorization: "Bearer x" }, oauth: false, enabled: true },
        events: { type: "remote", url: "https://example.com/sse", oauth: false, enabled: true }
      }
    })
    expect(planOf({ mcpServers: ["nope"] }, { bypassAllowed: false, mcpServers: { enabled: [], config: { mcpServers: {} } } }).env)
      .toEqual(ENV)
  })

  it("every parameter together, in a fixed order; no request text in argv", () => {
    const prompt = "--auto --dangerously-skip-permissions; rm -rf /"
    const inv = planOf({
      prompt,
      model: "opencode/big-pickle",
      sessionId: SES,
      agent: "plan",
      autoApprove: true,
      allowedTools: ["edit"],
      disallowedTools: ["bash"],
      addDirs: ["/srv/x"]
    })
    expect(inv.args).toEqual([...BASE, "--model=opencode/big-pickle", `--session=${SES}`, "--agent", "plan", "--auto"])
    expect(inv.prompt).toEqual({ _tag: "Stdin", text: prompt })
    expect(JSON.parse(inv.env["OPENCODE_PERMISSION"]!)).toEqual({
      edit: "allow",
      external_directory: { "/srv/x": "allow", "/srv/x/*": "allow" },
      bash: "deny"
    })
  })

  it("async requests fit too", () => {
    const result = Opencode.provider.plan(Schema.decodeUnknownSync(OpencodeAsyncRequest)({ prompt: "x", resumeLatest: true }))
    expect(Either.isRight(result) && result.right.args).toEqual([...BASE, "--continue"])
  })
})

describe("opencode parse", () => {
  it("json-success: the last step's text, the session, the requested model, tokens and cost", () => {
    const reply = parsed(sample("json-success.jsonl"), planOf({ model: "anthropic/claude-sonnet-5" }))
    expect(reply).toEqual({
      text: "`46457 * 352456 = 16,374,048,392`",
      sessionId: "ses_6783457c2ffeICANaRjenHkVxv",
      model: "anthropic/claude-sonnet-5",
      usage: { inputTokens: 11087, outputTokens: 145, cachedInputTokens: 0, cacheCreationInputTokens: 0, reasoningTokens: 0, totalTokens: 11232 },
      costUsd: 0.0070147
    })
  })

  it("a tool-using run: only the last step's text; tokens and cost summed over the steps", () => {
    const reply = parsed(sample("json-tool-use.jsonl"))
    expect(reply.text).toBe("The folder holds notes.txt and src/.")
    expect(reply.model).toBeUndefined()
    expect(reply.usage).toEqual({ inputTokens: 24122, outputTokens: 139, cachedInputTokens: 11904, cacheCreationInputTokens: 0, reasoningTokens: 0, totalTokens: 24261 })
    expect(reply.costUsd).toBeCloseTo(0.0448026, 7)
  })

  it("a missing step_finish (#26855): the reply, without usage", () => {
    const reply = parsed(sample("json-missing-step-finish.jsonl"))
    expect(reply.text).toBe("`46457 * 352456 = 16,374,048,392`")
    expect(reply.sessionId).toBe("ses_1ea551140ffedVQFo35xGxPtJ8")
    expect(reply.usage).toBeUndefined()
    expect(reply.costUsd).toBeUndefined()
  })

  it("events read while they arrived (readsEventsOnly) parse the same", () => {
    const stdout = sample("json-tool-use.jsonl")
    const reply = parsedWith(Opencode.provider, planOf({}), { stdout: "", stderr: "", stdoutTruncated: true, events: readJsonLines(stdout) })
    expect(reply.text).toBe("The folder holds notes.txt and src/.")
    expect(reply.sessionId).toBe("ses_dbaf122c0ffe3y2pMYoLGR5A4C")
  })

  it("output cut inside an event, with no text, is a run cut short", () => {
    expect(parseFailure(sample("json-truncated.jsonl"))._tag).toBe("CliRunFailed")
  })

  it("a tool call rejected for want of approval stopped the run: a failure naming what was asked", () => {
    const e = parseFailure(sample("json-permission-rejected.jsonl"), sample("permission-rejected.stderr"))
    expect(e._tag).toBe("CliRunFailed")
    expect("cliMessage" in e && e.cliMessage).toBe("permission requested: external_directory (/srv/outside/*); auto-rejecting")
    expect("hint" in e && e.hint).toContain("addDirs")
  })

  it.each([
    ["json-error-auth.jsonl", "CliAuthRequired"],
    ["json-error-provider-auth.jsonl", "CliAuthRequired"],
    ["json-error-rate-limit.jsonl", "CliRateLimited"],
    ["json-error-network.jsonl", "CliNetworkError"],
    ["json-error-model-not-found.jsonl", "CliModelUnknown"],
    ["json-error-unknown.jsonl", "CliRunFailed"]
  ])("an error event (%s) is %s, never a reply", (name, tag) => {
    expect(parseFailure(sample(name))._tag).toBe(tag)
  })

  it("a reply that talks about keys, 429s and missing models is still a reply", () => {
    const stdout = sample("json-success.jsonl").replace("`46457 * 352456 = 16,374,048,392`", "401 invalid x-api-key; 429; Model not found: a/b. Session not found")
    expect(parsed(stdout).text).toBe("401 invalid x-api-key; 429; Model not found: a/b. Session not found")
  })

  it("plain text output (not --format json) is kept as the reply", () => {
    expect(parsed(sample("text-success.stdout")).text).toBe("The answer is 42.")
  })
})

describe("opencode classify: the real 1.18.33 recordings", () => {
  it("an unknown option or a bad choice: the help on stderr → CliExitedNonZero with the unknown-option hint", () => {
    for (const stderr of [real("unknown-option.stderr"), real("help.stderr")]) {
      const e = classify({ stderr })
      expect(e._tag).toBe("CliExitedNonZero")
      expect("hint" in e && e.hint).toBe(unknownOptionHint("opencode"))
    }
  })

  it("an unknown session → SessionNotFound with the id", () => {
    expect(captured("unknown-session", { sessionId: SES })).toMatchObject({ _tag: "SessionNotFound", cli: "opencode", sessionId: SES })
  })

  it("an empty prompt → CliRunFailed (the prompt did not arrive)", () => {
    const e = captured("empty-prompt")
    expect(e._tag).toBe("CliRunFailed")
    expect(e.message).toContain("no prompt")
  })

  it.each(["no-network", "not-logged-in", "no-network-text"])("%s → CliNetworkError, retried by opencode already", (name) => {
    const e = captured(name)
    expect(e._tag).toBe("CliNetworkError")
    if (e._tag !== "CliNetworkError") return
    expect(e.retriedByCli).toBe(true)
    expect(e.cliMessage).toContain("Cannot connect to API")
  })

  it("the endpoint of a network failure is the provider's URL", () => {
    expect(captured("no-network")).toMatchObject({ endpoint: "https://api.anthropic.com/v1/messages" })
    expect(captured("not-logged-in")).toMatchObject({ endpoint: "https://opencode.ai/zen/v1/chat/completions" })
  })

  it("a provider without a key: the logs' suggestions hold the model → CliAuthRequired", () => {
    const e = captured("not-logged-in-model-logs", { model: "anthropic/claude-sonnet-4-5" })
    expect(e._tag).toBe("CliAuthRequired")
    expect(e.message).toContain('"anthropic"')
    expect("loginCommand" in e && e.loginCommand).toContain("opencode auth login")
  })

  it("an unknown model: the logs' suggestions do not hold it → CliModelUnknown", () => {
    const e = captured("model-unknown", { model: "anthropic/claude-nope-9" })
    expect(e).toMatchObject({ _tag: "CliModelUnknown", model: "anthropic/claude-nope-9" })
  })

  it("\"Unexpected server error\" without logs cannot tell → CliRunFailed naming both causes", () => {
    for (const e of [captured("not-logged-in-model"), captured("not-logged-in-model-text")]) {
      expect(e._tag).toBe("CliRunFailed")
      expect("hint" in e && e.hint).toMatch(/no key[^]*unknown/)
    }
  })

  it("the placeholder binary of an install whose postinstall did not run → CliRunFailed with the fix", () => {
    const e = captured("no-postinstall")
    expect(e._tag).toBe("CliRunFailed")
    expect("hint" in e && e.hint).toContain("--allow-scripts=opencode-ai")
  })

  it("the composed failures: auth, rate limit, crash, a run killed while retrying", () => {
    expect(classify({ stdout: sample("json-error-auth.jsonl") })._tag).toBe("CliAuthRequired")
    expect(classify({ stdout: sample("json-error-rate-limit.jsonl") })._tag).toBe("CliRateLimited")
    expect(classify({ stderr: sample("text-error-network.stderr") })._tag).toBe("CliNetworkError")
    const crash = classify({ stderr: sample("stderr-crash.txt") })
    expect(crash._tag).toBe("CliExitedNonZero")
    expect(crash.message).toContain("Unexpected error")
    expect(classify({ exitCode: null, signal: "SIGKILL" })).toMatchObject({ _tag: "CliExitedNonZero", signal: "SIGKILL" })
  })

  it("the model's own words about keys do not make a crash an auth failure", () => {
    const stdout = sample("json-success.jsonl").split("\n").slice(0, 2).join("\n").replace("46457", "invalid x-api-key 401")
    expect(classify({ stdout, stderr: sample("stderr-crash.txt") })._tag).toBe("CliExitedNonZero")
  })
})

describe("opencode watch", () => {
  const watch = Opencode.provider.watch!
  it("step events are Progress; error events say nothing", () => {
    for (const line of sample("json-tool-use.jsonl").trim().split("\n")) expect(watch("stdout", line)?._tag).toBe("Progress")
    expect(watch("stdout", sample("json-error-network.jsonl").trim())).toBeUndefined()
  })

  it("a model call that cannot connect is Unreachable; models.dev failing to download is not", () => {
    expect(watch("stderr", 'timestamp=x level=ERROR message="stream error" error.error="AI_APICallError: Cannot connect to API: Unable to connect. Is the computer able to access the url?"')?._tag)
      .toBe("Unreachable")
    for (const line of real("model-unknown.stderr").split("\n")) expect(watch("stderr", line)).toBeUndefined()
  })
})

describe("opencode identity", () => {
  it("the help markers are in the real `run --help` (stderr); packages include the platform binaries", () => {
    const identity = Opencode.provider.identity
    expect(identity.help!.args).toEqual(["run", "--help"])
    for (const marker of identity.help!.markers) expect(real("help.stderr")).toContain(marker)
    expect(real("version.stdout").trim()).toBe("1.18.33")
    expect(identity.packages).toContain("opencode-ai")
    expect(identity.packages).toContain("opencode-linux-x64")
    expect(identity.packages).toHaveLength(13)
  })
})
