import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, dirname, join } from "node:path"
import { afterAll } from "vitest"
import { CONFIG_FILE_NAME, writePrivateConfig } from "../../src/mcpServers/configFile.js"
import * as McpServerRegistry from "../../src/mcpServers/McpServerRegistry.js"
import { fixture, registryJson } from "./helpers.js"

const scratch = mkdtempSync(join(tmpdir(), "mcp-config-test-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const mode = (path: string) => statSync(path).mode & 0o777

const resolveFixture = (names: ReadonlyArray<string>) =>
  McpServerRegistry.make({ registryPath: fixture("registry.json") }).resolve(names, { strict: false })

describe("writePrivateConfig", () => {
  it.effect("writes exactly the enabled servers, mode 0600 in a 0700 folder, removed when the scope closes", () =>
    Effect.gen(function*() {
      const resolution = yield* resolveFixture(["docs", "missing-one", "sqry"])
      const written = yield* Effect.scoped(
        Effect.gen(function*() {
          const file = yield* writePrivateConfig(resolution.config)
          expect(basename(file.path)).toBe(CONFIG_FILE_NAME)
          expect(dirname(file.path)).toBe(file.dir)
          expect(mode(file.dir)).toBe(0o700)
          expect(mode(file.path)).toBe(0o600)
          const content = JSON.parse(readFileSync(file.path, "utf8"))
          const all = registryJson().mcpServers
          expect(content).toStrictEqual({ mcpServers: { docs: all["docs"], sqry: all["sqry"] } })
          expect(existsSync(file.path)).toBe(true)
          return file
        })
      )
      expect(existsSync(written.path)).toBe(false)
      expect(existsSync(written.dir)).toBe(false)
    }))

  it.effect("is removed when the run fails too", () =>
    Effect.gen(function*() {
      let seen: { path: string; dir: string } | undefined
      const exit = yield* Effect.exit(Effect.scoped(
        Effect.gen(function*() {
          seen = yield* writePrivateConfig({ mcpServers: { a: { command: "a" } } })
          expect(existsSync(seen.path)).toBe(true)
          return yield* Effect.fail("run failed" as const)
        })
      ))
      expect(Exit.isFailure(exit)).toBe(true)
      expect(seen).toBeDefined()
      expect(existsSync(seen!.dir)).toBe(false)
    }))

  it.effect("each run gets its own folder, in the directory given", () =>
    Effect.gen(function*() {
      const [one, two] = yield* Effect.all([
        writePrivateConfig({ mcpServers: {} }, { directory: scratch }),
        writePrivateConfig({ mcpServers: {} }, { directory: scratch })
      ])
      expect(one.dir).not.toBe(two.dir)
      expect(dirname(one.dir)).toBe(scratch)
      expect(dirname(two.dir)).toBe(scratch)
      expect(JSON.parse(readFileSync(one.path, "utf8"))).toStrictEqual({ mcpServers: {} })
    }).pipe(Effect.scoped))

  it.effect("a folder it cannot write in fails with SpawnFailed and leaves nothing", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.scoped(writePrivateConfig({ mcpServers: {} }, { directory: join(scratch, "no", "such", "folder") }))
      )
      expect(error._tag).toBe("SpawnFailed")
      expect(error.message).toContain("could not make a private folder for the MCP config file")
    }))
})
