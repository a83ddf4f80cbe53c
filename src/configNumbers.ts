/**
 * Numeric settings read with `effect/Config`: each with its default and a
 * message naming what it must be.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"

/**
 * A positive integer, `fallback` when unset.
 *
 * @since 0.1.0
 */
export const positiveInt = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: "must be a positive integer", validation: (n) => n > 0 }),
    Config.withDefault(fallback)
  )

/**
 * 0 or a positive integer, `fallback` when unset.
 *
 * @since 0.1.0
 */
export const nonNegativeInt = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: "must be 0 or a positive integer", validation: (n) => n >= 0 }),
    Config.withDefault(fallback)
  )

/**
 * An integer of at least `min`, `fallback` when unset.
 *
 * @since 0.1.0
 */
export const atLeast = (name: string, min: number, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `must be an integer of at least ${min}`, validation: (n) => n >= min }),
    Config.withDefault(fallback)
  )
