/**
 * A typed failure with its secrets redacted: every string field (message,
 * the CLI's words, stderr and stdout tails, hint, command) passed through
 * `redact`, so a secret a CLI printed never reaches an answer, a job row or
 * a log by way of the error built from its output. Pure.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { GatewayError } from "../domain/errors.js"
import { redactStrings } from "./redact.js"

const encode = Schema.encodeEither(GatewayError)
const decode = Schema.decodeUnknownEither(GatewayError)

/**
 * The same failure (same tag and class), every string of it redacted; the
 * very same value when there was nothing to redact.
 *
 * @since 0.1.0
 */
export const redactError = <E extends GatewayError>(error: E): E => {
  const encoded = encode(error)
  if (Either.isLeft(encoded)) return error
  const clean = redactStrings(encoded.right) as Record<string, unknown>
  if (JSON.stringify(clean) === JSON.stringify(encoded.right)) return error
  const decoded = decode(clean)
  if (Either.isRight(decoded)) return decoded.right as E
  // A redacted field that no longer decodes (a pattern-checked field held a secret): the fields as redacted,
  // on the same class, without running its constructor; the stack is the message alone.
  const copy = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as E, error, clean)
  Object.defineProperty(copy, "stack", {
    value: `${error._tag}: ${String(clean.message)}`,
    writable: true,
    configurable: true,
    enumerable: false
  })
  return copy
}
