/**
 * The gateway's store on PostgreSQL, for gateways on several hosts that
 * share one store. Loaded only when `LLM_GATEWAY_DATABASE_URL` names one
 * (`Database.layerUrl` imports this module on demand), so a gateway on
 * SQLite never loads `pg`.
 *
 * @since 0.1.0
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqlClient from "@effect/sql/SqlClient"
import { SqlError } from "@effect/sql/SqlError"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as PubSub from "effect/PubSub"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import pg from "pg"
import { StorageError } from "../domain/errors.js"
import { migrate } from "./migrate.js"
import type { Migrations } from "./Migrations.js"
import { describeUrl } from "./pgUrl.js"
import { decode, encode, type Notification, Notifications } from "./Notifications.js"

/** The one channel every gateway on the database listens on. */
export const CHANNEL = "llm_cli_gateway"

/** How long the listening connection waits before it connects again, at most. */
const RELISTEN_MAX = Duration.seconds(2)

/** How long opening a connection may take before a call fails with a StorageError. */
export const CONNECT_TIMEOUT = Duration.seconds(5)

/** How long one statement may take before a call fails with a StorageError (the gateway's are all short). */
export const QUERY_TIMEOUT = Duration.seconds(5)

/** How often the listening connection checks that the database still answers it. */
const LISTEN_PROBE = Duration.seconds(10)

/** The first line of what went wrong, for a message. */
const firstLine = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  const inner = (failure as { cause?: unknown }).cause
  const text = inner instanceof Error ? inner.message : failure instanceof Error ? failure.message : String(failure)
  return text.split("\n")[0]!
}

/** `int8` (BIGINT, and every `count(*)`): times in milliseconds and counts, all below 2^53, as numbers. */
const INT8_OID = 20

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? "text")) as pg.CustomTypesConfig["getTypeParser"]
}

/** The advisory lock that makes gateways migrate one at a time (any fixed key: "llmgw" in ASCII). */
const MIGRATION_LOCK = 0x6c6c6d6777

/**
 * The migrations, one gateway at a time on every host: a session lock on
 * a connection set aside for it while the migrator runs on the pool (its
 * own statements must not share a transaction: it probes for its table by
 * an error). A gateway that dies holding it frees it with its connection.
 */
const migrateLocked = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.scoped(Effect.gen(function*() {
    const held = yield* sql.reserve
    yield* held.execute(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`, [], undefined)
    yield* Effect.ensuring(
      migrate,
      Effect.ignore(held.execute(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`, [], undefined))
    )
  })))

/**
 * One listening connection's life: connects, LISTENs, hands each
 * notification to the hub, and returns when the connection fails or ends.
 * `listening` is called once it listens.
 */
const listenOnce = (url: string, hub: PubSub.PubSub<Notification>, listening: () => void) =>
  Effect.async<string>((resume) => {
    const client = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: Duration.toMillis(CONNECT_TIMEOUT),
      query_timeout: Duration.toMillis(CONNECT_TIMEOUT),
      keepAlive: true,
      application_name: "llm-cli-gateway (listen)"
    })
    let ended = false
    // A connection that died without a word (no reset) is found by a probe that gets no answer.
    const probe = setInterval(() => {
      client.query("SELECT 1").catch((e: unknown) => lost(`no answer to a probe: ${e instanceof Error ? e.message : e}`))
    }, Duration.toMillis(LISTEN_PROBE))
    const close = () => {
      clearInterval(probe)
      ended = true
      client.removeAllListeners()
      // A late error of a connection being closed has no one left to tell.
      client.on("error", () => {})
      client.end().catch(() => {})
    }
    const lost = (why: string) => {
      if (ended) return
      close()
      resume(Effect.succeed(why))
    }
    client.on("error", (e) => lost(e.message))
    client.on("end", () => lost("the connection ended"))
    client.on("notification", (message) => {
      if (message.channel !== CHANNEL || message.payload === undefined) return
      const notification = decode(message.payload)
      if (notification !== undefined) hub.unsafeOffer(notification)
    })
    client.connect()
      .then(() => client.query(`LISTEN ${CHANNEL}`))
      .then(() => {
        if (ended) return
        // Whatever was notified while no connection listened is read from the rows.
        hub.unsafeOffer({ _tag: "Resync" })
        listening()
      }, (e: unknown) => lost(e instanceof Error ? e.message : String(e)))
    return Effect.sync(close)
  })

