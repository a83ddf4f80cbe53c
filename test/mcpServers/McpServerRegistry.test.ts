import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { McpRegistryInvalid, McpServersMissing } from "../../src/mcpServers/errors.js"
import * as McpServerRegistry from "../../src/mcpServers/McpServerRegistry.js"
import { fixture, registryJson } from "./helpers.js"

const REGISTRY = fixture("registry.json")
const ABSENT = fixture("absent/mcp-servers.json")

const registry = (path: string) => McpServerRegistry.make({ registryPath: path })

const scratch = mkdtempSync(join(tmpdir(), "mcp-registry-test-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("McpServerName", () => {
  const decode = Schema.decodeUnknownEither(McpServerRegistry.McpServerName)

  it("accepts names of letters, digits and _ . -, starting with a letter or digit, up to 64 characters", () => {
    for (const name of ["sqry", "exa", "ref_tools", "local.tool-2", "9lives", "a".repeat(64)]) {
      expect(Either.isRight(decode(name)), name).toBe(true)
    }
  })

  it("refuses anything else, with a message naming the value", () => {
    for (const name of ["", "-x", "--mcp-config", "_x", ".x", "a b", "a/b", "a:b", "a".repeat(65), "__proto__", "é"]) {
      const result = decode(name)
      expect(Either.isLeft(result), JSON.stringify(name)).toBe(true)
    }
    const result = decode("-x")
    expect(Either.isLeft(result) && String(result.left.message)).toContain(`"-x" is not a server name`)
  })
})

describe("resolve", () => {
  it.effect("enables the names the registry defines and reports the others as missing (not strict)", () =>
    Effect.gen(function*() {
      const resolution = yield* registry(REGISTRY).resolve(["sqry", "nope", "docs", "sqry", "other"], { strict: false })
      expect(resolution.requested).toEqual(["sqry", "nope", "docs", "other"])
      expect(resolution.enabled).toEqual(["sqry", "docs"])
      expect(resolution.missing).toEqual(["nope", "other"])
      expect(Object.keys(resolution.config.mcpServers)).toEqual(["sqry", "docs"])
    }))

  it.effect("passes stdio, http and sse definitions through unchanged, unknown fields included", () =>
    Effect.gen(function*() {
      const names = ["sqry", "local.tool-2", "docs", "events"]
      const resolution = yield* registry(REGISTRY).resolve(names, { strict: true })
      const expected = registryJson().mcpServers
      expect(resolution.config).toStrictEqual({ mcpServers: expected })
      expect(resolution.config.mcpServers["local.tool-2"]).toStrictEqual({
        type: "stdio",
        command: "/opt/tools/local-tool",
        timeout: 30000
      })
      expect(resolution.config.mcpServers["docs"]).toStrictEqual({
        type: "http",
        url: "https://docs.example.com/mcp",
        headers: { Authorization: "Bearer test-token" }
      })
      expect(resolution.missing).toEqual([])
    }))

  it.effect("strict: a missing name fails with McpServersMissing, naming it and the registry", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(registry(REGISTRY).resolve(["sqry", "nope", "gone"], { strict: true }))
      expect(error).toBeInstanceOf(McpServersMissing)
      expect(error._tag).toBe("McpServersMissing")
      if (error._tag !== "McpServersMissing") return
      expect(error.missing).toEqual(["nope", "gone"])
      expect(error.registryPath).toBe(REGISTRY)
      expect(error.hint).toContain("LLM_GATEWAY_MCP_SERVERS")
      expect(error.hint).toContain("a request that names none asks for none")
      expect(error.message).toContain(`"nope", "gone"`)
      expect(error.message).toContain(REGISTRY)
      // It says which servers there are.
      expect(error.message).toContain(`"sqry"`)
    }))

  it.effect("strict: all names defined resolves", () =>
    Effect.gen(function*() {
      const resolution = yield* registry(REGISTRY).resolve(["events"], { strict: true })
      expect(resolution.enabled).toEqual(["events"])
      expect(resolution.config.mcpServers).toStrictEqual({ events: registryJson().mcpServers["events"] })
    }))

  it.effect("no names resolve to nothing, without reading the registry", () =>
    Effect.gen(function*() {
      for (const path of [REGISTRY, fixture("bad-json.json"), ABSENT]) {
        for (const strict of [false, true]) {
          const resolution = yield* registry(path).resolve([], { strict })
          expect(resolution).toStrictEqual({ requested: [], enabled: [], missing: [], config: { mcpServers: {} } })
        }
      }
    }))

  it.effect("a name that is a property of every object is not a server", () =>
    Effect.gen(function*() {
      const resolution = yield* registry(REGISTRY).resolve(["constructor", "toString", "hasOwnProperty"], {
        strict: false
      })
      expect(resolution.enabled).toEqual([])
      expect(resolution.missing).toEqual(["constructor", "toString", "hasOwnProperty"])
      expect(Object.keys(resolution.config.mcpServers)).toEqual([])
    }))

  it.effect("a registry file that does not exist is empty: not strict, every name is missing", () =>
    Effect.gen(function*() {
      const resolution = yield* registry(ABSENT).resolve(["sqry"], { strict: false })
      expect(resolution.enabled).toEqual([])
      expect(resolution.missing).toEqual(["sqry"])
      expect(resolution.config).toStrictEqual({ mcpServers: {} })
    }))

  it.effect("a registry file that does not exist is empty: strict, McpServersMissing saying it defines none", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(registry(ABSENT).resolve(["sqry"], { strict: true }))
      expect(error._tag).toBe("McpServersMissing")
      if (error._tag !== "McpServersMissing") return
      expect(error.missing).toEqual(["sqry"])
      expect(error.registryPath).toBe(ABSENT)
      expect(error.message).toContain("defines none")
    }))

  it.effect("an empty registry enables nothing", () =>
    Effect.gen(function*() {
      const resolution = yield* registry(fixture("empty.json")).resolve(["sqry"], { strict: false })
      expect(resolution.missing).toEqual(["sqry"])
    }))

  it.effect("the registry is read at every call: an edit applies to the next request", () =>
    Effect.gen(function*() {
      const path = join(scratch, "live.json")
      writeFileSync(path, JSON.stringify({ mcpServers: { one: { command: "one" } } }))
      const service = registry(path)
      const before = yield* service.resolve(["one", "two"], { strict: false })
      expect(before.enabled).toEqual(["one"])
      writeFileSync(path, JSON.stringify({ mcpServers: { two: { type: "sse", url: "https://two.example/sse" } } }))
      const after = yield* service.resolve(["one", "two"], { strict: false })
      expect(after.enabled).toEqual(["two"])
      expect(after.missing).toEqual(["one"])
      expect(after.config.mcpServers).toStrictEqual({ two: { type: "sse", url: "https://two.example/sse" } })
    }))
})

