import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { JobNotFound } from "../../src/domain/errors.js"
import { RESOURCE_NOT_FOUND, resolve } from "../../src/mcp/resourceHandlers.js"
import { toMcpError } from "../../src/mcp/mcpErrors.js"
import * as Resource from "../../src/mcp/Resource.js"

const text = (t: string) => Effect.succeed({ text: t, mimeType: "text/plain" })

const declarations = [
  Resource.make({ uri: "jobs://recent", name: "recent", description: "", mimeType: "text/plain", read: text("recent") }),
  Resource.template({
    uriTemplate: "jobs://{id}",
    name: "job",
    description: "",
    mimeType: "text/plain",
    read: ({ id }) => text(`job ${id}`)
  })
]

describe("resources/read resolution", () => {
  it.effect("answers from the first declaration that matches, fixed or template", () =>
    Effect.gen(function*() {
      expect(yield* resolve(declarations, "jobs://recent")!).toEqual({ text: "recent", mimeType: "text/plain" })
      expect((yield* resolve(declarations, "jobs://abc")!).text).toBe("job abc")
      expect((yield* resolve([...declarations].reverse(), "jobs://recent")!).text).toBe("job recent")
    }))

  it("names nothing for an unknown URI or one the template does not match", () => {
    expect(resolve(declarations, "nothing://here")).toBeUndefined()
    expect(resolve(declarations, "jobs://a/b")).toBeUndefined()
    expect(resolve(declarations, "jobs://%E0%A4%A")).toBeUndefined()
  })

  it("a JobNotFound from a reader is resource-not-found, with the typed error in data", () => {
    const error = toMcpError(new JobNotFound({ message: "no job x", jobId: "x" }), RESOURCE_NOT_FOUND)
    expect(error.code).toBe(-32002)
    expect(error.message).toContain("JobNotFound: no job x")
    expect((error.data as any).error._tag).toBe("JobNotFound")
  })
})
