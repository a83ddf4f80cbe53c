/**
 * Bearer tokens for the HTTP transport: the `TokenStore` that tells the
 * principal of a presented token, from the tokens file
 * (`LLM_GATEWAY_TOKENS_FILE`, default `<LLM_GATEWAY_HOME>/tokens.json`).
 * The file's format is in `http/tokenFileFormat`; reading and writing it,
 * and `token add`, `remove` and `list`, in `http/tokenFile`; both are
 * re-exported here.
 *
 * `verify` hashes the presented token and compares the hash with every
 * stored hash with `crypto.timingSafeEqual`, never stopping at a match, so
 * how long it takes tells neither which token matched nor whether one did.
 * The store looks at the file's metadata at most once a second (by the
 * Effect `Clock`, so a `TestClock` drives it) and reads it again when it
 * changed: `token add` and `token remove` take effect without a restart.
 * When the file becomes unusable after start, every token is refused until
 * it is mended (failing closed), and a warning is logged.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import { timingSafeEqual } from "node:crypto"
import { configuredPath, currentStamp, readTokens, RETRY } from "./tokenFile.js"
import { sha256, type TokenFileError, type TokensFile } from "./tokenFileFormat.js"

/**
 * The tokens file's format and errors, and how a token is made (defined in
 * `http/tokenFileFormat`).
 *
 * @since 0.1.0
 */
export {
  generateToken,
  isValidTokenName,
  parseTokensFile,
  TOKEN_NAME_RULE,
  TOKEN_PREFIX,
  TokenExists,
  TokenFileError,
  TokenName,
  TokenNameInvalid,
  TokenNotFound,
  TokenRecord,
  TokensFile
} from "./tokenFileFormat.js"

/**
 * The tokens file: `token add`, `remove` and `list`, and where the file is
 * (defined in `http/tokenFile`).
 *
 * @since 0.1.0
 */
export {
  addToken,
  configuredPath,
  listTokens,
  MAX_TOKENS_FILE_BYTES,
  removeToken,
  type TokenInfo,
  tokensFilePath
} from "./tokenFile.js"

// ---------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------

/**
 * Who presented a token: the token's name.
 *
 * @since 0.1.0
 */
export interface Principal {
  readonly name: string
}

/**
 * @since 0.1.0
 */
