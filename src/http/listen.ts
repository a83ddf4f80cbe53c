/**
 * The `node:http` server of the Streamable HTTP transport: listens, hands
 * each request to a handler fiber, and on the scope's end stops taking
 * connections, lets the sessions close, then cuts what is left.
 *
 * @since 0.1.0
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import type * as Scope from "effect/Scope"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { ListenAddress } from "./address.js"
import { HttpListenFailed } from "./errors.js"

/**
 * Listens on `host:port` until the scope closes, running `handle` on a
 * fiber per request; `closeSessions` runs at the end, once the server takes
 * no new connection and before the remaining ones are cut. Answers the
 * address (the port it got, when asked for port 0).
 *
 * @since 0.1.0
 * @category constructors
 */
export const listen = <R>(
  host: string,
  port: number,
  handle: (req: IncomingMessage, res: ServerResponse) => Effect.Effect<void, never, R>,
  closeSessions: Effect.Effect<void>
): Effect.Effect<ListenAddress, HttpListenFailed, Scope.Scope | R> =>
  Effect.gen(function*() {
    const runFork = yield* FiberSet.makeRuntime<R>()
    const server = createServer((req, res) => {
      runFork(handle(req, res))
    })
    return yield* Effect.acquireRelease(
      Effect.async<ListenAddress, HttpListenFailed>((resume) => {
        const onError = (error: NodeJS.ErrnoException) =>
          resume(Effect.fail(
            new HttpListenFailed({
              message: `cannot listen on ${host}:${port}: ${error.message}`,
              host,
              port,
              ...(error.code !== undefined ? { code: error.code } : {})
            })
          ))
        server.once("error", onError)
        server.listen(port, host, () => {
          server.off("error", onError)
          // Once listening, a server error (out of file descriptors, say) is logged; the server goes on.
          server.on("error", (error) => runFork(Effect.logError("HTTP server error", error)))
          const address = server.address() as AddressInfo
          resume(Effect.succeed({ host: address.address, port: address.port }))
        })
      }),
      () =>
        Effect.gen(function*() {
          // No new connection; the sessions end (their streams close as they should); then what is left is cut.
          const closed = yield* Deferred.make<void>()
          server.close(() => Deferred.unsafeDone(closed, Exit.void))
          yield* closeSessions
          server.closeAllConnections()
          yield* Deferred.await(closed)
        })
    )
  })
