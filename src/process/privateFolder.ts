/**
 * Private folders for what a run must hand a CLI as a file (grok's prompt,
 * claude's per-request MCP configuration with its tokens). Each lives in
 * one parent of the gateway's own, `<tmp>/llm-cli-gateway-<uid>` (mode
 * 0700, owned by this user, never a symlink), and is named after the
 * process that made it: `run-<pid namespace>-<pid>-<random>`. A run removes its folder
 * when it ends; what a server killed with SIGKILL left behind is removed
 * by the next server (`sweep`, at start-up and hourly): every folder whose
 * process no longer runs.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir, userInfo } from "node:os"
import { join } from "node:path"
import { SpawnFailed } from "../domain/errors.js"
import { isRunning, ownPidNamespace } from "./processInfo.js"

// The pid namespace in the name: a pid means this process only to servers that see the same pids (two
// containers sharing a /tmp do not).
const namespace = (ownPidNamespace() ?? "").replace(/\D/g, "") || "0"
const PREFIX = `run-${namespace}-`

/**
 * How this server's private folders are named: `run-<pid namespace>-`, then the pid.
 *
 * @since 0.1.0
 */
export const folderPrefix = (): string => PREFIX

const uid = (): string => {
  try {
    return String(userInfo().uid)
  } catch {
    return "user"
  }
}

/**
 * The parent of every private folder of this user's gateways.
 *
 * @since 0.1.0
 */
export const defaultParent = (): string => join(tmpdir(), `llm-cli-gateway-${uid()}`)

/**
 * Makes the parent (mode 0700) when it is missing, and checks that it is a
 * folder of this user's, not a symlink, that no one else can enter; else
 * fails with the reason.
 *
 * @since 0.1.0
 */
export const ensureParent = (parent: string): string | undefined => {
  try {
    mkdirSync(parent, { mode: 0o700 })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") return `cannot create ${parent}: ${(e as Error).message}`
  }
  const stat = lstatSync(parent)
  if (stat.isSymbolicLink() || !stat.isDirectory()) return `${parent} is not a folder (a symlink or a file is there)`
  if (typeof process.getuid === "function" && stat.uid !== process.getuid()) return `${parent} belongs to another user`
  if ((stat.mode & 0o077) !== 0) return `${parent} is open to other users (mode ${(stat.mode & 0o777).toString(8)})`
  return undefined
}

/**
 * A new private folder for one run, removed when the scope closes.
 *
 * @since 0.1.0
 */
export const privateFolder = (what: string, parent: string = defaultParent()) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const problem = ensureParent(parent)
        if (problem !== undefined) throw new Error(problem)
        return await mkdtemp(join(parent, `${PREFIX}${process.pid}-`))
      },
      catch: (e) =>
        new SpawnFailed({
          message: `could not make a private folder for the ${what}: ${e instanceof Error ? e.message : String(e)}`,
          command: what
        })
    }),
    (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
  )

/**
 * Removes the folders of processes that no longer run (a gateway killed
 * mid-run), and says how many. Folders of running processes, this one's
 * included, and anything not named as ours are left alone.
 *
 * @since 0.1.0
 */
export const sweep = (parent: string = defaultParent()): number => {
  if (ensureParent(parent) !== undefined) return 0
  let removed = 0
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(PREFIX)) continue
    const match = /^(\d+)-/.exec(name.slice(PREFIX.length))
    if (match === null) continue
    const pid = Number(match[1])
    if (pid === process.pid || isRunning(pid)) continue
    rmSync(join(parent, name), { recursive: true, force: true })
    removed++
  }
  return removed
}
