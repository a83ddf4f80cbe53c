/**
 * The database file before SQLite opens it: created 0600; never used
 * through a link (the link's target keeps its bytes and its mode); checked
 * to be a SQLite file before its mode is touched; tightened only when ours.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFileSync } from "node:child_process"
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileProblem, prepareFile } from "../../src/storage/databaseFile.js"

const tempDir = () => mkdtempSync(join(tmpdir(), "gateway-dbfile-"))

/** The first bytes of every SQLite file, and then some. */
const sqliteBytes = Buffer.concat([Buffer.from("SQLite format 3\u0000", "latin1"), Buffer.alloc(84)])

describe("prepareFile", () => {
  it.effect("creates a missing file with mode 0600", () =>
    Effect.gen(function*() {
      const path = join(tempDir(), "gateway.db")
      yield* prepareFile(path)
      expect(statSync(path).mode & 0o777).toBe(0o600)
      expect(statSync(path).size).toBe(0)
    }))

  it.effect("a link to an executable script is refused; the script keeps its bytes and its mode", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const script = join(dir, "deploy.sh")
      writeFileSync(script, "#!/bin/sh\necho deployed\n")
      chmodSync(script, 0o755)
      const path = join(dir, "gateway.db")
      symlinkSync(script, path)
      const error = yield* Effect.flip(prepareFile(path))
      expect(error._tag).toBe("StorageError")
      expect(error.message).toContain(`cannot use the database ${path}: is a symbolic link (to ${script})`)
      expect(statSync(script).mode & 0o777).toBe(0o755)
      expect(readFileSync(script, "utf8")).toBe("#!/bin/sh\necho deployed\n")
    }))

  it.effect("a link to a SQLite file is refused too, and so is a link to nothing (nothing created at its target)", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const real = join(dir, "real.db")
      writeFileSync(real, sqliteBytes, { mode: 0o644 })
      symlinkSync(real, join(dir, "gateway.db"))
      expect((yield* Effect.flip(prepareFile(join(dir, "gateway.db")))).message).toContain("is a symbolic link")
      expect(statSync(real).mode & 0o777).toBe(0o644)
      symlinkSync(join(dir, "nowhere.db"), join(dir, "dangling.db"))
      expect((yield* Effect.flip(prepareFile(join(dir, "dangling.db")))).message).toContain("is a symbolic link")
      expect(existsSync(join(dir, "nowhere.db"))).toBe(false)
    }))

  it.effect("a file that is not a database is refused before its mode is touched", () =>
    Effect.gen(function*() {
      const path = join(tempDir(), "gateway.db")
      writeFileSync(path, "somebody's notes")
      chmodSync(path, 0o644)
      const error = yield* Effect.flip(prepareFile(path))
      expect(error.message).toContain("is not a SQLite database")
      expect(statSync(path).mode & 0o777).toBe(0o644)
      expect(readFileSync(path, "utf8")).toBe("somebody's notes")
    }))

  it.effect("a SQLite file of this user's, readable by others, is tightened to 0600", () =>
    Effect.gen(function*() {
      const path = join(tempDir(), "gateway.db")
      writeFileSync(path, sqliteBytes)
      chmodSync(path, 0o664)
      yield* prepareFile(path)
      expect(statSync(path).mode & 0o777).toBe(0o600)
    }))

  it.effect("a folder, or a named pipe, in the file's place is refused at once (the pipe's open never blocks)", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      mkdirSync(join(dir, "folder.db"))
      expect((yield* Effect.flip(prepareFile(join(dir, "folder.db")))).message).toContain("is a folder, not a database file")
      execFileSync("mkfifo", [join(dir, "pipe.db")])
      expect((yield* Effect.flip(prepareFile(join(dir, "pipe.db")))).message).toContain("is a named pipe")
    }))

  it.effect("a companion file (-wal) that is a link is refused: SQLite would write through it", () =>
    Effect.gen(function*() {
      const dir = tempDir()
      const path = join(dir, "gateway.db")
      writeFileSync(path, sqliteBytes, { mode: 0o600 })
      const target = join(dir, "victim")
      writeFileSync(target, "keep")
      symlinkSync(target, `${path}-wal`)
      expect((yield* Effect.flip(prepareFile(path))).message).toContain(`has a companion ${path}-wal that is a symbolic link`)
      expect(readFileSync(target, "utf8")).toBe("keep")
    }))
})

describe("fileProblem", () => {
  it("names a link, says nothing of a missing file or a regular one", () => {
    const dir = tempDir()
    expect(fileProblem(join(dir, "missing.db"))).toBeUndefined()
    writeFileSync(join(dir, "plain.db"), sqliteBytes)
    expect(fileProblem(join(dir, "plain.db"))).toBeUndefined()
    symlinkSync(join(dir, "plain.db"), join(dir, "link.db"))
    expect(fileProblem(join(dir, "link.db"))).toContain("is a symbolic link")
  })
})
