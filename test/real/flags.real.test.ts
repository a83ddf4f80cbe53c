/**
 * Every flag the adapters can emit is accepted by the real CLI's parser.
 *
 * The requests are derived from each request Schema's fields (each boolean
 * true, each literal value, a sample for every other type), so a parameter
 * added later is covered without touching this file: each field alone with
 * each of its values, and everything at once. The adapter's pure `plan` turns
 * each into argv (with MCP servers resolved, so the MCP flags are emitted
 * too); each distinct argv runs on the real binary (empty HOME, no login, no
 * network) until it exits or prints a first line on stdout, and none may draw
 * the CLI's own words for an argv it refuses. A made-up flag and a bad value
 * prove that those words are the right ones (the check can fail).
 */
import { randomUUID } from "node:crypto"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import { afterAll, describe, expect, it } from "vitest"
import { DirectoryPath, ModelName, SessionId, ToolName } from "../../src/domain/fields.js"
import { McpServerName } from "../../src/domain/requests.js"
import { ClaudeRequest } from "../../src/agents/claude/request.js"
import { CodexRequest } from "../../src/agents/codex/request.js"
import { GeminiRequest } from "../../src/agents/gemini/request.js"
import { GrokRequest } from "../../src/agents/grok/request.js"
import { QwenRequest } from "../../src/agents/qwen/request.js"
import { CopilotRequest } from "../../src/agents/copilot/request.js"
import * as Qwen from "../../src/agents/qwen/adapter.js"
import * as Copilot from "../../src/agents/copilot/adapter.js"
import { OpencodeRequest } from "../../src/agents/opencode/request.js"
import * as Opencode from "../../src/agents/opencode/adapter.js"
import * as Claude from "../../src/agents/claude/adapter.js"
import * as Codex from "../../src/agents/codex/adapter.js"
import * as Gemini from "../../src/agents/gemini/adapter.js"
import * as Grok from "../../src/agents/grok/adapter.js"
import type { Invocation, PlanContext } from "../../src/providers/Provider.js"
import {
  describeRun,
  emptyHome,
  firstStdoutLine,
  makeTempDir,
  type RealCli,
  type RealRun,
  realClis,
  runReal,
  type Sandbox
} from "./realClis.js"

const PROMPT = "Reply with the single word: ok"
const MADE_UP_FLAG = "--such-flag"

/** What the runs share: folders that must exist, removed after the file. */
const shared = makeTempDir("flags-")
afterAll(shared.remove)
const includeDir = join(shared.path, "extra-folder")
mkdirSync(includeDir)

const context: PlanContext = {
  bypassAllowed: true,
  mcpServers: { enabled: ["fs"], config: { mcpServers: { fs: { command: "true" } } } }
}

/** Samples for the gateway's own value types (see `valuesOf`). */
const SESSION_ID = randomUUID()
const TOOLS = ["Read", "Bash(git log:*)"]

// ---------------------------------------------------------------------------
// requests from a Schema
// ---------------------------------------------------------------------------

interface Target {
  readonly cli: Exclude<RealCli, "grok">
  readonly schema: Schema.Schema.AnyNoContext
  readonly plan: (request: never, context: PlanContext) => Either.Either<Invocation, unknown>
  /** A model name the CLI knows. */
  readonly model: string
  /** A session id in the CLI's own form, when it is not a UUID. */
  readonly sessionId?: string
  /** Tool names or rules in the CLI's own form, when claude's do not fit it. */
  readonly tools?: ReadonlyArray<string>
  /** Fields every request of the target has (so that each run fails fast, before any network). */
  readonly base?: Readonly<Record<string, unknown>>
  /**
   * The CLI's own words for an argv its parser refuses (an unknown option, a
   * refused or missing value, a conflict), pinned for the version installed.
   */
  readonly refusalWords: ReadonlyArray<string>
  /** Proof that the words are the right ones: argv additions the parser refuses, and the words it says. */
  readonly controls: ReadonlyArray<{ readonly extra: ReadonlyArray<string>; readonly words: string }>
}

