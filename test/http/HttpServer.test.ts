/**
 * `HttpServer.make` with `Gateway.serveSession` over a core of test tools:
 * each session's calls run with the session (its id and principal) in
 * their context, a session's scope owns its calls (ending the session
 * interrupts them), and closing the server's scope ends every session and
 * stops listening.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Exit from "effect/Exit"
import * as GatewayConfig from "../../src/Config.js"
import { InvalidRequest } from "../../src/domain/errors.js"
import * as Gateway from "../../src/Gateway.js"
import { DEFAULT_ALLOWED_ORIGINS } from "../../src/http/origins.js"
import { HttpSession } from "../../src/http/HttpSession.js"
import * as HttpServer from "../../src/http/HttpServer.js"
import { defaultLimits } from "../../src/mcp/McpServer.js"
import type { TaskBackend } from "../../src/mcp/taskHandlers.js"
import * as Tool from "../../src/mcp/Tool.js"
import { connect, initializeBody, raw, stubTokens, waitUntil } from "./harness.js"

const options: HttpServer.Options = {
  host: "127.0.0.1",
  port: 0,
  allowedOrigins: DEFAULT_ALLOWED_ORIGINS,
  maxBodyBytes: 1024 * 1024,
  maxSessions: 10,
  sessionIdleMs: 60_000
}

const noTasks: TaskBackend<never> = {
  supports: () => false,
  create: () => Effect.fail(new InvalidRequest({ message: "no tasks" })),
  get: () => Effect.fail(new InvalidRequest({ message: "no tasks" })),
  result: () => Effect.fail(new InvalidRequest({ message: "no tasks" })),
  list: () => Effect.succeed({ tasks: [] }),
  cancel: () => Effect.fail(new InvalidRequest({ message: "no tasks" }))
}

/** `whoami` answers the session's principal; `hang` runs until interrupted, counting its starts and ends. */
const core = (started: Ref.Ref<number>, interrupted: Ref.Ref<number>): Gateway.Core => ({
  tools: [
    Tool.make({
      name: "whoami",
      description: "test",
      input: Schema.Struct({}),
      output: Schema.Struct({ principal: Schema.String, session: Schema.String }),
      annotations: Tool.readOnly("whoami"),
      handler: () =>
        Effect.map(Effect.serviceOption(HttpSession), (session) => {
          const principal = session._tag === "Some" ? session.value.caller.principal.name : "(none)"
          const id = session._tag === "Some" ? session.value.id : "(none)"
          return { text: principal, structured: { principal, session: id } }
        })
    }) as unknown as Tool.Tool<GatewayConfig.GatewayConfig>,
    Tool.make({
      name: "hang",
      description: "test",
      input: Schema.Struct({}),
      output: Schema.Struct({}),
      annotations: Tool.readOnly("hang"),
      handler: () =>
        Effect.zipRight(Ref.update(started, (n) => n + 1), Effect.never).pipe(
          Effect.onInterrupt(() => Ref.update(interrupted, (n) => n + 1))
        )
    }) as unknown as Tool.Tool<GatewayConfig.GatewayConfig>
  ],
  resources: [],
  tasks: noTasks,
  limits: defaultLimits
})

const urlOf = (address: { readonly port: number }) => `http://127.0.0.1:${address.port}/mcp`

describe("HttpServer.make", () => {
  it.live("a call sees its session and the principal that opened it; ending the session interrupts its calls", () =>
    Effect.gen(function*() {
      const started = yield* Ref.make(0)
      const interrupted = yield* Ref.make(0)
      const scope = yield* Scope.make()
      const address = yield* HttpServer.make(Gateway.serveSession(core(started, interrupted)), options).pipe(
        Scope.extend(scope)
      )
      const url = urlOf(address)
      const alice = yield* Effect.promise(() => connect(url, { token: "a" }))
      const bob = yield* Effect.promise(() => connect(url, { token: "b" }))
      const whoA = yield* Effect.promise(() => alice.client.callTool({ name: "whoami", arguments: {} }))
      const whoB = yield* Effect.promise(() => bob.client.callTool({ name: "whoami", arguments: {} }))
      expect(whoA.structuredContent).toEqual({ principal: "alice", session: alice.transport.sessionId })
      expect(whoB.structuredContent).toEqual({ principal: "bob", session: bob.transport.sessionId })

      // Alice's hanging call ends when her session does; Bob's goes on until the server closes.
      const pendingA = alice.client.callTool({ name: "hang", arguments: {} }).catch((e: unknown) => e)
      const pendingB = bob.client.callTool({ name: "hang", arguments: {} }).catch((e: unknown) => e)
      yield* Effect.promise(() => waitUntil(() => Effect.runSync(Ref.get(started)) === 2))
      yield* Effect.promise(() => alice.transport.terminateSession())
      yield* Effect.promise(() => waitUntil(() => Effect.runSync(Ref.get(interrupted)) === 1))
      expect(yield* Ref.get(interrupted)).toBe(1)

      yield* Scope.close(scope, Exit.void)
      expect(yield* Ref.get(interrupted)).toBe(2)
      // Nothing listens any more.
      const refused = yield* Effect.promise(() => raw(address, { body: initializeBody() }).then(() => "answered", () => "refused"))
      expect(refused).toBe("refused")
      // (A call whose stream ended unanswered is given up by the client when it closes.)
      yield* Effect.promise(() => Promise.all([alice.client.close(), bob.client.close()]))
      yield* Effect.promise(() => Promise.all([pendingA, pendingB]))
    }).pipe(Effect.provide(stubTokens({ a: "alice", b: "bob" }).layer), Effect.provide(GatewayConfig.layerTest())))

  it.live("an allowed origin that is not one is refused when the server is made", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Effect.scoped(HttpServer.make(() => Effect.void, { ...options, allowedOrigins: ["not an origin"] }))
      )
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error._tag : undefined).toBe("HttpOptionsInvalid")
    }).pipe(Effect.provide(stubTokens().layer)))

  it.live("the initialize of a session whose server never started is answered 500, not left waiting", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<void>()
      const address = yield* HttpServer.make(() => Deferred.succeed(gate, undefined), options)
      const answered = yield* Effect.promise(() => raw(address, { body: initializeBody() }))
      expect(answered.status).toBe(500)
      expect(yield* Deferred.isDone(gate)).toBe(true)
    }).pipe(Effect.scoped, Effect.provide(stubTokens().layer)))
})