/**
 * Notifications over `LISTEN/NOTIFY`: one connection listens for the
 * gateway (and connects again when it drops, telling subscribers to
 * `Resync`); a notification is sent through the pool with `pg_notify`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNotifications = (url: string): Layer.Layer<Notifications, never, SqlClient.SqlClient> =>
  Layer.scoped(
    Notifications,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const hub = yield* Effect.acquireRelease(PubSub.unbounded<Notification>(), PubSub.shutdown)
      const first = yield* Deferred.make<void>()
      const listener = Effect.gen(function*() {
        let delay = 100
        while (true) {
          const why = yield* listenOnce(url, hub, () => {
            Deferred.unsafeDone(first, Exit.void)
            delay = 100
          })
          yield* Effect.logWarning(`the database's notification connection was lost (${why}); connecting again`)
          yield* Effect.sleep(Duration.millis(delay))
          delay = Math.min(delay * 2, Duration.toMillis(RELISTEN_MAX))
        }
      })
      yield* Effect.forkScoped(listener)
      // Start-up waits for the first LISTEN, so nothing notified after it is missed; not longer than a connect.
      yield* Deferred.await(first).pipe(Effect.timeoutOption(CONNECT_TIMEOUT))
      return {
        crossProcess: true,
        publish: (n) =>
          sql`SELECT pg_notify(${CHANNEL}, ${encode(n)})`.pipe(
            Effect.asVoid,
            Effect.catchAll((e) => Effect.logWarning(`could not send the database notification ${encode(n)}`, e))
          ),
        subscribe: PubSub.subscribe(hub)
      }
    })
  )

/**
 * The PostgreSQL database at a URL, migrated.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerUrl = (
  url: Redacted.Redacted<string> | string
): Layer.Layer<SqlClient.SqlClient | PgClient.PgClient | Notifications, StorageError, Migrations> => {
  const value = Redacted.isRedacted(url) ? Redacted.value(url) : url
  const shown = describeUrl(value)
  // The pool is ours, so that a query has a time limit too: a database that stops answering without
  // closing the connection (a host gone, a frozen server) fails calls with a StorageError, not a hang.
  const pool = Effect.acquireRelease(
    Effect.sync(() => {
      const made = new pg.Pool({
        connectionString: value,
        types,
        connectionTimeoutMillis: Duration.toMillis(CONNECT_TIMEOUT),
        query_timeout: Duration.toMillis(QUERY_TIMEOUT),
        idleTimeoutMillis: 30_000,
        keepAlive: true,
        application_name: "llm-cli-gateway"
      })
      // An idle connection's error (the server restarted) removes it from the pool; the next query opens another.
      made.on("error", () => {})
      return made
    }),
    (made) => Effect.promise(() => made.end()).pipe(Effect.interruptible, Effect.timeoutOption(1000))
  )
  const client = PgClient.layerFromPool({
    acquire: Effect.tap(pool, (made) =>
      Effect.tryPromise({
        try: () => made.query("SELECT 1"),
        catch: (cause) => new SqlError({ cause, message: "cannot connect" })
      })),
    types,
    applicationName: "llm-cli-gateway"
  }).pipe(
    Layer.catchAllCause((cause) =>
      Layer.fail(
        new StorageError({
          message: `cannot reach the database ${shown}: ${firstLine(cause)}`,
          operation: "open",
          path: shown
        })
      )
    )
  )
  const setup = Layer.effectDiscard(
    // Several gateways starting together race to migrate: the losers wait on the migrations table and retry.
    Effect.retry(migrateLocked, Schedule.spaced(Duration.millis(200)).pipe(Schedule.intersect(Schedule.recurs(50)))).pipe(
      Effect.catchAllCause((cause) =>
        Effect.fail(
          new StorageError({
            message: `cannot prepare the database ${shown}: ${String(cause).split("\n")[0]}`,
            operation: "migrate",
            path: shown
          })
        )
      )
    )
  )
  return Layer.provideMerge(Layer.merge(setup, layerNotifications(value)), client)
}
