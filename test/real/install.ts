/**
 * The global setup of the contract suite: installs the real CLIs that
 * `test/real/package.json` pins (exactly as `test/real/package-lock.json`
 * locks them) into a cache folder, once, and hands their binary paths to the
 * tests (`inject("realClis")`).
 *
 * - Folder: `node_modules/.cache/llm-cli-gateway-real/<first 12 hex of the
 *   lockfile's sha256>`, or `LLM_GATEWAY_REAL_CLIS_DIR`.
 * - `npm install` (over the lockfile) runs only when the folder holds no marker of a finished install
 *   of this very package.json and lockfile; the marker is written last, so an
 *   install cut short is redone.
 * - A failed install fails the suite, with npm's output.
 */
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync } from "node:fs"
import { copyFile, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import type { TestProject } from "vitest/node"

/** The CLIs the suite runs. */
export type RealCli = "claude" | "codex" | "gemini" | "grok" | "copilot" | "qwen" | "opencode"

/** What the setup hands to the tests. */
export interface RealClis {
  /** The folder the CLIs are installed in. */
  readonly dir: string
  /** The absolute path of each CLI's binary. */
  readonly bin: { readonly [C in RealCli]: string }
  /** The pinned version of each CLI's npm package. */
  readonly versions: { readonly [C in RealCli]: string }
}

declare module "vitest" {
  export interface ProvidedContext {
    realClis: RealClis
  }
}

const HERE = import.meta.dirname
const ROOT = resolve(HERE, "../..")

/** Each CLI's npm package (its binary has the CLI's name). */
export const PACKAGES: { readonly [C in RealCli]: string } = {
  claude: "@anthropic-ai/claude-code",
  codex: "@openai/codex",
  gemini: "@google/gemini-cli",
  grok: "@vibe-kit/grok-cli",
  copilot: "@github/copilot",
  qwen: "@qwen-code/qwen-code",
  opencode: "opencode-ai"
}

const MARKER = ".llm-cli-gateway-real-installed.json"
const LOCK = ".llm-cli-gateway-real-install.lock"
const INSTALL_TIMEOUT_MS = 15 * 60_000
/** claude's package ships a placeholder `bin/claude.exe` that its postinstall replaces by the native binary. */
const STUB_MAX_BYTES = 1024 * 1024

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex")

const log = (line: string) => process.stderr.write(`[real CLIs] ${line}\n`)

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

interface Marker {
  readonly lockfileSha256: string
  readonly packageJsonSha256: string
  readonly installedAt: string
  readonly installMs: number
}

const readMarker = async (dir: string): Promise<Marker | undefined> => {
  try {
    return JSON.parse(await readFile(join(dir, MARKER), "utf8")) as Marker
  } catch {
    return undefined
  }
}

/** The environment for the child npm: ours, minus what `npm test` sets about the project that runs it. */
const npmEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_/i.test(key) || /^npm_config_local_prefix$/i.test(key)) continue
    env[key] = value
  }
  env["npm_config_update_notifier"] = "false"
  return env
}

/** The npm that runs this suite (`npm test`), else the first `npm` on PATH. */
const npmCommand = (args: ReadonlyArray<string>): { command: string; args: Array<string> } => {
  const execPath = process.env["npm_execpath"]
  return execPath !== undefined && /npm-cli\.[cm]?js$/.test(execPath)
    ? { command: process.execPath, args: [execPath, ...args] }
    : { command: "npm", args: [...args] }
}

/**
 * Installs the locked packages in `dir`; resolves with npm's output, rejects
 * with it. `npm install` over the lockfile, not `npm ci`: qwen's optional
 * `@teddyzhu/clipboard` names platform packages that were never published
 * (a 404 on the registry), so no lockfile can list them and `npm ci` counts
 * it as out of sync; `npm install` installs exactly the locked versions and
 * skips the missing optional ones.
 */
