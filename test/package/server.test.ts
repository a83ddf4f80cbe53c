/**
 * server.json, what the MCP Registry lists: valid against the registry's
 * published schema (a copy in test/fixtures/mcp-registry), and naming the
 * same package, version and server name as package.json.
 */
import { Ajv } from "ajv"
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "../..")
const readJson = (path: string): Record<string, any> => JSON.parse(readFileSync(path, "utf8"))
const server = readJson(join(root, "server.json"))
const pkg = readJson(join(root, "package.json"))
const schema = readJson(join(root, "test/fixtures/mcp-registry/server.schema.2025-12-11.json"))

describe("server.json", () => {
  it("declares the schema version whose copy it is checked against", () => {
    expect(server["$schema"]).toBe(schema["$id"])
  })

  it("is valid against the MCP Registry's server.json schema", () => {
    // The schema documents fields with `example`, which strict mode refuses; `uri` is its one format.
    const ajv = new Ajv({ strict: false, allErrors: true })
    ajv.addFormat("uri", (value: string) => URL.canParse(value))
    const validate = ajv.compile(schema)
    const valid = validate(server)
    expect(validate.errors ?? []).toEqual([])
    expect(valid).toBe(true)
  })

  it("has the fields the registry requires, checked by hand too", () => {
    expect(typeof server["name"]).toBe("string")
    expect(server["name"]).toMatch(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/)
    expect(server["description"].length).toBeGreaterThan(0)
    expect(server["description"].length).toBeLessThanOrEqual(100)
    expect(server["version"]).toMatch(/^\d+\.\d+\.\d+/)
    for (const p of server["packages"]) {
      expect(p.registryType).toBe("npm")
      expect(p.transport).toEqual({ type: "stdio" })
      expect(p.version).not.toBe("latest")
    }
  })

  it("names the npm package, its version and its mcpName as package.json does", () => {
    // The registry checks that the published package.json's mcpName is the server's name.
    expect(server["name"]).toBe(pkg["mcpName"])
    expect(server["version"]).toBe(pkg["version"])
    expect(server["packages"]).toHaveLength(1)
    expect(server["packages"][0].identifier).toBe(pkg["name"])
    expect(server["packages"][0].version).toBe(pkg["version"])
    expect(server["repository"].url).toBe(pkg["repository"].url.replace(/^git\+/, "").replace(/\.git$/, ""))
  })

  it("a name the registry refuses fails the schema (the check can fail)", () => {
    const ajv = new Ajv({ strict: false })
    ajv.addFormat("uri", (value: string) => URL.canParse(value))
    expect(ajv.validate(schema, { ...server, name: "no-slash" })).toBe(false)
    expect(ajv.validate(schema, { ...server, packages: [{ ...server["packages"][0], version: "latest" }] })).toBe(false)
  })
})
