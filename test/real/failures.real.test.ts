/**
 * The failure contract on the real binaries, through the gateway's own
 * services (in process, no MCP): `RequestRunner` and `CliUpdater` built with
 * the live process runner, the real CLIs, and an empty HOME per test, on a
 * machine with no login and no network.
 *
 * - not logged in, or credentials refused → `CliAuthRequired` with the login command
 * - a key but no network → `CliNetworkError` within the network bound, the CLI run once
 * - a session id the CLI does not know → `SessionNotFound` naming the CLI
 * - the community `grok` (`@vibe-kit/grok-cli`, not xAI's) → reported
 *   `incompatible`, refused with `CliIncompatible`, never run with a prompt or `update`
 *
 * Every test ends by checking that nothing it started still runs: no member
 * of the process group of any process the runner spawned, and no process
 * with the test's HOME in its environment.
 */
import { agents } from "../../src/agents/registry.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { randomUUID } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import * as CliUpdater from "../../src/cli/CliUpdater.js"
import * as GatewayConfig from "../../src/Config.js"
import type { Cli } from "../../src/domain/Cli.js"
import * as RequestRunner from "../../src/jobs/RequestRunner.js"
import { childEnvironment } from "../../src/process/childEnvironment.js"
import * as CommandRunner from "../../src/process/CommandRunner.js"
import * as Providers from "../../src/providers/Providers.js"
import type { RequestOf } from "../../src/providers/Providers.js"
import * as CircuitBreaker from "../../src/resilience/CircuitBreaker.js"
import { makeSandbox, PATH, realClis, type Sandbox, survivors } from "./realClis.js"

const PROMPT = "Reply with the single word: ok"

// ---------------------------------------------------------------------------
// the services of one test
// ---------------------------------------------------------------------------

/**
 * A process the runner started: the path, its arguments, its pid (its
 * process group's id), and the environment the runner handed to it (the
 * gateway's, through the CLI's variable filter, plus the adapter's own).
 * Computed with the runner's own function, not read from `/proc`: codex's
 * launcher `execve`s its native binary, which makes itself non-dumpable, so
 * its `/proc/<pid>/environ` cannot be read.
 */
interface Spawned {
  readonly pid: number
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
}

interface Harness {
  readonly sandbox: Sandbox
  /** Every process the runner started, in order (CLI runs, identity probes, version commands). */
  readonly spawned: Array<Spawned>
  /** The last 8 KB of what the request's CLI printed (both streams), for assertion messages. */
  readonly output: () => string
  readonly layer: Layer.Layer<Services>
  /** Services over the same sandbox and record, with other configuration overrides. */
  readonly layerWith: (config: Partial<GatewayConfig.GatewayConfigShape>) => Layer.Layer<Services>
  readonly onOutput: (chunk: CommandRunner.OutputChunk) => Effect.Effect<void>
}

type Services = RequestRunner.RequestRunner | CliUpdater.CliUpdater | CliIdentity.CliIdentity

interface HarnessOptions {
  /** Variables the runner inherits on top of PATH, HOME and TMPDIR (the gateway then filters them). */
  readonly env?: Readonly<Record<string, string>>
  /** Overrides of the test configuration below. */
  readonly config?: Partial<GatewayConfig.GatewayConfigShape>
  /** Writes files into the sandbox before anything runs; may return more configuration overrides. */
  readonly prepare?: (sandbox: Sandbox) => Partial<GatewayConfig.GatewayConfigShape> | void
}

/**
 * The configuration of these tests: the real binaries, a 5 s network bound,
 * a generous identity bound (a cold `--help` of a Node CLI), short retries.
 */
const testConfig = (overrides: Partial<GatewayConfig.GatewayConfigShape> = {}) =>
  GatewayConfig.layerTest({
    binaries: { ...realClis().bin },
    networkFailAfterMs: 5_000,
    identifyTimeoutMs: 30_000,
    retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 1_000 },
    ...overrides
  })

/**
 * The live runner with `inheritedEnv` as the gateway's environment, recording
 * every process it starts.
 */
