import { describe, expect, it } from "@effect/vitest"
import { childEnvironment, cliInheritance, matcher, nestingMarkers } from "../../src/process/childEnvironment.js"
import * as Claude from "../../src/agents/claude/adapter.js"
import * as Codex from "../../src/agents/codex/adapter.js"
import * as Gemini from "../../src/agents/gemini/adapter.js"
import * as Grok from "../../src/agents/grok/adapter.js"

const gateway = {
  PATH: "/usr/bin",
  HOME: "/home/u",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  ANTHROPIC_API_KEY: "sk-ant-x",
  OPENAI_API_KEY: "sk-x",
  GEMINI_API_KEY: "g",
  XAI_API_KEY: "x",
  AWS_SECRET_ACCESS_KEY: "aws",
  AWS_REGION: "eu-west-1",
  GOOGLE_APPLICATION_CREDENTIALS: "/k.json",
  HTTPS_PROXY: "http://proxy:3128",
  JAVA_HOME: "/usr/lib/jvm/default",
  LLM_GATEWAY_JOBS_DB: "/secret/place.db",
  SECRET_TOKEN: "unrelated",
  DATABASE_URL: "postgres://user:pw@host/db",
  CLAUDECODE: "1",
  FAKE_CLI_STATE: "/tmp/s",
  UNSET: undefined
}

describe("childEnvironment", () => {
  it("a CLI gets the system's, the network's and its own vendor's variables; not another vendor's, the gateway's or unrelated ones", () => {
    const shared = ["HOME", "HTTPS_PROXY", "JAVA_HOME", "LANG", "LC_ALL", "PATH"]
    const keys = (vendor: Parameters<typeof cliInheritance>[0]) =>
      Object.keys(childEnvironment(gateway, {}, cliInheritance(vendor))).sort()
    expect(keys(Claude.provider.environment)).toEqual(["ANTHROPIC_API_KEY", ...shared].sort())
    expect(keys(Codex.provider.environment)).toEqual(["OPENAI_API_KEY", ...shared].sort())
    expect(keys(Gemini.provider.environment)).toEqual(["GEMINI_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS", ...shared].sort())
    expect(keys(Grok.provider.environment)).toEqual(["XAI_API_KEY", ...shared].sort())
    // No vendor (another command): no provider's secrets at all.
    expect(keys(undefined)).toEqual(shared.sort())
    expect(childEnvironment(gateway, { GEMINI_CLI_TRUST: "1" }, cliInheritance()).GEMINI_CLI_TRUST).toBe("1")
  })

  it("claude gets the AWS credentials only when configured for Bedrock, Google Cloud's only for Vertex AI", () => {
    const claude = (extra: Record<string, string>) =>
      childEnvironment({ ...gateway, ...extra }, {}, cliInheritance(Claude.provider.environment))
    expect(claude({}).AWS_SECRET_ACCESS_KEY).toBeUndefined()
    expect(claude({ CLAUDE_CODE_USE_BEDROCK: "0" }).AWS_SECRET_ACCESS_KEY).toBeUndefined()
    expect(claude({ CLAUDE_CODE_USE_BEDROCK: "1" })).toMatchObject({ AWS_SECRET_ACCESS_KEY: "aws", AWS_REGION: "eu-west-1" })
    expect(claude({}).GOOGLE_APPLICATION_CREDENTIALS).toBeUndefined()
    expect(claude({ CLAUDE_CODE_USE_VERTEX: "1" }).GOOGLE_APPLICATION_CREDENTIALS).toBe("/k.json")
    // codex never gets them.
    const codex = childEnvironment({ ...gateway, CLAUDE_CODE_USE_BEDROCK: "1" }, {}, cliInheritance(Codex.provider.environment))
    expect(codex.AWS_SECRET_ACCESS_KEY).toBeUndefined()
    expect(codex.ANTHROPIC_API_KEY).toBeUndefined()
  })

  it("LLM_GATEWAY_CHILD_ENV adds names and prefixes; `*` passes everything on but the nesting markers", () => {
    expect(Object.keys(childEnvironment(gateway, {}, cliInheritance(undefined, ["SECRET_TOKEN", "FAKE_CLI_*"])))).toEqual(
      expect.arrayContaining(["SECRET_TOKEN", "FAKE_CLI_STATE"])
    )
    expect(childEnvironment(gateway, {}, cliInheritance(undefined, ["FAKE_CLI_*"])).DATABASE_URL).toBeUndefined()
    const all = childEnvironment(gateway, {}, cliInheritance(undefined, ["*"]))
    expect(all.DATABASE_URL).toBe(gateway.DATABASE_URL)
    expect(all.LLM_GATEWAY_JOBS_DB).toBe(gateway.LLM_GATEWAY_JOBS_DB)
    for (const marker of nestingMarkers) expect(all[marker]).toBeUndefined()
  })

  it("the gateway's own settings are never inherited through a prefix", () => {
    expect(cliInheritance(undefined, ["LLM_*"])("LLM_GATEWAY_JOBS_DB")).toBe(false)
    expect(cliInheritance(undefined, ["LLM_*"])("LLM_OTHER")).toBe(true)
  })

  it("without a filter (other commands: npm, version probes) only the nesting markers are removed", () => {
    const env = childEnvironment(gateway)
    expect(env.SECRET_TOKEN).toBe("unrelated")
    expect(env.CLAUDECODE).toBeUndefined()
    expect("UNSET" in env).toBe(false)
  })

  it("matcher: exact names and prefixes", () => {
    const m = matcher(["PATH", "LC_*"])
    expect([m("PATH"), m("PATHS"), m("LC_ALL"), m("LC"), m("XPATH")]).toEqual([true, false, true, false, false])
  })
})
