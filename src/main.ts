#!/usr/bin/env node
/**
 * The binary's program, bundled as `dist/bin/gateway.cjs`; the launcher
 * (`bin.ts`) runs it. With no arguments it serves MCP on stdio, and with
 * `--http [HOST:]PORT` (or `LLM_GATEWAY_HTTP`) over Streamable HTTP, the
 * HTTP stack loaded only then; the other commands (`doctor`, `config
 * CLIENT`, `--version`, `--help`) are in `commands/`, loaded only when
 * asked for. Unknown arguments exit with 2.
 *
 * @since 0.1.0
 */
// First: the V8 heap mode (already set when the launcher runs this; see bin.ts).
import "./applyHeapMode.js"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { fileURLToPath } from "node:url"
import { config as binaryConfig } from "./binaryConfig.js"
import { HELP, parseArgs, USAGE, USAGE_EXIT_CODE } from "./commands/args.js"
import { GatewayConfig, type GatewayConfigShape } from "./Config.js"
import * as Gateway from "./Gateway.js"
import { endpointUrl } from "./http/address.js"
import { servedTools } from "./mcp/tools/index.js"
import { VERSION } from "./version.js"
import * as HomeCheck from "./storage/homeCheck.js"
import { describeUrl } from "./storage/pgUrl.js"

// stdout carries the protocol; a stray console.log from any library would corrupt it.
console.log = console.error
console.info = console.error
console.debug = console.error

/** Serves MCP on stdio until the client goes, or over HTTP until a signal. */
const serve = (): void =>
  NodeRuntime.runMain(program, {
    disableErrorReporting: true,
    // The pretty logger writes to stdout; Logging.layer puts ours on stderr.
    disablePrettyLogger: true,
    // Every resource is released by the time the fiber ends: exit at once.
    teardown: (exit) => {
      process.exit(Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause) ? 1 : 0)
    }
  })

/** Where the gateway keeps its state, as the start-up line says it (a password hidden). */
const databaseShown = (config: GatewayConfigShape): string =>
  Option.match(config.databaseUrl, {
    onNone: () => config.databasePath,
    onSome: (url) => `PostgreSQL ${describeUrl(Redacted.value(url))}`
  })

/** One line on stderr, so a person who starts the server by hand sees that it waits for a client. */
const announce = Effect.flatMap(GatewayConfig, (config) =>
  Effect.logInfo(
    `llm-cli-gateway ${VERSION}: serving MCP on stdio (${servedTools(config.toolsets).length} tools), database ${databaseShown(config)}; ` +
      `waiting for a client on stdin`
  ))

/**
 * MCP over Streamable HTTP, with the bearer tokens of the tokens file. stdin
 * is not read and stdout not written: one line on stderr says where it
 * listens.
 */
const serveHttp = Effect.gen(function*() {
  const Tokens = yield* Effect.promise(() => import("./http/tokens.js"))
  const config = yield* GatewayConfig
  const { oauth } = config.http
  const served = Gateway.serveHttp({
    onListening: (address) =>
      Effect.flatMap(Effect.flatMap(Tokens.TokenStore, (store) => store.size), (tokens) =>
        Effect.logInfo(
          `llm-cli-gateway ${VERSION}: serving MCP over Streamable HTTP at ${endpointUrl(address)} ` +
            `(${servedTools(config.toolsets).length} tools), database ${databaseShown(config)}; ` +
            (oauth !== undefined
              ? `OAuth on: access tokens of the issuer ${oauth.issuer} for ${oauth.resource} required` +
                (tokens > 1 ? `, or a bearer token (${tokens - 1})` : "")
              : tokens > 0
              ? `bearer tokens required (${tokens})`
              : "no authentication (loopback only)")
        ))
  })
  // The JWT verifier (jose) is loaded only with an issuer configured.
  const withOAuth = oauth === undefined
    ? served
    : Effect.provide(served, (yield* Effect.promise(() => import("./http/jwt.js"))).layer(oauth))
  yield* withOAuth.pipe(Effect.provide(Tokens.layer))
})

// The binary's own settings (applied by the launcher already): a bad value stops the start, naming the variable.
// A home that can never hold the gateway's files (on /proc, under a file) stops the start too; exit code 1.
const program = Effect.zipRight(binaryConfig, HomeCheck.preflight).pipe(
  Effect.zipRight(Effect.flatMap(GatewayConfig, (config) =>
    Option.isSome(config.http.listen) ? serveHttp : Effect.zipRight(announce, Gateway.serveStdio))),
  Effect.provide(Gateway.layerMain),
  Effect.tapErrorCause((cause) =>
    Cause.isInterruptedOnly(cause) ? Effect.void : Effect.sync(() => {
      process.stderr.write(`llm-cli-gateway: ${Cause.pretty(cause)}\n`)
    })
  )
)

// The command line, before anything is served: stdout is not the protocol yet.
const command = parseArgs(process.argv.slice(2))
if (Either.isLeft(command)) {
  process.stderr.write(`llm-cli-gateway: ${command.left.message}\n\n${USAGE}`)
  process.exit(USAGE_EXIT_CODE)
}
switch (command.right._tag) {
  case "Version":
    process.stdout.write(`${VERSION}\n`)
    process.exit(0)
    break
  case "Help":
    process.stdout.write(HELP)
    process.exit(0)
    break
  case "Doctor": {
    const { json } = command.right
    void import("./commands/run.js").then((run) => run.runDoctor(json))
    break
  }
  case "Config": {
    const { client, http, npx, url } = command.right
    // The launcher beside this bundle (dist/bin/gateway.cjs): what `bin` points at.
    const launcher = fileURLToPath(new URL("./llm-cli-gateway.js", import.meta.url))
    void import("./commands/run.js").then((run) =>
      run.runConfig(client, npx, { execPath: process.execPath, launcher }, { http, url })
    )
    break
  }
  case "Token": {
    const { args } = command.right
    void import("./commands/run.js").then((run) => run.runToken(args))
    break
  }
  case "Serve":
    // A flag is its variable's value for this process (the configuration reads it like any other).
    if (command.right.toolsets !== undefined) process.env.LLM_GATEWAY_TOOLSETS = command.right.toolsets
    if (command.right.http !== undefined) process.env.LLM_GATEWAY_HTTP = command.right.http
    serve()
}