const recordingRunner = (inheritedEnv: Record<string, string>, spawned: Array<Spawned>) =>
  Layer.effect(
    CommandRunner.CommandRunner,
    Effect.map(CommandRunner.make({ inheritedEnv }), (live): CommandRunner.CommandRunnerShape => {
      const exec = (spec: CommandRunner.CommandSpec) =>
        live.exec({
          ...spec,
          onSpawn: (pid, command) =>
            Effect.zipRight(
              Effect.sync(() =>
                spawned.push({
                  pid,
                  command,
                  args: [...spec.args],
                  env: childEnvironment(inheritedEnv, spec.env, spec.inheritEnv)
                })
              ),
              spec.onSpawn === undefined ? Effect.void : spec.onSpawn(pid, command)
            )
        })
      return { exec, run: (spec) => Effect.flatMap(exec(spec), CommandRunner.requireSuccess), resolve: live.resolve }
    })
  )

/**
 * A sandbox (removed when the scope closes, after the check that nothing
 * survives) and the services over it, built as the server builds them, with
 * the recording runner.
 */
const harness = (options: HarnessOptions = {}) =>
  Effect.gen(function*() {
    const sandbox = yield* Effect.acquireRelease(
      Effect.sync(() => makeSandbox("failures-")),
      (s) => Effect.sync(s.remove)
    )
    const prepared = options.prepare?.(sandbox) ?? {}
    const spawned: Array<Spawned> = []
    let output = ""
    const env = { PATH, HOME: sandbox.home, TMPDIR: sandbox.tmp, ...options.env }
    const layerWith = (config: Partial<GatewayConfig.GatewayConfigShape>): Layer.Layer<Services> =>
      Layer.mergeAll(RequestRunner.layer, CliUpdater.layer).pipe(
        Layer.provideMerge(CliIdentity.layer),
        Layer.provide(Layer.mergeAll(recordingRunner(env, spawned), Providers.layer, CircuitBreaker.layerDisabled)),
        Layer.provide(testConfig(config))
      )
    const onOutput = (chunk: CommandRunner.OutputChunk) =>
      Effect.sync(() => {
        output = (output + Buffer.from(chunk.data).toString("utf8")).slice(-8_192)
      })
    // Registered after the sandbox: runs before its removal.
    yield* Effect.addFinalizer(() => Effect.sync(() => expectNothingLeft(sandbox, spawned)))
    return {
      sandbox,
      spawned,
      output: () => output,
      // Built once for the test (one identity cache, as in the server).
      layer: yield* Layer.memoize(layerWith({ ...options.config, ...prepared })),
      layerWith,
      onOutput
    } satisfies Harness
  })

/** Nothing the test started still runs (the runner ended each process group). */
const expectNothingLeft = (sandbox: Sandbox, spawned: ReadonlyArray<Spawned>) => {
  const left = survivors(spawned.map((s) => s.pid), sandbox.home)
  expect(left, `processes left behind:\n${JSON.stringify(left, null, 2)}`).toEqual([])
  for (const { pid } of spawned) expect(existsSync(`/proc/${pid}`) && !isZombie(pid), `pid ${pid} still runs`).toBe(false)
}

const isZombie = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]
    return state === "Z" || state === "X"
  } catch {
    return true
  }
}

// ---------------------------------------------------------------------------
// requests
// ---------------------------------------------------------------------------


/** A full request of `cli`, decoded as a tool would decode it (defaults filled in). */
const requestOf = <C extends Cli>(cli: C, fields: Record<string, unknown> = {}): RequestOf[C] =>
  Schema.decodeUnknownSync(agents[cli].asyncRequest as unknown as Schema.Schema<RequestOf[C], unknown>)({ prompt: PROMPT, ...fields })

/** How a request ended, how long it took, and how many times the CLI itself was started. */
interface Ended {
  readonly result: Either.Either<RequestRunner.RequestOutcome, { readonly _tag: string }>
  readonly elapsedMs: number
  /** The CLI's runs with the request (identity probes aside). */
  readonly runs: ReadonlyArray<Spawned>
  /** For assertion messages. */
  readonly report: string
}

