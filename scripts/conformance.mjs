#!/usr/bin/env node
// Runs the official MCP conformance suite's server scenarios against the gateway's
// Streamable HTTP endpoint (`llm-cli-gateway --http HOST:PORT`, path /mcp).
//
//   node scripts/conformance.mjs [--url URL | --gateway FILE] [--expected-failures FILE | --no-expected-failures]
//                                [--scenario NAME] [--suite active|all|pending] [--verbose]
//                                [--keep] [--timeout SECONDS] [--install-only]
//
// 1. The suite (@modelcontextprotocol/conformance, pinned) needs Node.js >= 22: CONFORMANCE_NODE, else
//    this Node.js when it is new enough, else the Node 24 that scripts/node24.mjs installed (its
//    manifest.json), else the registry's node-<platform>-<arch> package (pinned). That Node.js and the
//    suite are installed once into node_modules/.cache/conformance/ (CONFORMANCE_CACHE moves it) and
//    reused while their versions match.
// 2. Without --url: starts the built gateway (dist/bin/llm-cli-gateway.js, run with this Node.js) on
//    127.0.0.1 and a free port, as the e2e tests do (HOME, its database and the fake CLIs of
//    test/fixtures/bin, all in a temporary folder), and waits until the port accepts connections.
//    --gateway FILE starts another launcher the same way. With --url: tests that server instead,
//    and starts nothing.
// 3. Runs the server scenarios with the baseline test/conformance/expected-failures.yml (the suite's
//    YAML format: `server:` then one `- scenario  # reason` line a scenario; a reason is required).
//    The suite exits 0 only if every scenario outside the baseline passes and every scenario in it
//    still fails (a scenario that now passes must leave the baseline).
// 4. Stops the gateway (its whole process group) and exits with the suite's code (124 on --timeout,
//    2 on a usage or set-up error). The last line counts scenarios: `conformance: P passed, F failed,
//    X skipped`, where skipped are the expected failures and failed are unexpected failures plus
//    stale baseline entries.
//
// Only node built-ins. Results (one checks.json a scenario) and the gateway's log go to a temporary
// folder, removed at the end unless --keep.
import { spawn, spawnSync } from "node:child_process"
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import net from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

/** The suite, pinned exactly: a new version can add scenarios, so bumping it is a reviewed change. */
const SUITE = "@modelcontextprotocol/conformance"
const SUITE_VERSION = "0.1.16"
/** The Node.js the suite runs on when this one is older than it needs. */
const NODE_VERSION = "24.22.3"
const MIN_NODE_MAJOR = 22

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const cacheDir = resolve(process.env.CONFORMANCE_CACHE ?? join(root, "node_modules", ".cache", "conformance"))
const defaultBaseline = join(root, "test", "conformance", "expected-failures.yml")
const defaultGateway = join(root, "dist", "bin", "llm-cli-gateway.js")

const usage = `Usage: node scripts/conformance.mjs [options]

Runs the MCP conformance suite (${SUITE}@${SUITE_VERSION}) server scenarios against
the gateway's --http endpoint, started here on 127.0.0.1 (or against --url).

Options:
  --url URL                  test this running server instead of starting the gateway
  --gateway FILE             the launcher to start with --http (default dist/bin/llm-cli-gateway.js)
  --expected-failures FILE   baseline (default test/conformance/expected-failures.yml)
  --no-expected-failures     no baseline: every scenario must pass
  --scenario NAME            run one scenario only
  --suite NAME               active (default), all or pending
  --verbose                  the suite's checks as JSON
  --keep                     keep the temporary folder (results, gateway log)
  --timeout SECONDS          give up after this long (default 600)
  --install-only             install Node.js and the suite into the cache, then exit
  -h, --help                 this text

Environment: CONFORMANCE_CACHE (cache folder), CONFORMANCE_NODE (a Node.js >= ${MIN_NODE_MAJOR} to run the suite).`

