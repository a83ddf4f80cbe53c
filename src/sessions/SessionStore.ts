/**
 * Sessions and the active session per CLI, in the gateway's database.
 *
 * Two kinds of session live here: the gateway's own (`gw-` + a UUID, made by
 * `session_create`; bookkeeping only, never passed to a CLI) and the CLIs'
 * own conversations, recorded when a request reports its session id. A
 * gateway session is linked to the conversation that ran in it, so a request
 * that names it continues that conversation.
 *
 * Several server processes share the file: every change is one statement or
 * one transaction that starts by writing, so no writer can lose another's
 * update, and the last write of the active session wins.
 *
 * Every operation but `purge` is the current principal's
 * (`domain/Principal`): it sees, changes and activates only its own
 * sessions, and each principal has its own active session per CLI. A CLI
 * session id recorded for another principal answers as an unknown one.
 *
 * @since 0.1.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { randomUUID } from "node:crypto"
import { allClis, type Cli } from "../domain/Cli.js"
import { StorageError } from "../domain/errors.js"
import { CurrentPrincipal } from "../domain/Principal.js"
import { GATEWAY_SESSION_PREFIX, isGatewaySessionId } from "../providers/sessions.js"
import { greatest, inTransaction } from "../storage/dialect.js"
import { GatewaySessionUnlinked, SessionCliMismatch, SessionNotFound } from "./errors.js"
import {
  defaultDescription,
  fromRow,
  type RecordOutcome,
  type Session,
  type SessionListing,
  type SessionRow
} from "./session.js"

/**
 * The store's values (defined in `sessions/session`).
 *
 * @since 0.1.0
 */
export type { RecordOutcome, Session, SessionKind, SessionListing } from "./session.js"

/**
 * The longest description, and the one a gateway session gets when none is
 * given (defined in `sessions/session`).
 *
 * @since 0.1.0
 */
export { DESCRIPTION_MAX_LENGTH, defaultDescription } from "./session.js"


/**
 * @since 0.1.0
 */
export interface SessionStoreShape {
  /** Makes a gateway session (`gw-…`), active for its CLI unless `setAsActive` is false. */
  readonly create: (options: {
    readonly cli: Cli
    readonly description?: string | undefined
    readonly setAsActive: boolean
  }) => Effect.Effect<Session, StorageError>
  readonly get: (sessionId: string) => Effect.Effect<Session, SessionNotFound | StorageError>
  /**
   * The sessions (of one CLI, or all), most recently used first, from
   * `offset` (default 0), at most `limit` of them (default all), and the
   * active id per CLI.
   */
  readonly list: (options?: {
    readonly cli?: Cli | undefined
    readonly limit?: number | undefined
    readonly offset?: number | undefined
  }) => Effect.Effect<SessionListing, StorageError>
  /** The CLI's active session, if it has one. */
  readonly active: (cli: Cli) => Effect.Effect<Option.Option<Session>, StorageError>
  /**
   * Makes a session of the CLI its active one, or clears the CLI's active
   * session with `null`. Answers the session now active.
   */
  readonly setActive: (
    cli: Cli,
    sessionId: string | null
  ) => Effect.Effect<Option.Option<Session>, SessionNotFound | SessionCliMismatch | StorageError>
  /** Deletes a session (and the active pointer to it); answers it as it was. */
  readonly delete: (sessionId: string) => Effect.Effect<Session, SessionNotFound | StorageError>
  /** Deletes every session (of one CLI, or all); the count deleted. */
  readonly clearAll: (options?: { readonly cli?: Cli | undefined }) => Effect.Effect<number, StorageError>
  /**
   * Deletes the sessions last used before the time, except the active ones
   * (for retention, next to the jobs' purge); the count deleted.
   */
  readonly purge: (lastUsedBefore: number) => Effect.Effect<number, StorageError>
  /**
   * After a request completes: records the CLI's own session id (inserted
   * once, its last use bumped after) and links a gateway session to it: the
   * one the request named (`gatewaySessionId`), else the CLI's active session
   * when that is a gateway session. One transaction.
   */
  readonly recordCliSession: (
    cli: Cli,
    cliSessionId: string,
    at: number,
    options?: { readonly gatewaySessionId?: string | undefined }
  ) => Effect.Effect<RecordOutcome, StorageError>
  /**
   * The CLI session id a request's `sessionId` stands for: a CLI's own id as
   * it is, a gateway id as the conversation linked to it. A gateway id that
   * is unknown, of another CLI, or not linked yet is refused.
   */
  readonly resolveSessionId: (
    cli: Cli,
    sessionId: string
  ) => Effect.Effect<string, SessionNotFound | SessionCliMismatch | GatewaySessionUnlinked | StorageError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class SessionStore extends Context.Tag("llm-cli-gateway/SessionStore")<SessionStore, SessionStoreShape>() {}

/** What a CLI reports as its session id must also be accepted back as one (see `SessionId`). */
const CLI_SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/

const notFound = (sessionId: string) =>
  new SessionNotFound({
    message: `no session has the id "${sessionId}" (session_list shows the sessions there are)`,
    sessionId
  })

const mismatch = (sessionId: string, cli: Cli, sessionCli: Cli) =>
  new SessionCliMismatch({
    message: `session "${sessionId}" is a ${sessionCli} session, not a ${cli} one`,
    sessionId,
    cli,
    sessionCli
  })

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<SessionStoreShape, never, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  const failed = (operation: string) => (error: SqlError) =>
    new StorageError({ message: `database ${operation} failed: ${error.message}${causeOf(error)}`, operation })

