/**
 * Which CLI session a request resumes, shared by the adapters: a fresh
 * session, a given CLI session id, or the CLI's latest session.
 *
 * The gateway's own session ids (`gw-…`) are not CLI session ids; a request
 * that would hand one to a CLI is refused, but only when the id would
 * actually be used (`createNewSession` sets it aside).
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { InvalidRequest } from "../domain/errors.js"

/** The prefix of the gateway's own session ids, which no CLI can resume. @since 0.1.0 */
export const GATEWAY_SESSION_PREFIX = "gw-"

/** @since 0.1.0 */
export const isGatewaySessionId = (id: string): boolean => id.startsWith(GATEWAY_SESSION_PREFIX)

/**
 * What a run resumes.
 *
 * @since 0.1.0
 */
export type SessionChoice =
  | { readonly _tag: "New" }
  | { readonly _tag: "Id"; readonly id: string }
  | { readonly _tag: "Latest" }

/**
 * How a CLI names its session ids in a refusal, and what to do instead:
 * the message reads `sessionId "gw-…" is a gateway session id, not a
 * ${idName}; ${advice}`.
 *
 * @since 0.1.0
 */
export interface GatewayIdRefusal {
  readonly idName: string
  readonly advice: string
}

/**
 * The session a request resumes: none with `createNewSession`, else its
 * `sessionId` (refused when it is a gateway id), else the latest when
 * `latest` is set.
 *
 * @since 0.1.0
 */
export const sessionChoice = (
  request: { readonly createNewSession: boolean; readonly sessionId?: string | undefined },
  latest: boolean,
  refusal: GatewayIdRefusal
): Either.Either<SessionChoice, InvalidRequest> => {
  if (request.createNewSession) return Either.right({ _tag: "New" })
  const id = request.sessionId
  if (id !== undefined) {
    if (isGatewaySessionId(id)) {
      return Either.left(
        new InvalidRequest({
          message: `sessionId "${id}" is a gateway session id, not a ${refusal.idName}; ${refusal.advice}`,
          field: "sessionId"
        })
      )
    }
    return Either.right({ _tag: "Id", id })
  }
  return Either.right(latest ? { _tag: "Latest" } : { _tag: "New" })
}
