import { describe, expect, it } from "@effect/vitest"
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js"
import { PassThrough } from "node:stream"
import { afterEach } from "vitest"
import * as StdioTransport from "../../src/mcp/StdioTransport.js"

const MiB = 1024 * 1024
const CHUNK = 64 * 1024

interface Answer {
  readonly jsonrpc: "2.0"
  readonly id: string | number | null
  readonly result?: unknown
  readonly error?: { readonly code: number; readonly message: string; readonly data?: unknown }
}

/** A transport on two PassThrough streams, with what it delivered, reported and wrote. */
const open = async (
  options: StdioTransport.Options = {},
  { reading = true, start = true, stdout = new PassThrough() }: {
    readonly reading?: boolean
    readonly start?: boolean
    readonly stdout?: PassThrough
  } = {}
) => {
  const stdin = new PassThrough()
  const transport = new StdioTransport.StdioTransport(stdin, stdout, options)
  const messages: Array<JSONRPCMessage> = []
  const errors: Array<Error> = []
  let closes = 0
  transport.onmessage = (m) => messages.push(m)
  transport.onerror = (e) => errors.push(e)
  transport.onclose = () => closes++
  if (start) await transport.start()
  const written: Array<string> = []
  let partial = ""
  const read = () =>
    stdout.on("data", (c: Buffer) => {
      partial += c.toString("utf8")
      const lines = partial.split("\n")
      partial = lines.pop()!
      written.push(...lines)
    })
  if (reading) read()
  const opened = { stdin, stdout, transport, messages, errors, closes: () => closes, written, read }
  cleanups.push(async () => {
    await transport.close()
    stdin.destroy()
    stdout.destroy()
  })
  return opened
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

/** What the transport wrote, as JSON-RPC answers. */
const answers = (written: ReadonlyArray<string>): Array<Answer> => written.map((l) => JSON.parse(l) as Answer)

/** Writes bytes in chunks of `size`. */
const writeChunks = (stdin: PassThrough, bytes: Buffer, size: number, each?: (written: number) => void) => {
  for (let at = 0; at < bytes.length; at += size) {
    stdin.write(bytes.subarray(at, at + size))
    each?.(Math.min(at + size, bytes.length))
  }
}

/** A tools/call line whose prompt is `n` bytes of "y". */
const bigRequest = (id: number | string, n: number, order: "id first" | "id last" = "id first"): Buffer => {
  const params = { name: "claude_request", arguments: { prompt: "y".repeat(n), id: "nested" } }
  const message = order === "id first"
    ? { jsonrpc: "2.0", id, method: "tools/call", params }
    : { method: "tools/call", params, jsonrpc: "2.0", id }
  return Buffer.from(JSON.stringify(message) + "\n")
}

const ping = (id: number | string) => JSON.stringify({ jsonrpc: "2.0", id, method: "ping" }) + "\n"

/** Resolves once the condition holds (checked after each turn of the event loop). */
const until = async (check: () => boolean, limitMs = 10_000) => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error(`condition not met in ${limitMs} ms`)
    await new Promise((r) => setImmediate(r))
  }
}

