/**
 * Time from spawning a server to its `initialize` answer and to its
 * `tools/list` answer, spoken to with raw JSON-RPC lines.
 */
import { spawn } from "node:child_process"

export interface StartupSample {
  readonly initializeMs: number
  readonly toolsListMs: number
}

const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } }
})
const initialized = JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })
const toolsList = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })

export const measureStartup = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Promise<StartupSample> =>
  new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "ignore"], env })
    let buffer = ""
    let initializeMs = 0
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString()
      let nl: number
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        const message = JSON.parse(line) as { id?: number }
        if (message.id === 1) {
          initializeMs = elapsed()
          child.stdin.write(initialized + "\n" + toolsList + "\n")
        } else if (message.id === 2) {
          const toolsListMs = elapsed()
          child.stdin.end()
          child.once("exit", () => resolve({ initializeMs, toolsListMs }))
        }
      }
    })
    child.once("error", reject)
    child.stdin.write(initialize + "\n")
  })
