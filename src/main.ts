#!/usr/bin/env node
/**
 * The binary's program, bundled as `dist/bin/gateway.cjs`; the launcher
 * (`bin.ts`) runs it. With no arguments it serves MCP on stdio; the other
 * commands (`doctor`, `config CLIENT`, `--version`, `--help`) are in
 * `commands/`, loaded only when asked for. Unknown arguments exit with 2.
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
import { fileURLToPath } from "node:url"
import { HELP, parseArgs, USAGE, USAGE_EXIT_CODE } from "./commands/args.js"
import { GatewayConfig } from "./Config.js"
import * as Gateway from "./Gateway.js"
import { servedTools } from "./mcp/tools/index.js"
import { VERSION } from "./version.js"
import * as HomeCheck from "./storage/homeCheck.js"

// stdout carries the protocol; a stray console.log from any library would corrupt it.
console.log = console.error
console.info = console.error
console.debug = console.error

/** Serves MCP on stdio until the client goes. */
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

/** One line on stderr, so a person who starts the server by hand sees that it waits for a client. */
const announce = Effect.flatMap(GatewayConfig, (config) =>
  Effect.logInfo(
    `llm-cli-gateway ${VERSION}: serving MCP on stdio (${servedTools(config.toolsets).length} tools), database ${config.databasePath}; ` +
      `waiting for a client on stdin`
  ))

// A home that can never hold the gateway's files (on /proc, under a file) stops the start, exit code 1.
const program = HomeCheck.preflight.pipe(
  Effect.zipRight(announce),
  Effect.zipRight(Gateway.serveStdio),
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
    const { client, npx } = command.right
    // The launcher beside this bundle (dist/bin/gateway.cjs): what `bin` points at.
    const launcher = fileURLToPath(new URL("./llm-cli-gateway.js", import.meta.url))
    void import("./commands/run.js").then((run) => run.runConfig(client, npx, { execPath: process.execPath, launcher }))
    break
  }
  case "Serve":
    // The flag is the variable's value for this process (the configuration reads it like any other).
    if (command.right.toolsets !== undefined) process.env.LLM_GATEWAY_TOOLSETS = command.right.toolsets
    serve()
}
