/**
 * The gateway's store on PostgreSQL, for gateways on several hosts that
 * share one store. Loaded only when `LLM_GATEWAY_DATABASE_URL` names one
 * (`Database.layerUrl` imports this module on demand), so a gateway on
 * SQLite never loads `pg`.
 *
 * @since 0.1.0
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import type * as SqlClient from "@effect/sql/SqlClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import pg from "pg"
import { StorageError } from "../domain/errors.js"
import { migrate } from "./migrate.js"

/** How long opening a connection may take before a call fails with a StorageError. */
export const CONNECT_TIMEOUT = Duration.seconds(5)

/** `int8` (BIGINT, and every `count(*)`): times in milliseconds and counts, all below 2^53, as numbers. */
const INT8_OID = 20

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary"
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? "text")) as pg.CustomTypesConfig["getTypeParser"]
}

/**
 * A URL with its password hidden, for messages.
 *
 * @since 0.1.0
 */
export const describeUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "(a database URL that does not parse)"
  }
}

/**
 * The PostgreSQL database at a URL, migrated.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerUrl = (
  url: Redacted.Redacted<string> | string
): Layer.Layer<SqlClient.SqlClient | PgClient.PgClient, StorageError> => {
  const value = Redacted.isRedacted(url) ? Redacted.value(url) : url
  const shown = describeUrl(value)
  const client = PgClient.layer({
    url: Redacted.make(value),
    types,
    connectTimeout: CONNECT_TIMEOUT,
    idleTimeout: Duration.seconds(30),
    applicationName: "llm-cli-gateway"
  }).pipe(
    Layer.catchAllCause((cause) =>
      Layer.fail(
        new StorageError({
          message: `cannot reach the database ${shown}: ${String(cause).split("\n")[0]}`,
          operation: "open",
          path: shown
        })
      )
    )
  )
  const setup = Layer.effectDiscard(
    // Several gateways starting together race to migrate: the losers wait on the migrations table and retry.
    Effect.retry(migrate, Schedule.spaced(Duration.millis(200)).pipe(Schedule.intersect(Schedule.recurs(50)))).pipe(
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
  return Layer.provideMerge(setup, client)
}
