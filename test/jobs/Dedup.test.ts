import { describe, expect, it } from "@effect/vitest"
import { dedupSince, requestKey } from "../../src/jobs/Dedup.js"
import type { PlannedRequest } from "../../src/jobs/RequestRunner.js"

const planned = (overrides: Partial<PlannedRequest> = {}, prompt = "hi"): PlannedRequest => ({
  cli: "claude",
  invocation: {
    cli: "claude",
    args: ["-p", "--output-format", "stream-json", "--verbose"],
    prompt: { _tag: "Stdin", text: prompt },
    env: {},
    model: undefined,
    outputFormat: "text"
  },
  correlationId: "c1",
  cwd: "/work",
  binary: "claude",
  idleTimeoutMs: undefined,
  maxRunMs: 3_600_000,
  ...overrides
})

describe("Dedup", () => {
  it("the same run has the same key, whatever the correlation id or idle timeout", () => {
    expect(requestKey(planned())).toBe(requestKey(planned({ correlationId: "other", idleTimeoutMs: 60_000 })))
  })

  it("a different prompt, argv, folder, CLI, binary, environment or output format is a different run", () => {
    const base = requestKey(planned())
    const variants = [
      planned({}, "hello"),
      planned({ cwd: "/elsewhere" }),
      planned({ cli: "codex" }),
      planned({ binary: "/opt/claude" }),
      planned({ invocation: { ...planned().invocation, args: ["-p", "--model", "opus"] } }),
      planned({ invocation: { ...planned().invocation, env: { X: "1" } } }),
      planned({ invocation: { ...planned().invocation, outputFormat: "json" } })
    ]
    for (const v of variants) expect(requestKey(v)).not.toBe(base)
  })

  it("the window: 0 or forceRefresh disables dedup", () => {
    expect(dedupSince(10_000, 3_000, false)).toBe(7_000)
    expect(dedupSince(10_000, 0, false)).toBeUndefined()
    expect(dedupSince(10_000, 3_000, true)).toBeUndefined()
  })
})
