/**
 * Toolsets: which tools the server lists and answers, chosen by group and
 * by CLI (`LLM_GATEWAY_TOOLSETS`, or the `--toolsets` flag), so that a
 * client's model is not handed tools it will never call. Every tool is
 * served by default.
 *
 * A value is a comma-separated list of names:
 *
 * - `all`: every group (the default);
 * - a group: `requests` (the sync `<cli>_request` tools), `async` (the
 *   `<cli>_request_async` tools and the job tools), `jobs` (the job tools
 *   `llm_job_status`, `llm_job_wait`, `llm_job_result`, `llm_job_cancel`),
 *   `sessions` (`session_*`), `models` (`list_models`), `admin`
 *   (`cli_versions`, `cli_upgrade`, `approval_list`, `llm_process_health`);
 * - a CLI name (`claude`, `codex`, …): the request tools of only the CLIs
 *   named. With no group named, every group is served.
 *
 * So `claude,requests,jobs` serves `claude_request` and the job tools, and
 * `codex,gemini` everything, with the request tools of codex and gemini only.
 *
 * Pure: no MCP, no services; `Config.ts` reads it, the server core applies it.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Either from "effect/Either"
import { allClis, type Cli } from "../domain/Cli.js"

/**
 * The groups of tools, in the order the README lists them.
 *
 * @since 0.1.0
 */
export const groups = ["requests", "async", "jobs", "sessions", "models", "admin"] as const

/** @since 0.1.0 */
export type Group = typeof groups[number]

/**
 * What the server serves: the groups, and the CLIs whose request tools are
 * among them.
 *
 * @since 0.1.0
 */
export interface Toolsets {
  readonly groups: ReadonlyArray<Group>
  readonly clis: ReadonlyArray<Cli>
}

/**
 * Every tool (`all`).
 *
 * @since 0.1.0
 */
export const all: Toolsets = { groups, clis: allClis }

/**
 * A toolsets value names something that is neither a group nor a CLI.
 *
 * @since 0.1.0
 */
export class ToolsetsInvalid extends Data.TaggedError("ToolsetsInvalid")<{
  readonly message: string
  readonly unknown: ReadonlyArray<string>
}> {}

/**
 * Every name a toolsets value may use.
 *
 * @since 0.1.0
 */
export const names = (): ReadonlyArray<string> => ["all", ...groups, ...allClis]

const isGroup = (name: string): name is Group => (groups as ReadonlyArray<string>).includes(name)
const isCli = (name: string): name is Cli => (allClis as ReadonlyArray<string>).includes(name)

/**
 * Reads a toolsets value (of `LLM_GATEWAY_TOOLSETS`, or of the `--toolsets`
 * flag): names separated by commas, in any case, blanks ignored; an empty
 * value is `all`. A name that is no toolset is refused, and the message
 * lists the toolsets.
 *
 * @since 0.1.0
 */
export const parse = (value: string): Either.Either<Toolsets, ToolsetsInvalid> => {
  const words = value.split(",").map((w) => w.trim().toLowerCase()).filter((w) => w !== "")
  const unknown = words.filter((w) => w !== "all" && !isGroup(w) && !isCli(w))
  if (unknown.length > 0) {
    return Either.left(
      new ToolsetsInvalid({
        message: `${unknown.map((w) => JSON.stringify(w)).join(", ")} ${unknown.length === 1 ? "is not a toolset" : "are not toolsets"}; ` +
          `the toolsets are ${names().join(", ")}`,
        unknown
      })
    )
  }
  const named = groups.filter((g) => words.includes(g))
  const clis = allClis.filter((c) => words.includes(c))
  return Either.right({
    groups: words.includes("all") || named.length === 0 ? groups : named,
    clis: clis.length === 0 ? allClis : clis
  })
}

const jobTools: ReadonlyArray<string> = ["llm_job_status", "llm_job_wait", "llm_job_result", "llm_job_cancel"]
const adminTools: ReadonlyArray<string> = ["cli_versions", "cli_upgrade", "approval_list", "llm_process_health"]

/**
 * The groups a tool belongs to and, for a request tool, its CLI; undefined
 * for a tool no group names (which only `all` serves).
 *
 * @since 0.1.0
 */
export const groupsOf = (tool: string): { readonly groups: ReadonlyArray<Group>; readonly cli?: Cli } | undefined => {
  const request = /^([a-z]+)_request(_async)?$/.exec(tool)
  if (request !== null && isCli(request[1]!)) {
    return { groups: [request[2] === undefined ? "requests" : "async"], cli: request[1] }
  }
  if (jobTools.includes(tool)) return { groups: ["jobs", "async"] }
  if (tool.startsWith("session_")) return { groups: ["sessions"] }
  if (tool === "list_models") return { groups: ["models"] }
  if (adminTools.includes(tool)) return { groups: ["admin"] }
  return undefined
}

/**
 * Whether the toolsets serve a tool.
 *
 * @since 0.1.0
 */
export const serves = (toolsets: Toolsets, tool: string): boolean => {
  const of = groupsOf(tool)
  if (of === undefined) return groups.every((g) => toolsets.groups.includes(g))
  return of.groups.some((g) => toolsets.groups.includes(g)) && (of.cli === undefined || toolsets.clis.includes(of.cli))
}

/**
 * The tools the toolsets serve, in their order.
 *
 * @since 0.1.0
 */
export const select = <T extends { readonly name: string }>(toolsets: Toolsets, tools: ReadonlyArray<T>): ReadonlyArray<T> =>
  tools.filter((tool) => serves(toolsets, tool.name))

/**
 * Says the toolsets back as a value `parse` reads (`all` for every tool).
 *
 * @since 0.1.0
 */
export const format = (toolsets: Toolsets): string => {
  const everyGroup = groups.every((g) => toolsets.groups.includes(g))
  const everyCli = allClis.every((c) => toolsets.clis.includes(c))
  if (everyGroup && everyCli) return "all"
  return [...(everyCli ? [] : toolsets.clis), ...(everyGroup ? [] : toolsets.groups)].join(",")
}

/**
 * What a person should know of a choice of toolsets that works, but poorly:
 * sync request tools without the job tools cannot collect a run that
 * outlives SYNC_DEADLINE_MS.
 *
 * @since 0.1.0
 */
export const warnings = (toolsets: Toolsets, syncDeadlineMs: number): ReadonlyArray<string> =>
  syncDeadlineMs > 0 && toolsets.groups.includes("requests") && !toolsets.groups.includes("jobs") &&
    !toolsets.groups.includes("async")
    ? [
      "the toolsets serve the request tools without the job tools: a run still going after SYNC_DEADLINE_MS answers " +
        "with a jobId that no served tool can collect (add jobs, or set SYNC_DEADLINE_MS=0 to wait for every run)"
    ]
    : []
