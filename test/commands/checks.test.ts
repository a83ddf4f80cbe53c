/**
 * The doctor's parts, called directly: the settings in effect, sign-in,
 * Node.js support, and the database (with a live server registered).
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Either from "effect/Either"
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { checkDatabase } from "../../src/commands/databaseCheck.js"
import { NODE_ENGINES, satisfies } from "../../src/commands/nodeSupport.js"
import { readSettings } from "../../src/commands/settings.js"
import { checkSignIn } from "../../src/commands/signIn.js"
import * as Migrations from "../../src/migrations.js"
import * as Database from "../../src/storage/Database.js"
import { cleanUp, root, tempDir } from "./harness.js"

afterAll(cleanUp)

describe("readSettings", () => {
  it("shows the value in effect of every LLM_GATEWAY_ setting the configuration reads", async () => {
    const { config, settings } = await Effect.runPromise(readSettings({}))
    expect(Either.isRight(config)).toBe(true)
    const own = settings.filter((s) => s.name.startsWith("LLM_GATEWAY_"))
    expect(own.length).toBeGreaterThan(30)
    // A setting added to Config.ts without a value here shows "(default)": add it to settings.ts.
    expect(own.filter((s) => s.value === "(default)").map((s) => s.name)).toEqual([])
    expect(own.every((s) => s.source === "default" && s.known)).toBe(true)
    expect(settings.find((s) => s.name === "LLM_GATEWAY_APPROVAL_POLICY")?.value).toBe("balanced")
  })

  it("takes values from the environment given, redacts them, and hides variables named like secrets", async () => {
    const { settings } = await Effect.runPromise(readSettings({
      LLM_GATEWAY_NPM_BIN: "/usr/local/bin/npm",
      LLM_GATEWAY_JOBS_DB: "/data/gw.db",
      LLM_GATEWAY_MCP_SERVERS: "https://user:hunter2secret@example.com/servers.json",
      LLM_GATEWAY_API_KEY: "plain-value-not-shaped-like-a-key",
      CLAUDE_DEFAULT_MODEL: "opus",
      HOME: "/home/u"
    }))
    const byName = new Map(settings.map((s) => [s.name, s]))
    expect(byName.get("LLM_GATEWAY_NPM_BIN")).toEqual({ name: "LLM_GATEWAY_NPM_BIN", value: "/usr/local/bin/npm", source: "env", known: true })
    expect(byName.get("LLM_GATEWAY_JOBS_DB")?.value).toBe("/data/gw.db")
    expect(byName.get("LLM_GATEWAY_MCP_SERVERS")?.value).not.toContain("hunter2secret")
    expect(byName.get("LLM_GATEWAY_API_KEY")).toMatchObject({ value: "[REDACTED]", known: false })
    // Another variable the gateway reads is listed when set; HOME is not worth a line.
    expect(byName.get("CLAUDE_DEFAULT_MODEL")).toMatchObject({ value: "opus", source: "env" })
    expect(byName.has("HOME")).toBe(false)
  })

  it("shows the binary's own settings (heap mode, compile cache), read beside the services' configuration", async () => {
    const defaults = new Map((await Effect.runPromise(readSettings({}))).settings.map((s) => [s.name, s]))
    expect(defaults.get("LLM_GATEWAY_HEAP")).toEqual({ name: "LLM_GATEWAY_HEAP", value: "lean", source: "default", known: true })
    expect(defaults.get("LLM_GATEWAY_COMPILE_CACHE")?.value).toBe("true")
    const set = await Effect.runPromise(readSettings({ LLM_GATEWAY_HEAP: "default", LLM_GATEWAY_COMPILE_CACHE: "false" }))
    const byName = new Map(set.settings.map((s) => [s.name, s]))
    expect(byName.get("LLM_GATEWAY_HEAP")).toEqual({ name: "LLM_GATEWAY_HEAP", value: "default", source: "env", known: true })
    expect(byName.get("LLM_GATEWAY_COMPILE_CACHE")).toMatchObject({ value: "false", source: "env", known: true })
    // A bad value stops the binary: the configuration is said not to load.
    const { config } = await Effect.runPromise(readSettings({ LLM_GATEWAY_HEAP: "tiny" }))
    expect(Either.isLeft(config) ? config.left : "").toContain("LLM_GATEWAY_HEAP")
  })

  it("says why a configuration does not load", async () => {
    const { config } = await Effect.runPromise(readSettings({ LLM_GATEWAY_APPROVAL_POLICY: "lax" }))
    expect(Either.isLeft(config) ? config.left : "").toContain("LLM_GATEWAY_APPROVAL_POLICY")
  })
})

describe("readSettings over HTTP with OAuth", () => {
  it("shows the OAuth settings in effect, their values unredacted (public facts), and no (default)", async () => {
    const { config, settings } = await Effect.runPromise(readSettings({
      LLM_GATEWAY_HTTP: "127.0.0.1:8080",
      LLM_GATEWAY_OAUTH_ISSUER: "https://auth.example.com/",
      LLM_GATEWAY_OAUTH_SCOPES: "mcp:tools mcp:admin"
    }))
    expect(Either.isRight(config)).toBe(true)
    const byName = new Map(settings.map((s) => [s.name, s]))
    expect(byName.get("LLM_GATEWAY_OAUTH_ISSUER")).toMatchObject({ value: "https://auth.example.com/", source: "env" })
    expect(byName.get("LLM_GATEWAY_OAUTH_SCOPES")?.value).toBe("mcp:tools mcp:admin")
    expect(byName.get("LLM_GATEWAY_OAUTH_AUDIENCE")?.value).toBe("http://127.0.0.1:8080/mcp")
    const own = settings.filter((s) => s.name.startsWith("LLM_GATEWAY_"))
    expect(own.filter((s) => s.value === "(default)").map((s) => s.name)).toEqual([])
  })
})

describe("checkSignIn", () => {
  it("finds a sign-in by variable or by file, and names neither's value", () => {
    const home = tempDir()
    mkdirSync(join(home, ".gemini"))
    writeFileSync(join(home, ".gemini", "oauth_creds.json"), "{}")
    expect(checkSignIn("gemini", { HOME: home }, { platform: "linux" }))
      .toMatchObject({ credentials: "found", via: [join(home, ".gemini", "oauth_creds.json")] })
    expect(checkSignIn("codex", { HOME: home, OPENAI_API_KEY: "sk-x" }, { platform: "linux" }).via).toEqual(["OPENAI_API_KEY is set"])
    expect(checkSignIn("claude", { HOME: home, CLAUDE_CODE_USE_BEDROCK: "0" }, { platform: "linux" }).credentials).toBe("none_found")
    expect(checkSignIn("claude", { HOME: home, CLAUDE_CODE_USE_BEDROCK: "1" }, { platform: "linux" }).credentials).toBe("found")
  })

  it("follows the CLI's own folder variable (CODEX_HOME, CLAUDE_CONFIG_DIR, GROK_HOME)", () => {
    const dir = tempDir()
    writeFileSync(join(dir, "auth.json"), "{}")
    expect(checkSignIn("grok", { HOME: "/nonexistent", GROK_HOME: dir }, { platform: "linux" }).via).toEqual([join(dir, "auth.json")])
    expect(checkSignIn("codex", { HOME: "/nonexistent", CODEX_HOME: dir }, { platform: "linux" }).via).toEqual([join(dir, "auth.json")])
  })

  it("cannot tell on macOS when claude shows nothing (its sign-in is in the keychain)", () => {
    expect(checkSignIn("claude", { HOME: "/nonexistent" }, { platform: "darwin" }).credentials).toBe("unknown")
    expect(checkSignIn("claude", { HOME: "/nonexistent" }, { platform: "linux" })).toMatchObject({
      credentials: "none_found",
      login: expect.stringContaining("/login"),
      install: expect.stringContaining("@anthropic-ai/claude-code")
    })
  })
})

describe("Node.js support", () => {
  it("is package.json's engines.node", () => {
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).engines.node).toBe(NODE_ENGINES)
  })

  it("compares versions against a >= range", () => {
    expect(satisfies("v20.10.0", ">=20.10")).toBe(true)
    expect(satisfies("v20.9.9", ">=20.10")).toBe(false)
    expect(satisfies("v22.1.0", ">=20.10")).toBe(true)
    expect(satisfies("v18.20.0", ">=20.10")).toBe(false)
    expect(satisfies("v20.10.0", "^20 || ^22")).toBeUndefined()
  })
})

describe("checkDatabase", () => {
  it("reads the schema version and the live servers of a database, without writing to it", async () => {
    const path = join(tempDir(), "gateway.db")
    const now = Date.now()
    // A server's database, migrated, with a live instance (this process) and a stopped one.
    await Effect.runPromise(Effect.provide(
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.zipRight(
          sql`INSERT INTO instances ${sql.insert({ id: "live", pid: process.pid, host: hostname(), started_at: now - 1000, heartbeat_at: now, lease_ms: 30_000 })}`,
          sql`INSERT INTO instances ${sql.insert({ id: "gone", pid: process.pid, host: "elsewhere", started_at: now - 9000, heartbeat_at: now - 5000, lease_ms: 30_000, stopped_at: now - 4000 })}`
        )),
      Layer.provide(Database.layerAt(path), Migrations.layer)
    ))
    const before = statSync(path).mtimeMs
    const check = await Effect.runPromise(checkDatabase(path, now))
    expect(check).toMatchObject({ status: "ok", writable: true, path })
    expect(check.schemaVersion).toBe(check.latestSchemaVersion)
    expect(check.instances.map((i) => i.id)).toEqual(["live"])
    expect(check.sizeBytes).toBeGreaterThan(0)
    expect(statSync(path).mtimeMs).toBe(before)
  })

  it("reports a folder it cannot create in as unusable", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "file"), "")
    const check = await Effect.runPromise(checkDatabase(join(dir, "file", "sub", "gateway.db")))
    expect(check.status).toBe("unusable")
  })
})
