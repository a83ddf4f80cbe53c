/**
 * What may reach a CLI's argv. The flags are the ones the adapters write
 * (read from each agent's adapter, src/agents/<cli>/adapter.ts, so a new flag needs no change here); a value
 * that came from a request (it carries MARK) may only stand right after an
 * option whose value the gateway validated, or in the `--flag=value` form of
 * the tool lists, and never starts with a dash. A prompt (PROMPT_MARK) never
 * appears in argv at all: it goes on stdin or in a private file.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { MARK, PROMPT_MARK } from "./arbitraries.js"
import { root } from "./server.js"

/** Every flag literal in the adapters' source. */
export const knownFlags: ReadonlySet<string> = (() => {
  const dir = join(root, "src/agents")
  const flags = new Set<string>(["-"])
  const agents = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())
  for (const agent of agents) {
    const source = readFileSync(join(dir, agent.name, "adapter.ts"), "utf8")
    for (const m of source.matchAll(/["'`](--?[A-Za-z][A-Za-z0-9-]*)["'`=]/g)) flags.add(m[1]!)
  }
  return flags
})()

/** Options after which a validated value stands (codex's `resume` subcommand included). */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set([
  "--model",
  "--resume",
  "resume",
  "--allowed-mcp-server-names",
  "--approval-mode",
  "--allowed-tools",
  "--include-directories",
  "--permission-mode",
  "--effort",
  "--reasoning-effort",
  "--tools",
  "--disallowed-tools",
  "--output-format"
])

/**
 * The `--flag=` prefix of an argument in the `--flag=value` form, when the
 * flag is one the adapters write (claude's tool lists, and every value of
 * copilot and qwen, whose parsers take a value that starts with a dash for
 * an option).
 */
const equalsForm = (arg: string): string | undefined => {
  const eq = arg.startsWith("--") ? arg.indexOf("=") : -1
  return eq > 2 && knownFlags.has(arg.slice(0, eq)) ? arg.slice(0, eq + 1) : undefined
}

/** The problems with one recorded argv (empty when none). */
export const argvProblems = (argv: ReadonlyArray<string>): ReadonlyArray<string> => {
  const problems: Array<string> = []
  argv.forEach((arg, i) => {
    if (arg.includes(PROMPT_MARK)) problems.push(`prompt text in argv[${i}]: ${JSON.stringify(arg)}`)
    const equals = equalsForm(arg)
    if (arg.startsWith("-") && equals === undefined && !knownFlags.has(arg)) {
      problems.push(`unknown option argv[${i}]: ${JSON.stringify(arg)}`)
    }
    if (!arg.includes(MARK)) return
    if (equals !== undefined) {
      if (arg.slice(equals.length).startsWith("-")) problems.push(`request value as an option in argv[${i}]: ${JSON.stringify(arg)}`)
      return
    }
    if (arg.startsWith("-")) problems.push(`request value as an option in argv[${i}]: ${JSON.stringify(arg)}`)
    else if (!VALUE_OPTIONS.has(argv[i - 1] ?? "")) {
      problems.push(`request value outside an option's value in argv[${i}] (after ${JSON.stringify(argv[i - 1])}): ${JSON.stringify(arg)}`)
    }
  })
  return problems
}