  const select = sql`
    SELECT s.*, (a.cli IS NOT NULL) AS active
    FROM sessions s
    LEFT JOIN active_sessions a ON a.session_id = s.id AND a.cli = s.cli AND a.principal = s.principal`

  const getRow = (id: string, principal: string) =>
    Effect.map(
      sql<SessionRow>`${select} WHERE s.id = ${id} AND s.principal = ${principal}`,
      (rows) => Option.fromNullable(rows[0])
    )

  /** Points the principal's CLI at the session when it is one of theirs and the CLI's; true when it did. */
  const pointAt = (principal: string, cli: Cli, id: string) =>
    Effect.map(
      sql`INSERT INTO active_sessions (principal, cli, session_id)
          SELECT principal, cli, id FROM sessions WHERE id = ${id} AND cli = ${cli} AND principal = ${principal}
          ON CONFLICT (principal, cli) DO UPDATE SET session_id = excluded.session_id
          RETURNING session_id`,
      (rows) => rows.length > 0
    )

  const create: SessionStoreShape["create"] = ({ cli, description, setAsActive }) =>
    Effect.gen(function*() {
      const principal = yield* CurrentPrincipal
      const now = yield* Clock.currentTimeMillis
      const id = `${GATEWAY_SESSION_PREFIX}${randomUUID()}`
      yield* sql`INSERT INTO sessions ${
        sql.insert({
          id,
          cli,
          kind: "gateway",
          description: description ?? defaultDescription(cli),
          created_at: now,
          last_used_at: now,
          principal
        })
      }`
      if (setAsActive) yield* pointAt(principal, cli, id)
      return fromRow(Option.getOrThrow(yield* getRow(id, principal)))
    }).pipe(inTransaction(sql), Effect.mapError(failed("create session")))

