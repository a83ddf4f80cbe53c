/**
 * The test kit's output builders are honest: the gateway's own adapters
 * read each built run as the builder says (a reply with the given text,
 * session id, usage and model; the failure's own tag), and every failure
 * word is verbatim in the recording it was taken from.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { agents } from "../../src/agents/registry.js"
import type { Cli } from "../../src/domain/Cli.js"
import type { Usage } from "../../src/domain/Usage.js"
import type { Invocation, Provider } from "../../src/providers/Provider.js"
import { Claude, type CliRun, Codex, Copilot, Gemini, Grok, Opencode, Qwen } from "../../src/testing/index.js"

const fixtures = join(import.meta.dirname, "..", "fixtures")
const fixture = (path: string) => readFileSync(join(fixtures, path), "utf8")

const provider = (cli: Cli): Provider<unknown> => agents[cli].adapter({ trustWorkspace: true }) as Provider<unknown>

const invocation = (cli: Cli, sessionId?: string): Invocation => ({
  cli,
  args: [],
  prompt: { _tag: "Stdin", text: "Say hi" },
  env: {},
  model: undefined,
  outputFormat: "text",
  ...(sessionId !== undefined ? { sessionId } : {})
})

/** What the gateway makes of a run: a reply when it exited 0, else the adapter's classification. */
const outcome = (cli: Cli, run: CliRun, sessionId?: string) => {
  const p = provider(cli)
  const output = { stdout: run.stdout, stderr: run.stderr, stdoutTruncated: false }
  if (run.exitCode === 0) return p.parse(invocation(cli, sessionId), output)
  return Either.left(
    p.classify({
      ...output,
      exitCode: run.exitCode,
      signal: run.signal,
      command: cli,
      model: undefined,
      cwd: "/home/user/project",
      ...(sessionId !== undefined ? { sessionId } : {})
    })
  )
}

const failureOf = (cli: Cli, run: CliRun, sessionId?: string) => {
  const o = outcome(cli, run, sessionId)
  if (Either.isRight(o)) throw new Error(`expected a failure, got the reply ${JSON.stringify(o.right.text)}`)
  return o.left
}

const replyOf = (cli: Cli, run: CliRun) => {
  const o = outcome(cli, run)
  if (Either.isLeft(o)) throw new Error(`expected a reply, got ${o.left._tag}: ${o.left.message}`)
  return o.right
}

interface Builders {
  readonly success: (text: string, options?: any) => CliRun
  readonly authFailure: () => CliRun
  readonly networkFailure?: () => CliRun
  readonly rateLimit: () => CliRun
  readonly unknownSession?: (id: string) => CliRun
  readonly words: Readonly<Record<string, string>>
}

