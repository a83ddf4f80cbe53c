/**
 * The session tools: `session_create`, `session_list`, `session_set_active`,
 * `session_get`, `session_delete`, `session_clear_all`, with 1.4.0's
 * parameters (and grok among the CLIs).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { byCli, Cli } from "../../domain/Cli.js"
import { SessionId, withDefault } from "../../domain/fields.js"
import { DESCRIPTION_MAX_LENGTH, type Session, SessionStore } from "../../sessions/SessionStore.js"
import { GatewayConfig } from "../../Config.js"
import { pageBytes } from "../answerSize.js"
import { cursorAt, CursorParameter, positionOf, takeWithinBytes } from "../pages.js"
import * as Tool from "../Tool.js"


const iso = (ms: number): string => new Date(ms).toISOString()

/**
 * The Schema of a session in tool answers.
 *
 * @since 0.1.0
 */
export const SessionView = Schema.Struct({
  id: Schema.String,
  cli: Cli,
  kind: Schema.Literal("gateway", "cli"),
  description: Schema.NullOr(Schema.String),
  createdAt: Schema.String.annotations({ description: "An ISO 8601 time." }),
  lastUsedAt: Schema.String.annotations({ description: "An ISO 8601 time." }),
  cliSessionId: Schema.NullOr(Schema.String).annotations({
    description: "For a gateway session: the CLI conversation it continues, once a request ran in it."
  }),
  active: Schema.Boolean
})

/** @since 0.1.0 */
export type SessionView = typeof SessionView.Type

/**
 * A session as tool answers show it, with ISO timestamps.
 *
 * @since 0.1.0
 */
export const sessionView = (session: Session): SessionView => ({
  id: session.id,
  cli: session.cli,
  kind: session.kind,
  description: session.description,
  createdAt: iso(session.createdAt),
  lastUsedAt: iso(session.lastUsedAt),
  cliSessionId: session.cliSessionId,
  active: session.active
})

/** One line for people. */
const sessionLine = (session: Session): string => {
  const parts = [`${session.id} (${session.cli}, ${session.kind === "gateway" ? "gateway session" : "CLI conversation"})`]
  if (session.description !== null) parts.push(JSON.stringify(session.description))
  parts.push(`last used ${iso(session.lastUsedAt)}`)
  if (session.kind === "gateway") {
    parts.push(session.cliSessionId === null ? "no conversation yet" : `continues ${session.cliSessionId}`)
  }
  if (session.active) parts.push("ACTIVE")
  return parts.join(" · ")
}

const Description = Schema.String.pipe(
  Schema.maxLength(DESCRIPTION_MAX_LENGTH, {
    message: (issue) =>
      `description is ${String(issue.actual).length} characters long; at most ${DESCRIPTION_MAX_LENGTH} are accepted`
  })
)

const AnySessionId = SessionId.annotations({ description: "A gw- id or a CLI's own session id." })

/** @since 0.1.0 */
export const sessionCreate = Tool.make({
  name: "session_create",
  description: "Create a gateway session (gw-…) for a CLI, active by default; its first request links it to the " +
    "CLI's conversation, which sessionId gw-… continues.",
  input: Schema.Struct({
    cli: Cli,
    setAsActive: withDefault(Schema.Boolean, true),
    description: Schema.optional(Description)
  }),
  output: Schema.Struct({ session: SessionView }),
  annotations: {
    title: "Create a session",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false
  },
  handler: ({ cli, description, setAsActive }) =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const session = yield* store.create({ cli, description, setAsActive })
      return {
        text: `Created ${cli} session ${session.id}${session.active ? `, now the active ${cli} session` : ""}.`,
        structured: { session: sessionView(session) }
      }
    })
})

/** Sessions in one page of session_list, at most. @since 0.1.0 */
export const SESSION_LIST_MAX = 500

