import { agents } from "../../src/agents/registry.js"
import { describe, expect, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import {
  type ApprovalSubject,
  decide,
  legacyDecision,
  parsePolicy,
  type Risk,
  summarize
} from "../../src/approvals/policy.js"
import { byCli, type Cli } from "../../src/domain/Cli.js"

/** The request as the tool decodes it (defaults filled in), without MCP servers unless given. */
const decoders = byCli((cli) => Schema.decodeUnknownSync(agents[cli].request as unknown as Schema.Schema<ApprovalSubject, unknown>))
const request = (cli: Cli, fields: Record<string, unknown>): ApprovalSubject =>
  decoders[cli]({ prompt: "do the thing", mcpServers: [], ...fields })

type Verdict = "approved" | "denied"
interface Case {
  readonly cli: Cli
  readonly what: string
  readonly fields: Record<string, unknown>
  /** strict, balanced, permissive */
  readonly expect: readonly [Verdict, Verdict, Verdict]
  readonly risk: Risk
  /** `bypass` when permissive approves it. */
  readonly bypass: boolean
  /** The field a denial names (when any policy denies). */
  readonly field?: string
}

/** A case: CLI, what, fields, verdicts as S/B/P letters (a = approved, d = denied), risk, bypass, denied field. */
const c = (
  cli: Cli,
  what: string,
  fields: Record<string, unknown>,
  verdicts: `${"a" | "d"}${"a" | "d"}${"a" | "d"}`,
  risk: Risk,
  bypass = false,
  field?: string
): Case => ({
  cli,
  what,
  fields,
  expect: [...verdicts].map((v) => (v === "a" ? "approved" : "denied")) as unknown as Case["expect"],
  risk,
  bypass,
  ...(field !== undefined ? { field } : {})
})

const cases: ReadonlyArray<Case> = [
  // claude
  c("claude", "nothing", {}, "aaa", "low"),
  c("claude", "MCP servers", { mcpServers: ["sqry", "exa"] }, "aaa", "low"),
  c("claude", "read-only tools", { allowedTools: ["Read", "Grep", "Glob"] }, "aaa", "low"),
  c("claude", "disallowed tools", { disallowedTools: ["Bash", "Edit"] }, "aaa", "low"),
  c("claude", "shell by rule", { allowedTools: ["Bash(git log:*)"] }, "daa", "medium", false, "allowedTools"),
  // A rule for an interpreter or a command runner lets any command through: an unrestricted shell.
  c("claude", "Bash(sh:*)", { allowedTools: ["Bash(sh:*)"] }, "dda", "high", false, "allowedTools"),
  c("claude", "Bash(bash -c:*)", { allowedTools: ["Bash(bash -c:*)"] }, "dda", "high", false, "allowedTools"),
  c("claude", "Bash(env:*)", { allowedTools: ["Bash(env:*)"] }, "dda", "high", false, "allowedTools"),
  c("claude", "Bash(zsh)", { allowedTools: ["Bash(zsh)"] }, "dda", "high", false, "allowedTools"),
  c("claude", "Bash(python3 -c:*)", { allowedTools: ["Bash(python3 -c:*)"] }, "dda", "high", false, "allowedTools"),
  c("claude", "Bash(/usr/bin/xargs:*)", { allowedTools: ["Bash(/usr/bin/xargs:*)"] }, "dda", "high", false, "allowedTools"),
  c("claude", "Bash(find -exec:*)", { allowedTools: ["Bash(find . -exec:*)"] }, "dda", "high", false, "allowedTools"),
  c("claude", "a tool the gateway does not know", { allowedTools: ["mcp__db__query"] }, "daa", "medium", false, "allowedTools"),
  c("claude", "edit tools", { allowedTools: ["Read", "Edit"] }, "daa", "medium", false, "allowedTools"),
  c("claude", "Write with a rule", { allowedTools: ["Write(src/**)"] }, "daa", "medium", false, "allowedTools"),
  c("claude", "Bash without a rule", { allowedTools: ["Bash"] }, "dda", "high", false, "allowedTools"),
  c("claude", "Bash(*)", { allowedTools: ["Bash(*)"] }, "dda", "high", false, "allowedTools"),
  c("claude", "Bash(:*)", { allowedTools: ["Bash(:*)"] }, "dda", "high", false, "allowedTools"),
  c("claude", "dangerouslySkipPermissions", { dangerouslySkipPermissions: true }, "dda", "high", true, "dangerouslySkipPermissions"),
  // codex
  c("codex", "nothing", {}, "aaa", "low"),
  c("codex", "MCP servers", { mcpServers: ["sqry"] }, "aaa", "low"),
  c("codex", "fullAuto", { fullAuto: true }, "daa", "medium", false, "fullAuto"),
  c(
    "codex",
    "dangerouslyBypassApprovalsAndSandbox",
    { dangerouslyBypassApprovalsAndSandbox: true },
    "dda",
    "high",
    true,
    "dangerouslyBypassApprovalsAndSandbox"
  ),
  // gemini
  c("gemini", "nothing", {}, "aaa", "low"),
  c("gemini", "approvalMode default", { approvalMode: "default" }, "aaa", "low"),
  c("gemini", "extra folders", { includeDirs: ["/data/other"] }, "aaa", "medium"),
  c("gemini", "read tools", { allowedTools: ["read_file", "glob"] }, "aaa", "low"),
  c("gemini", "shell by rule", { allowedTools: ["run_shell_command(git status)"] }, "daa", "medium", false, "allowedTools"),
  c("gemini", "run_shell_command(rm)", { allowedTools: ["run_shell_command(rm)"] }, "daa", "medium", false, "allowedTools"),
  c("gemini", "run_shell_command(bash)", { allowedTools: ["run_shell_command(bash)"] }, "dda", "high", false, "allowedTools"),
  c("gemini", "write_file", { allowedTools: ["write_file"] }, "daa", "medium", false, "allowedTools"),
  c("gemini", "approvalMode auto_edit", { approvalMode: "auto_edit" }, "daa", "medium", false, "approvalMode"),
  c("gemini", "unrestricted run_shell_command", { allowedTools: ["run_shell_command"] }, "dda", "high", false, "allowedTools"),
  c("gemini", "approvalMode yolo", { approvalMode: "yolo" }, "dda", "high", true, "approvalMode"),
  // grok
  c("grok", "nothing", {}, "aaa", "low"),
  c("grok", "tools limited (bash among them)", { allowedTools: ["bash", "read"] }, "aaa", "low"),
  c("grok", "disallowed tools", { disallowedTools: ["bash"] }, "aaa", "low"),
  c("grok", "permissionMode dontAsk", { permissionMode: "dontAsk" }, "aaa", "low"),
  c("grok", "permissionMode plan", { permissionMode: "plan" }, "aaa", "low"),
  c("grok", "permissionMode acceptEdits", { permissionMode: "acceptEdits" }, "daa", "medium", false, "permissionMode"),
  c("grok", "permissionMode auto", { permissionMode: "auto" }, "daa", "medium", false, "permissionMode"),
  c("grok", "alwaysApprove", { alwaysApprove: true }, "dda", "high", true, "alwaysApprove"),
  c("grok", "permissionMode bypassPermissions", { permissionMode: "bypassPermissions" }, "dda", "high", true, "permissionMode")
]

const POLICIES = ["strict", "balanced", "permissive"] as const

describe("decide: each policy against each kind of request, per CLI", () => {
  for (const c of cases) {
    POLICIES.forEach((policy, i) => {
      const expected = c.expect[i]!
      it(`${c.cli} ${c.what}: ${policy} → ${expected}, ${c.risk} risk`, () => {
        const decision = decide(c.cli, request(c.cli, c.fields), policy)
        expect(decision.status).toBe(expected)
        expect(decision.policy).toBe(policy)
        expect(decision.strategy).toBe("mcp_managed")
        expect(decision.risk).toBe(c.risk)
        expect(decision.bypass).toBe(expected === "approved" && c.bypass)
        expect(decision.reasons.length).toBeGreaterThan(0)
        for (const reason of decision.reasons) expect(reason).toMatch(new RegExp(`^(allowed|denied) by ${policy}: `))
        if (expected === "denied") {
          const denied = decision.reasons.filter((r) => r.startsWith(`denied by ${policy}: `))
          expect(denied.length).toBeGreaterThan(0)
          expect(denied.join("\n")).toContain(`${c.field}:`)
        } else {
          expect(decision.reasons.some((r) => r.startsWith("denied"))).toBe(false)
        }
      })
    })
  }
})

describe("decide: details", () => {
  it("`*` in allowedTools (every tool) is denied by strict and balanced, approved by permissive without bypass", () => {
    const subject: ApprovalSubject = { prompt: "x", allowedTools: ["*"] }
    expect(decide("claude", subject, "strict").status).toBe("denied")
    const balanced = decide("claude", subject, "balanced")
    expect(balanced.status).toBe("denied")
    expect(balanced.risk).toBe("high")
    expect(balanced.reasons[0]).toContain("every tool")
    const permissive = decide("claude", subject, "permissive")
    expect(permissive.status).toBe("approved")
    expect(permissive.bypass).toBe(false)
  })

  it("a request asking for nothing says so", () => {
    const decision = decide("codex", request("codex", {}), "strict")
    expect(decision.reasons).toEqual(["allowed by strict: codex asks for no bypass, no write access and no extra tools"])
  })

  it("lists denied reasons first, then allowed ones, one per thing asked for", () => {
    const decision = decide("gemini", request("gemini", { approvalMode: "yolo", includeDirs: ["/x"], mcpServers: ["exa"] }), "balanced")
    expect(decision.reasons).toHaveLength(3)
    expect(decision.reasons[0]).toMatch(/^denied by balanced: approvalMode: .*yolo/)
    expect(decision.reasons[1]).toMatch(/^allowed by balanced: includeDirs: .*"\/x"/)
    expect(decision.reasons[2]).toMatch(/^allowed by balanced: mcpServers: .*"exa"/)
  })

  it("one denied thing denies the whole request; the risk is the highest asked for", () => {
    const decision = decide("claude", request("claude", { allowedTools: ["Read", "Bash(git diff:*)", "Edit"] }), "balanced")
    expect(decision.status).toBe("approved")
    expect(decision.risk).toBe("medium")
    const strict = decide("claude", request("claude", { allowedTools: ["Read", "Bash(git diff:*)", "Edit"] }), "strict")
    expect(strict.status).toBe("denied")
    expect(strict.risk).toBe("medium")
    // The shell rule and the edit tool are denied; reading is allowed.
    expect(strict.reasons.filter((r) => r.startsWith("denied"))).toHaveLength(2)
    expect(strict.reasons.filter((r) => r.startsWith("allowed"))).toHaveLength(1)
  })

  it("only the fields that belong to the CLI count", () => {
    const foreign: ApprovalSubject = { prompt: "x", dangerouslySkipPermissions: true, approvalMode: "yolo", alwaysApprove: true }
    const decision = decide("codex", foreign, "strict")
    expect(decision.status).toBe("approved")
    expect(decision.bypass).toBe(false)
  })

  it("a permissive bypass says that the CLI's own flag will be passed", () => {
    const decision = decide("claude", request("claude", { dangerouslySkipPermissions: true }), "permissive")
    expect(decision.reasons[0]).toContain("bypass flag will be passed")
  })
})

describe("legacyDecision", () => {
  const bypasses: ReadonlyArray<readonly [Cli, Record<string, unknown>, boolean]> = [
    ["claude", { dangerouslySkipPermissions: true }, true],
    ["claude", { allowedTools: ["Bash"] }, false],
    ["codex", { dangerouslyBypassApprovalsAndSandbox: true }, true],
    ["codex", { fullAuto: true }, false],
    ["gemini", { approvalMode: "yolo" }, true],
    ["gemini", { approvalMode: "auto_edit" }, false],
    ["grok", { alwaysApprove: true }, true],
    ["grok", { permissionMode: "bypassPermissions" }, true],
    ["grok", { permissionMode: "acceptEdits" }, false]
  ]
  for (const [cli, fields, bypass] of bypasses) {
    it(`${cli} ${JSON.stringify(fields)}: approved, bypass ${bypass}`, () => {
      const decision = legacyDecision(cli, request(cli, fields))
      expect(decision).toMatchObject({ strategy: "legacy", status: "approved", policy: null, bypass })
      expect(decision.reasons[0]).toContain("legacy")
      expect(decision.reasons.length).toBeGreaterThan(1)
    })
  }
})

describe("parsePolicy", () => {
  it("accepts the three names in any case and falls back to balanced", () => {
    expect(parsePolicy("strict")).toBe("strict")
    expect(parsePolicy(" PERMISSIVE ")).toBe("permissive")
    expect(parsePolicy("Balanced")).toBe("balanced")
    expect(parsePolicy("yolo")).toBe("balanced")
    expect(parsePolicy("")).toBe("balanced")
    expect(parsePolicy(undefined)).toBe("balanced")
  })
})

describe("summarize", () => {
  it("keeps the fields the decision reads and the prompt's length, never the prompt", () => {
    const prompt = "MARKER-7f3a the secret plan"
    const summary = summarize("claude", request("claude", { prompt, allowedTools: ["Read"], dangerouslySkipPermissions: true, model: "sonnet" }))
    expect(summary).toEqual({
      cli: "claude",
      promptLength: prompt.length,
      model: "sonnet",
      approvalStrategy: "legacy",
      dangerouslySkipPermissions: true,
      allowedTools: ["Read"]
    })
    expect(JSON.stringify(summary)).not.toContain("MARKER-7f3a")
  })
})
