/**
 * Whether this Node.js is one the gateway supports: `engines.node` of
 * package.json (kept equal to `NODE_ENGINES` by a test).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * `engines.node` of package.json.
 *
 * @since 0.1.0
 */
export const NODE_ENGINES = ">=20.19"

/**
 * @since 0.1.0
 */
export const NodeCheck = Schema.Struct({
  version: Schema.String,
  required: Schema.String,
  /** Null when the range is not of the `>=X.Y.Z` form this check reads. */
  supported: Schema.NullOr(Schema.Boolean),
  execPath: Schema.String
})

/** @since 0.1.0 */
export type NodeCheck = typeof NodeCheck.Type

const numbers = (text: string): ReadonlyArray<number> | undefined => {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim())
  return match === null ? undefined : [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)]
}

/**
 * Whether a version satisfies a `>=X[.Y[.Z]]` range; undefined for any other range.
 *
 * @since 0.1.0
 */
export const satisfies = (version: string, range: string): boolean | undefined => {
  const lower = /^\s*>=\s*(\S+)\s*$/.exec(range)
  const have = numbers(version)
  const need = lower === null ? undefined : numbers(lower[1]!)
  if (have === undefined || need === undefined) return undefined
  for (let i = 0; i < 3; i++) {
    if (have[i]! !== need[i]!) return have[i]! > need[i]!
  }
  return true
}

/**
 * This process's Node.js against `NODE_ENGINES`.
 *
 * @since 0.1.0
 */
export const checkNode = (version: string = process.version, execPath: string = process.execPath): NodeCheck => ({
  version,
  required: NODE_ENGINES,
  supported: satisfies(version, NODE_ENGINES) ?? null,
  execPath
})
