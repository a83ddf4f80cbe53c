/**
 * The usage guides (and the server's instructions) name only tools that
 * exist, and each guide is a markdown resource.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { instructions } from "../../../src/mcp/McpServer.js"
import { skillResources, skills } from "../../../src/mcp/resources/skills.js"
import { tools } from "../../../src/mcp/tools/index.js"

/** Words shaped like this gateway's tool names. */
const TOOL_NAME = /\b(?:llm_[a-z_]+|session_[a-z_]+|approval_[a-z_]+|list_[a-z_]+|cli_[a-z_]+|[a-z]+_request(?:_async)?)\b/g

const named = (text: string) => [...new Set(text.match(TOOL_NAME) ?? [])]

describe("skills", () => {
  const names = new Set(tools.map((t) => t.name))

  for (const skill of skills) {
    it(`${skill.name} names only tools that exist`, () => {
      const mentioned = named(skill.markdown)
      expect(mentioned.length).toBeGreaterThan(3)
      for (const name of mentioned) expect(names.has(name), `${skill.name} names ${name}`).toBe(true)
    })
  }

  it("the server's instructions name only tools that exist", () => {
    const mentioned = named(instructions)
    expect(mentioned.length).toBeGreaterThan(3)
    for (const name of mentioned) expect(names.has(name), name).toBe(true)
  })

  it("the check catches a tool that does not exist", () => {
    expect(named("call llm_job_poll then claude_request").filter((n) => !names.has(n))).toEqual(["llm_job_poll"])
  })

  it("the guides cover async orchestration, multi-model review and sessions", () => {
    expect(skills.map((s) => s.name)).toEqual(["async-orchestration", "multi-model-review", "sessions"])
  })

  it("the resources that other guides point to exist", () => {
    const uris = new Set(skillResources.map((r) => r.uri))
    for (const skill of skills) {
      for (const uri of skill.markdown.match(/\bskills:\/\/[a-z-]+/g) ?? []) expect(uris.has(uri), uri).toBe(true)
    }
  })

  it.effect("each guide reads as text/markdown under skills://<name>", () =>
    Effect.gen(function*() {
      expect(skillResources.map((r) => r.uri)).toEqual(skills.map((s) => `skills://${s.name}`))
      for (const resource of skillResources) {
        expect(resource.mimeType).toBe("text/markdown")
        const contents = yield* resource.read
        expect(contents.mimeType).toBe("text/markdown")
        expect(contents.text.startsWith("# ")).toBe(true)
      }
    }))
})
