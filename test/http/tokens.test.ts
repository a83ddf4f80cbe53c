/**
 * The tokens file and the TokenStore: tokens kept as hashes (file 0600,
 * folder 0700, written by rename), names checked and unique, verify
 * mapping only the right token to its name, the file read again when it
 * changes (at most once a second, on the TestClock), and an unsafe or
 * malformed file refused by name without quoting it.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { createHash } from "node:crypto"
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import * as Tokens from "../../src/http/tokens.js"

const scratch = mkdtempSync(join(tmpdir(), "gateway-tokens-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

let count = 0
/** A fresh folder (0700, as mkdtemp makes it) and the tokens file's path in it. */
const freshPath = (file = "tokens.json"): string => {
  const dir = join(scratch, `case-${++count}`)
  mkdirSync(dir, { mode: 0o700 })
  return join(dir, file)
}

const hex = (token: string) => createHash("sha256").update(token).digest("hex")

/** A file as someone could write it by hand, mode 0600. */
const writeRaw = (path: string, text: string, mode = 0o600) => {
  writeFileSync(path, text, { mode })
  chmodSync(path, mode)
}

const validFile = (tokens: Record<string, string>) =>
  JSON.stringify({
    version: 1,
    tokens: Object.entries(tokens).map(([name, token]) => ({ name, sha256: hex(token), createdAt: "2025-01-01T00:00:00.000Z" }))
  })

const advance = (ms: number) => TestClock.adjust(Duration.millis(ms))

/** The TokenFileError an effect fails with (failing the test on any other outcome). */
const fileError = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.flip(effect), (error) => {
    expect(error._tag).toBe("TokenFileError")
    return error as unknown as Tokens.TokenFileError
  })

