import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Layer from "effect/Layer"
import * as Migrations from "../../src/migrations.js"
import * as Database from "../../src/storage/Database.js"

/** The database at `path`, brought to the gateway's schema. */
const layerAt = (path: string) => Database.layerAt(path).pipe(Layer.provide(Migrations.layer))

const tempDir = () => mkdtempSync(join(tmpdir(), "gateway-db-"))

const tables = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)

describe("Database", () => {
  it.effect("creates the folder (0700) and the file (0600), migrates, and uses WAL", () => {
    const path = join(tempDir(), "nested", "gateway.db")
    return Effect.gen(function*() {
      const names = (yield* tables).map((t) => t.name)
      expect(names).toEqual(expect.arrayContaining(["instances", "jobs", "job_output", "gateway_migrations"]))
      const sql = yield* SqlClient.SqlClient
      const [mode] = yield* sql<{ journal_mode: string }>`PRAGMA journal_mode`
      expect(mode?.journal_mode).toBe("wal")
      const [busy] = yield* sql<{ timeout: number }>`PRAGMA busy_timeout`
      expect(busy?.timeout).toBeGreaterThanOrEqual(5000)
      expect(statSync(path).mode & 0o777).toBe(0o600)
      expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700)
    }).pipe(Effect.provide(layerAt(path)))
  })

  it.effect("opening it again finds it migrated and keeps its rows", () => {
    const path = join(tempDir(), "gateway.db")
    const insert = Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql`INSERT INTO instances (id, pid, host, started_at, heartbeat_at, lease_ms) VALUES ('a', 1, 'h', 0, 0, 1)`)
    const count = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ n: number }>`SELECT count(*) AS n FROM instances`)
    return Effect.gen(function*() {
      yield* insert.pipe(Effect.provide(layerAt(path)))
      const [row] = yield* count.pipe(Effect.provide(layerAt(path)))
      expect(row?.n).toBe(1)
    })
  })

  it.effect("two layers migrating one new file at once both succeed", () => {
    const path = join(tempDir(), "gateway.db")
    return Effect.gen(function*() {
      const [a, b] = yield* Effect.all([tables.pipe(Effect.provide(layerAt(path))), tables.pipe(Effect.provide(layerAt(path)))], {
        concurrency: 2
      })
      expect(a.length).toBe(b.length)
    })
  })

  it.effect("a file that is not a database is refused with a message naming it, and left untouched, its mode too", () => {
    const path = join(tempDir(), "gateway.db")
    writeFileSync(path, "this is not sqlite, but somebody's notes")
    chmodSync(path, 0o644)
    return Effect.gen(function*() {
      const error = yield* Effect.flip(tables.pipe(Effect.provide(layerAt(path))))
      expect(error._tag).toBe("StorageError")
      expect(error.message).toContain(path)
      expect(readFileSync(path, "utf8")).toBe("this is not sqlite, but somebody's notes")
      expect(statSync(path).mode & 0o777).toBe(0o644)
    })
  })

  it.effect("a path that is a link to an executable script is refused; the script keeps its run bit", () => {
    const dir = tempDir()
    const script = join(dir, "backup.sh")
    writeFileSync(script, "#!/bin/sh\nexit 0\n")
    chmodSync(script, 0o755)
    const path = join(dir, "gateway.db")
    symlinkSync(script, path)
    return Effect.gen(function*() {
      const error = yield* Effect.flip(tables.pipe(Effect.provide(layerAt(path))))
      expect(error).toMatchObject({ _tag: "StorageError", operation: "open", path })
      expect(error.message).toContain(`cannot use the database ${path}: is a symbolic link (to ${script})`)
      expect(statSync(script).mode & 0o777).toBe(0o755)
      expect(readFileSync(script, "utf8")).toBe("#!/bin/sh\nexit 0\n")
    })
  })

  it.effect("a folder every user may write is refused naming it, and its mode left as it is", () => {
    const dir = join(tempDir(), "shared")
    mkdirSync(dir)
    chmodSync(dir, 0o777)
    const path = join(dir, "gateway.db")
    return Effect.gen(function*() {
      const error = yield* Effect.flip(tables.pipe(Effect.provide(layerAt(path))))
      expect(error._tag).toBe("StorageError")
      expect(error.message).toContain(`its folder ${dir} is writable by every user (mode 0777)`)
      expect(statSync(dir).mode & 0o777).toBe(0o777)
    })
  })

  it.effect(":memory: needs no file", () =>
    Effect.gen(function*() {
      const names = (yield* tables).map((t) => t.name)
      expect(names).toContain("jobs")
    }).pipe(Effect.provide(layerAt(":memory:"))))

  it.effect("a reply stored in its row by an older version moves into pieces, and reads the same", () => {
    const path = join(tempDir(), "gateway.db")
    const long = "x".repeat((1 << 20) + 7) + "\u{1F600}"
    return Effect.gen(function*() {
      // The file as 0004 left it: job_reply absent, the reply text inside reply_json.
      yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.gen(function*() {
          yield* sql`DROP TABLE job_reply`
          yield* sql`DELETE FROM gateway_migrations WHERE migration_id >= 6`
          for (const [id, reply] of [["j1", { text: long, sessionId: "s-1" }], ["j2", { text: "" }]] as const) {
            yield* sql`INSERT INTO jobs (id, cli, request_key, argv_json, cwd, correlation_id, output_format, status,
              owner_instance, created_at, reply_json) VALUES (${id}, 'claude', ${id}, '[]', '/', 'c', 'text', 'completed',
              'i', 0, ${JSON.stringify(reply)})`
          }
        })).pipe(Effect.provide(layerAt(path)))
      const moved = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.all([
          sql<{ id: string; reply_json: string }>`SELECT id, reply_json FROM jobs ORDER BY id`,
          sql<{ job_id: string; data: string }>`SELECT job_id, data FROM job_reply ORDER BY job_id, seq`
        ])).pipe(Effect.provide(layerAt(path)))
      expect(moved[0].map((r) => [r.id, JSON.parse(r.reply_json)])).toEqual([
        ["j1", { sessionId: "s-1", chars: long.length }],
        ["j2", { chars: 0 }]
      ])
      expect(moved[1].filter((r) => r.job_id === "j1").map((r) => r.data).join("")).toBe(long)
      expect(moved[1].filter((r) => r.job_id === "j2").map((r) => r.data)).toEqual([""])
    })
  })
})
