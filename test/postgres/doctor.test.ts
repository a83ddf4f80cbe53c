/**
 * The doctor's look at a PostgreSQL store (`commands/databaseCheckPg`):
 * reachable or not, new or migrated, the live servers by the database's
 * clock, and never the password.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { checkPostgres } from "../../src/commands/databaseCheckPg.js"
import * as GatewayConfig from "../../src/Config.js"
import * as Instances from "../../src/jobs/Instances.js"
import * as Migrations from "../../src/migrations.js"
import * as Database from "../../src/storage/Database.js"
import { freshDatabase } from "./gateways.js"
import { freePort } from "../support/postgres.js"
import { testPostgresUrl } from "../support/testDatabase.js"

const adminUrl = () => {
  const url = testPostgresUrl()
  if (url === undefined) throw new Error("LLM_GATEWAY_TEST_POSTGRES_URL is not set: run with test/postgres/vitest.config.ts")
  return url
}

/** The URL with a password in it, which the server (trust on loopback) ignores. */
const withPassword = (url: string) => {
  const parsed = new URL(url)
  parsed.password = "s3cret-pw"
  return parsed.toString()
}

describe("doctor on PostgreSQL", () => {
  it.live("a database the gateway has not used yet is new; one it migrated is ok with its live servers", () =>
    Effect.gen(function*() {
      const url = withPassword(yield* Effect.promise(() => freshDatabase(adminUrl())))
      const fresh = yield* checkPostgres(Redacted.make(url))
      expect(fresh).toMatchObject({ store: "postgresql", status: "new", schemaVersion: 0, writable: true, instances: [] })
      expect(fresh.path).not.toContain("s3cret-pw")
      expect(fresh.path).toContain("***")

      // A server on it: migrated, registered, holding a lease.
      yield* Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(
          Instances.layer.pipe(
            Layer.provideMerge(Layer.provide(Database.layerUrl(url), Migrations.layer)),
            Layer.provide(GatewayConfig.layerTest({ hostId: Option.some("doctor-host") }))
          )
        )
        const self = (yield* Effect.provide(Instances.Instances, context)).self
        const seen = yield* checkPostgres(Redacted.make(url))
        expect(seen.status).toBe("ok")
        expect(seen.schemaVersion).toBe(seen.latestSchemaVersion)
        expect(seen.message).toContain("up to date")
        expect(seen.instances.map((i) => [i.id, i.host])).toEqual([[self.id, "doctor-host"]])
      }))
      // Stopped: no longer a live server.
      expect((yield* checkPostgres(Redacted.make(url))).instances).toEqual([])
    }))

  it.live("a server that does not answer is unusable, with the reason and no password", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(() => freePort())
      const check = yield* checkPostgres(Redacted.make(`postgres://gw:s3cret-pw@127.0.0.1:${port}/gw`))
      expect(check).toMatchObject({ store: "postgresql", status: "unusable", writable: false })
      expect(check.message).toMatch(/cannot be reached: .*ECONNREFUSED/)
      expect(JSON.stringify(check)).not.toContain("s3cret-pw")
    }))
})
