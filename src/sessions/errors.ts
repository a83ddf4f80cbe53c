/**
 * What the session tools and the session rules of the request tools can
 * fail with, beyond storage (defined with every other error in
 * `domain/errors`).
 *
 * @since 0.1.0
 */
import type { GatewaySessionUnlinked, SessionCliMismatch, SessionNotFound } from "../domain/errors.js"

export { GatewaySessionUnlinked, SessionCliMismatch, SessionNotFound } from "../domain/errors.js"

/**
 * What the session store can fail with, beyond storage.
 *
 * @since 0.1.0
 */
export type SessionError = SessionNotFound | SessionCliMismatch | GatewaySessionUnlinked