/** @since 0.1.0 */
export const sessionList = Tool.make({
  name: "session_list",
  description: "Sessions (of one CLI or all), last used first, and each CLI's active one; pages by nextCursor.",
  input: Schema.Struct({
    cli: Schema.optional(Cli),
    limit: withDefault(Schema.Int.pipe(Schema.between(1, SESSION_LIST_MAX)), 100),
    cursor: Schema.optional(CursorParameter)
  }),
  output: Schema.Struct({
    cli: Schema.NullOr(Cli),
    total: Schema.Number.annotations({ description: "Sessions in all (of the CLI), not only on this page." }),
    activeSessions: Schema.Struct(byCli(() => Schema.optional(Schema.NullOr(Schema.String)))).annotations({ description: "The active session id of each CLI listed (null: none)." }),
    sessions: Schema.Array(SessionView),
    nextCursor: Schema.NullOr(Schema.String).annotations({ description: "Pass it as cursor for the next page; null: none." })
  }),
  annotations: Tool.readOnly("List sessions"),
  handler: ({ cli, cursor, limit }) =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const { maxAnswerBytes } = yield* GatewayConfig
      const offset = yield* positionOf("session_list", cursor)
      const listing = yield* store.list({ cli, limit, offset })
      // A page also fits the answer budget: as many sessions as fit, the rest on the next page.
      const sessions = takeWithinBytes(listing.sessions, pageBytes(maxAnswerBytes))
      const end = offset + sessions.length
      const nextCursor = end < listing.total && sessions.length > 0 ? cursorAt(end) : null
      const activeLines = Object.entries(listing.active).map(([c, id]) => `${c}: ${id ?? "none"}`)
      const scope = cli === undefined ? "" : ` of ${cli}`
      const shown = sessions.length === listing.total ? "" : `, ${sessions.length} shown from #${offset + 1}`
      const text = [
        `${listing.total} session(s)${scope}${shown}. Active: ${activeLines.join(", ")}.`,
        ...sessions.map((s) => `- ${sessionLine(s)}`),
        ...(nextCursor !== null ? [`More: session_list {${cli === undefined ? "" : `"cli": "${cli}", `}"cursor": "${nextCursor}"}.`] : [])
      ].join("\n")
      return {
        text,
        structured: {
          cli: cli ?? null,
          total: listing.total,
          activeSessions: listing.active,
          sessions: sessions.map(sessionView),
          nextCursor
        }
      }
    })
})

/** @since 0.1.0 */
export const sessionSetActive = Tool.make({
  name: "session_set_active",
  description: "Make a session the CLI's active one, or clear it with sessionId null.",
  input: Schema.Struct({
    cli: Cli,
    sessionId: Schema.NullOr(AnySessionId)
  }),
  output: Schema.Struct({
    cli: Cli,
    activeSessionId: Schema.NullOr(Schema.String),
    session: Schema.NullOr(SessionView)
  }),
  annotations: {
    title: "Set the active session",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false
  },
  handler: ({ cli, sessionId }) =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const session = yield* store.setActive(cli, sessionId)
      return Option.match(session, {
        onNone: () => ({
          text: `${cli} has no active session now.`,
          structured: { cli, activeSessionId: null, session: null }
        }),
        onSome: (s) => ({
          text: `The active ${cli} session is now ${s.id}.`,
          structured: { cli, activeSessionId: s.id, session: sessionView(s) }
        })
      })
    })
})

/** @since 0.1.0 */
export const sessionGet = Tool.make({
  name: "session_get",
  description: "One session: CLI, kind, description, times, whether active, and the conversation a gw- session continues.",
  input: Schema.Struct({ sessionId: AnySessionId }),
  output: Schema.Struct({ session: SessionView }),
  annotations: Tool.readOnly("Get a session"),
  handler: ({ sessionId }) =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const session = yield* store.get(sessionId)
      return { text: sessionLine(session), structured: { session: sessionView(session) } }
    })
})

/** @since 0.1.0 */
export const sessionDelete = Tool.make({
  name: "session_delete",
  description: "Forget a session (the CLI's own files stay).",
  input: Schema.Struct({ sessionId: AnySessionId }),
  output: Schema.Struct({ deleted: Schema.Boolean, sessionId: Schema.String, cli: Cli, wasActive: Schema.Boolean }),
  annotations: {
    title: "Delete a session",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  handler: ({ sessionId }) =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const session = yield* store.delete(sessionId)
      const note = session.active ? `; ${session.cli} has no active session now` : ""
      return {
        text: `Deleted ${session.cli} session ${session.id}${note}.`,
        structured: { deleted: true, sessionId: session.id, cli: session.cli, wasActive: session.active }
      }
    })
})

/** @since 0.1.0 */
export const sessionClearAll = Tool.make({
  name: "session_clear_all",
  description: "Forget every session (of one CLI or all). The CLIs' own files stay.",
  input: Schema.Struct({ cli: Schema.optional(Cli) }),
  output: Schema.Struct({ cli: Schema.NullOr(Cli), removed: Schema.Number }),
  annotations: {
    title: "Delete all sessions",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false
  },
  handler: ({ cli }) =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const removed = yield* store.clearAll({ cli })
      return {
        text: `Removed ${removed} session(s)${cli === undefined ? "" : ` of ${cli}`}.`,
        structured: { cli: cli ?? null, removed }
      }
    })
})

/** @since 0.1.0 */
export const sessionTools = [
  sessionCreate,
  sessionList,
  sessionSetActive,
  sessionGet,
  sessionDelete,
  sessionClearAll
] as const
