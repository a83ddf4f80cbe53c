/**
 * The doctor's database check judges the folder and the file by the
 * server's rules, and changes nothing: a link in the file's place, a folder
 * every user may write, a home on /proc are unusable.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { checkDatabase } from "../../src/commands/databaseCheck.js"

const tempDir = () => mkdtempSync(join(tmpdir(), "gateway-doctor-db-"))

describe("checkDatabase", () => {
  it.effect("a link in the database's place is unusable, and its target keeps its mode", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const script = join(dir, "run.sh")
      writeFileSync(script, "#!/bin/sh\n")
      chmodSync(script, 0o755)
      symlinkSync(script, join(dir, "gateway.db"))
      const check = yield* checkDatabase(join(dir, "gateway.db"))
      expect(check).toMatchObject({ status: "unusable", writable: false })
      expect(check.message).toContain("is a symbolic link")
      expect(statSync(script).mode & 0o777).toBe(0o755)
    }))

  it.effect("a folder every user may write is unusable, for a new file and an existing one", () =>
    Effect.gen(function*() {
      const dir = join(tempDir(), "shared")
      mkdirSync(dir)
      chmodSync(dir, 0o777)
      const fresh = yield* checkDatabase(join(dir, "gateway.db"))
      expect(fresh.status).toBe("unusable")
      expect(fresh.message).toContain("writable by every user")
      writeFileSync(join(dir, "gateway.db"), "")
      expect((yield* checkDatabase(join(dir, "gateway.db"))).message).toContain("writable by every user")
      expect(statSync(dir).mode & 0o777).toBe(0o777)
    }))

  it.effect("a home on /proc is unusable, naming procfs", () =>
    Effect.gen(function*() {
      for (const path of ["/proc/self/foo/gateway.db", "/proc/1/gateway.db"]) {
        const check = yield* checkDatabase(path)
        expect(check.status).toBe("unusable")
        expect(check.message).toContain("procfs")
      }
    }))

  it.effect("a missing folder that could be made is new, and is not made", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const check = yield* checkDatabase(join(dir, "a", "b", "gateway.db"))
      expect(check.status).toBe("new")
      expect(existsSync(join(dir, "a"))).toBe(false)
    }))
})
