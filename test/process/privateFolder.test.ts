/**
 * Private folders: made in the gateway's own parent (0700, this user's,
 * never a symlink), removed when the run ends, and what a killed server left
 * behind swept by the next one.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ensureParent, folderPrefix, privateFolder, sweep } from "../../src/process/privateFolder.js"

const scratch = () => mkdtempSync(join(tmpdir(), "private-folder-"))

/** A pid that ran and is gone. */
const deadPid = (): number => {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" })
  return Number(child.stdout)
}

describe("privateFolder", () => {
  it.effect("a 0700 folder named after this process, in a 0700 parent, removed when the scope closes", () => {
    const root = scratch()
    const parent = join(root, "gateway")
    return Effect.gen(function*() {
      const dir = yield* Effect.scoped(Effect.gen(function*() {
        const dir = yield* privateFolder("prompt file", parent)
        expect(statSync(dir).mode & 0o777).toBe(0o700)
        expect(statSync(parent).mode & 0o777).toBe(0o700)
        expect(dir.slice(parent.length + 1)).toMatch(new RegExp(`^run-\\d+-${process.pid}-`))
        writeFileSync(join(dir, "prompt.txt"), "secret prompt", { mode: 0o600 })
        return dir
      }))
      expect(existsSync(dir)).toBe(false)
    }).pipe(Effect.ensuring(Effect.sync(() => rmSync(root, { recursive: true, force: true }))))
  })

  it("refuses a parent that is a symlink, or open to other users, without touching it", () => {
    const root = scratch()
    try {
      const real = join(root, "real")
      mkdirSync(real, { mode: 0o700 })
      symlinkSync(real, join(root, "link"))
      expect(ensureParent(join(root, "link"))).toMatch(/not a folder/)
      const open = join(root, "open")
      mkdirSync(open)
      chmodSync(open, 0o755)
      expect(ensureParent(open)).toMatch(/open to other users/)
      expect(statSync(open).mode & 0o777).toBe(0o755)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})

describe("sweep", () => {
  it("removes the folders of processes that are gone, keeps this one's and a live one's, and anything not ours", () => {
    const root = scratch()
    const parent = join(root, "gateway")
    try {
      expect(ensureParent(parent)).toBeUndefined()
      const prefix = folderPrefix()
      const dead = join(parent, `${prefix}${deadPid()}-abc123`)
      const mine = join(parent, `${prefix}${process.pid}-def456`)
      const live = join(parent, `${prefix}1-ghi789`)
      const other = join(parent, "notes")
      for (const d of [dead, mine, live, other]) mkdirSync(d, { mode: 0o700 })
      writeFileSync(join(dead, "mcp-config.json"), '{"token":"secret"}')
      expect(sweep(parent)).toBe(1)
      expect(existsSync(dead)).toBe(false)
      for (const d of [mine, live, other]) expect(existsSync(d), d).toBe(true)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
