/**
 * Runs the bundled server through V8's code cache. Compiling the 600 KB
 * bundle costs about 40 ms of every start (Node 20 keeps no cache of its
 * own for ES modules); with the code V8 produced on an earlier start, the
 * compile takes well under a millisecond.
 *
 * The cache lives in the gateway's folder (`LLM_GATEWAY_HOME`, default
 * `~/.llm-cli-gateway`, mode 0700) as `cache/gateway-<key>.v8cache` (mode
 * 0600), where the key hashes the bundle, Node's version and its options:
 * another build never reads it, and V8 checks it again and rejects what
 * does not fit. A missing, unreadable or rejected cache only means a
 * normal compile, after which the cache is written anew (replacing older
 * ones). `LLM_GATEWAY_COMPILE_CACHE=false` turns it off.
 *
 * The build also leaves, beside the bundle, the cache of the Node that built
 * it (`cache/gateway-<key>.v8cache`, by the same key): a first start on that
 * Node, with a new HOME, compiles nothing. It is only read; on another Node,
 * or with other options, its name does not match, and when V8 rejects it the
 * start compiles and writes the gateway's own cache as above.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { Script } from "node:vm"

/**
 * Where the cache of a bundle goes, or undefined when it is turned off.
 *
 * @since 0.1.0
 */
export const cacheFolder = (env: Readonly<Record<string, string | undefined>>): string | undefined => {
  const setting = env.LLM_GATEWAY_COMPILE_CACHE?.trim().toLowerCase()
  if (setting === "false" || setting === "0" || setting === "off" || setting === "no") return undefined
  return join(env.LLM_GATEWAY_HOME ?? join(homedir(), ".llm-cli-gateway"), "cache")
}

/**
 * The cache file's name for a bundle's source, this Node and its options.
 *
 * @since 0.1.0
 */
export const cacheName = (source: string, nodeVersion: string, execArgv: ReadonlyArray<string>): string =>
  `gateway-${createHash("sha256").update(source).update("\0").update(nodeVersion).update("\0").update(execArgv.join(" ")).digest("hex").slice(0, 24)}.v8cache`

/** The bundle as a CommonJS function; a first line `#!…` becomes a comment, so line numbers stay. */
const wrap = (source: string): string =>
  `(function (exports, require, module, __filename, __dirname) {${source.replace(/^#!/, "//")}\n})`

const readCache = (file: string): Buffer | undefined => {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

/**
 * Makes a folder and its missing parents, one level at a time. Not
 * `mkdirSync(…, { recursive: true })`: on procfs, where the kernel answers
 * ENOENT for a child of a folder that exists, Node's recursive mkdir loops
 * for ever (and a `LLM_GATEWAY_HOME` under /proc spun at 100 % CPU).
 */
const makeFolder = (folder: string): void => {
  const missing: Array<string> = []
  for (let dir = folder; !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir)) missing.unshift(dir)
  for (const dir of missing) mkdirSync(dir, { mode: 0o700 })
}

/** Writes the cache atomically and removes the caches of other builds; a failure only loses the cache. */
const writeCache = (folder: string, name: string, data: Buffer): void => {
  try {
    makeFolder(folder)
    const temp = join(folder, `${name}.${process.pid}.tmp`)
    writeFileSync(temp, data, { mode: 0o600 })
    renameSync(temp, join(folder, name))
    for (const other of readdirSync(folder)) {
      if (other !== name && /^gateway-[0-9a-f]+\.v8cache$/.test(other)) rmSync(join(folder, other), { force: true })
    }
  } catch {
    // Best effort: the next start compiles again.
  }
}

/**
 * The folder beside a bundle where the build leaves its cache.
 *
 * @since 0.1.0
 */
export const shippedFolder = (file: string): string => join(dirname(file), "cache")

/**
 * Loads and runs a CommonJS bundle, compiled from the cache when it fits:
 * the gateway's own (`folder`), else the one shipped beside the bundle.
 * Answers whether a cache was used.
 *
 * @since 0.1.0
 */
export const runCached = (file: string, folder: string | undefined): boolean => {
  const source = readFileSync(file, "utf8")
  const name = cacheName(source, process.version, process.execArgv)
  const cached = folder === undefined
    ? undefined
    : readCache(join(folder, name)) ?? readCache(join(shippedFolder(file), name))
  const script = new Script(wrap(source), { filename: file, ...(cached !== undefined ? { cachedData: cached } : {}) })
  const used = cached !== undefined && !script.cachedDataRejected
  const run = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: { exports: object },
    filename: string,
    dirname: string
  ) => void
  const module = { exports: {} }
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file))
  // After the first run the functions it compiled go into the cache too.
  if (folder !== undefined && !used) writeCache(folder, name, script.createCachedData())
  return used
}
