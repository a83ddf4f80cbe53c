import { allClis, byCli } from "../../src/domain/Cli.js"
import { describe, expect, it } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { JsonObject } from "../../src/mcp/jsonSchema.js"
import {
  sessionClearAll,
  sessionCreate,
  sessionDelete,
  sessionGet,
  sessionList,
  sessionSetActive,
  sessionTools
} from "../../src/mcp/tools/sessions.js"
import { migration } from "../../src/sessions/migration.js"
import { layer, SessionStore } from "../../src/sessions/SessionStore.js"
import { testDatabaseAt } from "../support/testDatabase.js"
import { GatewayConfig, type GatewayConfigShape, layerTest } from "../../src/Config.js"

const tempDb = () => join(mkdtempSync(join(tmpdir(), "gateway-session-tools-")), "gateway.db")

/** Runs the sessions migration unless the database's own migrations already did. */
const ensureSessionTables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const tables = yield* sql.onDialectOrElse({
    pg: () => sql`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'sessions'`,
    orElse: () => sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sessions'`
  })
  if (tables.length === 0) yield* migration
})

const storeAt = (path: string, config: Partial<GatewayConfigShape> = {}) =>
  layer.pipe(
    Layer.provideMerge(Layer.effectDiscard(ensureSessionTables)),
    Layer.provideMerge(testDatabaseAt(path)),
    Layer.merge(layerTest(config))
  )

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0)

interface SessionJson {
  readonly id: string
  readonly cli: string
  readonly kind: string
  readonly description: string | null
  readonly createdAt: string
  readonly lastUsedAt: string
  readonly cliSessionId: string | null
  readonly active: boolean
}

const sessionOf = (structured: JsonObject) => structured.session as SessionJson

const create = (args: Record<string, unknown>) =>
  Effect.map(sessionCreate.call(args), (answer) => sessionOf(answer.structured))

