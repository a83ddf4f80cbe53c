#!/usr/bin/env node
/**
 * The MCP server on stdio, bundled as `dist/bin/gateway.cjs`; the binary
 * (`bin.ts`) runs it.
 *
 * @since 0.1.0
 */
// First: the V8 heap mode (already set when the launcher runs this; see bin.ts).
import "./applyHeapMode.js"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { GatewayConfig } from "./Config.js"
import * as Gateway from "./Gateway.js"
import { tools } from "./mcp/tools/index.js"
import { VERSION } from "./version.js"

// stdout carries the protocol; a stray console.log from any library would corrupt it.
console.log = console.error
console.info = console.error
console.debug = console.error

const HELP = `llm-cli-gateway ${VERSION}: an MCP server that runs the claude, codex, gemini and grok CLIs

Usage: llm-cli-gateway            serve MCP on stdin/stdout (what an MCP client starts)
       llm-cli-gateway --version  print the version
       llm-cli-gateway --help     print this

Configuration is read from the environment (LLM_GATEWAY_*, see the README).
`

// The command line, before anything is served: stdout is not the protocol yet.
const argv = process.argv.slice(2)
if (argv.includes("--version") || argv.includes("-v")) {
  process.stdout.write(`${VERSION}\n`)
  process.exit(0)
}
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write(HELP)
  process.exit(0)
}
if (argv.length > 0) process.stderr.write(`llm-cli-gateway: ignoring unknown arguments ${JSON.stringify(argv)} (see --help)\n`)

/** One line on stderr, so a person who starts the server by hand sees that it waits for a client. */
const announce = Effect.flatMap(GatewayConfig, (config) =>
  Effect.logInfo(
    `llm-cli-gateway ${VERSION}: serving MCP on stdio (${tools.length} tools), database ${config.databasePath}; ` +
      `waiting for a client on stdin`
  ))

const program = Effect.zipRight(announce, Gateway.serveStdio).pipe(
  Effect.provide(Gateway.layerMain),
  Effect.tapErrorCause((cause) =>
    Cause.isInterruptedOnly(cause) ? Effect.void : Effect.sync(() => {
      process.stderr.write(`llm-cli-gateway: ${Cause.pretty(cause)}\n`)
    })
  )
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  // The pretty logger writes to stdout; Logging.layer puts ours on stderr.
  disablePrettyLogger: true,
  // Every resource is released by the time the fiber ends: exit at once.
  teardown: (exit) => {
    process.exit(Exit.isFailure(exit) && !Cause.isInterruptedOnly(exit.cause) ? 1 : 0)
  }
})
