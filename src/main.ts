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
import * as Gateway from "./Gateway.js"

// stdout carries the protocol; a stray console.log from any library would corrupt it.
console.log = console.error
console.info = console.error
console.debug = console.error

const program = Gateway.serveStdio.pipe(
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
