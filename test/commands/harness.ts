/**
 * Runs the built binary's commands (not serving) as a child process, with
 * a PATH made of chosen programs, and cleans up the folders it made.
 */
import { execFile } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

export const root = resolve(import.meta.dirname, "../..")
export const binary = join(root, "dist/bin/llm-cli-gateway.js")
export const fakeBin = (cli: string) => join(root, "test/fixtures/bin", cli)
/** A community CLI also called `grok`: another program under the CLI's name. */
export const communityGrok = join(root, "test/fixtures/community/grok")

const made: Array<string> = []

/** A fresh folder, removed by `cleanUp`. */
export const tempDir = (prefix = "gateway-commands-"): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

export const cleanUp = (): void => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/**
 * A folder for PATH holding `node` (this Node.js) and the programs given,
 * each a symlink named as the key.
 */
export const pathWith = (programs: Readonly<Record<string, string>>): string => {
  const dir = join(tempDir("gateway-path-"), "bin")
  mkdirSync(dir)
  symlinkSync(process.execPath, join(dir, "node"))
  for (const [name, target] of Object.entries(programs)) symlinkSync(target, join(dir, name))
  return dir
}

export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command with exactly the environment given (no variable of this process leaks in); killed after `timeoutMs`. */
export const runCommand = (
  command: string,
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
  cwd?: string,
  timeoutMs = 60_000
): Promise<Run> =>
  new Promise((done) => {
    const options = { env: { ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, ...(cwd === undefined ? {} : { cwd }) }
    execFile(command, [...args], options, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      done({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })

/** Runs the built binary with arguments, in an environment of its own (HOME and LLM_GATEWAY_HOME fresh). */
export const runBinary = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}): Promise<Run> => {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run build first`)
  const home = tempDir("gateway-home-")
  return runCommand(process.execPath, [binary, ...args], {
    PATH: pathWith({}),
    HOME: home,
    LLM_GATEWAY_HOME: join(home, ".llm-cli-gateway"),
    ...env
  })
}
