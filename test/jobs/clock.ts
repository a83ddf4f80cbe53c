/**
 * What the JobManager tests share: a claude request with every default
 * filled in, and moving the TestClock once the fibers have reached their
 * sleeps.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"

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

/** Lets every runnable fiber run until it waits on the clock or on I/O. */
export const settle = Effect.forEach(Array.from({ length: 200 }), () => Effect.yieldNow(), { discard: true })

/** Moves the test clock, letting fibers reach their sleeps first. */
export const advance = (ms: number) => Effect.zipRight(settle, TestClock.adjust(Duration.millis(ms)))
