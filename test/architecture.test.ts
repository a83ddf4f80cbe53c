/**
 * The arrows of ARCHITECTURE.md, checked on the sources: `storage/` serves
 * and calls nothing above it (the migrations are given to it), `domain/`
 * imports only `effect`, and nothing below `mcp/` imports the MCP SDK.
 */
import { describe, expect, it } from "vitest"
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const src = resolve(import.meta.dirname, "../src")

const sources = (folder: string): Array<string> =>
  readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(folder, entry.name))
      : entry.name.endsWith(".ts")
      ? [join(folder, entry.name)]
      : []
  )

/** What a file imports: a package by its name; a file of ours as `src:<its path under src/, no extension>`. */
const importsOf = (file: string): Array<string> =>
  [...readFileSync(file, "utf8").matchAll(/(?:^|\n)\s*(?:import|export)\b[^"']*?from\s+["']([^"']+)["']/g)]
    .map((m) => m[1]!)
    .map((spec) => spec.startsWith(".") ? `src:${relative(src, resolve(dirname(file), spec)).replace(/\.js$/, "")}` : spec)

const under = (folder: string) => sources(join(src, folder)).map((file) => ({ file: relative(src, file), imports: importsOf(file) }))

const ours = (spec: string) => spec.startsWith("src:") ? spec.slice(4) : undefined

describe("the arrows between the layers", () => {
  it("storage/ imports only itself, domain/ and the configuration: no area's tables, no migration list", () => {
    const files = under("storage")
    expect(files.length).toBeGreaterThan(5)
    const upward = files.flatMap(({ file, imports }) =>
      imports
        .map(ours)
        .filter((path): path is string => path !== undefined)
        .filter((path) => !(path.startsWith("storage/") || path.startsWith("domain/") || path === "Config"))
        .map((path) => `${file} → ${path}`)
    )
    expect(upward).toEqual([])
  })

  it("domain/ imports only effect and itself", () => {
    const outside = under("domain").flatMap(({ file, imports }) =>
      imports.filter((i) => !(i === "effect" || i.startsWith("effect/") || ours(i)?.startsWith("domain/"))).map((i) => `${file} → ${i}`)
    )
    expect(outside).toEqual([])
  })

  it("below mcp/ (the services, processes, providers, storage) nothing imports the MCP SDK", () => {
    const below = ["jobs", "sessions", "approvals", "models", "cli", "process", "providers", "storage", "domain", "observability", "resilience", "agents"]
    const sdk = below.flatMap((folder) =>
      under(folder).flatMap(({ file, imports }) =>
        imports.filter((i) => i.startsWith("@modelcontextprotocol/")).map((i) => `${file} → ${i}`)
      )
    )
    expect(sdk).toEqual([])
  })
})
