/**
 * The fake claude run directly, with the argv and stdin the gateway gives it:
 * the floor the gateway's own runs are measured against.
 */
import { spawn } from "node:child_process"
import { join, resolve } from "node:path"
import { since } from "./stats.js"

export const root = resolve(import.meta.dirname, "..")
export const fakeClaude = join(root, "test/fixtures/bin/claude")
/** The same fake, its stdin handed over as a file: for concurrent runs (see the script for why). */

/** The argv the gateway gives claude for a default request (pinned by the adapter's golden test). */
export const claudeArgv: ReadonlyArray<string> = ["-p", "--output-format", "stream-json", "--verbose"]

export interface DirectRun {
  readonly ms: number
  readonly stdout: string
}

/** Spawns the fake claude with `prompt` on stdin and waits for it to close; fails on a non-zero exit. */
export const runFakeClaude = (prompt: string, env: NodeJS.ProcessEnv, bin = fakeClaude): Promise<DirectRun> =>
  new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(bin, claudeArgv, { stdio: ["pipe", "pipe", "pipe"], env, detached: true })
    const out: Array<Buffer> = []
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk))
    child.stderr.resume()
    child.once("error", reject)
    child.once("close", (code) => {
      if (code !== 0) reject(new Error(`fake claude exited ${code}`))
      else resolvePromise({ ms: since(start), stdout: Buffer.concat(out).toString("utf8") })
    })
    child.stdin.end(prompt)
  })
