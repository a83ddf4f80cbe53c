/**
 * The session resources, as 1.4.0 lists them: `sessions://all` (every
 * session and the active one of each CLI) and `sessions://claude`,
 * `sessions://codex`, `sessions://gemini`, `sessions://grok` (one CLI's),
 * as JSON in the shape `session_list` answers.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { allClis, type Cli } from "../../domain/Cli.js"
import { type SessionListing, SessionStore } from "../../sessions/SessionStore.js"
import * as Resource from "../Resource.js"
import { sessionView } from "../tools/sessions.js"

const json = (value: unknown): Resource.ResourceContents => ({
  mimeType: "application/json",
  text: JSON.stringify(value, null, 2)
})

const listingJson = (cli: Cli | null, listing: SessionListing) =>
  json({
    cli,
    total: listing.sessions.length,
    activeSessions: listing.active,
    sessions: listing.sessions.map(sessionView)
  })

/** @since 0.1.0 */
export const allSessions = Resource.make({
  uri: "sessions://all",
  name: "All sessions",
  description: "Every session the gateway knows (gateway sessions gw-… and the CLIs' own conversations), most " +
    "recently used first, and the active session of each CLI. The same as session_list without a cli.",
  mimeType: "application/json",
  read: Effect.flatMap(SessionStore, (store) => Effect.map(store.list(), (listing) => listingJson(null, listing)))
})

/** `sessions://{cli}`, one fixed resource per CLI. @since 0.1.0 */
export const cliSessions = allClis.map((cli) =>
  Resource.make({
    uri: `sessions://${cli}`,
    name: `${cli} sessions`,
    description: `The ${cli} sessions, most recently used first, and the active one. ` +
      `The same as session_list with cli "${cli}".`,
    mimeType: "application/json",
    read: Effect.flatMap(SessionStore, (store) => Effect.map(store.list({ cli }), (listing) => listingJson(cli, listing)))
  })
)

/** @since 0.1.0 */
export const sessionResources = [allSessions, ...cliSessions] as const