describe("addToken, listTokens, removeToken", () => {
  it.effect("add makes the folder (0700) and the file (0600), and keeps only the token's hash", () =>
    Effect.gen(function*() {
      const dir = join(scratch, `case-${++count}`, "a", "b")
      const path = join(dir, "tokens.json")
      const token = yield* Tokens.addToken(path, "ci")
      expect(token).toMatch(/^lcg_[A-Za-z0-9_-]{43}$/)
      expect(statSync(dir).mode & 0o777).toBe(0o700)
      expect(statSync(join(dir, "..")).mode & 0o777).toBe(0o700)
      expect(statSync(path).mode & 0o777).toBe(0o600)
      const text = readFileSync(path, "utf8")
      expect(text).not.toContain(token)
      expect(text).not.toContain(token.slice(4))
      expect(JSON.parse(text)).toEqual({
        version: 1,
        tokens: [{ name: "ci", sha256: hex(token), createdAt: new Date(0).toISOString() }]
      })
    }))

  it.effect("each token is new", () =>
    Effect.gen(function*() {
      const path = freshPath()
      const a = yield* Tokens.addToken(path, "a")
      const b = yield* Tokens.addToken(path, "b")
      expect(a).not.toBe(b)
    }))

  it.effect("list gives names and creation times in order, never a hash; remove takes one out", () =>
    Effect.gen(function*() {
      const path = freshPath()
      expect(yield* Tokens.listTokens(path)).toEqual([])
      yield* Tokens.addToken(path, "alice")
      yield* advance(60_000)
      yield* Tokens.addToken(path, "bob.laptop_2-x")
      const listed = yield* Tokens.listTokens(path)
      expect(listed).toEqual([
        { name: "alice", createdAt: "1970-01-01T00:00:00.000Z" },
        { name: "bob.laptop_2-x", createdAt: "1970-01-01T00:01:00.000Z" }
      ])
      for (const entry of listed) expect(Object.keys(entry).sort()).toEqual(["createdAt", "name"])
      yield* Tokens.removeToken(path, "alice")
      expect((yield* Tokens.listTokens(path)).map((t) => t.name)).toEqual(["bob.laptop_2-x"])
      expect(statSync(path).mode & 0o777).toBe(0o600)
    }))

  it.effect("removing a name the file does not have is TokenNotFound, naming the names it has", () =>
    Effect.gen(function*() {
      const path = freshPath()
      yield* Tokens.addToken(path, "alice")
      const error = yield* Effect.flip(Tokens.removeToken(path, "bob"))
      expect(error._tag).toBe("TokenNotFound")
      expect(error.message).toContain(path)
      expect(error.message).toContain(`"alice"`)
      expect((yield* Tokens.listTokens(path)).map((t) => t.name)).toEqual(["alice"])
    }))

  it.effect("a name already there is TokenExists and changes nothing; with replace, the new token takes its place", () =>
    Effect.gen(function*() {
      const path = freshPath()
      const first = yield* Tokens.addToken(path, "ci")
      const before = readFileSync(path, "utf8")
      const error = yield* Effect.flip(Tokens.addToken(path, "ci"))
      expect(error._tag).toBe("TokenExists")
      expect(error.message).toContain("--replace")
      expect(readFileSync(path, "utf8")).toBe(before)

      const second = yield* Tokens.addToken(path, "ci", { replace: true })
      expect((yield* Tokens.listTokens(path)).map((t) => t.name)).toEqual(["ci"])
      const store = yield* Tokens.make(path)
      expect(yield* store.verify(second)).toEqual(Option.some({ name: "ci" }))
      expect(yield* store.verify(first)).toEqual(Option.none())
    }))

  it.effect("names: letters, digits and . _ -, starting with a letter or digit, 1 to 64 characters", () =>
    Effect.gen(function*() {
      const path = freshPath()
      for (const name of ["a", "9", "ci.bot_1-x", "A".repeat(64)]) {
        yield* Tokens.addToken(path, name)
      }
      for (const name of ["", "a b", "-x", "--replace", ".hidden", "_x", "a/b", "a:b", "é", "A".repeat(65), "a\n"]) {
        const error = yield* Effect.flip(Tokens.addToken(path, name))
        expect(error._tag, JSON.stringify(name)).toBe("TokenNameInvalid")
        expect(error.message).toContain("is not a token name")
      }
      expect((yield* Tokens.listTokens(path)).length).toBe(4)
    }))

  it.effect("the file is replaced by rename: a reader of the old file reads it whole, and no temporary file is left", () =>
    Effect.gen(function*() {
      const path = freshPath()
      yield* Tokens.addToken(path, "first")
      const oldText = readFileSync(path, "utf8")
      const oldInode = statSync(path).ino
      const fd = openSync(path, "r")
      try {
        yield* Tokens.addToken(path, "second")
        expect(statSync(path).ino).not.toBe(oldInode)
        const buffer = Buffer.alloc(oldText.length + 100)
        const n = readSync(fd, buffer, 0, buffer.length, 0)
        expect(buffer.subarray(0, n).toString("utf8")).toBe(oldText)
      } finally {
        closeSync(fd)
      }
      expect(readdirSync(join(path, ".."))).toEqual(["tokens.json"])
      expect(statSync(path).mode & 0o777).toBe(0o600)
    }))
})

