import * as CliIdentity from "../../src/cli/CliIdentity.js"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { chmodSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import {
  buildPlan,
  CliUpdater,
  isValidTarget,
  make,
  parseVersion,
  type VersionReport
} from "../../src/cli/CliUpdater.js"
import * as GatewayConfig from "../../src/Config.js"
import { allClis, byCli as eachCli, type Cli } from "../../src/domain/Cli.js"
import * as CommandRunner from "../../src/process/CommandRunner.js"
import { groupAlive } from "../../src/process/processGroup.js"
import { alive, allGone, binDir, fixture, setup } from "./harness.js"

const byCli = (reports: ReadonlyArray<VersionReport>) => Object.fromEntries(reports.map((r) => [r.cli, r]))

describe("parseVersion", () => {
  const cases: ReadonlyArray<[string, string | undefined]> = [
    ["2.1.0 (Claude Code)", "2.1.0"],
    ["codex-cli 0.80.0", "0.80.0"],
    ["0.20.0\n", "0.20.0"],
    ["grok 1.0.0", "1.0.0"],
    ["v20.11.1", "20.11.1"],
    ["codex-cli 0.81.0-alpha.2 (build 7)", "0.81.0-alpha.2"],
    ["Gemini CLI\nversion 1.2.3-rc.1\n", "1.2.3-rc.1"],
    ["claude development build", undefined],
    ["version 1.2", undefined],
    ["node1.2.3", undefined],
    ["", undefined]
  ]
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected ?? "none"}`, () => {
      expect(Option.getOrUndefined(parseVersion(text))).toBe(expected)
    })
  }
})

describe("upgrade targets", () => {
  const accepted = ["latest", "next", "beta", "stable", "preview", "nightly", "1.2.3", "0.80.0", "1.2.3-rc.1", "2.0.0-alpha.1.x"]
  const refused = [
    "",
    "npm:other-pkg",
    "npm:@evil/pkg@1.0.0",
    "other-pkg@1.0.0",
    "@openai/codex@1.0.0",
    "--registry=https://evil.example",
    "-g",
    "file:../evil",
    "file:/tmp/evil.tgz",
    "https://evil.example/pkg.tgz",
    "git+ssh://git@github.com/evil/pkg.git",
    "github:evil/pkg",
    "evil/pkg",
    "../evil",
    "/tmp/pkg",
    "; rm -rf /",
    "1.2.3; rm -rf /",
    "$(id)",
    "`id`",
    "latest\n",
    " latest",
    "1.2.3 ",
    "^1.2.3",
    "~1.2.3",
    ">=1.0.0",
    "1.x",
    "1.2",
    "Latest",
    "1.2.3\u0000",
    "a".repeat(65)
  ]
  for (const target of accepted) {
    it(`accepts ${JSON.stringify(target)}`, () => expect(isValidTarget(target)).toBe(true))
  }
  for (const target of refused) {
    it(`refuses ${JSON.stringify(target.slice(0, 40))}`, () => expect(isValidTarget(target)).toBe(false))
  }
  it("accepts a tag of exactly 64 characters", () => expect(isValidTarget("a".repeat(64))).toBe(true))
})

describe("upgrade plans (golden argv)", () => {
  const commands = (cli: Cli) => ({ binary: `/opt/bin/${cli}`, npm: "/usr/local/bin/npm" })
  const golden: ReadonlyArray<[Cli, string, ReadonlyArray<string>, string]> = [
    ["claude", "latest", ["/opt/bin/claude", "update"], "self-update"],
    ["claude", "2.3.4", ["/opt/bin/claude", "install", "2.3.4"], "self-install"],
    ["claude", "stable", ["/opt/bin/claude", "install", "stable"], "self-install"],
    ["codex", "latest", ["/opt/bin/codex", "update"], "self-update"],
    ["codex", "0.81.0", ["/usr/local/bin/npm", "install", "-g", "@openai/codex@0.81.0"], "npm-global-install"],
    ["codex", "next", ["/usr/local/bin/npm", "install", "-g", "@openai/codex@next"], "npm-global-install"],
    ["gemini", "latest", ["/usr/local/bin/npm", "install", "-g", "@google/gemini-cli@latest"], "npm-global-install"],
    ["gemini", "0.21.0-preview.1", ["/usr/local/bin/npm", "install", "-g", "@google/gemini-cli@0.21.0-preview.1"], "npm-global-install"],
    ["grok", "latest", ["/opt/bin/grok", "update"], "self-update"],
    ["grok", "1.5.0", ["/opt/bin/grok", "update", "--version", "1.5.0"], "self-update"]
  ]
  for (const [cli, target, argv, strategy] of golden) {
    it(`${cli} ${target} → ${argv.join(" ")}`, () => {
      const plan = buildPlan(cli, target, commands(cli))
      expect(plan.argv).toEqual(argv)
      expect([plan.command, ...plan.args]).toEqual(argv)
      expect(plan.strategy).toBe(strategy)
      expect(plan.cli).toBe(cli)
      expect(plan.target).toBe(target)
    })
  }

  it.effect("the service plans with the configured binary and npm, defaulting the target to latest", () =>
    Effect.gen(function*() {
      const updater = yield* make({ npmCommand: "/custom/npm" })
      expect((yield* updater.plan("claude")).argv).toEqual(["/x/claude-bin", "update"])
      expect((yield* updater.plan("gemini")).argv).toEqual(["/custom/npm", "install", "-g", "@google/gemini-cli@latest"])
      expect((yield* updater.plan("grok", "1.0.0")).argv).toEqual(["grok", "update", "--version", "1.0.0"])
      const bad = yield* Effect.flip(updater.plan("codex", "npm:other-pkg"))
      expect(bad._tag).toBe("UpgradeTargetInvalid")
      expect(bad.cli).toBe("codex")
      expect(bad.target).toBe("npm:other-pkg")
      expect(bad.hint).toContain("1.2.3")
    }).pipe(
      Effect.provide(GatewayConfig.layerTest({ binaries: { ...eachCli((cli) => cli), claude: "/x/claude-bin" } })),
      Effect.provide(CliIdentity.layerTrusting),
      Effect.provide(CommandRunner.layerTest(() => Effect.die("nothing may run")))
    ))

  it.effect("npm defaults to `npm` on PATH", () =>
    Effect.gen(function*() {
      const updater = yield* make()
      expect((yield* updater.plan("codex", "1.0.0")).command).toBe("npm")
    }).pipe(
      Effect.provide(GatewayConfig.layerTest()),
      Effect.provide(CliIdentity.layerTrusting),
      Effect.provide(CommandRunner.layerTest(() => Effect.die("nothing may run")))
    ))
})

describe("versions (real processes)", () => {
  it.live("parses each CLI's own format and resolves a bare name to its path", () => {
    const f = setup({
      binaries: eachCli((cli) => cli),
      path: `${binDir}:${process.env.PATH}`
    })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const reports = yield* updater.versions()
      expect(reports.map((r) => r.cli)).toEqual(allClis)
      expect(byCli(reports)).toEqual({
        claude: { cli: "claude", status: "installed", command: "claude", path: join(binDir, "claude"), version: "2.1.0", raw: "2.1.0 (Claude Code)" },
        codex: { cli: "codex", status: "installed", command: "codex", path: join(binDir, "codex"), version: "0.80.0", raw: "codex-cli 0.80.0" },
        gemini: { cli: "gemini", status: "installed", command: "gemini", path: join(binDir, "gemini"), version: "0.20.0", raw: "0.20.0" },
        grok: { cli: "grok", status: "installed", command: "grok", path: join(binDir, "grok"), version: "1.0.0", raw: "grok 1.0.0" },
        qwen: { cli: "qwen", status: "installed", command: "qwen", path: join(binDir, "qwen"), version: "0.24.4", raw: "0.24.4" },
        copilot: {
          cli: "copilot",
          status: "installed",
          command: "copilot",
          path: join(binDir, "copilot"),
          version: "1.0.102",
          raw: "GitHub Copilot CLI 1.0.102."
        },
        opencode: { cli: "opencode", status: "installed", command: "opencode", path: join(binDir, "opencode"), version: "1.18.33", raw: "1.18.33" }
      })
    }).pipe(Effect.provide(f.layer))
  })

  it.live("only the CLIs asked for, once each", () => {
    const f = setup()
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const reports = yield* updater.versions(["grok", "claude", "grok"])
      expect(reports.map((r) => [r.cli, r.status === "installed" ? r.version : r.status])).toEqual([
        ["grok", "1.0.0"],
        ["claude", "2.0.0"]
      ])
      // One `--version` each; grok, whose version line does not tell it from another program, also shows its help
      // to the identity check (once: it is remembered).
      const argvOf = (r: { readonly argv?: ReadonlyArray<string> | undefined }) => r.argv ?? []
      expect(f.records().filter((r) => argvOf(r)[0] === "--version").map((r) => r.cli).sort()).toEqual(["claude", "grok"])
      expect(f.records().filter((r) => argvOf(r)[0] !== "--version").map((r) => [r.cli, ...argvOf(r)])).toEqual([
        ["grok", "--help"]
      ])
      expect(allGone(f)).toBe(true)
    }).pipe(Effect.provide(f.layer))
  })

  it.live("a missing binary is not installed, with the runner's hint; a non-executable file too", () => {
    const f = setup({ binaries: { claude: "/nonexistent/claude", codex: "definitely-not-installed-codex-xyz" } })
    const plain = join(f.dir, "gemini-not-exec")
    writeFileSync(plain, "#!/bin/sh\necho 1.0.0\n")
    chmodSync(plain, 0o644)
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const r = byCli(yield* updater.versions(["claude", "codex"]))
      expect(r.claude).toMatchObject({ status: "not_installed", command: "/nonexistent/claude" })
      expect(r.codex).toMatchObject({ status: "not_installed", command: "definitely-not-installed-codex-xyz" })
      if (r.codex!.status !== "not_installed") return
      // The CLI's own variable and install command, once.
      expect(r.codex!.hint).toContain("LLM_GATEWAY_CODEX_BIN")
      expect(r.codex!.hint).toContain("npm install -g @openai/codex")
      expect(r.codex!.hint).not.toContain("<CLI>")
      expect(f.ran()).toBe(false)
    }).pipe(
      Effect.zipRight(
        Effect.gen(function*() {
          const updater = yield* CliUpdater
          const report = yield* updater.version("gemini")
          expect(report).toMatchObject({ status: "not_installed", command: plain })
          if (report.status === "not_installed") expect(report.message).toContain("not executable")
        }).pipe(Effect.provide(setup({ binaries: { gemini: plain } }).layer))
      ),
      Effect.provide(f.layer)
    )
  })

  it.live("a hanging --version is timed out within the bound and its process is gone", () => {
    const f = setup({ modes: { claude: "version-hang" }, updater: { versionTimeoutMs: 600 } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const start = Date.now()
      const report = yield* updater.version("claude")
      const took = Date.now() - start
      expect(report).toEqual({ cli: "claude", status: "timed_out", command: fixture("claude"), path: fixture("claude"), timeoutMs: 600 })
      expect(took).toBeGreaterThanOrEqual(550)
      expect(took).toBeLessThan(3_000)
      const pid = f.readPid("claude.pid")
      expect(alive(pid)).toBe(false)
      expect(groupAlive(pid)).toBe(false)
    }).pipe(Effect.provide(f.layer))
  })

  it.live("the bound is wall-clock: a --version that keeps printing but never ends is timed out too", () => {
    const f = setup({ modes: { codex: "version-drip" }, updater: { versionTimeoutMs: 700 } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const start = Date.now()
      const report = yield* updater.version("codex")
      expect(report.status).toBe("timed_out")
      expect(Date.now() - start).toBeLessThan(3_000)
      const pid = f.readPid("codex.pid")
      expect(alive(pid)).toBe(false)
      expect(groupAlive(pid)).toBe(false)
    }).pipe(Effect.provide(f.layer))
  })

  it.live("the CLIs run at once: every CLI hanging takes one bound, not one each", () => {
    // A bound long enough for seven Node processes to start on a busy 2-core machine (each records itself first).
    const f = setup({ modes: eachCli(() => "version-hang"), updater: { versionTimeoutMs: 2_500 } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const start = Date.now()
      const reports = yield* updater.versions()
      const took = Date.now() - start
      expect(reports.map((r) => r.status)).toEqual(allClis.map(() => "timed_out"))
      // One bound (about 2.5 s), not seven one after the other (17.5 s).
      expect(took).toBeLessThan(7_500)
      expect(f.records()).toHaveLength(allClis.length)
      expect(allGone(f)).toBe(true)
    }).pipe(Effect.provide(f.layer))
  })

  it.live("a non-zero exit reports the code and the CLI's last words", () => {
    const f = setup({ modes: { codex: "version-fail" } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      expect(yield* updater.version("codex")).toEqual({
        cli: "codex",
        status: "exited_non_zero",
        command: fixture("codex"),
        path: fixture("codex"),
        exitCode: 3,
        signal: null,
        message: "codex: fatal: cannot read configuration"
      })
    }).pipe(Effect.provide(f.layer))
  })

  it.live("output without a version is unparsable, with the raw first line", () => {
    const f = setup({ modes: { gemini: "version-garbage" } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      expect(yield* updater.version("gemini")).toEqual({
        cli: "gemini",
        status: "unparsable",
        command: fixture("gemini"),
        path: fixture("gemini"),
        raw: "gemini development build"
      })
    }).pipe(Effect.provide(f.layer))
  })

  it.live("a version printed on stderr only is still found", () => {
    const f = setup({ modes: { grok: "version-stderr" }, versions: { grok: "1.4.2" } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      expect(yield* updater.version("grok")).toMatchObject({ status: "installed", version: "1.4.2", raw: "grok 1.4.2" })
    }).pipe(Effect.provide(f.layer))
  })

  it.live("one CLI failing never fails the others", () => {
    const f = setup({
      binaries: { claude: "/nonexistent/claude" },
      modes: { codex: "version-fail", gemini: "version-hang" },
      // Every CLI's --version starts at once: a bound a busy 2-core machine cannot eat.
      updater: { versionTimeoutMs: 3_000 }
    })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const r = byCli(yield* updater.versions())
      expect([r.claude!.status, r.codex!.status, r.gemini!.status, r.grok!.status]).toEqual([
        "not_installed",
        "exited_non_zero",
        "timed_out",
        "installed"
      ])
      expect(r.grok).toMatchObject({ version: "1.0.0" })
      expect(allGone(f)).toBe(true)
    }).pipe(Effect.provide(f.layer))
  })
})

describe("upgrade (real processes)", () => {
  it.live("a dry run (the default) returns the plan and runs nothing, not even --version", () => {
    const f = setup()
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const outcome = yield* updater.upgrade({ cli: "claude" })
      expect(outcome).toEqual({
        dryRun: true,
        plan: {
          cli: "claude",
          target: "latest",
          strategy: "self-update",
          command: fixture("claude"),
          args: ["update"],
          argv: [fixture("claude"), "update"]
        }
      })
      const codex = yield* updater.upgrade({ cli: "codex", target: "0.81.0", dryRun: true })
      expect(codex.plan.argv).toEqual([fixture("npm"), "install", "-g", "@openai/codex@0.81.0"])
      expect(f.ran()).toBe(false)
    }).pipe(Effect.provide(f.layer))
  })

  const runs: ReadonlyArray<{
    cli: Cli
    target: string
    recorded: { cli: string; argv: ReadonlyArray<string> }
    before: string
    after: string
  }> = [
    { cli: "claude", target: "latest", recorded: { cli: "claude", argv: ["update"] }, before: "2.0.0", after: "2.1.5" },
    { cli: "claude", target: "2.3.4", recorded: { cli: "claude", argv: ["install", "2.3.4"] }, before: "2.0.0", after: "2.3.4" },
    { cli: "codex", target: "latest", recorded: { cli: "codex", argv: ["update"] }, before: "0.70.0", after: "0.80.0" },
    {
      cli: "codex",
      target: "0.81.0",
      recorded: { cli: "npm", argv: ["install", "-g", "@openai/codex@0.81.0"] },
      before: "0.70.0",
      after: "0.81.0"
    },
    {
      cli: "gemini",
      target: "latest",
      recorded: { cli: "npm", argv: ["install", "-g", "@google/gemini-cli@latest"] },
      before: "0.19.0",
      after: "0.20.1"
    },
    {
      cli: "gemini",
      target: "0.22.0-preview.0",
      recorded: { cli: "npm", argv: ["install", "-g", "@google/gemini-cli@0.22.0-preview.0"] },
      before: "0.19.0",
      after: "0.22.0-preview.0"
    },
    { cli: "grok", target: "latest", recorded: { cli: "grok", argv: ["update"] }, before: "1.0.0", after: "1.2.0" },
    { cli: "grok", target: "1.5.0", recorded: { cli: "grok", argv: ["update", "--version", "1.5.0"] }, before: "1.0.0", after: "1.5.0" }
  ]
  for (const run of runs) {
    it.live(`dryRun false runs ${run.cli} ${run.target}: ${run.recorded.cli} ${run.recorded.argv.join(" ")}`, () => {
      const f = setup()
      return Effect.gen(function*() {
        const updater = yield* CliUpdater
        const outcome = yield* updater.upgrade({ cli: run.cli, target: run.target, dryRun: false, timeoutMs: 20_000 })
        expect(f.records().map((r) => ({ cli: r.cli, argv: r.argv }))).toEqual([
          { cli: run.cli, argv: ["--version"] },
          // The identity check: gemini's and grok's version lines do not tell, their help does.
          ...(run.cli === "gemini" || run.cli === "grok" ? [{ cli: run.cli, argv: ["--help"] }] : []),
          run.recorded,
          { cli: run.cli, argv: ["--version"] }
        ])
        if (outcome.dryRun) throw new Error("expected a run")
        expect(outcome.ran).toEqual([fixture(run.recorded.cli), ...run.recorded.argv])
        expect(outcome.exitCode).toBe(0)
        expect(outcome.durationMs).toBeGreaterThan(0)
        expect(outcome.stdoutTail).toBe(`Updated ${run.cli} from ${run.before} to ${run.after}\n`)
        expect(outcome.stderrTail).toBe("")
        expect(outcome.versionBefore).toMatchObject({ status: "installed", version: run.before })
        expect(outcome.versionAfter).toMatchObject({ status: "installed", version: run.after })
        expect(outcome.changed).toBe(true)
        expect(allGone(f)).toBe(true)
      }).pipe(Effect.provide(f.layer))
    })
  }

  it.live("an upgrade to the installed version reports it unchanged", () => {
    const f = setup({ versions: { grok: "1.5.0" } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const outcome = yield* updater.upgrade({ cli: "grok", target: "1.5.0", dryRun: false })
      if (outcome.dryRun) throw new Error("expected a run")
      expect(outcome.changed).toBe(false)
    }).pipe(Effect.provide(f.layer))
  })

  it.live("a CLI that is not installed yet can be installed through npm (version before: not installed)", () => {
    const f = setup({ binaries: { gemini: "/nonexistent/gemini" } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const outcome = yield* updater.upgrade({ cli: "gemini", dryRun: false })
      if (outcome.dryRun) throw new Error("expected a run")
      expect(outcome.versionBefore.status).toBe("not_installed")
      expect(outcome.changed).toBeNull()
      expect(f.records().map((r) => r.cli)).toEqual(["npm"])
    }).pipe(Effect.provide(f.layer))
  })

  it.live("a failing upgrade is UpgradeFailed with the exit code and output tails", () => {
    const f = setup({ modes: { npm: "upgrade-fail" } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const error = yield* Effect.flip(updater.upgrade({ cli: "codex", target: "0.81.0", dryRun: false }))
      expect(error._tag).toBe("UpgradeFailed")
      if (error._tag !== "UpgradeFailed") return
      expect(error.cli).toBe("codex")
      expect(error.exitCode).toBe(1)
      expect(error.signal).toBeNull()
      expect(error.argv).toEqual([fixture("npm"), "install", "-g", "@openai/codex@0.81.0"])
      expect(error.stdoutTail).toContain("resolving codex@0.81.0")
      expect(error.stderrTail).toContain("network unreachable")
      expect(error.message).toContain("exited with code 1: npm: error: network unreachable")
      expect(error.hint).toContain("npm")
      // Only the version before ran, then npm; no version after a failure.
      expect(f.records().map((r) => r.cli)).toEqual(["codex", "npm"])
    }).pipe(Effect.provide(f.layer))
  })

  it.live("an upgrade past timeoutMs is UpgradeTimedOut within the bound, its process group gone", () => {
    const f = setup({ modes: { claude: "upgrade-hang" } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const start = Date.now()
      const error = yield* Effect.flip(updater.upgrade({ cli: "claude", dryRun: false, timeoutMs: 800 }))
      const took = Date.now() - start
      expect(error._tag).toBe("UpgradeTimedOut")
      if (error._tag !== "UpgradeTimedOut") return
      expect(error.timeoutMs).toBe(800)
      expect(error.argv).toEqual([fixture("claude"), "update"])
      expect(error.stdoutTail).toContain("claude: downloading claude latest... 0%")
      expect(took).toBeGreaterThanOrEqual(800)
      expect(took).toBeLessThan(4_000)
      const pid = f.readPid("claude.pid")
      const grandchild = f.readPid("claude.grandchild")
      expect(alive(pid)).toBe(false)
      expect(alive(grandchild)).toBe(false)
      expect(groupAlive(pid)).toBe(false)
      expect(allGone(f)).toBe(true)
    }).pipe(Effect.provide(f.layer))
  })

  it.live("interrupting an upgrade ends its process group", () => {
    const f = setup({ modes: { npm: "upgrade-hang" } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const fiber = yield* Effect.fork(updater.upgrade({ cli: "gemini", dryRun: false, timeoutMs: 60_000 }))
      let pid = 0
      for (let i = 0; i < 300 && pid === 0; i++) {
        yield* Effect.sleep("20 millis")
        try {
          // The grandchild's pid is written after the leader's.
          f.readPid("npm.grandchild")
          pid = f.readPid("npm.pid")
        } catch {
          // not started yet
        }
      }
      expect(pid).toBeGreaterThan(0)
      expect(alive(pid)).toBe(true)
      yield* Fiber.interrupt(fiber)
      expect(alive(pid)).toBe(false)
      expect(alive(f.readPid("npm.grandchild"))).toBe(false)
    }).pipe(Effect.provide(f.layer))
  })

  it.live("upgrades run one at a time", () => {
    const f = setup({ modes: { claude: "upgrade-slow", grok: "upgrade-slow" } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      yield* Effect.all(
        [updater.upgrade({ cli: "claude", dryRun: false }), updater.upgrade({ cli: "grok", dryRun: false })],
        { concurrency: "unbounded" }
      )
      const events = f.records().filter((r) => r.done === true || r.argv?.[0] === "update")
        .map((r) => `${r.cli}:${r.done === true ? "done" : "start"}`)
      expect(events).toHaveLength(4)
      // Whichever went first ended before the other started.
      expect(events[1]).toBe(events[0]!.replace("start", "done"))
    }).pipe(Effect.provide(f.layer))
  })

  it.live("a missing npm is CliNotFound", () => {
    const f = setup({ updater: { npmCommand: "/nonexistent/npm" } })
    return Effect.gen(function*() {
      const updater = yield* CliUpdater
      const error = yield* Effect.flip(updater.upgrade({ cli: "gemini", dryRun: false }))
      expect(error._tag).toBe("CliNotFound")
      expect(error.message).toContain("/nonexistent/npm")
    }).pipe(Effect.provide(f.layer))
  })

  const hostile = [
    "npm:other-pkg",
    "other-pkg@1.0.0",
    "--registry=https://evil.example",
    "file:../evil",
    "https://evil.example/pkg.tgz",
    "../evil",
    "/tmp/pkg",
    "; rm -rf /",
    "1.2.3 --force",
    "^1.2.3"
  ]
  for (const cli of allClis) {
    it.live(`${cli}: hostile targets are refused with UpgradeTargetInvalid and nothing runs`, () => {
      const f = setup()
      return Effect.gen(function*() {
        const updater = yield* CliUpdater
        for (const target of hostile) {
          const error = yield* Effect.flip(updater.upgrade({ cli, target, dryRun: false, timeoutMs: 30_000 }))
          expect(error._tag).toBe("UpgradeTargetInvalid")
          if (error._tag !== "UpgradeTargetInvalid") return
          expect(error.target).toBe(target)
          expect(error.cli).toBe(cli)
          const dry = yield* Effect.flip(updater.upgrade({ cli, target }))
          expect(dry._tag).toBe("UpgradeTargetInvalid")
        }
        expect(f.ran()).toBe(false)
      }).pipe(Effect.provide(f.layer))
    })
  }
})