describe("reading lines", () => {
  it("a line in many chunks, several lines in one chunk, a trailing partial line kept for later", async () => {
    const t = await open()
    const one = Buffer.from(ping(1))
    writeChunks(t.stdin, one, 1)
    expect(t.messages).toEqual([{ jsonrpc: "2.0", id: 1, method: "ping" }])
    t.stdin.write(ping(2) + ping(3) + ping(4).slice(0, 10))
    expect(t.messages.map((m) => (m as { id: number }).id)).toEqual([1, 2, 3])
    expect(t.transport.bufferedBytes).toBe(10)
    t.stdin.write(ping(4).slice(10))
    expect(t.messages.map((m) => (m as { id: number }).id)).toEqual([1, 2, 3, 4])
    expect(t.transport.bufferedBytes).toBe(0)
    expect(t.errors).toEqual([])
    expect(t.written).toEqual([])
  })

  it("a long line in pieces of mixed sizes, small and large, is read whole", async () => {
    const t = await open()
    const text = "abcdefghij✓".repeat(30_000)
    const line = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "x/echo", params: { text } }) + "\n")
    const sizes = [1, 3, 4095, 4096, 70_000, 7, 5000, 2]
    for (let at = 0, i = 0; at < line.length; i++) {
      const size = sizes[i % sizes.length]!
      t.stdin.write(line.subarray(at, at + size))
      at += size
    }
    expect(t.messages).toHaveLength(1)
    expect((t.messages[0] as unknown as { params: { text: string } }).params.text).toBe(text)
    expect(t.transport.bufferedBytes).toBe(0)
  })

  it("a character split across chunks at any byte is decoded whole", async () => {
    const t = await open()
    const text = "héllo ✓ 😀 終わり"
    const line = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "x/echo", params: { text } }) + "\n")
    for (let cut = 1; cut < line.length; cut++) {
      t.stdin.write(line.subarray(0, cut))
      t.stdin.write(line.subarray(cut))
    }
    expect(t.messages).toHaveLength(line.length - 1)
    for (const m of t.messages) expect((m as unknown as { params: { text: string } }).params.text).toBe(text)
    expect(t.errors).toEqual([])
  })

  it("\\r\\n endings, empty and blank lines", async () => {
    const t = await open()
    t.stdin.write("\n\r\n   \n" + ping(1).replace("\n", "\r\n") + "\r")
    t.stdin.write("\n" + ping(2))
    expect(t.messages.map((m) => (m as { id: number }).id)).toEqual([1, 2])
    expect(t.errors).toEqual([])
    expect(t.written).toEqual([])
  })

  it("a line at the bound is read, one byte more is refused; a \\r before the \\n does not count", async () => {
    const t = await open({ maxLineBytes: 100 })
    const at = (id: number, n: number) => {
      const base = JSON.stringify({ jsonrpc: "2.0", id, method: "x/y", params: { p: "" } })
      return base.replace(`"p":""`, `"p":"${"a".repeat(n - base.length)}"`)
    }
    expect(at(1, 100)).toHaveLength(100)
    t.stdin.write(at(1, 100) + "\n")
    t.stdin.write(at(2, 100) + "\r\n")
    t.stdin.write(at(3, 101) + "\n")
    t.stdin.write(at(4, 101) + "\r\n")
    expect(t.messages.map((m) => (m as { id: number }).id)).toEqual([1, 2])
    expect(answers(t.written).map((a) => [a.id, a.error?.code])).toEqual([[3, -32600], [4, -32600]])
  })

  it("a message handler that throws is reported and the next line is read", async () => {
    const t = await open()
    let calls = 0
    t.transport.onmessage = () => {
      calls++
      if (calls === 1) throw new Error("handler failed")
    }
    t.stdin.write(ping(1) + ping(2))
    expect(calls).toBe(2)
    expect(t.errors.map((e) => e.message)).toEqual(["handler failed"])
  })
})

