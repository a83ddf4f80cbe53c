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
import { GatewayConfig } from "../../Config.js"
import { type SessionListing, SessionStore } from "../../sessions/SessionStore.js"
import { pageBytes } from "../answerSize.js"
import { takeWithinBytes } from "../pages.js"
import * as Resource from "../Resource.js"
import { sessionView } from "../tools/sessions.js"

const json = (value: unknown): Resource.ResourceContents => ({
  mimeType: "application/json",
  text: JSON.stringify(value, null, 2)
})

/** The sessions a resource shows, newest first: session_list pages through all of them. */
const RESOURCE_SESSIONS = 200

const listingJson = (cli: Cli | null, listing: SessionListing, maxBytes: number) => {
  const sessions = takeWithinBytes(listing.sessions.map(sessionView), maxBytes)
  return json({
    cli,
    total: listing.total,
    activeSessions: listing.active,
    sessions,
    ...(sessions.length < listing.total
      ? { more: `the ${sessions.length} most recently used of ${listing.total}; session_list pages through all` }
      : {})
  })
}

const read = (cli: Cli | undefined) =>
  Effect.gen(function*() {
    const store = yield* SessionStore
    const { maxAnswerBytes } = yield* GatewayConfig
    const listing = yield* store.list({ cli, limit: RESOURCE_SESSIONS })
    return listingJson(cli ?? null, listing, pageBytes(maxAnswerBytes))
  })

/** @since 0.1.0 */
export const allSessions = Resource.make({
  uri: "sessions://all",
  name: "All sessions",
  description: "The sessions the gateway knows (gateway sessions gw-… and the CLIs' own conversations), the " +
    `${RESOURCE_SESSIONS} most recently used, and the active session of each CLI. session_list pages through all.`,
  mimeType: "application/json",
  read: read(undefined)
})

/** `sessions://{cli}`, one fixed resource per CLI. @since 0.1.0 */
export const cliSessions = allClis.map((cli) =>
  Resource.make({
    uri: `sessions://${cli}`,
    name: `${cli} sessions`,
    description: `The ${cli} sessions, the ${RESOURCE_SESSIONS} most recently used, and the active one. ` +
      `session_list with cli "${cli}" pages through all.`,
    mimeType: "application/json",
    read: read(cli)
  })
)

/** @since 0.1.0 */
export const sessionResources = [allSessions, ...cliSessions] as const