const targets: ReadonlyArray<Target> = [
  {
    cli: "claude",
    schema: ClaudeRequest,
    plan: Claude.make({}).plan as Target["plan"],
    model: "sonnet",
    // commander's errors, and claude's own warning for an effort level it does not know.
    refusalWords: [
      "error: unknown option",
      "error: option '",
      "error: missing required argument",
      "error: too many arguments",
      "Unknown --effort value"
    ],
    controls: [
      { extra: [MADE_UP_FLAG], words: "error: unknown option '--such-flag'" },
      { extra: ["--permission-mode", "bogus"], words: "error: option '--permission-mode <mode>' argument 'bogus' is invalid" },
      { extra: ["--effort", "bogus"], words: "Unknown --effort value 'bogus'" }
    ]
  },
  {
    cli: "codex",
    schema: CodexRequest,
    plan: Codex.make({}).plan as Target["plan"],
    model: "gpt-5",
    // clap's errors; every one of them ends with this advice.
    refusalWords: [
      "error: unexpected argument",
      "error: invalid value",
      "error: a value is required",
      "error: the argument '",
      "error: unrecognized subcommand",
      "For more information, try '--help'"
    ],
    controls: [
      { extra: [MADE_UP_FLAG], words: "error: unexpected argument '--such-flag'" },
      { extra: ["--sandbox", "bogus"], words: "error: invalid value 'bogus' for '--sandbox" }
    ]
  },
  {
    cli: "gemini",
    schema: GeminiRequest,
    plan: Gemini.make({}).plan as Target["plan"],
    model: "flash",
    // yargs' errors (each followed by the usage), and gemini's own conflict checks.
    refusalWords: [
      "Unknown arguments:",
      "Invalid values:",
      "Not enough arguments following:",
      "Cannot use both",
      "Usage: gemini [options]"
    ],
    controls: [
      { extra: [MADE_UP_FLAG], words: "Unknown arguments: such-flag" },
      { extra: ["--approval-mode", "bogus"], words: 'Argument: approval-mode, Given: "bogus"' }
    ]
  },
  {
    cli: "qwen",
    schema: QwenRequest,
    plan: Qwen.make().plan as Target["plan"],
    model: "qwen3-coder-plus",
    // yargs' errors, each followed by the usage, and qwen's own conflict checks (test/fixtures/real/qwen).
    refusalWords: [
      "Unknown argument",
      "Invalid values:",
      "Not enough arguments following:",
      "Cannot use both",
      "Usage: qwen [options]"
    ],
    controls: [
      { extra: [MADE_UP_FLAG], words: "Unknown arguments: such-flag" },
      { extra: ["--approval-mode=bogus"], words: 'Argument: approval-mode, Given: "bogus"' }
    ]
  },
  {
    cli: "copilot",
    schema: CopilotRequest,
    plan: Copilot.make().plan as Target["plan"],
    model: "auto",
    // clap's errors (test/fixtures/real/copilot); each ends with this advice.
    refusalWords: [
      "error: unexpected argument",
      "error: invalid value",
      "error: a value is required",
      "error: the argument '",
      "For more information, try '--help'"
    ],
    controls: [
      { extra: [MADE_UP_FLAG], words: "error: unexpected argument '--such-flag' found" },
      { extra: ["--reasoning-effort=bogus"], words: "error: invalid value 'bogus' for '--reasoning-effort" }
    ]
  },
  {
    cli: "opencode",
    schema: OpencodeRequest,
    plan: Opencode.make().plan as Target["plan"],
    model: "anthropic/claude-sonnet-4-5",
    sessionId: "ses_0123456789abcdefABCDEFGHIJ",
    tools: ["read", "bash(git log *)"],
    // Without a model opencode takes its free model and tries the network for about 70 s; with a provider's
    // model and no key for it, it stops within seconds, past its argument parsing.
    base: { model: "anthropic/claude-sonnet-4-5" },
    // yargs refuses an unknown option or a bad choice by printing `run`'s whole help, without naming it
    // (test/fixtures/real/opencode/unknown-option.stderr); a run it accepts never prints the help.
    refusalWords: ["opencode run [message..]", "Positionals:"],
    controls: [
      { extra: [MADE_UP_FLAG], words: "opencode run [message..]" },
      { extra: ["--log-level=BOGUS"], words: "opencode run [message..]" }
    ]
  }
]

const sampleOf = (ast: AST.AST): unknown => FastCheck.sample(Arbitrary.make(Schema.make(ast)), { numRuns: 1, seed: 7 })[0]

/**
 * The values to try for one field: every literal, `true` for a boolean, a
 * sample known to the CLIs for the gateway's own value types, an arbitrary
 * valid value for any other.
 */