  const get: SessionStoreShape["get"] = (id) =>
    Effect.flatMap(CurrentPrincipal, (principal) => getRow(id, principal)).pipe(
      Effect.mapError(failed("read session")),
      Effect.flatMap(Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: (row) => Effect.succeed(fromRow(row)) }))
    )

  const list: SessionStoreShape["list"] = (options) => {
    const cli = options?.cli
    // No limit: LIMIT ALL on PostgreSQL, LIMIT -1 on SQLite.
    const limit = options?.limit === undefined
      ? sql.onDialectOrElse({ pg: () => sql.literal("ALL"), orElse: () => sql.literal("-1") })
      : options.limit
    const offset = options?.offset ?? 0
    // One transaction: the page, the count and the active ids are one snapshot.
    return Effect.gen(function*() {
      const principal = yield* CurrentPrincipal
      const where = cli === undefined
        ? sql`s.principal = ${principal}`
        : sql`s.principal = ${principal} AND s.cli = ${cli}`
      const rows = yield* sql<SessionRow>`${select} WHERE ${where}
        ORDER BY s.last_used_at DESC, s.created_at DESC, s.id LIMIT ${limit} OFFSET ${offset}`
      const [count] = yield* sql<{ n: number }>`SELECT count(*) AS n FROM sessions s WHERE ${where}`
      const pointers = yield* sql<{ cli: Cli; session_id: string }>`
        SELECT cli, session_id FROM active_sessions WHERE principal = ${principal}`
      const active: Partial<Record<Cli, string | null>> = {}
      for (const c of cli === undefined ? allClis : [cli]) {
        active[c] = pointers.find((p) => p.cli === c)?.session_id ?? null
      }
      return { sessions: rows.map(fromRow), active, total: Number(count?.n ?? 0) }
    }).pipe(inTransaction(sql), Effect.mapError(failed("list sessions")))
  }

  const active: SessionStoreShape["active"] = (cli) =>
    Effect.map(
      Effect.flatMap(CurrentPrincipal, (principal) =>
        sql<SessionRow>`${select} WHERE a.cli = ${cli} AND a.principal = ${principal}`),
      (rows) => Option.map(Option.fromNullable(rows[0]), fromRow)
    ).pipe(Effect.mapError(failed("read active session")))

  const setActive: SessionStoreShape["setActive"] = (cli, id) => {
    if (id === null) {
      return Effect.flatMap(CurrentPrincipal, (principal) =>
        sql`DELETE FROM active_sessions WHERE cli = ${cli} AND principal = ${principal}`).pipe(
          Effect.as(Option.none()),
          Effect.mapError(failed("clear active session"))
        )
    }
    return Effect.gen(function*() {
      const principal = yield* CurrentPrincipal
      // One statement: the pointer is written only when the session exists and is the principal's and the CLI's.
      if (yield* pointAt(principal, cli, id)) return yield* Effect.map(getRow(id, principal), Option.map(fromRow))
      const row = yield* getRow(id, principal)
      return yield* Option.match(row, {
        onNone: () => Effect.fail(notFound(id)),
        onSome: (found) => Effect.fail(mismatch(id, cli, found.cli))
      })
    }).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(failed("set active session")(e))))
  }

  const remove: SessionStoreShape["delete"] = (id) =>
    Effect.gen(function*() {
      const principal = yield* CurrentPrincipal
      // Writes first, so the transaction holds the write lock from its first statement.
      const pointers = yield* sql<{ cli: Cli }>`
        DELETE FROM active_sessions WHERE session_id = ${id} AND principal = ${principal} RETURNING cli`
      const rows = yield* sql<Omit<SessionRow, "active">>`
        DELETE FROM sessions WHERE id = ${id} AND principal = ${principal} RETURNING *`
      const row = rows[0]
      return row === undefined ? Option.none() : Option.some(fromRow({ ...row, active: pointers.length > 0 ? 1 : 0 }))
    }).pipe(
      inTransaction(sql),
      Effect.mapError(failed("delete session")),
      Effect.flatMap(Option.match({ onNone: () => Effect.fail(notFound(id)), onSome: Effect.succeed }))
    )

  const clearAll: SessionStoreShape["clearAll"] = (options) => {
    const cli = options?.cli
    // The active pointers go with their sessions (ON DELETE CASCADE), in the same statement.
    return Effect.map(
      Effect.flatMap(CurrentPrincipal, (principal) =>
        cli === undefined
          ? sql`DELETE FROM sessions WHERE principal = ${principal} RETURNING id`
          : sql`DELETE FROM sessions WHERE principal = ${principal} AND cli = ${cli} RETURNING id`),
      (rows) => rows.length
    ).pipe(Effect.mapError(failed("clear sessions")))
  }

  const purge: SessionStoreShape["purge"] = (before) =>
    Effect.map(
      sql`DELETE FROM sessions
          WHERE last_used_at < ${before} AND id NOT IN (SELECT session_id FROM active_sessions)
          RETURNING id`,
      (rows) => rows.length
    ).pipe(Effect.mapError(failed("purge sessions")))

  const recordCliSession: SessionStoreShape["recordCliSession"] = (cli, cliSessionId, at, options) => {
    if (!CLI_SESSION_ID.test(cliSessionId) || isGatewaySessionId(cliSessionId)) {
      return Effect.succeed({ recorded: false, linkedGatewaySessionId: null })
    }
    const named = options?.gatewaySessionId
    return Effect.gen(function*() {
      const principal = yield* CurrentPrincipal
      // Another principal's conversation of the same id is left as it is (and not recorded for this one).
      const recorded = yield* sql`
        INSERT INTO sessions (id, cli, kind, description, created_at, last_used_at, principal)
        VALUES (${cliSessionId}, ${cli}, 'cli', NULL, ${at}, ${at}, ${principal})
        ON CONFLICT (id) DO UPDATE SET last_used_at = ${greatest(sql)}(sessions.last_used_at, excluded.last_used_at)
          WHERE sessions.cli = excluded.cli AND sessions.kind = 'cli' AND sessions.principal = excluded.principal
        RETURNING id`
      // Another principal's conversation (or another CLI's) is not linked to this one's session.
      if (recorded.length === 0) return { recorded: false, linkedGatewaySessionId: null }
      const target = named !== undefined
        ? sql`${named}`
        : sql`(SELECT session_id FROM active_sessions WHERE cli = ${cli} AND principal = ${principal})`
      const linked = yield* sql<{ id: string }>`
        UPDATE sessions SET cli_session_id = ${cliSessionId}, last_used_at = ${greatest(sql)}(last_used_at, ${at})
        WHERE id = ${target} AND cli = ${cli} AND kind = 'gateway' AND principal = ${principal}
        RETURNING id`
      return { recorded: recorded.length > 0, linkedGatewaySessionId: linked[0]?.id ?? null }
    }).pipe(inTransaction(sql), Effect.mapError(failed("record session")))
  }

  const resolveSessionId: SessionStoreShape["resolveSessionId"] = (cli, sessionId) => {
    if (!isGatewaySessionId(sessionId)) {
      // A CLI's own id passes as it is, unless it is another principal's recorded conversation.
      return Effect.flatMap(CurrentPrincipal, (principal) =>
        sql<{ n: number }>`SELECT count(*) AS n FROM sessions WHERE id = ${sessionId} AND principal <> ${principal}`).pipe(
          Effect.mapError(failed("read session")),
          Effect.flatMap(([row]) => (row?.n ?? 0) > 0 ? Effect.fail(notFound(sessionId)) : Effect.succeed(sessionId))
        )
    }
    return Effect.flatMap(CurrentPrincipal, (principal) => getRow(sessionId, principal)).pipe(
      Effect.mapError(failed("read session")),
      Effect.flatMap((row): Effect.Effect<string, SessionNotFound | SessionCliMismatch | GatewaySessionUnlinked> => {
        if (Option.isNone(row)) return Effect.fail(notFound(sessionId))
        const session = row.value
        if (session.cli !== cli) return Effect.fail(mismatch(sessionId, cli, session.cli))
        if (session.cli_session_id === null) {
          return Effect.fail(
            new GatewaySessionUnlinked({
              message: `sessionId "${sessionId}" is a gateway session with no ${cli} conversation yet, so there is ` +
                `nothing to resume: pass a real ${cli} session id (structuredContent.sessionId of an earlier reply), ` +
                `or leave sessionId out to start a conversation (with "${sessionId}" active, it is then linked to it)`,
              sessionId,
              cli,
              field: "sessionId"
            })
          )
        }
        return Effect.succeed(session.cli_session_id)
      })
    )
  }

  return { create, get, list, active, setActive, delete: remove, clearAll, purge, recordCliSession, resolveSessionId }
})

const causeOf = (error: SqlError): string => {
  const cause = error.cause as { message?: unknown } | undefined
  return cause !== undefined && typeof cause.message === "string" ? ` (${cause.message})` : ""
}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<SessionStore, never, SqlClient.SqlClient> = Layer.effect(SessionStore, make)
