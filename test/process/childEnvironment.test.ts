import { describe, expect, it } from "@effect/vitest"
import { childEnvironment, cliInheritance, matcher, nestingMarkers } from "../../src/process/childEnvironment.js"

const gateway = {
  PATH: "/usr/bin",
  HOME: "/home/u",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  ANTHROPIC_API_KEY: "sk-ant-x",
  OPENAI_API_KEY: "sk-x",
  GEMINI_API_KEY: "g",
  XAI_API_KEY: "x",
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
  it("a CLI gets the system's, its provider's and the network's variables; not the gateway's or unrelated ones", () => {
    const env = childEnvironment(gateway, { GEMINI_CLI_TRUST: "1" }, cliInheritance())
    expect(Object.keys(env).sort()).toEqual([
      "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GEMINI_CLI_TRUST", "HOME", "HTTPS_PROXY", "JAVA_HOME", "LANG", "LC_ALL",
      "OPENAI_API_KEY",
      "PATH", "XAI_API_KEY"
    ])
  })

  it("LLM_GATEWAY_CHILD_ENV adds names and prefixes; `*` passes everything on but the nesting markers", () => {
    expect(Object.keys(childEnvironment(gateway, {}, cliInheritance(["SECRET_TOKEN", "FAKE_CLI_*"])))).toEqual(
      expect.arrayContaining(["SECRET_TOKEN", "FAKE_CLI_STATE"])
    )
    expect(childEnvironment(gateway, {}, cliInheritance(["FAKE_CLI_*"])).DATABASE_URL).toBeUndefined()
    const all = childEnvironment(gateway, {}, cliInheritance(["*"]))
    expect(all.DATABASE_URL).toBe(gateway.DATABASE_URL)
    expect(all.LLM_GATEWAY_JOBS_DB).toBe(gateway.LLM_GATEWAY_JOBS_DB)
    for (const marker of nestingMarkers) expect(all[marker]).toBeUndefined()
  })

  it("the gateway's own settings are never inherited through a prefix", () => {
    expect(cliInheritance(["LLM_*"])("LLM_GATEWAY_JOBS_DB")).toBe(false)
    expect(cliInheritance(["LLM_*"])("LLM_OTHER")).toBe(true)
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
