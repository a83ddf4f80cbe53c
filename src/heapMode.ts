/**
 * The V8 heap settings of the `llm-cli-gateway` binary: lean by default.
 *
 * An MCP client starts one server per window, and each sits mostly idle
 * between requests. V8's defaults trade memory for throughput: the young
 * generation grows to two semi-spaces of 16 MiB, and the old generation may
 * grow to about four times its live size before a full collection, so the
 * dead strings of one large reply stay resident for a while. Resident
 * memory also costs time here: each CLI run forks the server, and the fork
 * copies page tables in proportion to it.
 *
 * `lean` keeps the young generation at its initial size and lets the old
 * generation grow by 30% between full collections. `default` leaves V8's
 * settings alone. When Node's own command line (or `NODE_OPTIONS`) sets
 * any of these, it wins.
 *
 * The binary's launcher applies the mode (`applyHeapMode.ts`, `bin.ts`)
 * before the server is compiled. The library never does: its host process owns its V8
 * settings. This module reads the environment itself because it runs
 * before the Effect runtime exists; the binary's own configuration
 * (`binaryConfig.ts`, read by `main.ts`, not `GatewayConfig`) reads the same
 * variable, so a bad value still stops the server with a clear error.
 *
 * @since 0.1.0
 */
import { setFlagsFromString } from "node:v8"

/**
 * How the process's V8 heap is tuned: `lean` (the binary's default),
 * `default` (V8's own settings, asked for with `LLM_GATEWAY_HEAP=default`),
 * `node-options` (set on Node's command line or in `NODE_OPTIONS`), or
 * `host` (the gateway runs as a library and left the settings to its host).
 *
 * @since 0.1.0
 */
export const HEAP_MODES = ["lean", "default", "node-options", "host"] as const

/**
 * @since 0.1.0
 */
export type HeapMode = (typeof HEAP_MODES)[number]

/**
 * The V8 flags of the `lean` mode.
 *
 * @since 0.1.0
 */
export const LEAN_FLAGS: ReadonlyArray<string> = ["--semi-space-growth-factor=1", "--heap-growing-percent=30"]

/** A Node option that already sets how the heap grows. */
const HEAP_OPTION = /--(?:(?:max|min)[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor|heap[-_]growing[-_]percent|(?:no[-_])?optimize[-_]for[-_]size)\b/

/**
 * The mode for an environment and Node command line.
 *
 * @since 0.1.0
 */
export const chooseHeapMode = (
  env: Readonly<Record<string, string | undefined>>,
  execArgv: ReadonlyArray<string>
): Exclude<HeapMode, "host"> => {
  if ([...execArgv, env.NODE_OPTIONS ?? ""].some((option) => HEAP_OPTION.test(option))) return "node-options"
  return env.LLM_GATEWAY_HEAP?.trim() === "default" ? "default" : "lean"
}

let current: HeapMode = "host"

/**
 * Sets the V8 flags of a mode (only `lean` has any) and remembers it.
 *
 * @since 0.1.0
 */
export const applyHeapMode = (mode: Exclude<HeapMode, "host">): void => {
  if (mode === "lean") setFlagsFromString(LEAN_FLAGS.join(" "))
  current = mode
}

/**
 * The mode this process runs in.
 *
 * @since 0.1.0
 */
export const currentHeapMode = (): HeapMode => current
