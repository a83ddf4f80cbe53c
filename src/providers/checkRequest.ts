/**
 * The request checked against its Schema's rules once more, right before an
 * adapter plans its argv: the MCP layer decodes every tool call, but a
 * library caller hands typed values to `RequestRunner` or `JobManager`
 * directly, and a model that an alias or a configured default resolved to
 * never went through a decoder at all. No value reaches argv unchecked.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { agents } from "../agents/registry.js"
import { byCli, type Cli } from "../domain/Cli.js"
import { InvalidRequest } from "../domain/errors.js"

const validators: Readonly<Record<Cli, (u: unknown) => Effect.Effect<unknown, ParseResult.ParseError>>> = byCli((cli) =>
  Schema.decodeUnknown(agents[cli].asyncRequest as Schema.Schema<unknown, unknown>, {
    onExcessProperty: "ignore",
    errors: "all"
  })
)

/**
 * Succeeds when every field of the request keeps its Schema's rules (strict
 * patterns, bounds, no NUL; a field with a default may be left out);
 * otherwise a typed `InvalidRequest` naming the first field at fault.
 *
 * @since 0.1.0
 */
export const checkRequest = (cli: Cli, request: unknown): Effect.Effect<void, InvalidRequest> =>
  validators[cli](request).pipe(
    Effect.asVoid,
    Effect.catchAll((error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
      const first = issues[0]
      const where = first === undefined || first.path.length === 0 ? "" : `${first.path.map(String).join(".")}: `
      return Effect.fail(
        new InvalidRequest({
          message: `invalid ${cli} request: ${where}${first?.message ?? "does not match the request schema"}`,
          ...(first?.path[0] !== undefined ? { field: String(first.path[0]) } : {})
        })
      )
    })
  )
