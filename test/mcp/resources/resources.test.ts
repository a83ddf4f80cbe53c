/**
 * The session, model and metrics resources over the real services (a
 * SQLite file in a temp folder, a scripted CommandRunner).
 */
import * as CliIdentity from "../../../src/cli/CliIdentity.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as GatewayConfig from "../../../src/Config.js"
import * as Gateway from "../../../src/Gateway.js"
import { JobManager } from "../../../src/jobs/JobManager.js"
import { resources } from "../../../src/mcp/resources/index.js"
import { performance } from "../../../src/mcp/resources/metrics.js"
import { modelResources } from "../../../src/mcp/resources/models.js"
import { allSessions, cliSessions } from "../../../src/mcp/resources/sessions.js"
import { resolve } from "../../../src/mcp/resourceHandlers.js"
import { MetricsSnapshot } from "../../../src/observability/Metrics.js"
import { layerTest as runnerTest } from "../../../src/process/CommandRunner.js"
import { SessionStore } from "../../../src/sessions/SessionStore.js"
import { bookkeeping } from "../../jobs/bookkeeping.js"


const resultLine = JSON.stringify({ type: "result", subtype: "success", result: "ok", session_id: "s-1" }) + "\n"

const servicesLayer = () =>
  Gateway.layerServicesWith(runnerTest(() => Effect.succeed({ stdout: resultLine })), CliIdentity.layerTrusting).pipe(
    Layer.provideMerge(
      GatewayConfig.layerTest({ databasePath: join(mkdtempSync(join(tmpdir(), "gateway-resources-")), "gateway.db") })
    )
  )

const readJson = (uri: string) =>
  Effect.gen(function*() {
    const read = resolve(resources, uri)
    expect(read, uri).toBeDefined()
    const contents = yield* read!
    expect(contents.mimeType).toBe("application/json")
    return JSON.parse(contents.text) as Record<string, any>
  })

describe("resources", () => {
  it("are listed as 1.4.0 lists them, with their MIME types", () => {
    const uris = resources.map((r) => (r._tag === "Resource" ? r.uri : r.uriTemplate))
    for (const uri of [
      "sessions://all",
      "sessions://claude",
      "sessions://codex",
      "sessions://gemini",
      "sessions://grok",
      "models://claude",
      "models://codex",
      "models://gemini",
      "models://grok",
      "metrics://performance",
      "skills://async-orchestration",
      "skills://multi-model-review",
      "skills://sessions"
    ]) expect(uris, uri).toContain(uri)
    expect(allSessions.mimeType).toBe("application/json")
    expect(cliSessions.every((r) => r.mimeType === "application/json")).toBe(true)
    expect(modelResources.every((r) => r.mimeType === "application/json")).toBe(true)
    expect(performance.mimeType).toBe("application/json")
  })

  it.effect("sessions://all and sessions://{cli} list sessions and the active one", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const made = yield* store.create({ cli: "codex", description: "Parser refactor", setAsActive: true })
      yield* store.create({ cli: "gemini", setAsActive: false })
      const all = yield* readJson("sessions://all")
      expect(all.total).toBe(2)
      expect(all.cli).toBeNull()
      expect(all.activeSessions.codex).toBe(made.id)
      const codex = yield* readJson("sessions://codex")
      expect(codex).toMatchObject({ cli: "codex", total: 1, activeSessions: { codex: made.id } })
      expect(codex.sessions[0]).toMatchObject({ id: made.id, description: "Parser refactor", active: true })
      expect((yield* readJson("sessions://grok")).total).toBe(0)
    }).pipe(Effect.provide(servicesLayer())))

  it.effect("models://{cli} lists one CLI's models and its default", () =>
    Effect.gen(function*() {
      const codex = yield* readJson("models://codex")
      expect(codex.cli).toBe("codex")
      expect(Array.isArray(codex.models)).toBe(true)
      expect(codex.models.length).toBeGreaterThan(0)
      expect(Array.isArray(codex.warnings)).toBe(true)
      expect((yield* readJson("models://grok")).cli).toBe("grok")
    }).pipe(Effect.provide(servicesLayer())))

  it.effect("metrics://performance shows the requests that ran", () =>
    Effect.gen(function*() {
      const manager = yield* JobManager
      const { job } = yield* manager.submit("claude", {
        prompt: "hi",
        createNewSession: false,
        continueSession: false,
        outputFormat: "text",
        approvalStrategy: "legacy",
        mcpServers: [],
        dangerouslySkipPermissions: false,
        strictMcpConfig: false,
        optimizePrompt: false,
        forceRefresh: false
      })
      yield* manager.await(job.id, undefined)
      yield* bookkeeping
      const metrics = yield* readJson("metrics://performance")
      expect(Schema.decodeUnknownSync(MetricsSnapshot)(metrics)).toBeDefined()
      expect(metrics.clis.claude).toMatchObject({ requests: 1, successes: 1, inFlight: 0 })
      expect(metrics.clis.claude.durations.count).toBe(1)
      expect(metrics.totals.requests).toBe(1)
    }).pipe(Effect.provide(servicesLayer())))
})
