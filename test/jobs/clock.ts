/**
 * What the JobManager tests share: a claude request with every default
 * filled in, and moving the TestClock once the fibers have reached their
 * sleeps.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { testStore } from "../support/testDatabase.js"

/** A claude request as the tool decodes it, with every default filled in. */
export const claudeRequest = (prompt: string) => ({
  prompt,
  createNewSession: false,
  continueSession: false,
  outputFormat: "text" as const,
  approvalStrategy: "legacy" as const,
  mcpServers: [],
  dangerouslySkipPermissions: false,
  strictMcpConfig: false,
  optimizePrompt: false,
  forceRefresh: false
})

const yields = Effect.forEach(Array.from({ length: 200 }), () => Effect.yieldNow(), { discard: true })

/** A pause in real time (not the TestClock's), for replies from a database server to arrive. */
const ioPause = Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, 5)))

/**
 * On SQLite every query answers synchronously, so yielding is enough; on
 * PostgreSQL (the store suite's run) a query waits on the network, so the
 * fibers are also given real time, `rounds` pauses of 5 ms, for their
 * queries to come back.
 */
const settleFor = (rounds: number) =>
  testStore() === "postgres" ?
    Effect.forEach(Array.from({ length: rounds }), () => Effect.zipRight(yields, ioPause), { discard: true }) :
    yields

/**
 * Lets every runnable fiber run until it waits on the clock or on I/O: long
 * enough on PostgreSQL for work of several statements (the purges at start).
 */
export const settle = settleFor(40)

/**
 * Moves the test clock, letting fibers reach their sleeps first. On
 * PostgreSQL, also lets the writes the move set off reach the database
 * before the test reads it (on SQLite they are done when the move is).
 */
export const advance = (ms: number) =>
  Effect.zipRight(
    Effect.zipRight(settleFor(12), TestClock.adjust(Duration.millis(ms))),
    testStore() === "postgres" ? settleFor(12) : Effect.void
  )
