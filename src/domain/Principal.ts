/**
 * Who asked: every job, task, session, approval and flight-recorder row
 * records the principal whose call made it, and a principal sees, waits
 * on, reads, cancels and joins only its own (another's id answers exactly
 * as an unknown one does).
 *
 * A principal is a string id: `local` for stdio (and for an HTTP server on
 * loopback without authentication), `token:NAME` for a bearer token,
 * `oauth:ISSUER#SUBJECT` for an OAuth access token.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"

/**
 * The principal of stdio, and of every row written before principals were.
 *
 * @since 0.1.0
 */
export const LOCAL = "local"

/**
 * The principal of the call being served: `local` unless a transport says
 * otherwise (an HTTP session provides its caller's).
 *
 * @since 0.1.0
 * @category tags
 */
export class CurrentPrincipal extends Context.Reference<CurrentPrincipal>()("llm-cli-gateway/CurrentPrincipal", {
  defaultValue: (): string => LOCAL
}) {}

/**
 * Runs an effect as a principal.
 *
 * @since 0.1.0
 */
export const as: {
  (principal: string): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, principal: string): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, principal: string): Effect.Effect<A, E, R> =>
    Effect.provideService(self, CurrentPrincipal, principal)
)