describe("an unsafe or malformed file", () => {
  it.effect("a file readable by other users is refused, saying what to chmod, and is not rewritten", () =>
    Effect.gen(function*() {
      for (const mode of [0o644, 0o640, 0o604, 0o660]) {
        const path = freshPath()
        writeRaw(path, validFile({ a: "tok-a" }), mode)
        const error = yield* Effect.flip(Tokens.make(path))
        expect(error._tag).toBe("TokenFileError")
        expect(error.reason).toBe("Unsafe")
        expect(error.message).toContain(`chmod 600 ${path}`)
        expect(error.message).toContain(`mode 0${mode.toString(8)}`)
        const adding = yield* fileError(Tokens.addToken(path, "b"))
        expect(adding.reason).toBe("Unsafe")
        expect(readFileSync(path, "utf8")).toBe(validFile({ a: "tok-a" }))
        expect(statSync(path).mode & 0o777).toBe(mode)
      }
    }))

  it.effect("a symbolic link is refused (even to a private file), and the file it points to is left alone", () =>
    Effect.gen(function*() {
      const target = freshPath("real.json")
      writeRaw(target, validFile({ a: "tok-a" }))
      const path = join(target, "..", "tokens.json")
      symlinkSync(target, path)
      const error = yield* Effect.flip(Tokens.make(path))
      expect(error.reason).toBe("Unsafe")
      expect(error.message).toContain(path)
      expect(error.message).toContain("symbolic link")
      expect((yield* fileError(Tokens.addToken(path, "b"))).reason).toBe("Unsafe")
      expect((yield* Effect.flip(Tokens.listTokens(path))).reason).toBe("Unsafe")
      expect(readFileSync(target, "utf8")).toBe(validFile({ a: "tok-a" }))
    }))

  it.effect("a folder every user may write is refused, for reading and for writing", () =>
    Effect.gen(function*() {
      const path = freshPath()
      const dir = join(path, "..")
      chmodSync(dir, 0o777)
      const error = yield* Effect.flip(Tokens.make(path))
      expect(error.reason).toBe("Unsafe")
      expect(error.message).toContain("chmod o-w")
      expect((yield* fileError(Tokens.addToken(path, "a"))).reason).toBe("Unsafe")
      expect(readdirSync(dir)).toEqual([])
    }))

  it.effect("a folder in the file's place is refused as not a regular file", () =>
    Effect.gen(function*() {
      const path = freshPath()
      mkdirSync(path, { mode: 0o700 })
      const error = yield* Effect.flip(Tokens.make(path))
      expect(error.reason).toBe("Unsafe")
      expect(error.message).toContain("is a folder, not a regular file")
    }))

  it.effect("text that is not JSON is Malformed, naming the path and the place, never the text", () =>
    Effect.gen(function*() {
      const path = freshPath()
      writeRaw(path, "hunter2-password-line\n")
      const error = yield* Effect.flip(Tokens.make(path))
      expect(error._tag).toBe("TokenFileError")
      expect(error.reason).toBe("Malformed")
      expect(error.path).toBe(path)
      expect(error.message).toContain(path)
      expect(error.message).toContain("line 1, column 1")
      expect(error.message).not.toContain("hunter2")
      expect((yield* fileError(Tokens.addToken(path, "a"))).reason).toBe("Malformed")
      expect(readFileSync(path, "utf8")).toBe("hunter2-password-line\n")
    }))

  it.effect("JSON not in the format is Malformed, each problem by field path, no value quoted", () =>
    Effect.gen(function*() {
      const path = freshPath()
      writeRaw(
        path,
        JSON.stringify({
          version: 2,
          tokens: [
            { name: "ok", sha256: "secret-sha-value", createdAt: "2025-01-01T00:00:00Z" },
            { name: "bad name secret", sha256: hex("x"), createdAt: "not-a-date-secret" },
            { name: 42, createdAt: "2025-01-01T00:00:00Z" }
          ]
        })
      )
      const error = yield* Effect.flip(Tokens.make(path))
      expect(error.reason).toBe("Malformed")
      expect(error.message).toContain(path)
      expect(error.message).toContain("at version: must be 1")
      expect(error.message).toContain("at tokens.0.sha256: must be 64 hex digits")
      expect(error.message).toContain("at tokens.1.name: must be a token name")
      expect(error.message).toContain("at tokens.1.createdAt: must be a date")
      expect(error.message).toContain("at tokens.2.name: must be a token name")
      expect(error.message).toContain("at tokens.2.sha256: is missing")
      for (const secret of ["secret", "42", hex("x")]) expect(error.message).not.toContain(secret)
    }))

  it.effect("two tokens of one name are Malformed, by position; a top level of the wrong kind too", () =>
    Effect.gen(function*() {
      const path = freshPath()
      const record = { name: "twin-secret", sha256: hex("x"), createdAt: "2025-01-01T00:00:00Z" }
      writeRaw(path, JSON.stringify({ version: 1, tokens: [record, { ...record, sha256: hex("y") }] }))
      const error = yield* Effect.flip(Tokens.make(path))
      expect(error.message).toContain("at tokens: tokens 0 and 1 have the same name")
      expect(error.message).not.toContain("twin-secret")

      writeRaw(path, JSON.stringify("a-secret-string"))
      const top = yield* Effect.flip(Tokens.make(path))
      expect(top.message).toContain(`must be an object {"version": 1, "tokens": [...]}`)
      expect(top.message).not.toContain("a-secret-string")
    }))
})