const valuesOf = (target: Target, ast: AST.AST): ReadonlyArray<unknown> => {
  if (AST.isUnion(ast)) return ast.types.filter((t) => !AST.isUndefinedKeyword(t)).flatMap((t) => valuesOf(target, t))
  // A bounded list (`Tools`, `Folders`: at most so many items) is its list, with a known sample.
  if (AST.isRefinement(ast) && AST.isTupleType(ast.from)) return valuesOf(target, ast.from)
  if (AST.isLiteral(ast)) return [ast.literal]
  if (AST.isBooleanKeyword(ast)) return [true]
  if (ast === ModelName.ast) return [target.model]
  if (ast === SessionId.ast) return [SESSION_ID]
  if (AST.isTupleType(ast) && ast.elements.length === 0 && ast.rest.length === 1) {
    const element = ast.rest[0]!.type
    if (element === ToolName.ast) return [target.tools ?? TOOLS]
    if (element === DirectoryPath.ast) return [[includeDir]]
    if (element === McpServerName.ast) return [["fs"]]
    return [[sampleOf(element)]]
  }
  return [sampleOf(ast)]
}

interface Candidate {
  /** What was set, for the report. */
  readonly label: string
  readonly request: Record<string, unknown>
}

/** The requests to plan: defaults, each field alone with each value, everything at once. */
const candidates = (target: Target): ReadonlyArray<Candidate> => {
  const type = AST.typeAST(target.schema.ast)
  if (!AST.isTypeLiteral(type)) throw new Error(`${target.cli}: the request Schema is not a struct`)
  const fields = type.propertySignatures
    // `model` by name too: an agent may describe the model field anew (opencode's `provider/model`).
    .map((p) => ({
      name: String(p.name),
      values: String(p.name) === "model"
        ? [target.model]
        : String(p.name) === "sessionId" && target.sessionId !== undefined
        ? [target.sessionId]
        : valuesOf(target, p.type)
    }))
    .filter((f) => f.name !== "prompt")
  const out: Array<Candidate> = [{ label: "defaults", request: {} }]
  for (const field of fields) {
    for (const value of field.values) out.push({ label: `${field.name}=${JSON.stringify(value)}`, request: { [field.name]: value } })
  }
  // Everything at once, with the last value of each field (a literal other
  // than the first, which is usually the default); and again without
  // `createNewSession`, which sets the session fields aside.
  const everything = Object.fromEntries(fields.map((f) => [f.name, f.values[f.values.length - 1]]))
  out.push({ label: "everything", request: everything })
  out.push({ label: "everything but createNewSession", request: { ...everything, createNewSession: false } })
  return out
}

interface Case {
  readonly key: string
  readonly invocation: Invocation
  readonly labels: Array<string>
}

/** Plans every candidate and keeps one case per distinct argv. */
const cases = (target: Target): ReadonlyArray<Case> => {
  const decode = Schema.decodeUnknownSync(target.schema)
  const byArgv = new Map<string, Case>()
  for (const candidate of candidates(target)) {
    let request: unknown
    try {
      request = decode({ prompt: PROMPT, ...target.base, ...candidate.request })
    } catch (error) {
      throw new Error(`${target.cli} ${candidate.label}: the sample is not a valid request: ${String(error)}`)
    }
    const planned = target.plan(request as never, context)
    if (Either.isLeft(planned)) {
      throw new Error(`${target.cli} ${candidate.label}: the adapter refused the request: ${String(planned.left)}`)
    }
    const invocation = planned.right
    const key = JSON.stringify([invocation.args, invocation.mcpConfig?.flag, invocation.prompt._tag])
    const existing = byArgv.get(key)
    if (existing !== undefined) existing.labels.push(candidate.label)
    else byArgv.set(key, { key, invocation, labels: [candidate.label] })
  }
  return [...byArgv.values()]
}

// ---------------------------------------------------------------------------
// running an invocation as the runner does
// ---------------------------------------------------------------------------

/** The argv as RequestRunner completes it: `[flag, file]` for the MCP configuration and a prompt file. */
const completeArgs = (invocation: Invocation, sandbox: Sandbox, extra: ReadonlyArray<string> = []): Array<string> => {
  const args = [...invocation.args]
  // The made-up flag goes before codex's prompt argument `-`, else at the end.
  if (args[args.length - 1] === "-") args.splice(args.length - 1, 0, ...extra)
  else args.push(...extra)
  if (invocation.mcpConfig !== undefined) {
    const file = join(sandbox.root, "mcp-config.json")
    writeFileSync(file, JSON.stringify(invocation.mcpConfig.config), { mode: 0o600 })
    args.push(invocation.mcpConfig.flag, `${invocation.mcpConfig.pathPrefix ?? ""}${file}`)
  }
  if (invocation.prompt._tag === "File") {
    const file = join(sandbox.root, "prompt.txt")
    writeFileSync(file, invocation.prompt.text, { mode: 0o600 })
    args.push(invocation.prompt.flag, file)
  }
  return args
}

