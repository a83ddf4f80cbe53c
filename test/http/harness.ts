/**
 * A gateway served over Streamable HTTP in this process: the live services
 * on a SQLite file in a temporary folder, the fake CLIs of test/fixtures/bin
 * run by the real CommandRunner, and a token store stub whose tokens a test
 * can change. Clients are the MCP SDK's `Client` on its
 * `StreamableHTTPClientTransport`; raw requests go through `node:http`.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import * as GatewayConfig from "../../src/Config.js"
import { byCli } from "../../src/domain/Cli.js"
import * as Gateway from "../../src/Gateway.js"
import { endpointUrl, type ListenAddress } from "../../src/http/address.js"
import type { HttpServeError } from "../../src/http/errors.js"
import { type Principal, TokenStore } from "../../src/http/tokens.js"
import * as CommandRunner from "../../src/process/CommandRunner.js"

const root = resolve(import.meta.dirname, "../..")
const fakeBin = (cli: string) => join(root, "test/fixtures/bin", cli)

/** A token store stub: token → principal name, changed as a test likes. */
export interface StubTokens {
  readonly tokens: Map<string, string>
  readonly layer: Layer.Layer<TokenStore>
}

export const stubTokens = (initial: Record<string, string> = {}): StubTokens => {
  const tokens = new Map(Object.entries(initial))
  return {
    tokens,
    layer: Layer.succeed(TokenStore, {
      verify: (token) =>
        Effect.sync(() => Option.map(Option.fromNullable(tokens.get(token)), (name): Principal => ({ name }))),
      size: Effect.sync(() => tokens.size)
    })
  }
}

export interface Recorded {
  readonly cli?: string
  readonly pid?: number
  readonly prompt?: string
}

export interface HttpGateway {
  readonly address: ListenAddress
  readonly url: string
  readonly dir: string
  readonly logs: ReadonlyArray<string>
  readonly records: () => ReadonlyArray<Recorded>
  /** Stops the server (every session closed) and removes its folder. */
  readonly stop: () => Promise<void>
}

export interface StartOptions {
  readonly config?: Partial<GatewayConfig.GatewayConfigShape>
  readonly http?: Gateway.HttpOptions
  readonly tokens?: StubTokens
}

/** Runs `serveHttpWith` until it fails (answered) or listens. */
export const startHttpGateway = async (options: StartOptions = {}): Promise<HttpGateway> => {
  const started = await tryStartHttpGateway(options)
  if (started._tag === "Failed") throw new Error(`the server did not start: ${started.error.message}`)
  return started.gateway
}

export const tryStartHttpGateway = async (
  options: StartOptions = {}
): Promise<{ readonly _tag: "Started"; readonly gateway: HttpGateway } | { readonly _tag: "Failed"; readonly error: HttpServeError }> => {
  const dir = mkdtempSync(join(tmpdir(), "gateway-http-"))
  const recordFile = join(dir, "record.jsonl")
  const logs: Array<string> = []
  const config = GatewayConfig.layerTest({
    binaries: byCli(fakeBin),
    databasePath: join(dir, "gateway.db"),
    childEnv: ["FAKE_CLI_*"],
    killGraceMs: 200,
    ...options.config
  })
  const runner = Layer.effect(
    CommandRunner.CommandRunner,
    CommandRunner.make({ inheritedEnv: { PATH: process.env.PATH, HOME: dir, FAKE_CLI_RECORD: recordFile } })
  )
  const services = Gateway.layerServicesWith(runner, CliIdentity.layerTrusting)
  const listening = Effect.runSync(Deferred.make<ListenAddress>())
  const logger = Logger.make(({ logLevel, message }) => {
    logs.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
  })
  const fiber = Effect.runFork(
    Gateway.serveHttpWith(services, {
      port: 0,
      ...options.http,
      onListening: (address) => Deferred.succeed(listening, address)
    }).pipe(
      Effect.provide(Layer.merge(config, (options.tokens ?? stubTokens()).layer)),
      Effect.provide(Logger.replace(Logger.defaultLogger, logger))
    )
  )
  const outcome = await Effect.runPromise(Effect.raceFirst(
    Effect.map(Deferred.await(listening), (address) => ({ _tag: "Listening" as const, address })),
    Effect.map(Fiber.await(fiber), (exit) => ({ _tag: "Ended" as const, exit }))
  ))
  if (outcome._tag === "Ended") {
    rmSync(dir, { recursive: true, force: true })
    const exit = outcome.exit
    if (Exit.isFailure(exit) && exit.cause._tag === "Fail") return { _tag: "Failed", error: exit.cause.error }
    throw new Error(`the server ended: ${String(exit)}`)
  }
  const records = (): ReadonlyArray<Recorded> =>
    existsSync(recordFile)
      ? readFileSync(recordFile, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as Recorded)
      : []
  return {
    _tag: "Started",
    gateway: {
      address: outcome.address,
      url: endpointUrl(outcome.address),
      dir,
      logs,
      records,
      stop: async () => {
        await Effect.runPromise(Fiber.interrupt(fiber))
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
}

export interface Connected {
  readonly client: Client
  readonly transport: StreamableHTTPClientTransport
}

/** An MCP client of the gateway, initialized. */
export const connect = async (
  url: string,
  options: { readonly token?: string; readonly headers?: Record<string, string> } = {}
): Promise<Connected> => {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } })
  const client = new Client({ name: "http-test", version: "1.0.0" })
  await client.connect(transport)
  return { client, transport }
}

export interface RawResponse {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly body: string
}

/** One HTTP request as it is written (any Host, any body framing); the answer read whole (an SSE one until it ends). */
export const raw = (
  address: ListenAddress,
  options: {
    readonly method?: string
    readonly path?: string
    readonly headers?: Record<string, string>
    readonly body?: string | ReadonlyArray<string>
  } = {}
): Promise<RawResponse> =>
  new Promise((resolvePromise, reject) => {
    const req = httpRequest({
      host: address.host,
      port: address.port,
      method: options.method ?? "POST",
      path: options.path ?? "/mcp",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        ...options.headers
      }
    }, (res) => {
      let body = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => {
        body += chunk
      })
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body }))
      res.on("error", reject)
    })
    req.on("error", reject)
    const body = options.body
    if (typeof body === "string") req.end(body)
    else if (body !== undefined) {
      for (const chunk of body) req.write(chunk)
      req.end()
    } else req.end()
  })

/** The JSON-RPC `initialize` request, as a body. */
export const initializeBody = (id: number | string = 1): string =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1.0.0" } }
  })

/** True while a process runs (zombies count as gone). */
export const alive = (pid: number): boolean => {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "latin1"))
  } catch {
    return false
  }
}

export const waitUntil = async (check: () => boolean, ms = 5_000): Promise<void> => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > ms) throw new Error("condition not met in time")
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Every fake CLI of a server's records has ended. */
export const noProcessLeft = async (gateway: HttpGateway): Promise<void> => {
  const pids = gateway.records().flatMap((r) => r.pid !== undefined ? [r.pid] : [])
  await waitUntil(() => pids.every((pid) => !alive(pid)), 5_000)
}