const say = (line) => process.stderr.write(`conformance: ${line}\n`)
const fail = (line, code = 2) => {
  say(line)
  process.exit(code)
}

let args
try {
  args = parseArgs({
    options: {
      url: { type: "string" },
      gateway: { type: "string" },
      "expected-failures": { type: "string" },
      "no-expected-failures": { type: "boolean", default: false },
      scenario: { type: "string" },
      suite: { type: "string" },
      verbose: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      timeout: { type: "string", default: "600" },
      "install-only": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false }
    },
    strict: true,
    allowPositionals: false
  }).values
} catch (e) {
  fail(`${e.message}\n\n${usage}`)
}
if (args.help) {
  process.stdout.write(`${usage}\n`)
  process.exit(0)
}
const timeoutMs = Number(args.timeout) * 1000
if (!(timeoutMs > 0)) fail(`--timeout takes a positive number of seconds, not ${args.timeout}`)
if (args.url !== undefined && args.gateway !== undefined) fail("--url and --gateway do not go together")
const gatewayBinary = resolve(args.gateway ?? defaultGateway)
if (args.url !== undefined) {
  try {
    new URL(args.url)
  } catch {
    fail(`--url takes a URL, not ${args.url}`)
  }
}

// ---------------------------------------------------------------------------------------------
// The baseline: the suite reads it as YAML; here each entry is checked for its one-line reason.

