/**
 * Waits out a job's bookkeeping: its flight-recorder row and metrics are
 * written in the event loop's turn after its waiters have answered
 * (`afterWaiters`), a few fiber steps after the job's end.
 */
import * as Effect from "effect/Effect"
import { afterWaiters } from "../../src/jobs/liveJob.js"

const steps = Effect.repeatN(Effect.yieldNow(), 20)

export const bookkeeping: Effect.Effect<void> = steps.pipe(Effect.zipRight(afterWaiters), Effect.zipRight(steps))
