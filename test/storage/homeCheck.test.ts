/**
 * The database's folder: made one level at a time (0700), refused at once
 * and by name when it cannot be a folder (on /proc, under a file, under a
 * link to nothing), when every user may write it (its mode left alone), or
 * when the preflight finds the configured home unusable.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as GatewayConfig from "../../src/Config.js"
import { checkFolder, folderProblem, preflight, prepareFolder } from "../../src/storage/homeCheck.js"

const tempDir = () => mkdtempSync(join(tmpdir(), "gateway-home-"))

/** The StorageError a check fails with, and how long it took. */
const refusal = <R>(check: Effect.Effect<void, { readonly _tag: string; readonly message: string }, R>) =>
  Effect.gen(function*() {
    const started = Date.now()
    const error = yield* Effect.flip(check)
    return { error, ms: Date.now() - started }
  })

describe("prepareFolder", () => {
  it.effect("creates each missing level with mode 0700", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      yield* prepareFolder(join(dir, "a", "b", "gateway.db"))
      expect(statSync(join(dir, "a")).mode & 0o777).toBe(0o700)
      expect(statSync(join(dir, "a", "b")).mode & 0o777).toBe(0o700)
      // Again: nothing to do.
      yield* prepareFolder(join(dir, "a", "b", "gateway.db"))
    }))

  for (const home of ["/proc/self/foo", "/proc/1", "/proc/self/foo/bar", "/sys/kernel/gateway"]) {
    it.effect(`a home at ${home} fails at once, naming it and its kernel filesystem`, () =>
      Effect.gen(function*() {
        const { error, ms } = yield* refusal(prepareFolder(join(home, "gateway.db")))
        expect(error._tag).toBe("StorageError")
        expect(error.message).toContain(`its folder ${home} `)
        expect(error.message).toMatch(/is on (procfs|sysfs)\b.*, a kernel filesystem/)
        expect(error.message).toContain("LLM_GATEWAY_HOME")
        expect(ms).toBeLessThan(1_000)
      }))
  }

  it.effect("a home that is a file, or under a file, fails naming the file", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const file = join(dir, "notes.txt")
      writeFileSync(file, "mine")
      const itself = yield* Effect.flip(prepareFolder(join(file, "gateway.db")))
      expect(itself.message).toContain(`its folder ${file} cannot be a folder: it is a file`)
      const under = yield* Effect.flip(prepareFolder(join(file, "home", "gateway.db")))
      expect(under.message).toContain(`its folder ${join(file, "home")} cannot be a folder: ${file} is a file`)
    }))

  it.effect("a home under a link to nothing fails naming the link; nothing is created at its target", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      symlinkSync(join(dir, "missing"), join(dir, "link"))
      const error = yield* Effect.flip(prepareFolder(join(dir, "link", "home", "gateway.db")))
      expect(error.message).toContain(`${join(dir, "link")} is a symbolic link to nothing`)
      expect(existsSync(join(dir, "missing"))).toBe(false)
    }))

  it.effect("a home that is a link to a folder is used as that folder", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      mkdirSync(join(dir, "real"), { mode: 0o700 })
      symlinkSync(join(dir, "real"), join(dir, "home"))
      yield* prepareFolder(join(dir, "home", "gateway.db"))
      yield* checkFolder(join(dir, "home", "gateway.db"))
    }))
})

describe("checkFolder", () => {
  it.effect("a folder every user may write is refused, its mode left as it is, and the message says how to fix it", () =>
    Effect.gen(function*() {
      const dir = join(tempDir(), "home")
      mkdirSync(dir)
      chmodSync(dir, 0o777)
      const db = join(dir, "gateway.db")
      yield* prepareFolder(db)
      const error = yield* Effect.flip(checkFolder(db))
      expect(error.message).toContain(`its folder ${dir} is writable by every user (mode 0777)`)
      expect(error.message).toContain(`(\`chmod o-w ${dir}\` makes it safe)`)
      expect(statSync(dir).mode & 0o777).toBe(0o777)
      expect(existsSync(db)).toBe(false)
      // Even with the sticky bit, as /tmp has it.
      chmodSync(dir, 0o1777)
      expect((yield* Effect.flip(checkFolder(db))).message).toContain("(mode 1777)")
      chmodSync(dir, 0o755)
      yield* checkFolder(db)
    }))
})

describe("folderProblem", () => {
  it("judges without creating anything", () => {
    const dir = tempDir()
    expect(folderProblem(join(dir, "a", "b", "gateway.db"))).toBeUndefined()
    expect(existsSync(join(dir, "a"))).toBe(false)
    expect(folderProblem("/proc/1/gateway.db")).toContain("is on procfs")
    chmodSync(dir, 0o777)
    expect(folderProblem(join(dir, "gateway.db"))).toContain("writable by every user")
    chmodSync(dir, 0o700)
  })
})

describe("preflight", () => {
  it.effect("fails for a configured home on /proc, and does nothing for an in-memory database", () =>
    Effect.gen(function*() {
      yield* preflight.pipe(Effect.provide(GatewayConfig.layerTest({ databasePath: ":memory:" })))
      const error = yield* Effect.flip(
        preflight.pipe(Effect.provide(GatewayConfig.layerTest({ databasePath: "/proc/self/foo/gateway.db" })))
      )
      expect(error.message).toContain("/proc/self/foo")
    }))
})