/** The `server:` entries of a baseline file, each with its reason (the comment on its line). */
const readBaseline = (file) => {
  const entries = []
  let section
  for (const [i, raw] of readFileSync(file, "utf8").split("\n").entries()) {
    const line = raw.replace(/\s+$/, "")
    if (line === "" || /^\s*#/.test(line)) continue
    const key = /^([A-Za-z_-]+):\s*(#.*)?$/.exec(line)
    if (key) {
      section = key[1]
      continue
    }
    const item = /^\s*-\s+([^\s#]+)\s*(?:#\s*(.*))?$/.exec(line)
    if (!item) throw new Error(`${file}:${i + 1}: not a "- scenario  # reason" line: ${line}`)
    if (section === "server") entries.push({ scenario: item[1], reason: item[2] ?? "", line: i + 1 })
  }
  return entries
}

const baseline = args["no-expected-failures"] ? undefined : resolve(args["expected-failures"] ?? defaultBaseline)
if (baseline !== undefined && !args["install-only"]) {
  if (!existsSync(baseline)) fail(`no baseline at ${baseline} (or pass --no-expected-failures)`)
  let entries
  try {
    entries = readBaseline(baseline)
  } catch (e) {
    fail(e.message)
  }
  const seen = new Set()
  for (const e of entries) {
    if (e.reason.trim() === "") fail(`${baseline}:${e.line}: ${e.scenario} has no reason (add "# why it fails")`)
    if (seen.has(e.scenario)) fail(`${baseline}:${e.line}: ${e.scenario} is listed twice`)
    seen.add(e.scenario)
  }
}

// ---------------------------------------------------------------------------------------------
// Node.js >= 22 and the suite, in the cache.

const nodeMajor = (version) => Number(/^v?(\d+)\./.exec(version)?.[1] ?? 0)
const versionOf = (node) => {
  const r = spawnSync(node, ["--version"], { encoding: "utf8" })
  return r.status === 0 ? r.stdout.trim() : undefined
}

/** Runs `npm install` of `deps` into a fresh folder, then moves it to `dir` whole (so a broken install is never reused). */
const installInto = (dir, deps, pathPrefix) => {
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  writeFileSync(join(tmp, "package.json"), `${JSON.stringify({ private: true, dependencies: deps }, null, 2)}\n`)
  const env = { ...process.env, PATH: pathPrefix ? `${pathPrefix}:${process.env.PATH ?? ""}` : process.env.PATH }
  const r = spawnSync(
    "npm",
    ["install", "--prefix", tmp, "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", "--loglevel=error"],
    { cwd: tmp, env, stdio: ["ignore", 2, 2] }
  )
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true })
    fail(`npm install of ${Object.entries(deps).map(([n, v]) => `${n}@${v}`).join(" ")} failed (${r.error?.message ?? `exit ${r.status}`})`)
  }
  rmSync(dir, { recursive: true, force: true })
  try {
    renameSync(tmp, dir)
  } catch (e) {
    // Another run installed it at the same moment: keep theirs.
    rmSync(tmp, { recursive: true, force: true })
    if (!existsSync(dir)) throw e
  }
}

const ensureNode = () => {
  const forced = process.env.CONFORMANCE_NODE
  if (forced) {
    const v = versionOf(forced)
    if (v === undefined || nodeMajor(v) < MIN_NODE_MAJOR) fail(`CONFORMANCE_NODE=${forced} is not a Node.js >= ${MIN_NODE_MAJOR} (${v ?? "does not run"})`)
    return forced
  }
  if (nodeMajor(process.version) >= MIN_NODE_MAJOR) return process.execPath
  // The Node 24 that scripts/node24.mjs installed for the e2e run, when it is there: no second download.
  const node24Dir = process.env.LLM_GATEWAY_NODE24_DIR || join(root, "node_modules", ".cache", "llm-cli-gateway-node24")
  try {
    const shared = JSON.parse(readFileSync(join(node24Dir, "manifest.json"), "utf8")).node
    if (typeof shared === "string" && nodeMajor(versionOf(shared) ?? "") >= MIN_NODE_MAJOR) return shared
  } catch {
    // not there: install our own
  }
  const pkg = `node-${process.platform}-${process.arch}`
  const dir = join(cacheDir, `node-${NODE_VERSION}`)
  const node = join(dir, "node_modules", pkg, "bin", "node")
  if (versionOf(node) !== `v${NODE_VERSION}`) {
    say(`installing Node.js ${NODE_VERSION} (${pkg}) into ${dir}`)
    installInto(dir, { [pkg]: NODE_VERSION })
    const v = versionOf(node)
    if (v !== `v${NODE_VERSION}`) fail(`${node} reports ${v ?? "nothing"}, not v${NODE_VERSION}`)
  }
  return node
}

const ensureSuite = (node) => {
  const dir = join(cacheDir, `suite-${SUITE_VERSION}`)
  const pkgDir = join(dir, "node_modules", ...SUITE.split("/"))
  const installed = () => {
    try {
      return JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).version === SUITE_VERSION
    } catch {
      return false
    }
  }
  if (!installed()) {
    say(`installing ${SUITE}@${SUITE_VERSION} into ${dir}`)
    // npm itself runs on the suite's Node.js, so that engine checks see the version the suite will run on.
    installInto(dir, { [SUITE]: SUITE_VERSION }, dirname(node))
    if (!installed()) fail(`${SUITE}@${SUITE_VERSION} is not in ${dir} after npm install`)
  }
  const cli = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")).bin?.conformance ?? "dist/index.js"
  return join(pkgDir, cli)
}

const startedAt = Date.now()
const node = ensureNode()
const suiteCli = ensureSuite(node)
if (args["install-only"]) {
  say(`ready: ${SUITE}@${SUITE_VERSION} on Node.js ${versionOf(node)} (${node})`)
  process.exit(0)
}

// ---------------------------------------------------------------------------------------------
// The gateway, unless --url.

const work = mkdtempSync(join(tmpdir(), "llm-gateway-conformance-"))
const resultsDir = join(work, "results")
const gatewayLog = join(work, "gateway.log")
let gateway // the child process, leader of its own process group
let gatewayExit // set once it has exited: { code, signal }
let suiteChild

const freePort = () =>
  new Promise((resolvePort, reject) => {
    const s = net.createServer()
    s.once("error", reject)
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address()
      s.close(() => resolvePort(port))
    })
  })

