/**
 * The binary's V8 heap mode: lean unless asked otherwise, and never over
 * what Node's own command line sets. The flags themselves must be ones this
 * Node knows, and they must keep the young generation from growing.
 */
import { describe, expect, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { chooseHeapMode, LEAN_FLAGS } from "../src/heapMode.js"

describe("chooseHeapMode", () => {
  it("is lean by default, and default when LLM_GATEWAY_HEAP asks for it", () => {
    expect(chooseHeapMode({}, [])).toBe("lean")
    expect(chooseHeapMode({ LLM_GATEWAY_HEAP: "lean" }, [])).toBe("lean")
    expect(chooseHeapMode({ LLM_GATEWAY_HEAP: "default" }, [])).toBe("default")
    expect(chooseHeapMode({ LLM_GATEWAY_HEAP: " default " }, [])).toBe("default")
  })

  it("leaves the heap to Node's command line or NODE_OPTIONS when they set how it grows", () => {
    expect(chooseHeapMode({}, ["--max-semi-space-size=8"])).toBe("node-options")
    expect(chooseHeapMode({}, ["--max_semi_space_size=8"])).toBe("node-options")
    expect(chooseHeapMode({}, ["--optimize-for-size"])).toBe("node-options")
    expect(chooseHeapMode({ NODE_OPTIONS: "--no-optimize-for-size" }, [])).toBe("node-options")
    expect(chooseHeapMode({ NODE_OPTIONS: "--heap-growing-percent=50", LLM_GATEWAY_HEAP: "default" }, [])).toBe(
      "node-options"
    )
  })

  it("is not fooled by options that only look alike", () => {
    expect(chooseHeapMode({ NODE_OPTIONS: "--max-old-space-size=4096 --enable-source-maps" }, ["--inspect"])).toBe("lean")
  })
})

describe("the lean flags, in this Node", () => {
  /** Fills the heap with surviving objects and prints the young generation's size, under `flags`. */
  const youngGeneration = (flags: ReadonlyArray<string>) => {
    const script = `
      require("node:v8").setFlagsFromString(${JSON.stringify(flags.join(" "))})
      const keep = []
      for (let i = 0; i < 400000; i++) keep.push({ i, s: "x" + i })
      const space = require("node:v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space")
      process.stdout.write(String(space.space_size))
    `
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" })
    return { size: Number(run.stdout), stderr: run.stderr }
  }

  it("are known to V8 (no warning) and keep the young generation at its first size", () => {
    const lean = youngGeneration(LEAN_FLAGS)
    const plain = youngGeneration([])
    expect(lean.stderr).toBe("")
    expect(plain.size).toBeGreaterThan(lean.size)
    expect(lean.size).toBeLessThanOrEqual(4 * 1024 * 1024)
  })
})
