/**
 * Why the Streamable HTTP server does not start.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * The address could not be listened on (in use, not this machine's, not
 * allowed).
 *
 * @since 0.1.0
 */
export class HttpListenFailed extends Schema.TaggedError<HttpListenFailed>()("HttpListenFailed", {
  message: Schema.String,
  host: Schema.String,
  port: Schema.Number,
  /** The system's error code (`EADDRINUSE`, `EADDRNOTAVAIL`, `EACCES`, …). */
  code: Schema.optional(Schema.String)
}) {}

/**
 * Asked to listen beyond this machine with no bearer token configured: the
 * server would serve anyone who can reach it, so it does not start.
 *
 * @since 0.1.0
 */
export class HttpAuthRequired extends Schema.TaggedError<HttpAuthRequired>()("HttpAuthRequired", {
  message: Schema.String,
  host: Schema.String,
  hint: Schema.String
}) {}

/**
 * An option of the server that cannot be used (an allowed origin that is
 * not one).
 *
 * @since 0.1.0
 */
export class HttpOptionsInvalid extends Schema.TaggedError<HttpOptionsInvalid>()("HttpOptionsInvalid", {
  message: Schema.String,
  option: Schema.String
}) {}

/**
 * @since 0.1.0
 */
export type HttpServeError = HttpListenFailed | HttpAuthRequired | HttpOptionsInvalid
