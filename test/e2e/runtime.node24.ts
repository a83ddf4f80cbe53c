/**
 * Run only by the Node 24 config (test/e2e/vitest.node24.config.ts): the
 * server the harness starts really runs on the Node 24 that
 * scripts/node24.mjs installed, with the better-sqlite3 built for it, and
 * the database it writes is read here by the tests' own Node and build.
 */
import { spawnSync } from "node:child_process"
import { readFileSync, realpathSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { jobRows, storedStdout } from "../reliability/helpers/server.js"
import { binary, callTool, type Gateway, node, root, startGateway, tempDir } from "./harness.js"

const expected = process.env["LLM_GATEWAY_TEST_NODE_VERSION"]
const app = process.env["LLM_GATEWAY_TEST_APP"]

describe("the server on Node 24", () => {
  let gateway: Gateway
  let dir: string
  let pid: number

  beforeAll(async () => {
    dir = tempDir()
    gateway = await startGateway({ LLM_GATEWAY_JOBS_DB: join(dir, "gateway.db") }, { dir })
    pid = gateway.transport.pid!
  })
  afterAll(async () => {
    await gateway?.close()
  })

  it("is started by the Node 24 binary of the manifest, not by the tests' Node", () => {
    expect(expected).toMatch(/^24\.\d+\.\d+$/)
    expect(app).toBeDefined()
    expect(node).not.toBe(process.execPath)
    expect(binary.startsWith(`${app}/`)).toBe(true)
    expect(realpathSync(`/proc/${pid}/exe`)).toBe(realpathSync(node))
    expect(spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim()).toBe(`v${expected}`)
  })

  it("answers a request, and has loaded the app's better-sqlite3 (the Node 24 build), not the project's", async () => {
    const result = await callTool(gateway, "claude_request", { prompt: "hello from Node 24", correlationId: "node24" })
    expect(result.isError ?? false).toBe(false)
    expect(result.content[0]?.text).toContain("hello from Node 24")
    const maps = readFileSync(`/proc/${pid}/maps`, "utf8")
    expect(maps).toContain(realpathSync(join(app!, "node_modules/better-sqlite3/build/Release/better_sqlite3.node")))
    expect(maps).not.toContain(join(root, "node_modules/better-sqlite3/build"))
  })

  it("doctor on Node 24 reports that Node, and the database the server migrated and holds", () => {
    const run = spawnSync(node, [binary, "doctor", "--json"], {
      cwd: dir,
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: dir, LLM_GATEWAY_JOBS_DB: join(dir, "gateway.db") },
      encoding: "utf8",
      timeout: 30_000
    })
    const report = JSON.parse(run.stdout)
    expect(report.node).toMatchObject({ version: `v${expected}`, supported: true, execPath: realpathSync(node) })
    expect(report.database).toMatchObject({ status: "ok", path: join(dir, "gateway.db") })
    expect(report.database.schemaVersion).toBe(report.database.latestSchemaVersion)
    expect(report.database.instances.map((i: { pid: number }) => i.pid)).toContain(pid)
  })

  it("the database it wrote is read by the tests' Node, with the project's better-sqlite3", () => {
    const db = join(dir, "gateway.db")
    const jobs = jobRows(db)
    expect(jobs).toHaveLength(1)
    expect(jobs[0]!.status).toBe("completed")
    expect(storedStdout(db, jobs[0]!.id)).toContain("hello from Node 24")
  })
})
