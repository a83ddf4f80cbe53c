/**
 * What one run of a CLI prints and how it ends, as the output builders of
 * the test kit (`llm-cli-gateway/testing`) return it and the scripted
 * runner plays it.
 *
 * @since 0.1.0
 */
import type { Usage } from "../domain/Usage.js"

/**
 * One run of a CLI: its whole stdout and stderr, and how it ended (an exit
 * code, or the signal that ended it).
 *
 * @since 0.1.0
 */
export interface CliRun {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number | null
  readonly signal: string | null
}

/**
 * What a successful run reports beside its text. Each CLI prints only what
 * its own output format carries (its builder's documentation says which).
 *
 * @since 0.1.0
 */
export interface SuccessOptions {
  /** The CLI's own session (thread) id. */
  readonly sessionId?: string | undefined
  /** Token counts; each CLI prints the fields its format has. */
  readonly usage?: Usage | undefined
  /** The model the CLI says answered. */
  readonly model?: string | undefined
  /** The cost the CLI reports (claude, grok, opencode). */
  readonly costUsd?: number | undefined
}

/**
 * A run that exited with `exitCode`.
 *
 * @since 0.1.0
 */
export const exited = (exitCode: number, stdout: string, stderr = ""): CliRun => ({ stdout, stderr, exitCode, signal: null })

/**
 * A run ended by a signal (the gateway stopped it).
 *
 * @since 0.1.0
 */
export const signaled = (signal: string, stdout: string, stderr = ""): CliRun => ({ stdout, stderr, exitCode: null, signal })

/**
 * JSON objects as JSON lines, each ended by a newline.
 *
 * @since 0.1.0
 */
export const jsonLines = (events: ReadonlyArray<object>): string => events.map((e) => `${JSON.stringify(e)}\n`).join("")

/**
 * Text lines, each ended by a newline.
 *
 * @since 0.1.0
 */
export const lines = (...texts: ReadonlyArray<string>): string => texts.map((t) => `${t}\n`).join("")

/**
 * An object without its undefined fields (so that JSON shows only what was given).
 *
 * @since 0.1.0
 */
export const defined = <A extends Record<string, unknown>>(o: A): A =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as A