export interface TokenStoreShape {
  /** The principal of a bearer token, or None (unknown, revoked). Constant-time. */
  readonly verify: (token: string) => Effect.Effect<Option.Option<Principal>>
  /**
   * How many tokens there are (0: no authentication configured). 0 only
   * when the file is missing or lists none; while a file that is there
   * cannot be used, at least 1 (and `verify` refuses every token). A
   * server that required tokens when it started should keep requiring them
   * when the count falls to 0 (every token removed): `verify` then
   * refuses all.
   */
  readonly size: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class TokenStore extends Context.Tag("llm-cli-gateway/TokenStore")<TokenStore, TokenStoreShape>() {}

interface Entry {
  readonly hash: Buffer
  readonly principal: Principal
}

type View =
  | { readonly _tag: "Ready"; readonly entries: ReadonlyArray<Entry> }
  | { readonly _tag: "Broken"; readonly size: number; readonly problem: string }

const ready = (records: ReadonlyArray<{ readonly name: string; readonly hash: Buffer }>): View => ({
  _tag: "Ready",
  entries: records.map(({ hash, name }) => ({ hash, principal: { name } }))
})

const viewOf = (file: TokensFile): View =>
  ready(file.tokens.map((t) => ({ name: t.name, hash: Buffer.from(t.sha256, "hex") })))

const sizeOf = (view: View): number => view._tag === "Ready" ? view.entries.length : view.size

/** The principal whose hash is the token's: every entry compared in constant time, none skipped. */
const matching = (entries: ReadonlyArray<Entry>, token: string): Option.Option<Principal> => {
  const presented = sha256(token)
  let found: Principal | undefined
  for (const entry of entries) {
    const equal = timingSafeEqual(presented, entry.hash)
    if (equal && found === undefined) found = entry.principal
  }
  return Option.fromNullable(found)
}

const storeOf = (current: Effect.Effect<View>): TokenStoreShape => ({
  verify: (token) => Effect.map(current, (view) => view._tag === "Ready" ? matching(view.entries, token) : Option.none()),
  size: Effect.map(current, sizeOf)
})

/**
 * How often the store looks whether the file changed, at most (ms).
 *
 * @since 0.1.0
 */
export const CHECK_INTERVAL_MS = 1_000

interface State {
  readonly view: View
  readonly stamp: string
  readonly checkedAt: number
}

/**
 * A store of the tokens in the file at `path`: read now (an unusable file
 * fails), looked at again at most every `checkIntervalMs` and read again
 * when it changed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  path: string,
  options: { readonly checkIntervalMs?: number } = {}
): Effect.Effect<TokenStoreShape, TokenFileError> =>
  Effect.gen(function*() {
    const interval = options.checkIntervalMs ?? CHECK_INTERVAL_MS
    const first = yield* readTokens(path)
    const state = yield* Ref.make<State>({
      view: viewOf(first.file),
      stamp: first.stamp,
      checkedAt: yield* Clock.currentTimeMillis
    })
    const lock = yield* Effect.makeSemaphore(1)
    const isDue = (s: State, now: number) => now - s.checkedAt >= interval

    const refresh: Effect.Effect<View> = lock.withPermits(1)(Effect.gen(function*() {
      const s = yield* Ref.get(state)
      const now = yield* Clock.currentTimeMillis
      if (!isDue(s, now)) return s.view
      const stamp = yield* currentStamp(path)
      if (stamp === s.stamp) {
        yield* Ref.set(state, { ...s, checkedAt: now })
        return s.view
      }
      const read = yield* Effect.either(readTokens(path))
      if (Either.isLeft(read)) {
        const problem = read.left.message
        // Said once per problem, not at every look.
        if (s.view._tag !== "Broken" || s.view.problem !== problem) {
          yield* Effect.logWarning(`${problem}. Every bearer token is refused until it is mended.`)
        }
        const broken: View = { _tag: "Broken", size: Math.max(1, sizeOf(s.view)), problem }
        // A file that could not be read (EMFILE, EIO …) is tried again at the next look, even unchanged.
        yield* Ref.set(state, { view: broken, stamp: read.left.reason === "Unreadable" ? RETRY : stamp, checkedAt: now })
        return broken
      }
      const view = viewOf(read.right.file)
      yield* Effect.logInfo(`tokens file ${path} read again: ${sizeOf(view)} token(s)`)
      yield* Ref.set(state, { view, stamp: read.right.stamp, checkedAt: now })
      return view
    }))

    const current = Effect.flatMap(
      Effect.zip(Ref.get(state), Clock.currentTimeMillis),
      ([s, now]) => isDue(s, now) ? refresh : Effect.succeed(s.view)
    )
    return storeOf(current)
  })

/**
 * The store of the file at `path`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFile = (path: string): Layer.Layer<TokenStore, TokenFileError> => Layer.effect(TokenStore, make(path))

/**
 * The store of the configured file (`LLM_GATEWAY_TOKENS_FILE`); a missing
 * file holds no tokens, an unusable one fails.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<TokenStore, TokenFileError> = Layer.effect(
  TokenStore,
  Effect.flatMap(configuredPath, (path) => make(path))
)

/**
 * A fixed store, name → plain token, for tests.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (tokens: Record<string, string>): Layer.Layer<TokenStore> =>
  Layer.succeed(
    TokenStore,
    storeOf(Effect.succeed(ready(Object.entries(tokens).map(([name, token]) => ({ name, hash: sha256(token) })))))
  )
