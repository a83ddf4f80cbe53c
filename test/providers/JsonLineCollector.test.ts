import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { JsonLineCollector } from "../../src/providers/JsonLineCollector.js"
import { readJsonLines } from "../../src/providers/jsonl.js"

/** Feeds `bytes` to a collector in pieces cut at `cuts`. */
const collect = (bytes: Buffer, cuts: ReadonlyArray<number>, cap = Number.MAX_SAFE_INTEGER) => {
  const collector = new JsonLineCollector(cap)
  let at = 0
  for (const cut of [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b)) {
    collector.push(bytes.subarray(at, cut))
    at = cut
  }
  collector.push(bytes.subarray(at))
  return { collector, stream: collector.end() }
}

const line = fc.oneof(
  fc.record({ type: fc.constantFrom("system", "assistant", "result"), text: fc.string({ unit: "grapheme" }) })
    .map((o) => JSON.stringify(o)),
  fc.string({ unit: "grapheme" }).filter((s) => !s.includes("\n")),
  fc.constant("{not json"),
  fc.constant("   "),
  fc.constant("[1,2]")
)

describe("JsonLineCollector", () => {
  it("reads, in pieces cut anywhere (inside UTF-8 sequences too), exactly what readJsonLines reads whole", () =>
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 12 }),
        fc.boolean(),
        fc.array(fc.nat({ max: 2000 }), { maxLength: 20 }),
        (lines, finalNewline, cuts) => {
          const text = lines.join("\n") + (finalNewline ? "\n" : "")
          const { stream } = collect(Buffer.from(text), cuts)
          expect(stream).toEqual(readJsonLines(text))
        }
      )
    ))

  it("a 10 MB line arriving in 64 KiB chunks becomes one event", () => {
    const big = "é".repeat(5_000_000)
    const text = `{"type":"system","subtype":"init"}\n{"type":"result","result":${JSON.stringify(big)}}\n`
    const bytes = Buffer.from(text)
    const cuts = Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) => i * 65536 + 1)
    const { collector, stream } = collect(bytes, cuts)
    expect(stream.events).toHaveLength(2)
    expect(stream.events[1]?.result).toBe(big)
    expect(collector.truncated).toBe(false)
    expect(collector.totalBytes).toBe(bytes.length)
  })

  it("keeps no more than the cap: the rest is counted, and the cut line is noise", () => {
    const text = `{"a":1}\n{"b":"${"x".repeat(100)}"}\n`
    const { collector, stream } = collect(Buffer.from(text), [3, 20], 20)
    expect(stream.events).toEqual([{ a: 1 }])
    expect(stream.noise).toEqual([`{"b":"${"x".repeat(6)}`])
    expect(collector.truncated).toBe(true)
    expect(collector.totalBytes).toBe(Buffer.byteLength(text))
  })
})
