import { describe, expect, it } from "@effect/vitest"
import { OutputTracker } from "../../src/jobs/OutputTracker.js"
import { fromValues } from "../../src/observability/secretValues.js"

const bytes = (s: string) => new Uint8Array(Buffer.from(s))

describe("OutputTracker", () => {
  it("decodes UTF-8 split across chunks and numbers the flushed pieces per stream", () => {
    const t = new OutputTracker(1_000)
    const euro = Buffer.from("€") // 3 bytes
    t.push({ stream: "stdout", data: new Uint8Array(Buffer.concat([Buffer.from("a"), euro.subarray(0, 1)])) })
    t.push({ stream: "stdout", data: new Uint8Array(euro.subarray(1)) })
    t.push({ stream: "stderr", data: bytes("warn") })
    const first = t.take()
    expect(first.chunks).toEqual([
      { stream: "stdout", seq: 0, charStart: 0, data: "a€" },
      { stream: "stderr", seq: 0, charStart: 0, data: "warn" }
    ])
    expect(first).toMatchObject({ stdoutBytes: 4, stdoutChars: 2, stderrBytes: 4, stderrChars: 4, truncated: false })
    expect(t.hasPending).toBe(false)
    t.push({ stream: "stdout", data: bytes("b") })
    expect(t.hasPending).toBe(true)
    expect(t.take().chunks).toEqual([{ stream: "stdout", seq: 1, charStart: 2, data: "b" }])
    expect(t.take().chunks).toEqual([])
  })

  it("keeps at most the cap per stream, counts the rest, and says it cut", () => {
    const t = new OutputTracker(5)
    t.push({ stream: "stdout", data: bytes("abc") })
    t.push({ stream: "stdout", data: bytes("defgh") })
    t.push({ stream: "stdout", data: bytes("ijk") })
    const flush = t.take(true)
    expect(flush.chunks.map((c) => c.data).join("")).toBe("abcde")
    expect(flush.stdoutBytes).toBe(11)
    expect(flush.truncated).toBe(true)
  })

  it("a final take flushes a dangling partial character as a replacement", () => {
    const t = new OutputTracker(100)
    t.push({ stream: "stdout", data: new Uint8Array(Buffer.from("€").subarray(0, 2)) })
    expect(t.take().chunks).toEqual([])
    expect(t.take(true).chunks[0]?.data).toBe("\ufffd")
  })

  it("never stores a secret value, even cut between chunks and between flushes; offsets stay exact", () => {
    const secret = "hunter2hunter2"
    const t = new OutputTracker(10_000, fromValues([secret]))
    const text = `stderr: token ${secret} refused\nagain: ${secret}\n`
    const stored: Array<{ charStart: number; data: string }> = []
    let chars = 0
    // One byte at a time, a flush after every byte: every cut of the value is tried.
    for (const byte of Buffer.from(text)) {
      t.push({ stream: "stderr", data: new Uint8Array([byte]) })
      const flush = t.take()
      for (const chunk of flush.chunks) {
        expect(chunk.charStart).toBe(chars)
        chars += chunk.data.length
        stored.push(chunk)
      }
      expect(flush.stderrChars).toBe(chars)
    }
    const last = t.take(true)
    stored.push(...last.chunks)
    const all = stored.map((c) => c.data).join("")
    expect(all).toBe("stderr: token [REDACTED] refused\nagain: [REDACTED]\n")
    expect(last.stderrChars).toBe(all.length)
    expect(last.stderrBytes).toBe(Buffer.byteLength(text))
    for (const chunk of stored) expect(chunk.data).not.toContain("hunter2h")
  })
})