/** Each CLI's builders, the success options its format carries, a session id of its shape, and where its words come from. */
const kits: ReadonlyArray<{
  readonly cli: Cli
  readonly kit: Builders
  readonly usage: Usage | undefined
  readonly model: string | undefined
  readonly costUsd?: number
  readonly sessionId: string
  readonly sources: Readonly<Record<string, string>>
}> = [
  {
    cli: "claude",
    kit: Claude,
    usage: { inputTokens: 12, outputTokens: 34, cachedInputTokens: 5, cacheCreationInputTokens: 6 },
    model: "claude-sonnet-5-5",
    costUsd: 0.25,
    sessionId: "3f0c2a7e-1b2c-4d5e-8f90-123456789abc",
    sources: {
      auth: "real/claude/not-logged-in.stdout",
      network: "real/claude/no-network.stdout",
      rateLimit: "output/claude/error-rate-limit.jsonl",
      unknownSession: "real/claude/unknown-session.stderr"
    }
  },
  {
    cli: "codex",
    kit: Codex,
    usage: { inputTokens: 12, outputTokens: 34, cachedInputTokens: 5, reasoningTokens: 7, totalTokens: 46 },
    model: undefined,
    sessionId: "3f0c2a7e-1b2c-4d5e-8f90-123456789abc",
    sources: {
      auth: "output/codex/fail-auth.jsonl",
      network: "real/codex/no-network.stdout",
      networkFirst: "real/codex/no-network.stdout",
      rateLimit: "output/codex/fail-rate-limit.jsonl",
      unknownSession: "real/codex/unknown-session.stderr"
    }
  },
  {
    cli: "gemini",
    kit: Gemini,
    usage: { inputTokens: 12, outputTokens: 34, cachedInputTokens: 5, reasoningTokens: 7, totalTokens: 46 },
    model: "gemini-2.5-pro",
    sessionId: "3f0c2a7e-1b2c-4d5e-8f90-123456789abc",
    sources: {
      auth: "real/gemini/not-logged-in.stderr",
      network: "real/gemini/no-network.stdout",
      networkRetry: "real/gemini/no-network.stderr",
      rateLimit: "output/gemini/rate-limit.stderr",
      unknownSession: "real/gemini/unknown-session.stderr"
    }
  },
  {
    cli: "grok",
    kit: Grok,
    usage: { inputTokens: 12, outputTokens: 34, cachedInputTokens: 5, cacheCreationInputTokens: 6, reasoningTokens: 7, totalTokens: 64 },
    model: "grok-code-fast-1",
    costUsd: 0.01,
    sessionId: "019f470d-3e02-7601-b726-1133cc72ef76",
    sources: { auth: "output/grok/auth.stdout", rateLimit: "output/grok/rate-limit.stdout" }
  },
  {
    cli: "qwen",
    kit: Qwen,
    usage: { inputTokens: 12, outputTokens: 34, cachedInputTokens: 5, totalTokens: 46 },
    model: "qwen3.7-max",
    sessionId: "0b5f3c1e-7d2a-4c8e-9f61-2a4b6c8d0e13",
    sources: {
      auth: "real/qwen/not-logged-in.stdout",
      network: "real/qwen/no-network.stdout",
      rateLimit: "real/qwen/mock-rate-limit-short.stdout",
      rateLimitRetry: "real/qwen/mock-rate-limit-short.stderr",
      unknownSession: "real/qwen/unknown-session.stderr"
    }
  },
  {
    cli: "copilot",
    kit: Copilot,
    usage: undefined,
    model: "gpt-5.2",
    sessionId: "047b120e-4a15-4c8d-98f0-3868f683c6ee",
    sources: {
      auth: "real/copilot/not-logged-in.stderr",
      network: "real/copilot/no-network.stderr",
      networkFirst: "real/copilot/no-network.stderr",
      rateLimit: "real/copilot/byok-rate-limit.stdout",
      unknownSession: "real/copilot/unknown-session.stderr"
    }
  },
  {
    cli: "opencode",
    kit: Opencode,
    usage: { inputTokens: 12, outputTokens: 34, cachedInputTokens: 5, cacheCreationInputTokens: 6, reasoningTokens: 7, totalTokens: 64 },
    model: undefined,
    costUsd: 0.007,
    sessionId: "ses_0123456789abcdefABCDEFGHIJ",
    sources: {
      auth: "real/opencode/not-logged-in-model-logs.stdout",
      authLog: "real/opencode/not-logged-in-model-logs.stderr",
      network: "real/opencode/no-network.stdout",
      rateLimit: "output/opencode/json-error-rate-limit.jsonl",
      unknownSession: "real/opencode/unknown-session.stderr"
    }
  }
]

/** The words as they appear in a file: as they are, or inside a JSON string. */
const appearsIn = (words: string, text: string) => text.includes(words) || text.includes(JSON.stringify(words).slice(1, -1))

