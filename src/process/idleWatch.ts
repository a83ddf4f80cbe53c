/**
 * The idle window of a run: fails with `IdleTimeout` once the run has
 * printed nothing for `idleMs`, on the Effect clock (so a `TestClock` moves
 * it), as a fiber to race with the run: the test kit's scripted runner's.
 * The live runner keeps the same window without a fiber (`childRun.ts`).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { IdleTimeout } from "../domain/errors.js"

/**
 * Sleeps until `lastActivity()` (ms on the Effect clock) is `idleMs` old,
 * then fails; never succeeds. Race it with the run.
 *
 * @since 0.1.0
 */
export const idleWatch = (
  idleMs: number,
  run: { readonly command: string; readonly path: string },
  lastActivity: () => number
): Effect.Effect<never, IdleTimeout> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    while (true) {
      const quiet = clock.unsafeCurrentTimeMillis() - lastActivity()
      if (quiet >= idleMs) {
        return yield* new IdleTimeout({
          message: `${run.command} printed nothing for ${idleMs} ms and was stopped`,
          command: run.path,
          idleTimeoutMs: idleMs
        })
      }
      yield* Effect.sleep(Duration.millis(idleMs - quiet))
    }
  })