describe("a malformed registry", () => {
  const cases: ReadonlyArray<readonly [file: string, says: string]> = [
    ["bad-json.json", "is not valid JSON (line 1, column 52: an early end (something is not closed))"],
    ["no-mcpServers-key.json", "at mcpServers: is missing"],
    ["servers-not-object.json", "at mcpServers:"],
    ["missing-command.json", "at mcpServers.sqry.command: is missing"],
    ["http-without-url.json", "at mcpServers.docs.url: is missing"],
    ["env-not-strings.json", "at mcpServers.sqry.env.PORT: expected a string, got a number"],
    ["unknown-type.json", `at mcpServers.ws.type: expected "stdio", "http" or "sse", got another string`]
  ]
  for (const [file, says] of cases) {
    it.effect(`${file}: McpRegistryInvalid naming the file and what is wrong`, () =>
      Effect.gen(function*() {
        const path = fixture(file)
        for (const strict of [false, true]) {
          const error = yield* Effect.flip(registry(path).resolve(["sqry"], { strict }))
          expect(error).toBeInstanceOf(McpRegistryInvalid)
          if (error._tag !== "McpRegistryInvalid") return
          expect(error.path).toBe(path)
          expect(error.message).toContain(path)
          expect(error.message).toContain(says)
        }
      }))
  }

  it.effect("a registry path that is not a regular file (a folder) is McpRegistryInvalid", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(registry(scratch).resolve(["sqry"], { strict: false }))
      expect(error._tag).toBe("McpRegistryInvalid")
      expect(error.message).toContain(`${scratch} is not a regular file`)
    }))


  it("the errors serialize with their fields", () => {
    const missing = new McpServersMissing({ message: "m", missing: ["a"], registryPath: "/r", hint: "h" })
    expect(Schema.encodeSync(McpServersMissing)(missing)).toStrictEqual({
      _tag: "McpServersMissing",
      message: "m",
      missing: ["a"],
      registryPath: "/r",
      hint: "h"
    })
    const invalid = new McpRegistryInvalid({ message: "m", path: "/r" })
    expect(Schema.encodeSync(McpRegistryInvalid)(invalid)).toStrictEqual({
      _tag: "McpRegistryInvalid",
      message: "m",
      path: "/r"
    })
  })
})

