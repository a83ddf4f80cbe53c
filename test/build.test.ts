/**
 * The built binary: a small launcher that sets the V8 heap mode, then runs
 * the one-file server (`gateway.cjs`) through V8's code cache. The server's
 * native addon stays external and is loaded on first use; the SDK's Ajv
 * provider is left out (scripts/ajv-provider-stub.mjs stands in for it).
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"

const bin = join(import.meta.dirname, "..", "dist", "bin")
const launcher = readFileSync(join(bin, "llm-cli-gateway.js"), "utf8")
const server = readFileSync(join(bin, "gateway.cjs"), "utf8")

describe("the bundled binary", () => {
  it("keeps better-sqlite3 external and leaves Ajv out", () => {
    // Loaded when the database is first opened (scripts/better-sqlite3-lazy.mjs), not before the first line runs.
    expect(server).not.toMatch(/require\("better-sqlite3"\)/)
    expect(server).toMatch(/\("better-sqlite3"\)/)
    expect(server).not.toMatch(/ajv-formats|new Ajv\b|strictTuples/)
    expect(server).toContain("JSON Schema validation is not part of the llm-cli-gateway binary")
  })

  it("the launcher sets the V8 heap mode, then compiles the server through the code cache", () => {
    expect(launcher.startsWith("#!/usr/bin/env node")).toBe(true)
    const heapMode = launcher.indexOf("--semi-space-growth-factor=1")
    const choice = launcher.indexOf("process.execArgv")
    expect(heapMode).toBeGreaterThan(0)
    expect(choice).toBeGreaterThan(heapMode)
    expect(launcher.indexOf("gateway.cjs")).toBeGreaterThan(choice)
    expect(launcher).toContain("cachedData")
    // Small: compiled on every start without a cache.
    expect(launcher.length).toBeLessThan(8_000)
  })
})
