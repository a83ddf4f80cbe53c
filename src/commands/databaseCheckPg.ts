/**
 * The PostgreSQL store as the doctor sees it (`LLM_GATEWAY_DATABASE_URL`):
 * whether it is reachable, whether the server may write it, its schema
 * version against this version's, and the servers on any host that hold a
 * live lease on it (by the database's clock). Reads only: nothing is
 * created or migrated. `pg` is loaded only here and only then.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { describeUrl } from "../storage/pgUrl.js"
import { type DatabaseCheck, schemaMessage, unknownCheck } from "./databaseCheck.js"

/** How long the doctor waits for the database to answer. */
const CONNECT_TIMEOUT_MS = 5_000

interface Seen {
  readonly version: number
  readonly writable: boolean
  readonly instances: DatabaseCheck["instances"]
}

const inspect = async (url: string): Promise<Seen> => {
  const { default: pg } = await import("pg")
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: "llm-cli-gateway doctor"
  })
  // A connection that fails after connecting has its error answered by the query that was waiting on it.
  client.on("error", () => {})
  await client.connect()
  try {
    await client.query("SET TRANSACTION READ ONLY").catch(() => undefined)
    const exists = async (table: string) =>
      (await client.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [table])).rows[0]?.found !=
        null
    const version = (await exists("gateway_migrations"))
      ? Number(
        (await client.query<{ latest: string | null }>("SELECT max(migration_id) AS latest FROM gateway_migrations"))
          .rows[0]?.latest ?? 0
      )
      : 0
    const writable = (await exists("jobs"))
      ? (await client.query<{ ok: boolean }>("SELECT has_table_privilege('jobs', 'INSERT') AS ok")).rows[0]?.ok === true
      : (await client.query<{ ok: boolean }>("SELECT has_schema_privilege(current_schema(), 'CREATE') AS ok")).rows[0]
        ?.ok === true
    const instances = (await exists("instances"))
      ? (await client.query<{ id: string; pid: number; host: string; started_at: string; heartbeat_at: string }>(
        `SELECT id, pid, host, started_at, heartbeat_at FROM instances
         WHERE stopped_at IS NULL
           AND heartbeat_at + lease_ms >= (extract(epoch FROM clock_timestamp()) * 1000)::bigint
         ORDER BY started_at`
      )).rows.map((row) => ({
        id: row.id,
        pid: Number(row.pid),
        host: row.host,
        startedAt: Number(row.started_at),
        heartbeatAt: Number(row.heartbeat_at)
      }))
      : []
    return { version, writable, instances }
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * Looks at the PostgreSQL database at the URL.
 *
 * @since 0.1.0
 */
export const checkPostgres = (url: Redacted.Redacted<string>): Effect.Effect<DatabaseCheck> =>
  Effect.gen(function*() {
    const base = yield* unknownCheck("postgresql", describeUrl(Redacted.value(url)))
    const latest = base.latestSchemaVersion
    const seen = yield* Effect.either(Effect.tryPromise(() => inspect(Redacted.value(url))))
    if (seen._tag === "Left") {
      const cause = seen.left.cause
      const reason = cause instanceof Error ? cause.message : String(cause)
      return {
        ...base,
        status: "unusable",
        writable: false,
        message: `cannot be reached: ${reason.split("\n")[0]}. Check LLM_GATEWAY_DATABASE_URL and that the server runs.`
      } as const
    }
    const { instances, version, writable } = seen.right
    const found = { ...base, schemaVersion: version, instances, writable }
    if (!writable) {
      return {
        ...found,
        status: "unusable",
        message: "reachable, but this user may not write it (INSERT on jobs, or CREATE in the schema): the server must."
      } as const
    }
    return {
      ...found,
      status: version === 0 ? "new" : "ok",
      message: version === 0
        ? "reachable; the server creates its tables at its first start"
        : `reachable, ${schemaMessage(version, latest)}`
    } as const
  })
