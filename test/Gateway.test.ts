/**
 * The server core on a transport it does not know: the MCP SDK's in-memory
 * pair, a client on one end and `Gateway.serveTransportWith` on the other,
 * with a scripted CommandRunner (nothing is spawned).
 */
import { describe, expect, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as CliIdentity from "../src/cli/CliIdentity.js"
import * as GatewayConfig from "../src/Config.js"
import * as Gateway from "../src/Gateway.js"
import { layerTest } from "../src/process/CommandRunner.js"

describe("Gateway.serveTransportWith", () => {
  it.live("serves the tools and a request over an in-memory transport, and ends when the client closes it", () =>
    Effect.gen(function*() {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
      const seen: Array<ReadonlyArray<string>> = []
      const runner = layerTest((spec) =>
        Effect.sync(() => {
          seen.push(spec.args)
          return { stdout: '{"type":"result","subtype":"success","result":"pong","session_id":"s1"}\n' }
        })
      )
      const services = Gateway.layerServicesWith(runner, CliIdentity.layerTrusting)
      const server = yield* Effect.fork(Gateway.serveTransportWith(services, serverSide))
      const client = new Client({ name: "in-memory", version: "1.0.0" })
      yield* Effect.promise(() => client.connect(clientSide))
      const listed = yield* Effect.promise(() => client.listTools())
      expect(listed.tools.map((t) => t.name)).toContain("claude_request")
      const result = yield* Effect.promise(() =>
        client.callTool({ name: "claude_request", arguments: { prompt: "ping" } })
      )
      expect(result.isError).toBeFalsy()
      expect((result.structuredContent as { text?: string }).text).toBe("pong")
      expect(seen).toHaveLength(1)
      yield* Effect.promise(() => client.close())
      yield* Fiber.join(server)
    }).pipe(Effect.provide(GatewayConfig.layerTest({ databasePath: ":memory:" }))))
})