describe.each(kits)("the $cli builders, read by the gateway's $cli adapter", ({ cli, kit, usage, model, costUsd, sessionId }) => {
  it("success → a reply with the text, session id, usage and model given", () => {
    const reply = replyOf(cli, kit.success("Hello from the kit.", { sessionId, usage, model, ...(costUsd !== undefined ? { costUsd } : {}) }))
    expect(reply.text).toBe("Hello from the kit.")
    expect(reply.sessionId).toBe(sessionId)
    expect(reply.usage).toEqual(usage)
    expect(reply.model).toBe(model)
    expect(reply.costUsd).toBe(costUsd)
  })

  it("success without options → a reply with the builder's defaults", () => {
    const reply = replyOf(cli, kit.success("two\nlines"))
    expect(reply.text).toBe("two\nlines")
    expect(reply.sessionId).toBeDefined()
  })

  it("authFailure → CliAuthRequired", () => {
    expect(failureOf(cli, kit.authFailure())).toMatchObject({ _tag: "CliAuthRequired", cli })
  })

  it("networkFailure → CliNetworkError (only grok has none: no recording of it exists)", () => {
    if (kit.networkFailure === undefined) return expect(cli).toBe("grok")
    expect(failureOf(cli, kit.networkFailure())).toMatchObject({ _tag: "CliNetworkError", cli })
  })

  it("rateLimit → CliRateLimited", () => {
    expect(failureOf(cli, kit.rateLimit())).toMatchObject({ _tag: "CliRateLimited", cli })
  })

  it("unknownSession(id) → SessionNotFound with the id (only grok has none: no recording of it exists)", () => {
    if (kit.unknownSession === undefined) return expect(cli).toBe("grok")
    expect(failureOf(cli, kit.unknownSession(sessionId), sessionId)).toMatchObject({ _tag: "SessionNotFound", cli, sessionId })
  })
})

describe.each(kits)("the $cli failure words come from their recording", ({ kit, sources, sessionId }) => {
  it("every word list has its source, and the words are verbatim in it", () => {
    expect(Object.keys(sources).sort()).toEqual(Object.keys(kit.words).sort())
    for (const [key, words] of Object.entries(kit.words)) {
      expect(appearsIn(words, fixture(sources[key]!)), `${key} in ${sources[key]}`).toBe(true)
    }
  })

  it("every failure builder prints its words", () => {
    const runs = [kit.authFailure(), kit.rateLimit(), ...(kit.networkFailure ? [kit.networkFailure()] : [])]
    const printed = runs.map((r) => r.stdout + r.stderr).join("\n") +
      (kit.unknownSession ? kit.unknownSession(sessionId).stderr + kit.unknownSession(sessionId).stdout : "")
    for (const [key, words] of Object.entries(kit.words)) expect(appearsIn(words, printed), key).toBe(true)
  })
})

describe("the builders that print stderr only print lines of the real recording", () => {
  const lineByLine: ReadonlyArray<readonly [string, CliRun, string]> = [
    ["claude unknownSession", Claude.unknownSession("3f0c2a7e-1b2c-4d5e-8f90-123456789abc"), "real/claude/unknown-session.stderr"],
    ["codex unknownSession", Codex.unknownSession("3f0c2a7e-1b2c-4d5e-8f90-123456789abc"), "real/codex/unknown-session.stderr"],
    ["gemini authFailure", Gemini.authFailure(), "real/gemini/not-logged-in.stderr"],
    ["gemini unknownSession", Gemini.unknownSession(), "real/gemini/unknown-session.stderr"],
    ["qwen unknownSession", Qwen.unknownSession("0b5f3c1e-7d2a-4c8e-9f61-2a4b6c8d0e13"), "real/qwen/unknown-session.stderr"],
    ["qwen rateLimit", Qwen.rateLimit(), "real/qwen/mock-rate-limit-short.stderr"],
    ["copilot authFailure", Copilot.authFailure(), "real/copilot/not-logged-in.stderr"],
    ["copilot networkFailure", Copilot.networkFailure(), "real/copilot/no-network.stderr"],
    ["copilot unknownSession", Copilot.unknownSession("047b120e-4a15-4c8d-98f0-3868f683c6ee"), "real/copilot/unknown-session.stderr"],
    ["opencode unknownSession", Opencode.unknownSession(), "real/opencode/unknown-session.stderr"],
    ["opencode authFailure", Opencode.authFailure(), "real/opencode/not-logged-in-model-logs.stderr"]
  ]
  it.each(lineByLine)("%s", (_name, run, source) => {
    const real = fixture(source).split("\n")
    for (const line of run.stderr.split("\n")) expect(real, JSON.stringify(line)).toContain(line)
  })
})
