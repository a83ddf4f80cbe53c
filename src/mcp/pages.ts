/**
 * Pages of lists: every list tool answers at most `limit` items and at most
 * the bytes of its answer budget, and says where to read on with an opaque
 * `cursor`. A cursor is the position of the next item; a client passes it
 * back as it got it.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { InvalidRequest } from "../domain/errors.js"
import { jsonBytes } from "./answerSize.js"

const PREFIX = "p1."

/**
 * The `cursor` parameter of list tools.
 *
 * @since 0.1.0
 */
export const CursorParameter = Schema.String.pipe(
  // Checked by the decoder, not listed: the tool's description says where a cursor comes from.
  Schema.filter((s) => s.length <= 64, { message: () => "a cursor has at most 64 characters", jsonSchema: {} })
)

/**
 * The cursor of the item at `position`.
 *
 * @since 0.1.0
 */
export const cursorAt = (position: number): string => `${PREFIX}${position.toString(36)}`

/**
 * The position a cursor names (0 without one), or `InvalidRequest` for a
 * cursor no page gave.
 *
 * @since 0.1.0
 */
export const positionOf = (tool: string, cursor: string | undefined): Effect.Effect<number, InvalidRequest> => {
  if (cursor === undefined) return Effect.succeed(0)
  const digits = cursor.startsWith(PREFIX) ? cursor.slice(PREFIX.length) : ""
  const position = /^[0-9a-z]{1,10}$/.test(digits) ? parseInt(digits, 36) : NaN
  return Number.isSafeInteger(position)
    ? Effect.succeed(position)
    : Effect.fail(
      new InvalidRequest({
        message: `invalid arguments for ${tool}: cursor is not one this tool gave; pass a page's nextCursor as it ` +
          "came, or leave it out for the first page",
        field: "cursor"
      })
    )
}

/**
 * The items of a page that fit in `maxBytes` (each measured as JSON, twice:
 * in the text and in the structured answer), at least one so that paging
 * always moves on.
 *
 * @since 0.1.0
 */
export const takeWithinBytes = <A>(items: ReadonlyArray<A>, maxBytes: number): ReadonlyArray<A> => {
  let used = 0
  let taken = 0
  for (const item of items) {
    used += 2 * jsonBytes(item)
    if (taken > 0 && used > maxBytes) break
    taken++
  }
  return taken === items.length ? items : items.slice(0, taken)
}