const accepts = (port) =>
  new Promise((done) => {
    const socket = net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      done(true)
    })
    socket.once("error", () => done(false))
    socket.setTimeout(1000, () => {
      socket.destroy()
      done(false)
    })
  })

const logTail = (lines = 40) => {
  try {
    return readFileSync(gatewayLog, "utf8").split("\n").slice(-lines).join("\n")
  } catch {
    return "(no log)"
  }
}

const fixtureEnv = () => {
  const bins = join(root, "test", "fixtures", "bin")
  const fakes = existsSync(bins)
    ? Object.fromEntries(readdirSync(bins).map((cli) => [`LLM_GATEWAY_${cli.toUpperCase()}_BIN`, join(bins, cli)]))
    : {}
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: work,
    ...fakes,
    LLM_GATEWAY_CHILD_ENV: "FAKE_CLI_*",
    FAKE_CLI_RECORD: join(work, "record.jsonl"),
    LLM_GATEWAY_JOBS_DB: join(work, "jobs.db")
  }
}

const startGateway = async () => {
  if (!existsSync(gatewayBinary)) fail(`${gatewayBinary} is missing${args.gateway === undefined ? ": run npm run build first" : ""}`)
  const port = await freePort()
  const log = openSync(gatewayLog, "a")
  gateway = spawn(process.execPath, [gatewayBinary, "--http", `127.0.0.1:${port}`], {
    cwd: work,
    env: fixtureEnv(),
    detached: true, // its own process group, so that stopping it ends the CLIs it started too
    stdio: ["ignore", log, log]
  })
  closeSync(log)
  gateway.once("exit", (code, signal) => {
    gatewayExit = { code, signal }
  })
  const deadline = Date.now() + 30_000
  while (true) {
    if (gatewayExit !== undefined) {
      throw new Error(
        `the gateway exited (${gatewayExit.signal ?? `code ${gatewayExit.code}`}) before listening on 127.0.0.1:${port}:\n${logTail()}`
      )
    }
    if (await accepts(port)) break
    if (Date.now() > deadline) throw new Error(`the gateway did not listen on 127.0.0.1:${port} within 30 s:\n${logTail()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  say(`gateway listening on 127.0.0.1:${port} (pid ${gateway.pid}, ${Date.now() - startedAt} ms since start)`)
  return `http://127.0.0.1:${port}/mcp`
}

const killGroup = (signal) => {
  try {
    process.kill(-gateway.pid, signal)
  } catch {
    // already gone
  }
}

const stopGateway = async () => {
  if (gateway === undefined) return
  if (gatewayExit === undefined) {
    killGroup("SIGTERM")
    const deadline = Date.now() + 5000
    while (gatewayExit === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    if (gatewayExit === undefined) say("the gateway did not stop within 5 s of SIGTERM: killing its process group")
  }
  killGroup("SIGKILL") // whatever of its group is left
}

let cleaned
const cleanUp = () =>
  (cleaned ??= (async () => {
    if (suiteChild !== undefined && suiteChild.exitCode === null && suiteChild.signalCode === null) suiteChild.kill("SIGTERM")
    await stopGateway()
    if (args.keep) say(`kept ${work}`)
    else rmSync(work, { recursive: true, force: true })
  })())

/** Set by SIGINT/SIGTERM: the exit code then, whatever the suite says. */
let interrupted
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]]) {
  process.once(signal, () => {
    say(`${signal}: stopping`)
    interrupted = code
    // While the suite runs, the main flow stops it and cleans up; before that, this does.
    if (suiteChild !== undefined) suiteChild.kill("SIGTERM")
    else cleanUp().finally(() => process.exit(code))
  })
}

// ---------------------------------------------------------------------------------------------
// The suite.