describe("registry errors never quote the file", () => {
  // What the file holds, wherever it is wrong: each case's secret must not appear in the error.
  const cases: ReadonlyArray<readonly [name: string, text: string, secret: string, says: string]> = [
    ["plain text", "hunter2hunter2 is my password\n", "hunter2", "line 1, column 1"],
    ["a secret where a value should be", `{"mcpServers": {"x": {"command": "c",\n "env": {"T": hunter2hunter2}}}}`, "hunter2", "line 2, column 15"],
    ["an unterminated string", `{"mcpServers": {"x": {"command": "c", "env": {"T": "hunter2hunter2`, "hunter2", "line 1, column 52"],
    ["a top-level string", `"s3cr3t-json-string"`, "s3cr3t", "expected an object, got a string"],
    ["servers as a string", `{"mcpServers": "sk-secret-value-123"}`, "sk-secret", "at mcpServers: expected an object, got a string"],
    ["a definition as a string", `{"mcpServers": {"x": "tok-abcdef123456"}}`, "tok-abcdef", "at mcpServers.x: a server definition is an object, not a string"],
    ["an unknown type", `{"mcpServers": {"x": {"type": "s3cr3t-type-value"}}}`, "s3cr3t", "at mcpServers.x.type: expected"],
    ["an env value of the wrong kind", `{"mcpServers": {"x": {"command": "c", "env": {"TOKEN": 12345678901}}}}`, "12345678901", "at mcpServers.x.env.TOKEN: expected a string, got a number"],
    ["a header of the wrong kind", `{"mcpServers": {"x": {"type": "http", "url": "u", "headers": {"Authorization": ["Bearer abcdefghij"]}}}}`, "abcdefghij", "at mcpServers.x.headers.Authorization: expected a string, got an array"],
    ["a command of the wrong kind", `{"mcpServers": {"x": {"command": ["s3cr3tcommand"]}}}`, "s3cr3t", "at mcpServers.x.command: expected a string, got an array"]
  ]
  for (const [name, text, secret, says] of cases) {
    it.effect(`${name}: says where and what, without the value`, () =>
      Effect.gen(function*() {
        const path = join(scratch, `quoted-${name.replace(/\W+/g, "-")}.json`)
        writeFileSync(path, text)
        const error = yield* Effect.flip(registry(path).resolve(["x"], { strict: false }))
        expect(error._tag).toBe("McpRegistryInvalid")
        expect(error.message).toContain(path)
        expect(error.message).toContain(says)
        expect(error.message).not.toContain(secret)
      }))
  }

  it.effect("a registry path linked to a key file: the error names the path, not a byte of the key", () =>
    Effect.gen(function*() {
      const key = join(scratch, "id_ed25519")
      writeFileSync(key, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n")
      const link = join(scratch, "linked-mcp-servers.json")
      symlinkSync(key, link)
      const error = yield* Effect.flip(registry(link).resolve(["x"], { strict: true }))
      expect(error._tag).toBe("McpRegistryInvalid")
      expect(error.message).toContain(link)
      expect(error.message).toContain("line 1, column 1")
      for (const part of ["BEGIN", "OPENSSH", "b3Blbn", "-----"]) expect(error.message).not.toContain(part)
    }))

  it.effect("a registry larger than MAX_REGISTRY_BYTES is refused unread", () =>
    Effect.gen(function*() {
      const path = join(scratch, "huge.json")
      writeFileSync(path, " ".repeat(McpServerRegistry.MAX_REGISTRY_BYTES + 1))
      const error = yield* Effect.flip(registry(path).resolve(["x"], { strict: false }))
      expect(error.message).toContain(`${path} is ${McpServerRegistry.MAX_REGISTRY_BYTES + 1} bytes`)
    }))
})

describe("layers", () => {
  it.effect("layer reads the file at the path it is given", () =>
    Effect.gen(function*() {
      const service = yield* McpServerRegistry.McpServerRegistry
      expect(service.registryPath).toBe(REGISTRY)
      const resolution = yield* service.resolve(["docs", "x"], { strict: false })
      expect(resolution.enabled).toEqual(["docs"])
      expect(resolution.missing).toEqual(["x"])
    }).pipe(Effect.provide(McpServerRegistry.layer(REGISTRY))))

  it.effect("layerTest resolves against the definitions it is given", () =>
    Effect.gen(function*() {
      const service = yield* McpServerRegistry.McpServerRegistry
      const resolution = yield* service.resolve(["mem", "x"], { strict: false })
      expect(resolution.enabled).toEqual(["mem"])
      expect(resolution.config.mcpServers).toStrictEqual({ mem: { command: "mem-mcp", args: ["--stdio"] } })
      const error = yield* Effect.flip(service.resolve(["x"], { strict: true }))
      expect(error._tag).toBe("McpServersMissing")
      expect((yield* service.resolve([], { strict: true })).enabled).toEqual([])
    }).pipe(Effect.provide(McpServerRegistry.layerTest({ mem: { command: "mem-mcp", args: ["--stdio"] } }))))

  it("defaultRegistryPath is mcp-servers.json in .llm-cli-gateway under the home folder", () => {
    expect(McpServerRegistry.defaultRegistryPath("/home/someone")).toBe(
      join("/home/someone", ".llm-cli-gateway", "mcp-servers.json")
    )
  })
})