/**
 * Runs a planned invocation on the real CLI in an empty HOME; with
 * `untilFirstLine`, only until it prints a first line on stdout (it got past
 * its argument parsing: codex, with no network, would never exit).
 */
const runInvocation = (
  cli: RealCli,
  invocation: Invocation,
  { extra = [], untilFirstLine = true }: { readonly extra?: ReadonlyArray<string>; readonly untilFirstLine?: boolean } = {}
): Promise<RealRun> => {
  const sandbox = emptyHome()
  return runReal(cli, completeArgs(invocation, sandbox, extra), {
    sandbox,
    stdin: invocation.prompt._tag === "Stdin" ? invocation.prompt.text : "",
    env: invocation.env,
    ...(untilFirstLine ? { stopWhen: firstStdoutLine } : {}),
    timeoutMs: 90_000
  })
}

/** An argv for a test's name, without this run's random parts. */
const display = (args: ReadonlyArray<string>) =>
  args.join(" ").replaceAll(SESSION_ID, "<uuid>").replaceAll(shared.path, "<tmp>")

// ---------------------------------------------------------------------------

for (const target of targets) {
  describe.concurrent(target.cli, () => {
    const all = cases(target)

    it(`plans ${all.length} distinct argvs`, () => {
      expect(all.length).toBeGreaterThan(3)
    })

    for (const c of all) {
      it(`accepts ${display(c.invocation.args)}`, async () => {
        const run = await runInvocation(target.cli, c.invocation)
        const report = `from ${c.labels.join("; ")}\n${describeRun(run)}`
        expect(run.timedOut, `neither exited nor printed a line:\n${report}`).toBe(false)
        for (const words of target.refusalWords) {
          expect(`${run.stdout}\n${run.stderr}`, `the CLI refused the argv:\n${report}`).not.toContain(words)
        }
      })
    }

    for (const control of target.controls) {
      it(`refuses ${control.extra.join(" ")} in its own words (the check can fail)`, async () => {
        // To the end: the words must not be lost to an early stop. Each of these exits within seconds.
        const run = await runInvocation(target.cli, all[0]!.invocation, { extra: control.extra, untilFirstLine: false })
        const output = `${run.stdout}\n${run.stderr}`
        expect(run.timedOut, describeRun(run)).toBe(false)
        expect(output, describeRun(run)).toContain(control.words)
        expect(target.refusalWords.some((words) => output.includes(words)), describeRun(run)).toBe(true)
      })
    }
  })
}

describe.concurrent("grok", () => {
  const planned = Grok.make({}).plan(Schema.decodeUnknownSync(GrokRequest)({ prompt: PROMPT }), context)

  it("the adapter speaks the official grok (--output-format)", () => {
    expect(Either.isRight(planned)).toBe(true)
    expect(Either.getOrThrow(planned).args).toContain("--output-format")
  })

  it("the community grok (@vibe-kit/grok-cli, also `grok`) refuses --output-format: \"error: unknown option\"", async () => {
    const run = await runReal("grok", ["--output-format", "streaming-json"], { stopWhen: firstStdoutLine, timeoutMs: 60_000 })
    expect(run.stderr, describeRun(run)).toContain("error: unknown option '--output-format'")
    expect(run.exitCode, describeRun(run)).not.toBe(0)
  })

  it("the community grok refuses the adapter's argv", async () => {
    const run = await runInvocation("grok", Either.getOrThrow(planned))
    expect(run.stderr, describeRun(run)).toContain("error: unknown option")
    expect(run.exitCode, describeRun(run)).not.toBe(0)
  })
})

describe.concurrent("the installed binaries are the pinned versions", () => {
  for (const cli of ["claude", "codex", "gemini", "qwen", "copilot", "opencode"] as const) {
    it(`${cli} --version`, async () => {
      const run = await runReal(cli, ["--version"], { timeoutMs: 60_000 })
      expect(run.stdout, describeRun(run)).toContain(realClis().versions[cli])
    })
  }
})