describe("TokenStore", () => {
  it.effect("verify accepts only the right token and maps it to its name", () =>
    Effect.gen(function*() {
      const path = freshPath()
      const alice = yield* Tokens.addToken(path, "alice")
      const bob = yield* Tokens.addToken(path, "bob")
      const store = yield* Tokens.make(path)
      expect(yield* store.size).toBe(2)
      expect(yield* store.verify(alice)).toEqual(Option.some({ name: "alice" }))
      expect(yield* store.verify(bob)).toEqual(Option.some({ name: "bob" }))
      const last = alice.at(-1) === "A" ? "B" : "A"
      for (const wrong of ["", "alice", alice.slice(0, -1), `${alice.slice(0, -1)}${last}`, `${alice} `, hex(alice), `Bearer ${alice}`]) {
        expect(yield* store.verify(wrong), JSON.stringify(wrong)).toEqual(Option.none())
      }
    }))

  it.effect("a missing file holds no tokens: size 0, nothing verifies", () =>
    Effect.gen(function*() {
      const path = join(freshPath(), "..", "absent", "tokens.json")
      const store = yield* Tokens.make(path)
      expect(yield* store.size).toBe(0)
      expect(yield* store.verify("lcg_anything")).toEqual(Option.none())
    }))

  it.effect("a removed token stops verifying once the file is looked at again (at most once a second)", () =>
    Effect.gen(function*() {
      const path = freshPath()
      const alice = yield* Tokens.addToken(path, "alice")
      const bob = yield* Tokens.addToken(path, "bob")
      const store = yield* Tokens.make(path)
      expect(yield* store.verify(alice)).toEqual(Option.some({ name: "alice" }))

      yield* Tokens.removeToken(path, "alice")
      // Within the second, the file is not looked at.
      yield* advance(999)
      expect(yield* store.verify(alice)).toEqual(Option.some({ name: "alice" }))
      yield* advance(1)
      expect(yield* store.verify(alice)).toEqual(Option.none())
      expect(yield* store.verify(bob)).toEqual(Option.some({ name: "bob" }))
      expect(yield* store.size).toBe(1)
    }))

  it.effect("a token added after start verifies after the next look; removing every token leaves size 0", () =>
    Effect.gen(function*() {
      const path = freshPath()
      const store = yield* Tokens.make(path)
      expect(yield* store.size).toBe(0)
      const carol = yield* Tokens.addToken(path, "carol")
      expect(yield* store.verify(carol)).toEqual(Option.none())
      yield* advance(1_000)
      expect(yield* store.verify(carol)).toEqual(Option.some({ name: "carol" }))
      yield* Tokens.removeToken(path, "carol")
      yield* advance(1_000)
      expect(yield* store.size).toBe(0)
      expect(yield* store.verify(carol)).toEqual(Option.none())
    }))

  it.effect("a file that goes bad after start refuses every token (size stays above 0), once warned, until mended", () =>
    Effect.gen(function*() {
      const path = freshPath()
      writeRaw(path, validFile({ alice: "tok-alice" }))
      const warnings: Array<string> = []
      const logger = Logger.make(({ logLevel, message }) => {
        if (logLevel._tag === "Warning") warnings.push(String(message))
      })
      const store = yield* Tokens.make(path)
      expect(yield* store.verify("tok-alice")).toEqual(Option.some({ name: "alice" }))

      writeRaw(path, "{ broken secret")
      yield* advance(1_000)
      const check = Effect.all([store.verify("tok-alice"), store.size]).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
      expect(yield* check).toEqual([Option.none(), 1])
      yield* advance(1_000)
      expect(yield* check).toEqual([Option.none(), 1])
      expect(warnings.length).toBe(1)
      expect(warnings[0]).toContain(path)
      expect(warnings[0]).not.toContain("secret")

      // Made readable by others: refused too.
      writeRaw(path, validFile({ alice: "tok-alice" }), 0o644)
      yield* advance(1_000)
      expect(yield* store.verify("tok-alice")).toEqual(Option.none())

      chmodSync(path, 0o600)
      yield* advance(1_000)
      expect(yield* store.verify("tok-alice")).toEqual(Option.some({ name: "alice" }))
      expect(yield* store.size).toBe(1)
    }))

  it.effect("a file replaced by a symbolic link after start is refused at the next look", () =>
    Effect.gen(function*() {
      const path = freshPath()
      writeRaw(path, validFile({ alice: "tok-alice" }))
      const store = yield* Tokens.make(path)
      const elsewhere = freshPath("other.json")
      writeRaw(elsewhere, validFile({ mallory: "tok-mallory" }))
      rmSync(path)
      symlinkSync(elsewhere, path)
      yield* advance(1_000)
      expect(yield* store.verify("tok-mallory")).toEqual(Option.none())
      expect(yield* store.verify("tok-alice")).toEqual(Option.none())
    }))

  it.effect("layerTest maps each plain token to its name", () =>
    Effect.gen(function*() {
      const store = yield* Tokens.TokenStore
      expect(yield* store.size).toBe(2)
      expect(yield* store.verify("secret-1")).toEqual(Option.some({ name: "one" }))
      expect(yield* store.verify("secret-2")).toEqual(Option.some({ name: "two" }))
      expect(yield* store.verify("secret-3")).toEqual(Option.none())
    }).pipe(Effect.provide(Tokens.layerTest({ one: "secret-1", two: "secret-2" }))))
})