const npmCi = (dir: string): Promise<string> =>
  new Promise((resolvePromise, reject) => {
    // `--include=optional`: the native binaries of claude, codex, copilot and opencode are optional dependencies.
    const { command, args } = npmCommand(["install", "--no-audit", "--no-fund", "--include=optional", "--no-save"])
    const child = spawn(command, args, { cwd: dir, env: npmEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => {
      output += `\n[real CLIs] npm install did not finish in ${seconds(INSTALL_TIMEOUT_MS)}; killed\n`
      try {
        process.kill(-child.pid!, "SIGKILL")
      } catch {
        // already gone
      }
    }, INSTALL_TIMEOUT_MS)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(new Error(`could not run ${command} ${args.join(" ")} in ${dir}: ${error.message}`))
    })
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolvePromise(output)
      else {
        reject(
          new Error(
            `npm install of the real CLIs failed (${signal ?? `exit ${code}`}) in ${dir}:\n${output.slice(-20_000)}`
          )
        )
      }
    })
  })

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** One installer per folder at a time (two suites started together wait for each other). */
const withLock = async <A>(dir: string, f: () => Promise<A>): Promise<A> => {
  const path = join(dir, LOCK)
  const deadline = Date.now() + INSTALL_TIMEOUT_MS
  for (;;) {
    try {
      await writeFile(path, String(process.pid), { flag: "wx" })
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
      const holder = Number((await readFile(path, "utf8").catch(() => "")).trim())
      if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) {
        await rm(path, { force: true })
        continue
      }
      if (Date.now() > deadline) throw new Error(`${path} is held by process ${holder} for too long`)
      await new Promise((r) => setTimeout(r, 500))
    }
  }
  try {
    return await f()
  } finally {
    await rm(path, { force: true })
  }
}

/** The file a package's `bin` entry names. */
const binOf = async (dir: string, pkg: string, name: string): Promise<string> => {
  const pkgDir = join(dir, "node_modules", pkg)
  const manifest = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8")) as {
    bin?: string | Record<string, string>
  }
  const entry = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.[name]
  if (entry === undefined) throw new Error(`${pkg} declares no binary "${name}"`)
  return join(pkgDir, entry)
}

/**
 * claude's binary: `bin/claude.exe` once its postinstall copied the native
 * binary over it; the platform package's binary when the postinstall did not
 * run (scripts disabled) and the placeholder is still there.
 */
const claudeBin = async (dir: string): Promise<string> => {
  const wrapper = await binOf(dir, PACKAGES.claude, "claude")
  if ((await stat(wrapper)).size > STUB_MAX_BYTES) return wrapper
  const native = join(dir, "node_modules", `${PACKAGES.claude}-${process.platform}-${process.arch}`, "claude")
  if (existsSync(native)) return native
  throw new Error(
    `${wrapper} is still claude's placeholder (its postinstall did not run) and ${native} does not exist`
  )
}

/**
 * opencode's binary: `bin/opencode.exe` once its postinstall linked the
 * platform package's binary over it; that binary itself when the postinstall
 * did not run.
 */
const opencodeBin = async (dir: string): Promise<string> => {
  const wrapper = await binOf(dir, PACKAGES.opencode, "opencode")
  if ((await stat(wrapper)).size > STUB_MAX_BYTES) return wrapper
  const platform = process.platform === "win32" ? "windows" : process.platform
  const native = join(dir, "node_modules", `opencode-${platform}-${process.arch}`, "bin", "opencode")
  if (existsSync(native)) return native
  throw new Error(`${wrapper} is still opencode's placeholder (its postinstall did not run) and ${native} does not exist`)
}

const resolveBins = async (dir: string): Promise<RealClis["bin"]> => {
  const bin = {
    claude: await claudeBin(dir),
    codex: await binOf(dir, PACKAGES.codex, "codex"),
    gemini: await binOf(dir, PACKAGES.gemini, "gemini"),
    grok: await binOf(dir, PACKAGES.grok, "grok"),
    copilot: await binOf(dir, PACKAGES.copilot, "copilot"),
    qwen: await binOf(dir, PACKAGES.qwen, "qwen"),
    opencode: await opencodeBin(dir)
  }
  for (const path of Object.values(bin)) {
    if (!existsSync(path)) throw new Error(`${path} does not exist`)
  }
  return bin
}