const request = <C extends Cli>(h: Harness, cli: C, fields: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const runner = yield* RequestRunner.RequestRunner
    const before = h.spawned.length
    const started = performance.now()
    const result = yield* Effect.either(
      runner.run(cli, requestOf(cli, fields), { cwd: h.sandbox.work, onOutput: h.onOutput })
    )
    const elapsedMs = Math.round(performance.now() - started)
    const runs = h.spawned.slice(before).filter((s) => !isProbe(s.args))
    const report = [
      `${cli} ${JSON.stringify(fields)} ended after ${elapsedMs} ms, ${runs.length} run(s)`,
      `--- result ---\n${JSON.stringify(Either.isLeft(result) ? result.left : result.right, null, 2)}`,
      `--- spawned ---\n${h.spawned.map((s) => `${s.pid} ${s.command} ${s.args.join(" ")}`).join("\n")}`,
      `--- output (tail) ---\n${h.output().slice(-4_000)}`
    ].join("\n")
    return { result, elapsedMs, runs, report } satisfies Ended
  }).pipe(Effect.provide(h.layer))

/** The identity checks' and version reports' commands. */
const isProbe = (args: ReadonlyArray<string>) =>
  args.length === 1 && (args[0] === "--help" || args[0] === "--version")

/** The typed error a request ended with; fails the test when it succeeded. */
const failureOf = (ended: Ended): { readonly _tag: string } & Record<string, unknown> => {
  expect(Either.isLeft(ended.result), `the request succeeded:\n${ended.report}`).toBe(true)
  return (ended.result as Either.Left<{ readonly _tag: string }, unknown>).left as { readonly _tag: string } & Record<string, unknown>
}

// ---------------------------------------------------------------------------
// a loopback service that refuses every key
// ---------------------------------------------------------------------------

interface Refusing {
  readonly url: string
  /** The requests it answered: method, path, and the credential sent. */
  readonly seen: Array<{ readonly method: string; readonly path: string; readonly authorization: string | undefined }>
}

/** An HTTP server on 127.0.0.1 answering every request (WebSocket upgrades too) with 401 and a JSON error. */
const refusingServer = Effect.acquireRelease(
  Effect.async<Refusing & { readonly close: () => Promise<void> }>((resume) => {
    const seen: Refusing["seen"] = []
    const body = JSON.stringify({
      error: {
        message: "Incorrect API key provided: sk-dummy.",
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key"
      }
    })
    const note = (method: string | undefined, path: string | undefined, headers: IncomingHttpHeaders) =>
      seen.push({ method: method ?? "", path: path ?? "", authorization: headers.authorization })
    const server = createServer((req, res) => {
      note(req.method, req.url, req.headers)
      req.resume()
      req.on("end", () => {
        res.writeHead(401, { "content-type": "application/json" })
        res.end(body)
      })
    })
    server.on("upgrade", (req, socket) => {
      note(`UPGRADE ${req.method}`, req.url, req.headers)
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
      )
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resume(Effect.succeed({
        url: `http://127.0.0.1:${port}/v1`,
        seen,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          })
      }))
    })
  }),
  (server) => Effect.promise(server.close)
)

/**
 * codex 0.171 does not read `OPENAI_BASE_URL` from its environment (only
 * its network proxy knows the name); its `openai_base_url` setting in
 * `$CODEX_HOME/config.toml` (default `~/.codex`) moves it. The user's own
 * file, written in the test's HOME: the gateway passes no `-c` override.
 */
const codexPointedAt = (url: string) => (sandbox: Sandbox) => {
  mkdirSync(join(sandbox.home, ".codex"), { recursive: true, mode: 0o700 })
  writeFileSync(join(sandbox.home, ".codex", "config.toml"), `openai_base_url = ${JSON.stringify(url)}\n`)
}

// ---------------------------------------------------------------------------

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** Logs a case's timing and outcome (the report of the suite's run). */
const timing = (name: string, ended: Ended) =>
  Effect.sync(() => {
    const outcome = Either.isLeft(ended.result)
      ? `${ended.result.left._tag}: ${String((ended.result.left as { message?: unknown }).message).slice(0, 300)}`
      : "succeeded"
    process.stderr.write(`[failures] ${name}: ${seconds(ended.elapsedMs)}, ${ended.runs.length} run(s); ${outcome}\n`)
  })

