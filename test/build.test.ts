/**
 * The bundled binary: one file; its native addon external and loaded on
 * first use; without the SDK's Ajv provider (scripts/ajv-provider-stub.mjs
 * stands in for it); its V8 heap mode set before anything else runs.
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"

const binary = readFileSync(join(import.meta.dirname, "..", "dist", "bin", "llm-cli-gateway.js"), "utf8")

describe("the bundled binary", () => {
  it("keeps better-sqlite3 external and leaves Ajv out", () => {
    expect(binary.startsWith("#!/usr/bin/env node")).toBe(true)
    // Loaded when the database is first opened (scripts/better-sqlite3-lazy.mjs), not before the first line runs.
    expect(binary).not.toMatch(/from\s*"better-sqlite3"/)
    expect(binary).toMatch(/\("better-sqlite3"\)/)
    expect(binary).not.toMatch(/ajv-formats|new Ajv\b|strictTuples/)
    expect(binary).toContain("JSON Schema validation is not part of the llm-cli-gateway binary")
  })

  it("sets the V8 heap mode before the rest of the program is evaluated", () => {
    // src/applyHeapMode.ts is main.ts's first import: its call must open the bundle, ahead of the Effect runtime.
    const call = binary.indexOf("process.execArgv")
    expect(call).toBeGreaterThan(0)
    expect(call).toBeLessThan(2_000)
    expect(binary.indexOf("--semi-space-growth-factor=1")).toBeLessThan(call)
  })
})
