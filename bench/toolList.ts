/**
 * The size of the tool list, in process (no server): what the client's
 * model reads, and the whole `tools/list` answer, for every toolset and for
 * one CLI's sync tool with the job tools, beside llm-cli-gateway 1.4.0's.
 * And what the MCP SDK's `Client.listTools` then spends compiling the
 * output validators.
 *
 * Method: model-visible bytes are the UTF-8 bytes of the compact
 * `JSON.stringify({ name, description, inputSchema })` of each tool, summed;
 * the whole list is the compact JSON of the `tools/list` result.
 */
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv"
import { allClis } from "../src/domain/Cli.js"
import * as ToolList from "../src/mcp/toolList.js"
import { servedTools } from "../src/mcp/tools/index.js"
import * as Toolsets from "../src/mcp/toolsets.js"
import { median, met, ms, table } from "./stats.js"

/** 1.4.0's 22 tools with their descriptions, measured the same way. */
export const UPSTREAM_MODEL_VISIBLE = 21_000

const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`

const listOf = (value: string): ToolList.ToolList => {
  const toolsets = Toolsets.parse(value)
  if (toolsets._tag === "Left") throw new Error(toolsets.left.message)
  return ToolList.make(servedTools(toolsets.right), (name) => name.includes("_request"))
}

export interface ToolListFigures {
  readonly everything: ReturnType<typeof ToolList.sizes>
  readonly oneCli: ReturnType<typeof ToolList.sizes>
  readonly perCli: number
  /** A client's first `listTools`: every output validator compiled. */
  readonly compileMs: number
  /** Its later `listTools`: the validators it holds by `$id` reused. */
  readonly recompileMs: number
}

/**
 * Median time for the SDK's validator to take every output schema of the
 * list, as `Client.listTools` does: fresh (a client's first `listTools`),
 * and again with the same validator (its later ones), each time from a
 * newly parsed answer, as the client gets it.
 */
const compileTime = (list: ToolList.ToolList): { readonly first: number; readonly later: number } => {
  const json = JSON.stringify(list)
  const first: Array<number> = []
  const later: Array<number> = []
  for (let i = 0; i < 7; i++) {
    const validator = new AjvJsonSchemaValidator()
    for (const samples of [first, later]) {
      const tools = (JSON.parse(json) as ToolList.ToolList).tools
      const start = process.hrtime.bigint()
      for (const tool of tools) validator.getValidator(tool.outputSchema)
      samples.push(Number(process.hrtime.bigint() - start) / 1e6)
    }
  }
  return { first: median(first), later: median(later) }
}

export const measureToolList = (): ToolListFigures => {
  const all = listOf("all")
  const compile = compileTime(all)
  const requests = all.tools.filter((t) => /_request(_async)?$/.test(t.name))
  return {
    everything: ToolList.sizes(all),
    oneCli: ToolList.sizes(listOf("claude,requests,jobs")),
    perCli: requests.reduce((sum, t) => sum + ToolList.modelVisibleBytes(t), 0) / allClis.length,
    compileMs: compile.first,
    recompileMs: compile.later
  }
}

export const toolListTable = (f: ToolListFigures): string =>
  table(["tool list (UTF-8 bytes of compact JSON)", "tools", "model-visible", "whole list"], [
    ["every toolset (LLM_GATEWAY_TOOLSETS=all)", String(f.everything.tools), kb(f.everything.modelVisible), kb(f.everything.whole)],
    ["claude,requests,jobs (claude_request + job tools)", String(f.oneCli.tools), kb(f.oneCli.modelVisible), kb(f.oneCli.whole)],
    [`one CLI's sync + async tool (mean of ${allClis.length})`, "2", kb(f.perCli), ""],
    ["llm-cli-gateway 1.4.0 (22 tools, with descriptions)", "22", kb(UPSTREAM_MODEL_VISIBLE), ""],
    ["SDK Client, first listTools: compiling every output validator (median)", "", ms(f.compileMs), ""],
    ["SDK Client, later listTools: the validators held by $id (median)", "", ms(f.recompileMs), ""]
  ]) +
  "\n(model-visible: the sum over tools of the bytes of JSON.stringify({ name, description, inputSchema }))"

export const toolListFigures = (f: ToolListFigures): ReadonlyArray<ReadonlyArray<string>> => [
  ["model-visible tool list, every toolset", kb(f.everything.modelVisible), `≤ ${kb(UPSTREAM_MODEL_VISIBLE)} (1.4.0)`, met(f.everything.modelVisible <= UPSTREAM_MODEL_VISIBLE)],
  ["model-visible tool list, claude_request + job tools", kb(f.oneCli.modelVisible), "≤ 8.0 KB", met(f.oneCli.modelVisible <= 8_000)],
  ["whole tools/list answer, every toolset", kb(f.everything.whole), "< 40.0 KB", met(f.everything.whole < 40_000)]
]
