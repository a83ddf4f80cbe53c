/**
 * Files read into one reused buffer (`readProcFile`) read as `readFileSync`
 * reads them: a `/proc` file whose size the kernel does not give, a file
 * longer than the buffer (which grows), a short one after it; a missing
 * one throws ENOENT.
 */
import { describe, expect, it } from "@effect/vitest"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { readProcFile } from "../../src/process/procFile.js"

describe("readProcFile", () => {
  it.runIf(process.platform === "linux")("reads a process's stat line from /proc", () => {
    expect(readProcFile(`/proc/${process.pid}/stat`).startsWith(`${process.pid} (`)).toBe(true)
  })

  it("reads a long file whole, then a short one, as readFileSync does", () => {
    const dir = mkdtempSync(join(tmpdir(), "proc-file-"))
    try {
      const long = join(dir, "long")
      const short = join(dir, "short")
      writeFileSync(long, Array.from({ length: 3000 }, (_, i) => `line ${i}`).join("\n"))
      writeFileSync(short, "1234 (node) S 1 1234")
      expect(readProcFile(long)).toBe(readFileSync(long, "latin1"))
      expect(readProcFile(long).length).toBeGreaterThan(16384)
      expect(readProcFile(short)).toBe("1234 (node) S 1 1234")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("throws ENOENT for a file that is not there (a process that is gone)", () => {
    expect(() => readProcFile(join(tmpdir(), "no-such-process", "stat"))).toThrow(
      expect.objectContaining({ code: "ENOENT" })
    )
  })
})