describe("layer and LLM_GATEWAY_TOKENS_FILE", () => {
  const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

  it.effect("default: tokens.json in LLM_GATEWAY_HOME; LLM_GATEWAY_TOKENS_FILE overrides it; empty is refused", () =>
    Effect.gen(function*() {
      expect(yield* withEnv({ LLM_GATEWAY_HOME: "/srv/gw" })(Tokens.configuredPath)).toBe("/srv/gw/tokens.json")
      expect(yield* withEnv({ LLM_GATEWAY_HOME: "/srv/gw", LLM_GATEWAY_TOKENS_FILE: "/etc/gw/t.json" })(Tokens.configuredPath))
        .toBe("/etc/gw/t.json")
      const error = yield* Effect.flip(withEnv({ LLM_GATEWAY_TOKENS_FILE: " " })(Tokens.configuredPath))
      expect(error.reason).toBe("Setting")
      expect(error.message).toContain("LLM_GATEWAY_TOKENS_FILE")
    }))

  it.effect("the layer serves the configured file, and fails with TokenFileError on an unsafe one", () =>
    Effect.gen(function*() {
      const path = freshPath()
      const token = yield* Tokens.addToken(path, "ci")
      const principal = yield* Effect.flatMap(Tokens.TokenStore, (store) => store.verify(token)).pipe(
        Effect.provide(Tokens.layer),
        withEnv({ LLM_GATEWAY_TOKENS_FILE: path })
      )
      expect(principal).toEqual(Option.some({ name: "ci" }))

      chmodSync(path, 0o644)
      const error = yield* Effect.flip(
        Effect.flatMap(Tokens.TokenStore, (store) => store.size).pipe(
          Effect.provide(Tokens.layer),
          withEnv({ LLM_GATEWAY_TOKENS_FILE: path })
        )
      )
      expect(error._tag).toBe("TokenFileError")
      expect(error.reason).toBe("Unsafe")
    }))
})