/** The versions `test/real/package.json` pins, checked against what is installed. */
const checkVersions = async (dir: string, pinned: Record<string, string>): Promise<RealClis["versions"]> => {
  const versions = {} as { [C in RealCli]: string }
  for (const [cli, pkg] of Object.entries(PACKAGES) as Array<[RealCli, string]>) {
    const want = pinned[pkg]
    if (want === undefined) throw new Error(`test/real/package.json does not pin ${pkg}`)
    const installed = (JSON.parse(await readFile(join(dir, "node_modules", pkg, "package.json"), "utf8")) as {
      version: string
    }).version
    if (installed !== want) throw new Error(`${pkg} ${installed} is installed in ${dir}, ${want} is pinned`)
    versions[cli] = want
  }
  return versions
}

/**
 * Installs the pinned CLIs unless already installed, and returns where they are.
 * Usable without vitest (`tsx test/real/install.ts`).
 */
export const installRealClis = async (): Promise<RealClis> => {
  const packageJson = await readFile(join(HERE, "package.json"))
  const lockfile = await readFile(join(HERE, "package-lock.json"))
  const lockfileSha256 = sha256(lockfile)
  const packageJsonSha256 = sha256(packageJson)
  const override = process.env["LLM_GATEWAY_REAL_CLIS_DIR"]
  const dir = override !== undefined && override !== ""
    ? resolve(override)
    : join(ROOT, "node_modules", ".cache", "llm-cli-gateway-real", lockfileSha256.slice(0, 12))
  const pinned = (JSON.parse(packageJson.toString()) as { dependencies: Record<string, string> }).dependencies

  const current = (m: Marker | undefined) =>
    m !== undefined && m.lockfileSha256 === lockfileSha256 && m.packageJsonSha256 === packageJsonSha256

  await mkdir(dir, { recursive: true })
  return withLock(dir, async () => {
    const marker = await readMarker(dir)
    if (current(marker)) {
      try {
        const clis = { dir, bin: await resolveBins(dir), versions: await checkVersions(dir, pinned) }
        log(`already installed in ${dir} (${marker!.installedAt}; that install took ${seconds(marker!.installMs)})`)
        return clis
      } catch (error) {
        log(`the install in ${dir} is broken (${(error as Error).message}); installing again`)
      }
    }
    await rm(join(dir, MARKER), { force: true })
    await copyFile(join(HERE, "package.json"), join(dir, "package.json"))
    await copyFile(join(HERE, "package-lock.json"), join(dir, "package-lock.json"))
    log(`installing ${Object.entries(pinned).map(([p, v]) => `${p}@${v}`).join(", ")} into ${dir} (npm install over the lockfile)…`)
    const started = Date.now()
    const output = await npmCi(dir)
    const installMs = Date.now() - started
    await writeFile(join(dir, "npm-ci.log"), output)
    const clis = { dir, bin: await resolveBins(dir), versions: await checkVersions(dir, pinned) }
    const done: Marker = { lockfileSha256, packageJsonSha256, installedAt: new Date().toISOString(), installMs }
    await writeFile(join(dir, MARKER), JSON.stringify(done, null, 2) + "\n")
    log(`installed in ${seconds(installMs)} (${dir})`)
    return clis
  })
}

/** vitest's global setup: install, then provide the paths as `inject("realClis")`. */
export default async function setup(project: TestProject): Promise<void> {
  project.provide("realClis", await installRealClis())
}

// Run directly: install and print the paths.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(HERE, "install.ts")) {
  installRealClis().then(
    (clis) => process.stdout.write(JSON.stringify(clis, null, 2) + "\n"),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
      process.exitCode = 1
    }
  )
}