/** Per-scenario counts from the suite's own output (its summary, and its baseline verdict). */
const countScenarios = (output, code) => {
  const text = output.replace(/\x1b\[[0-9;]*m/g, "")
  const summary = [...text.matchAll(/^([✓✗]) (\S+): \d+ passed, \d+ failed$/gm)]
  let total = summary.length
  let failedPlain = summary.filter((m) => m[1] === "✗").length
  if (total === 0 && args.scenario !== undefined) {
    // One scenario: no summary, just "Passed: x/y, f failed, w warnings".
    const one = /^Passed: \d+\/\d+, (\d+) failed, (\d+) warnings$/m.exec(text)
    total = 1
    failedPlain = one !== null && one[1] === "0" ? 0 : 1
  }
  const listed = (heading) => {
    const at = text.indexOf(heading)
    if (at < 0) return 0
    const lines = text.slice(at).split("\n").slice(1)
    let n = 0
    for (const l of lines) {
      if (!/^ {2}[~✓✗] \S+$/.test(l)) break
      n++
    }
    return n
  }
  let passed, failed, skipped
  if (baseline !== undefined) {
    skipped = listed("Expected failures (in baseline):")
    failed = listed("Stale baseline entries") + listed("Unexpected failures (not in baseline):")
    passed = total - skipped - failed
  } else {
    skipped = 0
    failed = failedPlain
    passed = total - failed
  }
  // The verdict is the suite's exit code: never print "0 failed" next to a failing run.
  if (code !== 0 && failed === 0) failed = 1
  return { passed: Math.max(passed, 0), failed, skipped }
}

const runSuite = (url) =>
  new Promise((done) => {
    const suiteArgs = [suiteCli, "server", "--url", url, "--output-dir", resultsDir]
    if (baseline !== undefined) suiteArgs.push("--expected-failures", baseline)
    if (args.scenario !== undefined) suiteArgs.push("--scenario", args.scenario)
    if (args.suite !== undefined) suiteArgs.push("--suite", args.suite)
    if (args.verbose) suiteArgs.push("--verbose")
    say(`${SUITE}@${SUITE_VERSION} on Node.js ${versionOf(node)} against ${url}${baseline ? ` with ${baseline}` : ""}`)
    let output = ""
    suiteChild = spawn(node, suiteArgs, { cwd: work, stdio: ["ignore", "pipe", "inherit"] })
    suiteChild.stdout.setEncoding("utf8") // whole characters: the summary's marks are multi-byte
    suiteChild.stdout.on("data", (chunk) => {
      output += chunk
      process.stdout.write(chunk)
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      say(`no verdict within ${args.timeout} s: stopping the suite`)
      suiteChild.kill("SIGTERM")
      setTimeout(() => suiteChild.kill("SIGKILL"), 3000).unref()
    }, timeoutMs)
    suiteChild.once("error", (e) => {
      clearTimeout(timer)
      say(`cannot run the suite: ${e.message}`)
      done({ code: 2, output })
    })
    suiteChild.once("close", (code, signal) => {
      clearTimeout(timer)
      done({ code: timedOut ? 124 : code ?? (signal ? 1 : 0), output })
    })
  })

let code
let counts
try {
  const url = args.url ?? (await startGateway())
  const suiteStart = Date.now()
  const result = await runSuite(url)
  code = result.code
  counts = countScenarios(result.output, code)
  if (code !== 0 && gateway !== undefined) process.stderr.write(`\nThe gateway's log (last lines):\n${logTail()}\n`)
  say(`suite ${Date.now() - suiteStart} ms, in all ${Date.now() - startedAt} ms; exit code ${code}`)
} catch (e) {
  say(e.message)
  code = 2
}
await cleanUp()
if (interrupted !== undefined) process.exit(interrupted)
// Last, alone on its line: the scenarios counted (skipped: expected failures of the baseline).
if (counts !== undefined) process.stdout.write(`conformance: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`)
process.exit(code)
