/**
 * `token add NAME [--replace] | list | remove NAME`: the arguments (a usage
 * error is exit code 2, given by the binary), the token printed alone on
 * stdout once with how to use it on stderr, the list without hashes, and
 * exit code 1 when the file refuses.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { parseTokenArgs, runTokenCommand, tokenCommand } from "../../src/commands/token.js"
import * as Tokens from "../../src/http/tokens.js"

const scratch = mkdtempSync(join(tmpdir(), "gateway-token-command-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

let count = 0
const freshPath = (): string => {
  const dir = join(scratch, `case-${++count}`)
  mkdirSync(dir, { mode: 0o700 })
  return join(dir, "tokens.json")
}

describe("parseTokenArgs", () => {
  it("reads add, add --replace (either side of the name), list and remove", () => {
    expect(parseTokenArgs(["add", "ci"])).toEqual(Either.right({ _tag: "Add", name: "ci", replace: false }))
    expect(parseTokenArgs(["add", "ci", "--replace"])).toEqual(Either.right({ _tag: "Add", name: "ci", replace: true }))
    expect(parseTokenArgs(["add", "--replace", "ci"])).toEqual(Either.right({ _tag: "Add", name: "ci", replace: true }))
    expect(parseTokenArgs(["list"])).toEqual(Either.right({ _tag: "List" }))
    expect(parseTokenArgs(["remove", "ci.bot-2"])).toEqual(Either.right({ _tag: "Remove", name: "ci.bot-2" }))
  })

  it("refuses anything else, saying what is wrong", () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [[], "token needs a command"],
      [["rotate", "ci"], `unknown token command "rotate"`],
      [["add"], "token add needs a NAME"],
      [["add", "--replace"], "token add needs a NAME"],
      [["add", "a", "b"], "takes one NAME"],
      [["add", "ci", "--force"], `unknown option "--force"`],
      [["add", "a b"], `"a b" is not a token name`],
      [["add", "x".repeat(65)], "is not a token name"],
      [["remove"], "token remove needs a NAME"],
      [["remove", "ci", "--replace"], `unknown option "--replace"`],
      [["remove", "a/b"], `"a/b" is not a token name`],
      [["list", "ci"], "token list takes no arguments"]
    ]
    for (const [args, message] of cases) {
      const parsed = parseTokenArgs(args)
      expect(Either.isLeft(parsed), JSON.stringify(args)).toBe(true)
      if (Either.isLeft(parsed)) expect(parsed.left, JSON.stringify(args)).toContain(message)
    }
  })
})

describe("tokenCommand", () => {
  it.effect("add prints the token alone on stdout, and on stderr that it is not shown again and how a client sends it", () =>
    Effect.gen(function*() {
      const path = freshPath()
      const out = yield* tokenCommand({ _tag: "Add", name: "ci", replace: false }, path)
      expect(out.exitCode).toBe(0)
      expect(out.stdout).toMatch(/^lcg_[A-Za-z0-9_-]{43}\n$/)
      const token = out.stdout.trim()
      expect(out.stderr).toContain("not shown again")
      expect(out.stderr).toContain("Authorization: Bearer <the token>")
      expect(out.stderr).toContain(path)
      expect(out.stderr).not.toContain(token)
      expect(statSync(path).mode & 0o777).toBe(0o600)
      expect(readFileSync(path, "utf8")).not.toContain(token)
      const store = yield* Tokens.make(path)
      expect(yield* store.verify(token)).toEqual(Option.some({ name: "ci" }))
    }))

  it.effect("add of a name already there exits 1 pointing at --replace; with --replace the new token replaces it", () =>
    Effect.gen(function*() {
      const path = freshPath()
      const first = (yield* tokenCommand({ _tag: "Add", name: "ci", replace: false }, path)).stdout.trim()
      const again = yield* tokenCommand({ _tag: "Add", name: "ci", replace: false }, path)
      expect(again.exitCode).toBe(1)
      expect(again.stdout).toBe("")
      expect(again.stderr).toMatch(/^llm-cli-gateway token: .*already has a token named "ci".*--replace/)
      const replaced = yield* tokenCommand({ _tag: "Add", name: "ci", replace: true }, path)
      expect(replaced.exitCode).toBe(0)
      expect(replaced.stderr).toContain("stops working")
      const store = yield* Tokens.make(path)
      expect(yield* store.verify(first)).toEqual(Option.none())
      expect(yield* store.verify(replaced.stdout.trim())).toEqual(Option.some({ name: "ci" }))
    }))

  it.effect("list prints a line per token (name, created), never a token or a hash; remove takes one out", () =>
    Effect.gen(function*() {
      const path = freshPath()
      const empty = yield* tokenCommand({ _tag: "List" }, path)
      expect(empty).toEqual({ stdout: "", stderr: expect.stringContaining(`No tokens in ${path}`), exitCode: 0 })
      const alice = (yield* tokenCommand({ _tag: "Add", name: "alice", replace: false }, path)).stdout.trim()
      yield* tokenCommand({ _tag: "Add", name: "bob-laptop", replace: false }, path)
      const list = yield* tokenCommand({ _tag: "List" }, path)
      expect(list.exitCode).toBe(0)
      expect(list.stdout).toBe(
        "alice       1970-01-01T00:00:00.000Z\n" +
          "bob-laptop  1970-01-01T00:00:00.000Z\n"
      )
      expect(list.stderr).toContain(`2 tokens in ${path}`)
      const hash = JSON.parse(readFileSync(path, "utf8")).tokens[0].sha256 as string
      expect(list.stdout + list.stderr).not.toContain(hash)
      expect(list.stdout + list.stderr).not.toContain(alice)

      const removed = yield* tokenCommand({ _tag: "Remove", name: "alice" }, path)
      expect(removed.exitCode).toBe(0)
      expect(removed.stderr).toContain(`Removed the token "alice"`)
      expect((yield* tokenCommand({ _tag: "List" }, path)).stdout).toBe("bob-laptop  1970-01-01T00:00:00.000Z\n")
      const again = yield* tokenCommand({ _tag: "Remove", name: "alice" }, path)
      expect(again.exitCode).toBe(1)
      expect(again.stderr).toContain(`has no token named "alice"`)
    }))

  it.effect("a file readable by others: every command exits 1 saying what to chmod, and the file is left as it is", () =>
    Effect.gen(function*() {
      const path = freshPath()
      yield* tokenCommand({ _tag: "Add", name: "ci", replace: false }, path)
      chmodSync(path, 0o644)
      const before = readFileSync(path, "utf8")
      for (const action of [{ _tag: "Add", name: "x", replace: false }, { _tag: "List" }, { _tag: "Remove", name: "ci" }] as const) {
        const out = yield* tokenCommand(action, path)
        expect(out.exitCode, action._tag).toBe(1)
        expect(out.stdout).toBe("")
        expect(out.stderr).toContain(`chmod 600 ${path}`)
      }
      expect(readFileSync(path, "utf8")).toBe(before)
    }))

  it.effect("runTokenCommand uses LLM_GATEWAY_TOKENS_FILE, else tokens.json in LLM_GATEWAY_HOME", () =>
    Effect.gen(function*() {
      const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      const home = join(freshPath(), "..", "home")
      const viaHome = yield* withEnv({ LLM_GATEWAY_HOME: home })(runTokenCommand({ _tag: "Add", name: "a", replace: false }))
      expect(viaHome.exitCode).toBe(0)
      expect(statSync(join(home, "tokens.json")).mode & 0o777).toBe(0o600)
      expect(statSync(home).mode & 0o777).toBe(0o700)

      const file = join(home, "elsewhere.json")
      const viaFile = yield* withEnv({ LLM_GATEWAY_HOME: home, LLM_GATEWAY_TOKENS_FILE: file })(
        runTokenCommand({ _tag: "Add", name: "b", replace: false })
      )
      expect(viaFile.exitCode).toBe(0)
      expect((yield* Tokens.listTokens(file)).map((t) => t.name)).toEqual(["b"])

      const bad = yield* withEnv({ LLM_GATEWAY_TOKENS_FILE: "" })(runTokenCommand({ _tag: "List" }))
      expect(bad.exitCode).toBe(1)
      expect(bad.stderr).toContain("LLM_GATEWAY_TOKENS_FILE")
    }))
})
