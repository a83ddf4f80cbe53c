import { byCli } from "../../src/domain/Cli.js"
import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { execFile } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { migration } from "../../src/sessions/migration.js"
import { layer, SessionStore } from "../../src/sessions/SessionStore.js"
import { testDatabaseAt } from "../support/testDatabase.js"

const tempDb = () => join(mkdtempSync(join(tmpdir(), "gateway-sessions-")), "gateway.db")

/** Runs the sessions migration unless the database's own migrations already did. */
const ensureSessionTables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const tables = yield* sql.onDialectOrElse({
    pg: () => sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'sessions'`,
    orElse: () => sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sessions'`
  })
  if (tables.length === 0) yield* migration
})

const dbAt = (path: string) => Layer.effectDiscard(ensureSessionTables).pipe(Layer.provideMerge(testDatabaseAt(path)))
const storeAt = (path: string) => layer.pipe(Layer.provideMerge(dbAt(path)))

const GW_ID = /^gw-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const T0 = Date.UTC(2025, 0, 2, 3, 4, 5)

describe("SessionStore", () => {
  it.effect("create makes an active gw- session with the time of the clock and 1.4.0's default description", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const store = yield* SessionStore
      const session = yield* store.create({ cli: "claude", setAsActive: true })
      expect(session.id).toMatch(GW_ID)
      expect(session).toMatchObject({
        cli: "claude",
        kind: "gateway",
        description: "Claude Session",
        createdAt: T0,
        lastUsedAt: T0,
        cliSessionId: null,
        active: true
      })
      expect(yield* store.get(session.id)).toEqual(session)
      expect(Option.getOrThrow(yield* store.active("claude")).id).toBe(session.id)
      expect(Option.isNone(yield* store.active("codex"))).toBe(true)

      // another one, not made active: the pointer stays
      const other = yield* store.create({ cli: "claude", description: "refactor auth", setAsActive: false })
      expect(other).toMatchObject({ description: "refactor auth", active: false })
      expect(other.id).not.toBe(session.id)
      expect(Option.getOrThrow(yield* store.active("claude")).id).toBe(session.id)

      // made active: it replaces the first
      const third = yield* store.create({ cli: "claude", setAsActive: true })
      expect(Option.getOrThrow(yield* store.active("claude")).id).toBe(third.id)
      expect((yield* store.get(session.id)).active).toBe(false)
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("get of an unknown id is SessionNotFound naming it", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const error = yield* Effect.flip(store.get("gw-00000000-0000-4000-8000-000000000000"))
      expect(error).toMatchObject({ _tag: "SessionNotFound", sessionId: "gw-00000000-0000-4000-8000-000000000000" })
      expect(error.message).toContain("gw-00000000-0000-4000-8000-000000000000")
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("list answers newest last-used first, per CLI or all, with the active id of each CLI", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      yield* TestClock.setTime(1_000)
      const a = yield* store.create({ cli: "claude", setAsActive: true })
      yield* TestClock.setTime(2_000)
      const b = yield* store.create({ cli: "codex", setAsActive: false })
      yield* TestClock.setTime(3_000)
      const c = yield* store.create({ cli: "claude", setAsActive: false })
      // a conversation recorded later than all of them, and one that bumps `a` past `c`
      yield* store.recordCliSession("gemini", "gem-1", 4_000)
      yield* store.recordCliSession("claude", "claude-conv", 5_000)

      const all = yield* store.list()
      expect(all.sessions.map((s) => s.id)).toEqual(["claude-conv", a.id, "gem-1", c.id, b.id])
      expect(all.active).toEqual({ ...byCli(() => null), claude: a.id })

      const claude = yield* store.list({ cli: "claude" })
      expect(claude.sessions.map((s) => s.id)).toEqual(["claude-conv", a.id, c.id])
      expect(claude.active).toEqual({ claude: a.id })
      expect(claude.sessions.filter((s) => s.active).map((s) => s.id)).toEqual([a.id])

      expect((yield* store.list({ cli: "grok" })).sessions).toEqual([])
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("setActive points the CLI at one of its sessions; null clears; unknown and foreign ids are refused", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const a = yield* store.create({ cli: "gemini", setAsActive: false })
      const b = yield* store.create({ cli: "gemini", setAsActive: false })
      const foreign = yield* store.create({ cli: "grok", setAsActive: false })

      expect(Option.getOrThrow(yield* store.setActive("gemini", a.id)).id).toBe(a.id)
      expect(Option.getOrThrow(yield* store.setActive("gemini", b.id))).toMatchObject({ id: b.id, active: true })
      expect((yield* store.get(a.id)).active).toBe(false)
      // setting it twice is the same
      yield* store.setActive("gemini", b.id)
      expect((yield* store.list({ cli: "gemini" })).active).toEqual({ gemini: b.id })

      const unknown = yield* Effect.flip(store.setActive("gemini", "no-such-session"))
      expect(unknown).toMatchObject({ _tag: "SessionNotFound", sessionId: "no-such-session" })
      const wrongCli = yield* Effect.flip(store.setActive("gemini", foreign.id))
      expect(wrongCli).toMatchObject({ _tag: "SessionCliMismatch", sessionId: foreign.id, cli: "gemini", sessionCli: "grok" })
      // refusals leave the pointers as they were
      expect(Option.getOrThrow(yield* store.active("gemini")).id).toBe(b.id)
      expect(Option.isNone(yield* store.active("grok"))).toBe(true)

      expect(Option.isNone(yield* store.setActive("gemini", null))).toBe(true)
      expect(Option.isNone(yield* store.active("gemini"))).toBe(true)
      expect((yield* store.get(b.id)).active).toBe(false)
      // clearing a CLI without an active session is fine
      expect(Option.isNone(yield* store.setActive("codex", null))).toBe(true)
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("delete answers the session as it was and clears the active pointer only when it was the active one", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const active = yield* store.create({ cli: "codex", setAsActive: true })
      const other = yield* store.create({ cli: "codex", setAsActive: false })

      const deletedOther = yield* store.delete(other.id)
      expect(deletedOther).toMatchObject({ id: other.id, cli: "codex", active: false })
      expect(Option.getOrThrow(yield* store.active("codex")).id).toBe(active.id)

      const deletedActive = yield* store.delete(active.id)
      expect(deletedActive).toMatchObject({ id: active.id, active: true })
      expect(Option.isNone(yield* store.active("codex"))).toBe(true)
      expect((yield* store.list()).sessions).toEqual([])

      const again = yield* Effect.flip(store.delete(active.id))
      expect(again).toMatchObject({ _tag: "SessionNotFound", sessionId: active.id })
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("clearAll removes the sessions of one CLI (or all) with their active pointers and counts them", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      yield* store.create({ cli: "claude", setAsActive: true })
      yield* store.create({ cli: "claude", setAsActive: false })
      yield* store.recordCliSession("claude", "claude-conv", 1)
      const keep = yield* store.create({ cli: "grok", setAsActive: true })

      expect(yield* store.clearAll({ cli: "claude" })).toBe(3)
      expect((yield* store.list()).sessions.map((s) => s.id)).toEqual([keep.id])
      expect((yield* store.list()).active).toEqual({ ...byCli(() => null), grok: keep.id })
      expect(yield* store.clearAll({ cli: "claude" })).toBe(0)

      yield* store.create({ cli: "codex", setAsActive: true })
      expect(yield* store.clearAll()).toBe(2)
      expect((yield* store.list()).sessions).toEqual([])
      expect((yield* store.list()).active).toEqual(byCli(() => null))
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("purge deletes the sessions last used before the time, never an active one", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      yield* TestClock.setTime(1_000)
      const oldActive = yield* store.create({ cli: "claude", setAsActive: true })
      const oldInactive = yield* store.create({ cli: "claude", setAsActive: false })
      yield* store.recordCliSession("codex", "old-conv", 1_500)
      yield* store.recordCliSession("codex", "new-conv", 5_000)
      expect(yield* store.purge(2_000)).toBe(2)
      const left = (yield* store.list()).sessions.map((s) => s.id)
      expect(left).toEqual(["new-conv", oldActive.id])
      expect(left).not.toContain(oldInactive.id)
      expect(yield* store.purge(2_000)).toBe(0)
    }).pipe(Effect.provide(storeAt(tempDb()))))

  describe("recordCliSession", () => {
    it.effect("records the CLI's conversation once and bumps its last use, never backwards", () =>
      Effect.gen(function*() {
        const store = yield* SessionStore
        expect(yield* store.recordCliSession("codex", "019a-thread", 1_000)).toEqual({
          recorded: true,
          linkedGatewaySessionId: null
        })
        expect(yield* store.get("019a-thread")).toEqual({
          id: "019a-thread",
          cli: "codex",
          kind: "cli",
          description: null,
          createdAt: 1_000,
          lastUsedAt: 1_000,
          cliSessionId: null,
          active: false
        })
        yield* store.recordCliSession("codex", "019a-thread", 3_000)
        expect(yield* store.get("019a-thread")).toMatchObject({ createdAt: 1_000, lastUsedAt: 3_000 })
        // a request that ended earlier but is recorded later does not move it back
        yield* store.recordCliSession("codex", "019a-thread", 2_000)
        expect(yield* store.get("019a-thread")).toMatchObject({ lastUsedAt: 3_000 })
        expect((yield* store.list()).sessions).toHaveLength(1)
        // the active pointer is not touched
        expect(Option.isNone(yield* store.active("codex"))).toBe(true)
      }).pipe(Effect.provide(storeAt(tempDb()))))

    it.effect("links the CLI's active gateway session to the conversation, and follows the latest one", () =>
      Effect.gen(function*() {
        yield* TestClock.setTime(1_000)
        const store = yield* SessionStore
        const gw = yield* store.create({ cli: "claude", setAsActive: true })
        const outcome = yield* store.recordCliSession("claude", "c0ffee00-1111-4222-8333-444455556666", 5_000)
        expect(outcome).toEqual({ recorded: true, linkedGatewaySessionId: gw.id })
        expect(yield* store.get(gw.id)).toMatchObject({
          kind: "gateway",
          cliSessionId: "c0ffee00-1111-4222-8333-444455556666",
          createdAt: 1_000,
          lastUsedAt: 5_000,
          active: true
        })
        yield* store.recordCliSession("claude", "next-conversation", 6_000)
        expect((yield* store.get(gw.id)).cliSessionId).toBe("next-conversation")
      }).pipe(Effect.provide(storeAt(tempDb()))))

    it.effect("links nothing when the active session is a CLI conversation, of another CLI, or absent", () =>
      Effect.gen(function*() {
        const store = yield* SessionStore
        const otherCli = yield* store.create({ cli: "gemini", setAsActive: true })
        const inactive = yield* store.create({ cli: "claude", setAsActive: false })
        expect((yield* store.recordCliSession("claude", "conv-1", 10)).linkedGatewaySessionId).toBeNull()

        yield* store.setActive("claude", "conv-1")
        expect((yield* store.recordCliSession("claude", "conv-2", 20)).linkedGatewaySessionId).toBeNull()
        expect((yield* store.get("conv-1")).cliSessionId).toBeNull()
        expect((yield* store.get(inactive.id)).cliSessionId).toBeNull()
        expect((yield* store.get(otherCli.id)).cliSessionId).toBeNull()
      }).pipe(Effect.provide(storeAt(tempDb()))))

    it.effect("links the gateway session the request named instead of the active one", () =>
      Effect.gen(function*() {
        const store = yield* SessionStore
        const active = yield* store.create({ cli: "grok", setAsActive: true })
        const named = yield* store.create({ cli: "grok", setAsActive: false })
        const outcome = yield* store.recordCliSession("grok", "grok-conv", 50, { gatewaySessionId: named.id })
        expect(outcome.linkedGatewaySessionId).toBe(named.id)
        expect((yield* store.get(named.id)).cliSessionId).toBe("grok-conv")
        expect((yield* store.get(active.id)).cliSessionId).toBeNull()

        // a named session of another CLI is not linked
        const foreign = yield* store.create({ cli: "codex", setAsActive: false })
        const refused = yield* store.recordCliSession("grok", "grok-conv-2", 60, { gatewaySessionId: foreign.id })
        expect(refused).toEqual({ recorded: true, linkedGatewaySessionId: null })
        expect((yield* store.get(foreign.id)).cliSessionId).toBeNull()
      }).pipe(Effect.provide(storeAt(tempDb()))))

    it.effect("does not record ids that could not be passed back: gateway ids and malformed ones", () =>
      Effect.gen(function*() {
        const store = yield* SessionStore
        const gw = yield* store.create({ cli: "claude", setAsActive: true })
        for (const id of ["gw-made-up", "../../etc/passwd", "", "-r"]) {
          expect(yield* store.recordCliSession("claude", id, 1)).toEqual({ recorded: false, linkedGatewaySessionId: null })
        }
        expect((yield* store.list()).sessions.map((s) => s.id)).toEqual([gw.id])
        expect((yield* store.get(gw.id)).cliSessionId).toBeNull()
      }).pipe(Effect.provide(storeAt(tempDb()))))
  })

  describe("resolveSessionId", () => {
    it.effect("a CLI's own id passes through as it is, known or not", () =>
      Effect.gen(function*() {
        const store = yield* SessionStore
        expect(yield* store.resolveSessionId("codex", "0199-never-seen")).toBe("0199-never-seen")
        yield* store.recordCliSession("codex", "0199-seen", 1)
        expect(yield* store.resolveSessionId("codex", "0199-seen")).toBe("0199-seen")
      }).pipe(Effect.provide(storeAt(tempDb()))))

    it.effect("a linked gateway id resolves to the conversation it stands for", () =>
      Effect.gen(function*() {
        const store = yield* SessionStore
        const gw = yield* store.create({ cli: "gemini", setAsActive: true })
        yield* store.recordCliSession("gemini", "a1b2c3d4-e5f6-4789-8abc-def012345678", 1)
        expect(yield* store.resolveSessionId("gemini", gw.id)).toBe("a1b2c3d4-e5f6-4789-8abc-def012345678")
        // it still does once another session is active
        yield* store.create({ cli: "gemini", setAsActive: true })
        expect(yield* store.resolveSessionId("gemini", gw.id)).toBe("a1b2c3d4-e5f6-4789-8abc-def012345678")
      }).pipe(Effect.provide(storeAt(tempDb()))))

    it.effect("an unlinked gateway id is refused: no conversation yet, pass a real id, field sessionId", () =>
      Effect.gen(function*() {
        const store = yield* SessionStore
        const gw = yield* store.create({ cli: "claude", setAsActive: true })
        const error = yield* Effect.flip(store.resolveSessionId("claude", gw.id))
        expect(error._tag).toBe("GatewaySessionUnlinked")
        if (error._tag !== "GatewaySessionUnlinked") return
        expect(error).toMatchObject({ sessionId: gw.id, cli: "claude", field: "sessionId" })
        expect(error.message).toContain(gw.id)
        expect(error.message).toContain("no claude conversation yet")
        expect(error.message).toContain("pass a real claude session id")
      }).pipe(Effect.provide(storeAt(tempDb()))))

    it.effect("an unknown gateway id is SessionNotFound; one of another CLI is SessionCliMismatch", () =>
      Effect.gen(function*() {
        const store = yield* SessionStore
        const unknown = yield* Effect.flip(store.resolveSessionId("codex", "gw-00000000-0000-4000-8000-000000000001"))
        expect(unknown).toMatchObject({ _tag: "SessionNotFound", sessionId: "gw-00000000-0000-4000-8000-000000000001" })

        const claudeGw = yield* store.create({ cli: "claude", setAsActive: true })
        yield* store.recordCliSession("claude", "claude-conv", 1)
        const foreign = yield* Effect.flip(store.resolveSessionId("codex", claudeGw.id))
        expect(foreign).toMatchObject({ _tag: "SessionCliMismatch", cli: "codex", sessionCli: "claude" })
      }).pipe(Effect.provide(storeAt(tempDb()))))
  })

  it.effect("the database keeps every active pointer on an existing session of the same CLI", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const sql = yield* SqlClient.SqlClient
      const gw = yield* store.create({ cli: "claude", setAsActive: false })
      const dangling = yield* Effect.either(sql`INSERT INTO active_sessions (cli, session_id) VALUES ('claude', 'nope')`)
      expect(dangling._tag).toBe("Left")
      const crossed = yield* Effect.either(sql`INSERT INTO active_sessions (cli, session_id) VALUES ('codex', ${gw.id})`)
      expect(crossed._tag).toBe("Left")
      const linkedCli = yield* Effect.either(
        sql`INSERT INTO sessions (id, cli, kind, created_at, last_used_at, cli_session_id) VALUES ('x', 'claude', 'cli', 1, 1, 'y')`
      )
      expect(linkedCli._tag).toBe("Left")
      expect(yield* sql`SELECT * FROM active_sessions`).toEqual([])
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("sessions and the active pointer survive a restart", () => {
    const path = tempDb()
    return Effect.gen(function*() {
      const created = yield* Effect.flatMap(SessionStore, (store) => store.create({ cli: "codex", setAsActive: true }))
        .pipe(Effect.provide(storeAt(path)))
      const reopened = yield* Effect.flatMap(SessionStore, (store) => store.list()).pipe(Effect.provide(storeAt(path)))
      expect(reopened.sessions.map((s) => s.id)).toEqual([created.id])
      expect(reopened.active.codex).toBe(created.id)
    })
  })

  describe("two servers on one file", () => {
    /** Two stores with their own connections, as two server processes would have. */
    const twoServers = Effect.gen(function*() {
      const path = tempDb()
      const a = yield* Layer.build(storeAt(path))
      const b = yield* Layer.build(storeAt(path))
      return {
        a: Context.get(a, SessionStore),
        b: Context.get(b, SessionStore),
        sql: Context.get(a, SqlClient.SqlClient)
      }
    })

    const checkIntegrity = (sql: SqlClient.SqlClient) =>
      Effect.gen(function*() {
        // Every active pointer on a session of its CLI (PostgreSQL enforces the foreign key; SQLite is checked too).
        expect(
          yield* sql`SELECT a.cli FROM active_sessions a LEFT JOIN sessions s ON s.id = a.session_id AND s.cli = a.cli
            WHERE s.id IS NULL`
        ).toEqual([])
        if (sql.onDialectOrElse({ sqlite: () => true, orElse: () => false })) {
          expect(yield* sql`PRAGMA integrity_check`).toEqual([{ integrity_check: "ok" }])
          expect(yield* sql`PRAGMA foreign_key_check`).toEqual([])
        }
      })

    it.scoped("sessions created at once from both are all kept, and each sees the other's", () =>
      Effect.gen(function*() {
        const { a, b, sql } = yield* twoServers
        const made = yield* Effect.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 === 0 ? a : b).create({ cli: i % 3 === 0 ? "codex" : "claude", setAsActive: true })),
          { concurrency: "unbounded" }
        )
        const ids = made.map((s) => s.id).sort()
        expect(new Set(ids).size).toBe(40)
        expect((yield* a.list()).sessions.map((s) => s.id).sort()).toEqual(ids)
        expect((yield* b.list()).sessions.map((s) => s.id).sort()).toEqual(ids)
        // each CLI has exactly one active session, one of those made active for it, and both servers agree
        const listing = yield* a.list()
        expect(listing).toEqual(yield* b.list())
        expect(made.filter((s) => s.cli === "codex").map((s) => s.id)).toContain(listing.active.codex)
        expect(made.filter((s) => s.cli === "claude").map((s) => s.id)).toContain(listing.active.claude)
        expect(yield* sql`SELECT cli, count(*) AS n FROM active_sessions GROUP BY cli ORDER BY cli`).toEqual([
          { cli: "claude", n: 1 },
          { cli: "codex", n: 1 }
        ])
        yield* checkIntegrity(sql)
      }))

    it.scoped("setting the active session concurrently: the last write wins, nothing is lost or corrupted", () =>
      Effect.gen(function*() {
        const { a, b, sql } = yield* twoServers
        const sessions = yield* Effect.all(
          Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).create({ cli: "gemini", setAsActive: false }))
        )
        const grok = yield* b.create({ cli: "grok", setAsActive: true })

        // many writers at once, each answering with the session it made active
        const answers = yield* Effect.all(
          Array.from({ length: 60 }, (_, i) => {
            const server = i % 2 === 0 ? a : b
            const target = sessions[i % sessions.length]!
            return i % 10 === 9 ? server.setActive("gemini", null) : server.setActive("gemini", target.id)
          }),
          { concurrency: "unbounded" }
        )
        expect(answers.every((x, i) => i % 10 === 9 ? Option.isNone(x) : Option.isSome(x))).toBe(true)
        const afterRace = yield* a.list({ cli: "gemini" })
        expect(afterRace).toEqual(yield* b.list({ cli: "gemini" }))
        const pointer = afterRace.active.gemini
        expect(pointer === null || sessions.some((s) => s.id === pointer)).toBe(true)

        // in order: each write replaces the one before, whichever server made it
        yield* a.setActive("gemini", sessions[0]!.id)
        yield* b.setActive("gemini", sessions[3]!.id)
        expect(Option.getOrThrow(yield* a.active("gemini")).id).toBe(sessions[3]!.id)
        yield* a.setActive("gemini", sessions[4]!.id)
        expect(Option.getOrThrow(yield* b.active("gemini")).id).toBe(sessions[4]!.id)
        yield* b.setActive("gemini", null)
        expect(Option.isNone(yield* a.active("gemini"))).toBe(true)

        // nothing else moved: every session is there, grok's pointer untouched
        expect((yield* a.list()).sessions).toHaveLength(7)
        expect(Option.getOrThrow(yield* a.active("grok")).id).toBe(grok.id)
        yield* checkIntegrity(sql)
      }))

    it.scoped("a session deleted by one server is no longer active for the other; links made by one resolve on the other", () =>
      Effect.gen(function*() {
        const { a, b } = yield* twoServers
        const gw = yield* a.create({ cli: "claude", setAsActive: true })
        yield* b.recordCliSession("claude", "claude-conv", 100)
        expect(yield* a.resolveSessionId("claude", gw.id)).toBe("claude-conv")
        yield* b.delete(gw.id)
        expect(Option.isNone(yield* a.active("claude"))).toBe(true)
        expect((yield* Effect.flip(a.resolveSessionId("claude", gw.id)))._tag).toBe("SessionNotFound")
      }))

    /** A separate server process that makes sessions, moves the active pointer and records conversations. */
    const serverProcess = (path: string, name: string, targets: ReadonlyArray<string>) =>
      Effect.async<ReadonlyArray<string>, Error>((resume) => {
        const src = (file: string) => JSON.stringify(fileURLToPath(new URL(`../../src/${file}`, import.meta.url)))
        const code = `
          import * as Effect from "effect/Effect"
          import * as Layer from "effect/Layer"
          const { layer, SessionStore } = await import(${src("sessions/SessionStore.ts")})
          const { testDatabaseAt } = await import(${JSON.stringify(fileURLToPath(new URL("../support/testDatabase.ts", import.meta.url)))})
          const [path, name, targets] = [process.argv[1], process.argv[2], JSON.parse(process.argv[3])]
          const program = Effect.gen(function*() {
            const store = yield* SessionStore
            const made = []
            for (let i = 0; i < 30; i++) {
              made.push((yield* store.create({ cli: "claude", setAsActive: true })).id)
              yield* store.setActive("gemini", targets[i % targets.length])
              yield* store.recordCliSession("codex", name + "-conv-" + i, i)
            }
            return made
          })
          const made = await Effect.runPromise(program.pipe(Effect.provide(layer.pipe(Layer.provideMerge(testDatabaseAt(path))))))
          process.stdout.write(JSON.stringify(made))
        `
        execFile(
          process.execPath,
          ["--import", "tsx", "--input-type=module", "-e", code, path, name, JSON.stringify(targets)],
          { cwd: fileURLToPath(new URL("../..", import.meta.url)) },
          (error, stdout, stderr) =>
            resume(error === null ? Effect.succeed(JSON.parse(stdout)) : Effect.fail(new Error(`${error.message}\n${stderr}`)))
        )
      })

    it.scoped("three server processes writing at once lose nothing", () =>
      Effect.gen(function*() {
        const path = tempDb()
        const ctx = yield* Layer.build(storeAt(path))
        const store = Context.get(ctx, SessionStore)
        const sql = Context.get(ctx, SqlClient.SqlClient)
        const targets = yield* Effect.all(
          Array.from({ length: 3 }, () => store.create({ cli: "gemini", setAsActive: false }))
        )
        const made = yield* Effect.all(
          ["p1", "p2", "p3"].map((name) => serverProcess(path, name, targets.map((t) => t.id))),
          { concurrency: "unbounded" }
        )
        const gateway = made.flat()
        expect(new Set(gateway).size).toBe(90)
        const listing = yield* store.list()
        const ids = new Set(listing.sessions.map((s) => s.id))
        expect(listing.sessions).toHaveLength(3 + 90 + 90)
        for (const id of gateway) expect(ids.has(id)).toBe(true)
        for (const name of ["p1", "p2", "p3"]) {
          for (let i = 0; i < 30; i++) expect(ids.has(`${name}-conv-${i}`)).toBe(true)
        }
        expect(gateway).toContain(listing.active.claude)
        expect(targets.map((t) => t.id)).toContain(listing.active.gemini)
        expect(yield* sql`SELECT count(*) AS n FROM active_sessions`).toEqual([{ n: 2 }])
        yield* checkIntegrity(sql)
        // and the last write wins, whoever made the ones before
        yield* store.setActive("gemini", targets[0]!.id)
        expect((yield* store.list({ cli: "gemini" })).active.gemini).toBe(targets[0]!.id)
      }), { timeout: 60_000 })
  })
})
