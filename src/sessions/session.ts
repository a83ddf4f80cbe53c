/**
 * The session store's values: a session, a listing of them, what recording
 * a CLI's session id did, and a session's row as the database returns it
 * (with its mapping to a Session).
 *
 * @since 0.1.0
 */
import { byCli, type Cli } from "../domain/Cli.js"

/**
 * `gateway`: made by `session_create` (a `gw-` id). `cli`: a CLI's own
 * conversation, recorded after a request.
 *
 * @since 0.1.0
 */
export type SessionKind = "gateway" | "cli"

/**
 * @since 0.1.0
 */
export interface Session {
  readonly id: string
  readonly cli: Cli
  readonly kind: SessionKind
  readonly description: string | null
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  readonly lastUsedAt: number
  /** For a gateway session, the CLI conversation it stands for, once a request ran in it. */
  readonly cliSessionId: string | null
  /** True when it is its CLI's active session. */
  readonly active: boolean
}

/**
 * Sessions, and the active session id of each CLI (null when none).
 *
 * @since 0.1.0
 */
export interface SessionListing {
  /** Most recently used first: the page asked for (all of them without a limit). */
  readonly sessions: ReadonlyArray<Session>
  /** How many sessions there are (of the CLI, or all), on every page. */
  readonly total: number
  /** One entry per CLI listed (all four without a filter). */
  readonly active: Readonly<Partial<Record<Cli, string | null>>>
}

/**
 * What recording a CLI's session id did.
 *
 * @since 0.1.0
 */
export interface RecordOutcome {
  /** False when the id was not recorded: it is not a session id, or it belongs to another CLI. */
  readonly recorded: boolean
  /** The gateway session now linked to the conversation, if any. */
  readonly linkedGatewaySessionId: string | null
}

/** The most characters a description may have. @since 0.1.0 */
export const DESCRIPTION_MAX_LENGTH = 500

/**
 * The row as SQLite returns it, with whether it is active.
 *
 * @since 0.1.0
 */
export interface SessionRow {
  readonly id: string
  readonly cli: Cli
  readonly kind: SessionKind
  readonly description: string | null
  readonly created_at: number
  readonly last_used_at: number
  readonly cli_session_id: string | null
  readonly active: number | boolean
}

/**
 * Turns a row into a Session.
 *
 * @since 0.1.0
 */
export const fromRow = (row: SessionRow): Session => ({
  id: row.id,
  cli: row.cli,
  kind: row.kind,
  description: row.description,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  cliSessionId: row.cli_session_id,
  // SQLite answers the comparison as 0 or 1, PostgreSQL as a boolean.
  active: row.active !== 0 && row.active !== false
})

const LABELS: Readonly<Record<Cli, string>> = byCli((cli) => cli.charAt(0).toUpperCase() + cli.slice(1))

/** What a gateway session is called when no description is given, as 1.4.0 names it. @since 0.1.0 */
export const defaultDescription = (cli: Cli): string => `${LABELS[cli]} Session`