describe("lines that are not messages", () => {
  it("not JSON: Parse error with id null, and the next line is served", async () => {
    const t = await open()
    t.stdin.write("{not json\n" + ping(1))
    expect(answers(t.written)).toEqual([
      { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error: the line is not JSON" } }
    ])
    expect(t.errors).toHaveLength(1)
    expect(t.errors[0]).toBeInstanceOf(StdioTransport.LineNotJson)
    expect(t.messages).toEqual([{ jsonrpc: "2.0", id: 1, method: "ping" }])
  })

  it("JSON that is no JSON-RPC message: Invalid Request with its id (null when none); a bad response is not answered", async () => {
    const t = await open()
    t.stdin.write('{"jsonrpc":"2.0","id":3,"method":5}\n[1,2]\n"text"\n{"jsonrpc":"2.0","id":"r","result":5}\n' + ping(1))
    expect(answers(t.written).map((a) => [a.id, a.error?.code])).toEqual([[3, -32600], [null, -32600], [null, -32600]])
    expect(t.errors).toHaveLength(4)
    for (const e of t.errors) expect(e).toBeInstanceOf(StdioTransport.LineNotJsonRpc)
    expect(t.messages).toEqual([{ jsonrpc: "2.0", id: 1, method: "ping" }])
  })
})

describe("a line over the bound", () => {
  it("a 50 MB line over 16 MiB: answered with an error carrying its id, memory bounded, the next request answered", async () => {
    const t = await open({}, { start: false })
    expect(t.transport.maxLineBytes).toBe(StdioTransport.DEFAULT_MAX_LINE_BYTES)
    expect(StdioTransport.DEFAULT_MAX_LINE_BYTES).toBe(16 * MiB)
    const server = new Server({ name: "test", version: "1.0.0" }, { capabilities: {} })
    await server.connect(t.transport)
    cleanups.push(() => server.close())
    const line = bigRequest(7, 50 * MiB)
    let most = 0
    let mostPastBound = 0
    writeChunks(t.stdin, line.subarray(0, line.length - 1), CHUNK, (written) => {
      most = Math.max(most, t.transport.bufferedBytes)
      if (written > 17 * MiB) mostPastBound = Math.max(mostPastBound, t.transport.bufferedBytes)
    })
    // Never more than the bound is held; once past it, only the line's two ends (a few KiB).
    expect(most).toBeGreaterThan(15 * MiB)
    expect(most).toBeLessThanOrEqual(16 * MiB + 1)
    expect(mostPastBound).toBeGreaterThan(0)
    expect(mostPastBound).toBeLessThanOrEqual(32 * 1024)
    t.stdin.write("\n" + ping(8))
    await until(() => t.written.length >= 2)
    const [refused, pong] = answers(t.written)
    expect(refused).toEqual({
      jsonrpc: "2.0",
      id: 7,
      error: {
        code: -32600,
        message: `Invalid Request: the line is over ${16 * MiB} bytes (it has ${line.length - 1}) and was skipped`,
        data: { maxLineBytes: 16 * MiB, lineBytes: line.length - 1 }
      }
    })
    expect(pong).toEqual({ jsonrpc: "2.0", id: 8, result: {} })
    expect(t.transport.bufferedBytes).toBe(0)
  })

  it("the id is found after the large member too (as the SDK's client writes it), never a nested one", async () => {
    const t = await open({ maxLineBytes: 1 * MiB })
    writeChunks(t.stdin, bigRequest("req-9", 2 * MiB, "id last"), CHUNK)
    writeChunks(t.stdin, bigRequest(10, 2 * MiB, "id first"), CHUNK)
    // The whole line in one chunk, over the bound.
    t.stdin.write(bigRequest(11, 2 * MiB, "id last"))
    // No top-level id in either end: id null.
    const noId = JSON.stringify({ jsonrpc: "2.0", method: "x", params: { a: "y".repeat(2 * MiB), id: 5 }, b: { id: 6 } })
    t.stdin.write(noId + "\n")
    // A response over the bound is not answered: its id is one of the server's requests.
    t.stdin.write(JSON.stringify({ jsonrpc: "2.0", id: 12, result: { a: "y".repeat(2 * MiB) } }) + "\n")
    // Quotes, braces and backslashes inside a string after the id, read backward.
    const tricky = { method: "x", params: { a: "y".repeat(2 * MiB) }, id: 13, z: 'he said "}{\\" and \\\\ "' }
    t.stdin.write(JSON.stringify(tricky) + "\n")
    expect(answers(t.written).map((a) => a.id)).toEqual(["req-9", 10, 11, null, 13])
    expect(t.errors).toHaveLength(6)
    for (const e of t.errors) expect(e).toBeInstanceOf(StdioTransport.LineTooLong)
    expect((t.errors[4] as StdioTransport.LineTooLong).id).toBe(12)
  })
})

describe("a line over the bound, in small pieces", () => {
  it("a byte at a time: only its ends are kept, its id is found at its end, and each refusal is told to onLineError", async () => {
    const refused: Array<StdioTransport.LineError> = []
    const t = await open({ maxLineBytes: 1024, onLineError: (e) => refused.push(e) })
    const line = Buffer.from(JSON.stringify({ method: "x", params: { a: "y".repeat(50_000) }, jsonrpc: "2.0", id: "tiny" }) + "\r\n")
    let most = 0
    writeChunks(t.stdin, line.subarray(0, line.length - 1), 1, () => {
      most = Math.max(most, t.transport.bufferedBytes)
    })
    expect(most).toBeLessThanOrEqual(32 * 1024)
    t.stdin.write("\n{oops\n")
    expect(answers(t.written).map((a) => [a.id, a.error?.code])).toEqual([["tiny", -32600], [null, -32700]])
    expect(refused.map((e) => e._tag)).toEqual(["LineTooLong", "LineNotJson"])
    expect((refused[0] as StdioTransport.LineTooLong).lineBytes).toBe(line.length - 2)
    expect(t.errors).toHaveLength(2)
  })
})

describe("linear time", () => {
  /** Milliseconds to read one valid line written in 64 KiB chunks, until the message is delivered. */
  const timeLine = async (line: Buffer) => {
    const t = await open({ maxLineBytes: 64 * MiB })
    const start = performance.now()
    writeChunks(t.stdin, line, CHUNK)
    const ms = performance.now() - start
    expect(t.messages).toHaveLength(1)
    await t.transport.close()
    return ms
  }

  it("a 30 MB line in 64 KiB chunks costs about three times a 10 MB line", async () => {
    const ten = bigRequest(1, 10 * MiB)
    const thirty = bigRequest(1, 30 * MiB)
    await timeLine(bigRequest(1, MiB))
    // The best of a few rounds, interleaved: other work on the machine only ever adds time.
    let best10 = Infinity
    let best30 = Infinity
    for (let round = 0; round < 4; round++) {
      best10 = Math.min(best10, await timeLine(ten))
      best30 = Math.min(best30, await timeLine(thirty))
    }
    // Quadratic reading (the SDK's buffer: each chunk joined to all before it) gives about 9x; linear about 3x.
    expect(best30 / best10, `10 MB: ${best10.toFixed(0)} ms, 30 MB: ${best30.toFixed(0)} ms`).toBeLessThan(6)
  }, 120_000)
})

describe("writing and closing", () => {
  it("send writes one line per message and waits for 'drain' when stdout is full", async () => {
    const t = await open({}, { reading: false, stdout: new PassThrough({ highWaterMark: 16 }) })
    let sent = false
    const sending = t.transport.send({ jsonrpc: "2.0", id: 1, result: { text: "x".repeat(100) } }).then(() => {
      sent = true
    })
    await new Promise((r) => setImmediate(r))
    expect(sent).toBe(false)
    t.read()
    await sending
    expect(answers(t.written)).toEqual([{ jsonrpc: "2.0", id: 1, result: { text: "x".repeat(100) } }])
  })

  it("close: onclose once, stdin no longer read, buffers cleared, waiting sends let go", async () => {
    const t = await open({}, { reading: false, stdout: new PassThrough({ highWaterMark: 16 }) })
    t.stdin.write(ping(1).slice(0, 10))
    expect(t.transport.bufferedBytes).toBe(10)
    const sending = t.transport.send({ jsonrpc: "2.0", id: 1, result: { text: "x".repeat(100) } })
    await t.transport.close()
    await sending
    await t.transport.close()
    expect(t.closes()).toBe(1)
    expect(t.transport.bufferedBytes).toBe(0)
    expect(t.stdin.listenerCount("data")).toBe(0)
    expect(t.stdin.isPaused()).toBe(true)
    t.stdin.write(ping(2))
    await new Promise((r) => setImmediate(r))
    expect(t.messages).toEqual([])
    await expect(t.transport.start()).rejects.toThrow("already started")
  })
})
