/**
 * SessionStore with two principals on one database: each sees, changes and
 * activates only its own sessions; another's id answers as an unknown one.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Principal from "../../src/domain/Principal.js"
import { layer, SessionStore } from "../../src/sessions/SessionStore.js"
import { testDatabaseAt } from "../support/testDatabase.js"

const storeAt = (path: string) => layer.pipe(Layer.provideMerge(testDatabaseAt(path)))
const fresh = () => storeAt(join(mkdtempSync(join(tmpdir(), "gateway-principals-")), "gateway.db"))
const B = "token:b"

describe("SessionStore with principals", () => {
  it.effect("a session is listed, read, activated and deleted only by its principal", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const mine = yield* store.create({ cli: "claude", setAsActive: true })
      const unknown = yield* Effect.flip(store.get("gw-00000000-0000-4000-8000-000000000000"))
      const asB = <A, E>(effect: Effect.Effect<A, E>) => Principal.as(effect, B)

      const listed = yield* asB(store.list())
      expect(listed.total).toBe(0)
      expect(listed.sessions).toEqual([])
      expect(listed.active.claude).toBeNull()
      const read = yield* Effect.flip(asB(store.get(mine.id)))
      expect(read._tag).toBe(unknown._tag)
      expect(read.message.replace(mine.id, "X")).toBe(unknown.message.replace(/gw-[0-9a-f-]+/, "X"))
      expect((yield* Effect.flip(asB(store.setActive("claude", mine.id))))._tag).toBe("SessionNotFound")
      expect((yield* Effect.flip(asB(store.delete(mine.id))))._tag).toBe("SessionNotFound")
      expect((yield* Effect.flip(asB(store.resolveSessionId("claude", mine.id))))._tag).toBe("SessionNotFound")
      expect(yield* asB(store.clearAll())).toBe(0)
      expect(Option.isNone(yield* asB(store.active("claude")))).toBe(true)

      // Still the owner's, and still active for the owner.
      expect((yield* store.get(mine.id)).active).toBe(true)
      expect(Option.map(yield* store.active("claude"), (s) => s.id)).toEqual(Option.some(mine.id))
    }).pipe(Effect.provide(fresh())))

  it.effect("each principal has its own active session per CLI, and its own conversations", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const asB = <A, E>(effect: Effect.Effect<A, E>) => Principal.as(effect, B)
      const mine = yield* store.create({ cli: "codex", setAsActive: true })
      const theirs = yield* asB(store.create({ cli: "codex", setAsActive: true }))
      expect(Option.map(yield* store.active("codex"), (s) => s.id)).toEqual(Option.some(mine.id))
      expect(Option.map(yield* asB(store.active("codex")), (s) => s.id)).toEqual(Option.some(theirs.id))

      // A conversation recorded for one is linked to its active session, and is not the other's.
      const recorded = yield* store.recordCliSession("codex", "conv-1", 5)
      expect(recorded).toEqual({ recorded: true, linkedGatewaySessionId: mine.id })
      expect(yield* store.resolveSessionId("codex", "conv-1")).toBe("conv-1")
      expect((yield* Effect.flip(asB(store.resolveSessionId("codex", "conv-1"))))._tag).toBe("SessionNotFound")
      // Another principal reporting the same id neither takes it over nor links it.
      expect(yield* asB(store.recordCliSession("codex", "conv-1", 6))).toEqual({
        recorded: false,
        linkedGatewaySessionId: null
      })
      expect((yield* asB(store.get(theirs.id))).cliSessionId).toBeNull()
      expect((yield* store.get("conv-1")).lastUsedAt).toBe(5)
      // An id nobody recorded passes as it is.
      expect(yield* asB(store.resolveSessionId("codex", "conv-2"))).toBe("conv-2")

      // Clearing one's sessions leaves the other's.
      expect(yield* asB(store.clearAll())).toBe(1)
      expect((yield* store.list()).total).toBe(2)
    }).pipe(Effect.provide(fresh())))
})