describe("session tools", () => {
  it.effect("session_create answers the new gw- session, active by default, with ISO timestamps", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const answer = yield* sessionCreate.call({ cli: "grok" })
      const session = sessionOf(answer.structured)
      expect(session).toEqual({
        id: expect.stringMatching(/^gw-[0-9a-f-]{36}$/),
        cli: "grok",
        kind: "gateway",
        description: "Grok Session",
        createdAt: "2025-06-01T12:00:00.000Z",
        lastUsedAt: "2025-06-01T12:00:00.000Z",
        cliSessionId: null,
        active: true
      })
      expect(answer.text).toContain(session.id)
      expect(answer.text).toContain("active grok session")

      const quiet = yield* create({ cli: "grok", setAsActive: false, description: "x".repeat(500) })
      expect(quiet).toMatchObject({ active: false, description: "x".repeat(500) })
      const store = yield* SessionStore
      expect((yield* store.list({ cli: "grok" })).active.grok).toBe(session.id)
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("session_list answers all sessions newest first and the active id of every CLI, or one CLI's", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const a = yield* create({ cli: "claude" })
      yield* TestClock.adjust("1 second")
      const b = yield* create({ cli: "codex", setAsActive: false, description: "review" })
      yield* TestClock.adjust("1 second")
      const c = yield* create({ cli: "claude", setAsActive: false })

      const all = yield* sessionList.call({})
      expect(all.structured).toMatchObject({
        cli: null,
        total: 3,
        activeSessions: { ...byCli(() => null), claude: a.id }
      })
      expect((all.structured.sessions as ReadonlyArray<SessionJson>).map((s) => s.id)).toEqual([c.id, b.id, a.id])
      expect((all.structured.sessions as ReadonlyArray<SessionJson>)[1]).toEqual(b)
      expect(all.text).toContain("3 session(s)")
      expect(all.text).toContain(`claude: ${a.id}`)
      expect(all.text).toContain('"review"')

      const claude = yield* sessionList.call({ cli: "claude" })
      expect(claude.structured).toMatchObject({ cli: "claude", total: 2, activeSessions: { claude: a.id } })
      expect(Object.keys(claude.structured.activeSessions as object)).toEqual(["claude"])
      expect((claude.structured.sessions as ReadonlyArray<SessionJson>).map((s) => s.id)).toEqual([c.id, a.id])
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("session_list pages: limit, then nextCursor to the end, every session once; a page also fits the answer budget", () =>
    Effect.gen(function*() {
      const made: Array<string> = []
      for (let i = 0; i < 7; i++) {
        yield* TestClock.adjust(1000)
        made.push((yield* create({ cli: "codex", description: `${i} ${"\u0001".repeat(490)}`, setAsActive: false })).id)
      }
      const seen: Array<string> = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = yield* sessionList.call({ cli: "codex", limit: 3, ...(cursor !== undefined ? { cursor } : {}) })
        const ids = (page.structured.sessions as ReadonlyArray<SessionJson>).map((s) => s.id)
        expect(ids.length).toBeLessThanOrEqual(3)
        expect(page.structured.total).toBe(7)
        seen.push(...ids)
        cursor = (page.structured.nextCursor as string | null) ?? undefined
        if (cursor !== undefined) expect(page.text).toContain(`"cursor": "${cursor}"`)
        pages++
      } while (cursor !== undefined && pages < 10)
      expect(pages).toBe(3)
      expect(seen).toEqual([...made].reverse())

      // 490 control characters weigh ~3 KB each once escaped: a 4 KiB page holds one session, and paging goes on.
      const small = yield* sessionList.call({ cli: "codex" }).pipe(
        Effect.provide(layerTest({ maxAnswerBytes: 65_536 + 4096 }))
      )
      expect((small.structured.sessions as ReadonlyArray<unknown>).length).toBe(1)
      expect(small.structured.nextCursor).not.toBeNull()
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("session_set_active switches the CLI's active session, clears it with null, refuses unknown ids", () =>
    Effect.gen(function*() {
      const a = yield* create({ cli: "gemini" })
      const b = yield* create({ cli: "gemini", setAsActive: false })

      const set = yield* sessionSetActive.call({ cli: "gemini", sessionId: b.id })
      expect(set.structured).toMatchObject({ cli: "gemini", activeSessionId: b.id, session: { id: b.id, active: true } })
      expect(set.text).toContain(b.id)
      expect(sessionOf((yield* sessionGet.call({ sessionId: a.id })).structured).active).toBe(false)

      const cleared = yield* sessionSetActive.call({ cli: "gemini", sessionId: null })
      expect(cleared.structured).toEqual({ cli: "gemini", activeSessionId: null, session: null })
      expect(cleared.text).toContain("no active session")
      expect((yield* sessionList.call({ cli: "gemini" })).structured.activeSessions).toEqual({ gemini: null })

      const unknown = yield* Effect.flip(sessionSetActive.call({ cli: "gemini", sessionId: "gw-unknown" }))
      expect(unknown).toMatchObject({ _tag: "SessionNotFound", sessionId: "gw-unknown" })
      const foreign = yield* Effect.flip(sessionSetActive.call({ cli: "claude", sessionId: a.id }))
      expect(foreign).toMatchObject({ _tag: "SessionCliMismatch", cli: "claude", sessionCli: "gemini" })
      expect((yield* sessionList.call({})).structured.activeSessions).toEqual(byCli(() => null))
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("session_get shows a gw- session's linked CLI conversation; an unknown id is SessionNotFound", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T0)
      const gw = yield* create({ cli: "codex" })
      const store = yield* SessionStore
      yield* store.recordCliSession("codex", "0199a3c2-7f00-7000-8000-00000000abcd", T0 + 60_000)
      const got = yield* sessionGet.call({ sessionId: gw.id })
      expect(sessionOf(got.structured)).toEqual({
        ...gw,
        lastUsedAt: "2025-06-01T12:01:00.000Z",
        cliSessionId: "0199a3c2-7f00-7000-8000-00000000abcd"
      })
      expect(got.text).toContain("continues 0199a3c2-7f00-7000-8000-00000000abcd")
      expect(got.text).toContain("ACTIVE")

      const conversation = sessionOf((yield* sessionGet.call({ sessionId: "0199a3c2-7f00-7000-8000-00000000abcd" })).structured)
      expect(conversation).toMatchObject({ kind: "cli", cli: "codex", description: null, active: false })

      const missing = yield* Effect.flip(sessionGet.call({ sessionId: "no-such-session" }))
      expect(missing).toMatchObject({ _tag: "SessionNotFound", sessionId: "no-such-session" })
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("session_delete forgets a session and, when it was active, the active pointer; unknown is SessionNotFound", () =>
    Effect.gen(function*() {
      const active = yield* create({ cli: "claude" })
      const other = yield* create({ cli: "claude", setAsActive: false })

      const deletedOther = yield* sessionDelete.call({ sessionId: other.id })
      expect(deletedOther.structured).toEqual({ deleted: true, sessionId: other.id, cli: "claude", wasActive: false })
      expect((yield* sessionList.call({ cli: "claude" })).structured.activeSessions).toEqual({ claude: active.id })

      const deleted = yield* sessionDelete.call({ sessionId: active.id })
      expect(deleted.structured).toEqual({ deleted: true, sessionId: active.id, cli: "claude", wasActive: true })
      expect(deleted.text).toContain("no active session")
      expect((yield* sessionList.call({ cli: "claude" })).structured).toMatchObject({
        total: 0,
        activeSessions: { claude: null }
      })

      const again = yield* Effect.flip(sessionDelete.call({ sessionId: active.id }))
      expect(again).toMatchObject({ _tag: "SessionNotFound", sessionId: active.id })
    }).pipe(Effect.provide(storeAt(tempDb()))))

  it.effect("session_clear_all removes one CLI's sessions or all, and answers how many", () =>
    Effect.gen(function*() {
      yield* create({ cli: "claude" })
      yield* create({ cli: "claude", setAsActive: false })
      const grok = yield* create({ cli: "grok" })

      const claude = yield* sessionClearAll.call({ cli: "claude" })
      expect(claude.structured).toEqual({ cli: "claude", removed: 2 })
      expect(claude.text).toBe("Removed 2 session(s) of claude.")
      expect((yield* sessionList.call({})).structured).toMatchObject({
        total: 1,
        activeSessions: { claude: null, grok: grok.id }
      })

      const all = yield* sessionClearAll.call({})
      expect(all.structured).toEqual({ cli: null, removed: 1 })
      expect((yield* sessionList.call({})).structured.total).toBe(0)
      expect((yield* sessionClearAll.call({})).structured).toEqual({ cli: null, removed: 0 })
    }).pipe(Effect.provide(storeAt(tempDb()))))

  describe("bad input is an InvalidRequest naming the field, and changes nothing", () => {
    const cases: ReadonlyArray<readonly [string, { call: (args: unknown) => Effect.Effect<unknown, any, SessionStore | GatewayConfig> }, unknown, string]> = [
      ["an unknown field", sessionCreate, { cli: "claude", sessionId: "abc" }, "sessionId"],
      ["a CLI not in the enum", sessionCreate, { cli: "cursor" }, "cli"],
      ["a missing cli", sessionCreate, {}, "cli"],
      ["a description past 500 characters", sessionCreate, { cli: "claude", description: "x".repeat(501) }, "description"],
      ["setAsActive of the wrong type", sessionCreate, { cli: "claude", setAsActive: "yes" }, "setAsActive"],
      ["a CLI not in the enum", sessionList, { cli: "bash" }, "cli"],
      ["an unknown field", sessionList, { since: 5 }, "since"],
      ["a limit past 500", sessionList, { limit: 501 }, "limit"],
      ["a cursor no page gave", sessionList, { cursor: "p1.!!" }, "cursor"],
      ["a missing sessionId (null must be explicit)", sessionSetActive, { cli: "codex" }, "sessionId"],
      ["a session id with a path", sessionSetActive, { cli: "codex", sessionId: "../../etc/passwd" }, "sessionId"],
      ["a CLI not in the enum", sessionSetActive, { cli: "openai", sessionId: null }, "cli"],
      ["a session id that is an option", sessionGet, { sessionId: "--help" }, "sessionId"],
      ["a missing sessionId", sessionDelete, {}, "sessionId"],
      ["an unknown field", sessionDelete, { sessionId: "abc", force: true }, "force"],
      ["a CLI not in the enum", sessionClearAll, { cli: "all" }, "cli"]
    ]
    for (const [what, tool, args, field] of cases) {
      const name = sessionTools.find((t) => t === tool)!.name
      it.effect(`${name}: ${what}`, () =>
        Effect.gen(function*() {
          const store = yield* SessionStore
          const before = yield* create({ cli: "codex" })
          const error = yield* Effect.flip(tool.call(args))
          expect(error._tag).toBe("InvalidRequest")
          expect(error.field).toBe(field)
          expect(error.message).toContain(name)
          const after = yield* store.list()
          expect(after.sessions.map((s) => s.id)).toEqual([before.id])
          expect(after.active.codex).toBe(before.id)
        }).pipe(Effect.provide(storeAt(tempDb()))))
    }
  })

  describe("declarations", () => {
    const upstream: { tools: ReadonlyArray<{ name: string; inputSchema: JsonObject }> } = JSON.parse(
      readFileSync(new URL("../fixtures/upstream-1.4.0-tools.json", import.meta.url), "utf8")
    )

    it("the six tools of 1.4.0, in order, with unique names", () => {
      expect(sessionTools.map((t) => t.name)).toEqual([
        "session_create",
        "session_list",
        "session_set_active",
        "session_get",
        "session_delete",
        "session_clear_all"
      ])
    })

    it("each keeps 1.4.0's parameters and required list, refuses other fields, and accepts grok", () => {
      for (const tool of sessionTools) {
        const theirs = upstream.tools.find((t) => t.name === tool.name)!.inputSchema as {
          properties: Record<string, { enum?: ReadonlyArray<string>; default?: unknown }>
          required?: ReadonlyArray<string>
        }
        const ours = tool.inputSchema as {
          properties: Record<string, { enum?: ReadonlyArray<string>; default?: unknown; anyOf?: ReadonlyArray<{ type: string }> }>
          required?: ReadonlyArray<string>
          additionalProperties: boolean
        }
        // Added: session_create's description; session_list's paging (issue 21: every list pages).
        const added = tool.name === "session_create" ? ["description"] : tool.name === "session_list" ? ["cursor", "limit"] : []
        expect(Object.keys(ours.properties).filter((k) => !added.includes(k)).sort()).toEqual(
          Object.keys(theirs.properties).sort()
        )
        expect([...(ours.required ?? [])].sort()).toEqual([...(theirs.required ?? [])].sort())
        expect(ours.additionalProperties).toBe(false)
        if (theirs.properties.cli !== undefined) {
          expect(ours.properties.cli!.enum).toEqual([...allClis])
        }
      }
      const create = sessionCreate.inputSchema as { properties: Record<string, Record<string, unknown>> }
      expect(create.properties.setAsActive).toMatchObject({ type: "boolean", default: true })
      expect(create.properties.description).toMatchObject({ type: "string", maxLength: 500 })
      const setActive = sessionSetActive.inputSchema as { properties: Record<string, { anyOf: ReadonlyArray<{ type: string }> }> }
      expect(setActive.properties.sessionId!.anyOf.map((s) => s.type).sort()).toEqual(["null", "string"])
    })

    it("annotations tell the truth: list and get read only, delete and clear_all destructive, none open-world", () => {
      const byName = Object.fromEntries(sessionTools.map((t) => [t.name, t.annotations]))
      for (const name of ["session_list", "session_get"]) {
        expect(byName[name]).toMatchObject({ readOnlyHint: true, idempotentHint: true, destructiveHint: false })
      }
      for (const name of ["session_create", "session_set_active", "session_delete", "session_clear_all"]) {
        expect(byName[name]).toMatchObject({ readOnlyHint: false })
      }
      for (const name of ["session_delete", "session_clear_all"]) {
        expect(byName[name]).toMatchObject({ destructiveHint: true })
      }
      expect(byName.session_create).toMatchObject({ destructiveHint: false, idempotentHint: false })
      for (const tool of sessionTools) {
        expect(tool.annotations.openWorldHint).toBe(false)
        expect(tool.annotations.title).toBeTruthy()
      }
    })
  })
})