describe.concurrent("the failure contract on the real CLIs (no login, no network)", () => {
  // First, so that it starts at once: the other cases run beside it (maxConcurrency 2).
  it.live(
    "codex with no network, the DEFAULT network bound (60 s): CliNetworkError in under 3 minutes",
    () =>
      Effect.scoped(Effect.gen(function*() {
        const h = yield* harness({
          env: { OPENAI_API_KEY: "sk-dummy" },
          config: { networkFailAfterMs: GatewayConfig.make().networkFailAfterMs }
        })
        expect(GatewayConfig.make().networkFailAfterMs).toBe(60_000)
        const ended = yield* request(h, "codex")
        yield* timing("codex no network, default bound", ended)
      expect(ended.runs[0]?.env, ended.report).toMatchObject({ OPENAI_API_KEY: "sk-dummy" })
        const error = failureOf(ended)
        expect(error._tag, ended.report).toBe("CliNetworkError")
        expect(error, ended.report).toMatchObject({ cli: "codex", retriedByCli: true })
        expect(ended.runs, ended.report).toHaveLength(1)
        expect(ended.elapsedMs, ended.report).toBeGreaterThanOrEqual(60_000)
        expect(ended.elapsedMs, ended.report).toBeLessThan(180_000)
      })),
    200_000
  )

  // -------------------------------------------------------------------------
  // 1. not logged in, or the credentials refused
  // -------------------------------------------------------------------------

  it.live("claude, not logged in: CliAuthRequired, `claude /login`", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness()
      const ended = yield* request(h, "claude")
      yield* timing("claude not logged in", ended)
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliAuthRequired")
      expect(error, ended.report).toMatchObject({ cli: "claude" })
      expect(error["loginCommand"], ended.report).toContain("claude /login")
      expect(error["cliMessage"], ended.report).toMatch(/not logged in/i)
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(30_000)
    })), 60_000)

  it.live("gemini, not logged in (exit 41): CliAuthRequired", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness()
      const ended = yield* request(h, "gemini")
      yield* timing("gemini not logged in", ended)
      expect(ended.runs[0]?.env, ended.report).toMatchObject({ GEMINI_CLI_TRUST_WORKSPACE: "true" })
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliAuthRequired")
      expect(error, ended.report).toMatchObject({ cli: "gemini", exitCode: 41 })
      expect(error["loginCommand"], ended.report).toContain("GEMINI_API_KEY")
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(30_000)
    })), 60_000)

  // codex 0.171's `exec` sends CODEX_API_KEY (OPENAI_API_KEY only serves `codex login`: with it alone codex
  // sends no credential at all), and reads its endpoint from `openai_base_url` in ~/.codex/config.toml (it does
  // not read OPENAI_BASE_URL). It tries the service ten times (WebSocket, then HTTPS), then exits 1.
  it.live("codex, its key refused (401 from a loopback service, default network bound): CliAuthRequired", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* refusingServer
      const h = yield* harness({
        env: { CODEX_API_KEY: "sk-dummy" },
        prepare: codexPointedAt(server.url),
        config: { networkFailAfterMs: GatewayConfig.make().networkFailAfterMs }
      })
      const ended = yield* request(h, "codex")
      yield* timing("codex 401, default network bound", ended)
      expect(ended.runs[0]?.env, ended.report).toMatchObject({ CODEX_API_KEY: "sk-dummy", HOME: h.sandbox.home })
      const error = failureOf(ended)
      // The key reached codex (through the gateway's variable filter), and codex reached the service.
      expect(server.seen.length, ended.report).toBeGreaterThan(0)
      expect(server.seen.map((s) => s.authorization), ended.report).toContain("Bearer sk-dummy")
      expect(error._tag, ended.report).toBe("CliAuthRequired")
      expect(error, ended.report).toMatchObject({ cli: "codex", exitCode: 1 })
      expect(error["cliMessage"], ended.report).toContain("401 Unauthorized")
      expect(error["loginCommand"], ended.report).toContain("codex login")
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(60_000)
    })), 90_000)

  // codex reconnects after HTTP answers too ("Reconnecting... 2/5 (unexpected status 401 Unauthorized: …)"):
  // those are not network trouble, so a network bound shorter than codex's own ~13 s of retries must not turn
  // a refused key into `CliNetworkError` (it did, before the watch ignored reconnects after an HTTP status).
  it.live("codex, its key refused (401), with a 5 s network bound: still CliAuthRequired, not a network error", () =>
    Effect.scoped(Effect.gen(function*() {
      const server = yield* refusingServer
      const h = yield* harness({ env: { CODEX_API_KEY: "sk-dummy" }, prepare: codexPointedAt(server.url) })
      const ended = yield* request(h, "codex")
      yield* timing("codex 401, 5 s network bound", ended)
      const error = failureOf(ended)
      expect(server.seen.map((s) => s.authorization), ended.report).toContain("Bearer sk-dummy")
      expect(error._tag, ended.report).toBe("CliAuthRequired")
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(60_000)
    })), 90_000)

  // -------------------------------------------------------------------------
  // 2. a key, and no network
  // -------------------------------------------------------------------------

  it.live("claude, a dummy key and a refused connection: CliNetworkError within the 5 s bound, run once", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness({
        env: { ANTHROPIC_API_KEY: "sk-ant-api03-dummy", ANTHROPIC_BASE_URL: "http://127.0.0.1:9" }
      })
      const ended = yield* request(h, "claude")
      yield* timing("claude refused connection", ended)
      expect(ended.runs[0]?.env, ended.report).toMatchObject({
        ANTHROPIC_API_KEY: "sk-ant-api03-dummy",
        ANTHROPIC_BASE_URL: "http://127.0.0.1:9"
      })
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliNetworkError")
      expect(error, ended.report).toMatchObject({ cli: "claude", retriedByCli: true })
      // From claude's own `system/api_retry` events (no HTTP answer).
      expect(error["cliMessage"], ended.report).toMatch(/claude is retrying/)
      // claude retries by itself: the gateway does not run it again.
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeGreaterThanOrEqual(5_000)
      expect(ended.elapsedMs, ended.report).toBeLessThan(30_000)
    })), 90_000)

  it.live("gemini, a dummy key and no DNS: CliNetworkError within about 60 s, run once", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness({ env: { GEMINI_API_KEY: "dummy" } })
      const ended = yield* request(h, "gemini")
      yield* timing("gemini no network", ended)
      expect(ended.runs[0]?.env, ended.report).toMatchObject({ GEMINI_API_KEY: "dummy", GEMINI_CLI_TRUST_WORKSPACE: "true" })
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliNetworkError")
      expect(error, ended.report).toMatchObject({ cli: "gemini", retriedByCli: true })
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(60_000)
    })), 120_000)

  it.live("codex, a dummy key and no network (it never exits by itself): CliNetworkError within about 30 s, run once", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness({ env: { OPENAI_API_KEY: "sk-dummy" } })
      const ended = yield* request(h, "codex")
      yield* timing("codex no network, 5 s bound", ended)
      expect(ended.runs[0]?.env, ended.report).toMatchObject({ OPENAI_API_KEY: "sk-dummy" })
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliNetworkError")
      expect(error, ended.report).toMatchObject({ cli: "codex", retriedByCli: true })
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeGreaterThanOrEqual(5_000)
      expect(ended.elapsedMs, ended.report).toBeLessThan(30_000)
    })), 90_000)

  it.live("qwen, not logged in (no auth type): CliAuthRequired naming its /auth", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness()
      const ended = yield* request(h, "qwen")
      yield* timing("qwen not logged in", ended)
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliAuthRequired")
      expect(error, ended.report).toMatchObject({ cli: "qwen" })
      expect(error["loginCommand"], ended.report).toContain("/auth")
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(60_000)
    })), 90_000)

  it.live("copilot, not logged in: CliAuthRequired naming copilot login", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness()
      const ended = yield* request(h, "copilot")
      yield* timing("copilot not logged in", ended)
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliAuthRequired")
      expect(error, ended.report).toMatchObject({ cli: "copilot" })
      expect(error["loginCommand"], ended.report).toContain("copilot login")
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(60_000)
    })), 90_000)

  it.live("qwen, a dummy key and a refused connection: CliNetworkError, run once (qwen retries by itself)", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness({
        env: { OPENAI_API_KEY: "sk-dummy", OPENAI_BASE_URL: "http://127.0.0.1:9", OPENAI_MODEL: "qwen3-coder-plus" }
      })
      const ended = yield* request(h, "qwen")
      yield* timing("qwen refused connection", ended)
      expect(ended.runs[0]?.env, ended.report).toMatchObject({ OPENAI_API_KEY: "sk-dummy", OPENAI_BASE_URL: "http://127.0.0.1:9" })
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliNetworkError")
      expect(error, ended.report).toMatchObject({ cli: "qwen", retriedByCli: true })
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(90_000)
    })), 120_000)

  it.live("copilot, a token and no DNS: CliNetworkError (not CliAuthRequired), run once", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness({ env: { GH_TOKEN: "github_pat_11AAAAAAA0dummydummydummydummy" } })
      const ended = yield* request(h, "copilot")
      yield* timing("copilot no network", ended)
      expect(ended.runs[0]?.env, ended.report).toMatchObject({ GH_TOKEN: "github_pat_11AAAAAAA0dummydummydummydummy" })
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliNetworkError")
      expect(error, ended.report).toMatchObject({ cli: "copilot" })
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(90_000)
    })), 120_000)

  it.live("opencode, a provider's model and no key for it: CliAuthRequired (told from an unknown model by its logs)", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness()
      const ended = yield* request(h, "opencode", { model: "anthropic/claude-sonnet-4-5" })
      yield* timing("opencode not logged in", ended)
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliAuthRequired")
      expect(error, ended.report).toMatchObject({ cli: "opencode" })
      expect(error["loginCommand"], ended.report).toContain("opencode auth login")
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(90_000)
    })), 120_000)

  it.live("opencode, an unknown session id (ses_…): SessionNotFound", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness()
      const sessionId = "ses_0123456789abcdefABCDEFGHIJ"
      const ended = yield* request(h, "opencode", { sessionId, model: "anthropic/claude-sonnet-4-5" })
      yield* timing("opencode unknown session", ended)
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("SessionNotFound")
      expect(error, ended.report).toMatchObject({ cli: "opencode", sessionId })
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(90_000)
    })), 120_000)

  it.live("opencode, a dummy key and no network: CliNetworkError, run once (opencode retries by itself)", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness({ env: { ANTHROPIC_API_KEY: "sk-ant-api03-dummy" } })
      const ended = yield* request(h, "opencode", { model: "anthropic/claude-sonnet-4-5" })
      yield* timing("opencode no network", ended)
      expect(ended.runs[0]?.env, ended.report).toMatchObject({ ANTHROPIC_API_KEY: "sk-ant-api03-dummy" })
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliNetworkError")
      expect(error, ended.report).toMatchObject({ cli: "opencode" })
      expect(ended.runs, ended.report).toHaveLength(1)
      expect(ended.elapsedMs, ended.report).toBeLessThan(180_000)
    })), 200_000)

  // -------------------------------------------------------------------------
  // 3. a session id the CLI does not know
  // -------------------------------------------------------------------------

  for (const cli of ["claude", "codex", "gemini", "qwen", "copilot"] as const) {
    it.live(`${cli}, an unknown session id: SessionNotFound naming ${cli}`, () =>
      Effect.scoped(Effect.gen(function*() {
        const h = yield* harness()
        const sessionId = randomUUID()
        const ended = yield* request(h, cli, { sessionId })
        yield* timing(`${cli} unknown session`, ended)
        const error = failureOf(ended)
        expect(error._tag, ended.report).toBe("SessionNotFound")
        expect(error, ended.report).toMatchObject({ cli, sessionId })
        expect(error["cliMessage"], ended.report).toEqual(expect.any(String))
        expect(ended.runs, ended.report).toHaveLength(1)
        expect(ended.elapsedMs, ended.report).toBeLessThan(30_000)
      })), 60_000)
  }

  // -------------------------------------------------------------------------
  // 4. the community grok
  // -------------------------------------------------------------------------

  it.live("versions: claude, codex and gemini installed at the pinned versions; the community grok incompatible, never run", () =>
    Effect.scoped(Effect.gen(function*() {
      const h = yield* harness()
      const pinned = realClis().versions
      const started = performance.now()
      const reports = yield* Effect.provide(Effect.flatMap(CliUpdater.CliUpdater, (u) => u.versions()), h.layer)
      const elapsedMs = Math.round(performance.now() - started)
      process.stderr.write(`[failures] versions: ${seconds(elapsedMs)}\n`)
      const report = `${JSON.stringify(reports, null, 2)}\n--- spawned ---\n${
        h.spawned.map((s) => `${s.command} ${s.args.join(" ")}`).join("\n")
      }`
      const of = (cli: Cli) => reports.find((r) => r.cli === cli)
      for (const cli of ["claude", "codex", "gemini", "qwen", "copilot", "opencode"] as const) {
        expect(of(cli), report).toMatchObject({ status: "installed", version: pinned[cli], path: realClis().bin[cli] })
      }
      const grok = of("grok")
      expect(grok, report).toMatchObject({ status: "incompatible", path: realClis().bin.grok })
      expect(grok?.status === "incompatible" ? grok.found : "", report).toMatch(/@vibe-kit\/grok-cli|1\.0\.1/)
      // Told by its package: the community grok was not even asked its version.
      expect(h.spawned.filter((s) => s.command === realClis().bin.grok), report).toEqual([])
      expect(elapsedMs, report).toBeLessThan(60_000)
    })), 90_000)

  it.live("the community grok: a request and cli_upgrade (dry run and real) fail with CliIncompatible; it never saw a prompt or `update`", () =>
    Effect.scoped(Effect.gen(function*() {
      // The binary is a script of ours that notes its argv, then runs the real community grok. Its own
      // path has no package.json above it, so it is identified by its help (and its --version).
      let wrapper = ""
      let argvLog = ""
      const h = yield* harness({
        prepare: (sandbox) => {
          mkdirSync(join(sandbox.root, "bin"))
          wrapper = join(sandbox.root, "bin", "grok")
          argvLog = join(sandbox.root, "grok-argv.log")
          writeFileSync(argvLog, "")
          const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`
          writeFileSync(
            wrapper,
            `#!/bin/sh\nprintf '%s\\n' "$*" >> ${quote(argvLog)}\nexec ${quote(realClis().bin.grok)} "$@"\n`
          )
          chmodSync(wrapper, 0o755)
          return { binaries: { ...realClis().bin, grok: wrapper } }
        }
      })
      const argv = () => readFileSync(argvLog, "utf8").split("\n").filter((l) => l !== "")

      const ended = yield* request(h, "grok")
      yield* timing("grok request", ended)
      const error = failureOf(ended)
      expect(error._tag, ended.report).toBe("CliIncompatible")
      expect(error, ended.report).toMatchObject({ cli: "grok", command: wrapper, path: wrapper })
      expect(error["found"], ended.report).toContain("1.0.1")
      expect(error["found"], ended.report).toContain("--output-format")
      expect(ended.runs, ended.report).toEqual([])

      const upgrade = (dryRun: boolean) =>
        Effect.provide(
          Effect.flatMap(CliUpdater.CliUpdater, (u) => Effect.either(u.upgrade({ cli: "grok", dryRun }))),
          h.layer
        )
      for (const dryRun of [true, false]) {
        const outcome = yield* upgrade(dryRun)
        const report = `dryRun ${dryRun}: ${JSON.stringify(outcome, null, 2)}\nargv seen: ${JSON.stringify(argv())}`
        expect(Either.isLeft(outcome), report).toBe(true)
        expect(Either.isLeft(outcome) ? outcome.left : undefined, report).toMatchObject({
          _tag: "CliIncompatible",
          cli: "grok",
          path: wrapper
        })
      }
      // With the package's own path too (told by its package, nothing run at all).
      const direct = h.layerWith({})
      for (const dryRun of [true, false]) {
        const outcome = yield* Effect.provide(
          Effect.flatMap(CliUpdater.CliUpdater, (u) => Effect.either(u.upgrade({ cli: "grok", dryRun }))),
          direct
        )
        const left = Either.isLeft(outcome) ? outcome.left : undefined
        expect(left, JSON.stringify(outcome)).toMatchObject({ _tag: "CliIncompatible", path: realClis().bin.grok })
        expect(left?._tag === "CliIncompatible" ? left.found : "", JSON.stringify(outcome)).toContain("@vibe-kit/grok-cli")
      }

      // What the community grok was ever run with: its help and its version, nothing else.
      const seen = argv()
      expect(seen.length, JSON.stringify(seen)).toBeGreaterThan(0)
      for (const line of seen) expect(["--help", "--version"], JSON.stringify(seen)).toContain(line)
      expect(seen.some((line) => line.split(" ").includes("update")), JSON.stringify(seen)).toBe(false)
      const grokRuns = h.spawned.filter((s) => s.command === wrapper || s.command === realClis().bin.grok)
      for (const run of grokRuns) expect(isProbe(run.args), JSON.stringify(grokRuns)).toBe(true)
    })), 90_000)
})
