/**
 * The server process's memory as `llm_process_health` reports it: resident
 * set now and at its peak, the V8 heap, and the heap mode it runs in.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { currentHeapMode, HEAP_MODES } from "../heapMode.js"

/**
 * @since 0.1.0
 */
export const ProcessMemory = Schema.Struct({
  heapMode: Schema.Literal(...HEAP_MODES).annotations({
    description: "How V8's heap is tuned: lean (the binary's default), default (LLM_GATEWAY_HEAP=default), " +
      "node-options (set on Node's command line), host (run as a library)"
  }),
  rssBytes: Schema.Number,
  peakRssBytes: Schema.Number.annotations({ description: "The largest resident set since the server started" }),
  heapUsedBytes: Schema.Number,
  heapTotalBytes: Schema.Number,
  externalBytes: Schema.Number.annotations({ description: "Memory of buffers and other objects outside the V8 heap" })
})

/**
 * @since 0.1.0
 */
export type ProcessMemory = typeof ProcessMemory.Type

/**
 * The figures now.
 *
 * @since 0.1.0
 */
export const processMemory = (): ProcessMemory => {
  const usage = process.memoryUsage()
  return {
    heapMode: currentHeapMode(),
    rssBytes: usage.rss,
    // maxRSS is in kilobytes (KiB on Linux).
    peakRssBytes: Math.max(usage.rss, process.resourceUsage().maxRSS * 1024),
    heapUsedBytes: usage.heapUsed,
    heapTotalBytes: usage.heapTotal,
    externalBytes: usage.external
  }
}

/**
 * Bytes as MiB with one decimal, for the text of an answer.
 *
 * @since 0.1.0
 */
export const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
