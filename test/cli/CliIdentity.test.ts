/**
 * Telling the right binary from another program under the CLI's name: the
 * rules on what the real binaries printed, and the service on real
 * processes (the fake CLIs, and a fake of the community `grok`), cached per
 * path and modification time.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import { byHelp, byPackage, byVersion, packageOf } from "../../src/cli/identify.js"
import * as GatewayConfig from "../../src/Config.js"
import { byCli, type Cli } from "../../src/domain/Cli.js"
import { CommandRunner, make as makeRunner } from "../../src/process/CommandRunner.js"
import * as Claude from "../../src/agents/claude/adapter.js"
import * as Codex from "../../src/agents/codex/adapter.js"
import * as Gemini from "../../src/agents/gemini/adapter.js"
import * as Grok from "../../src/agents/grok/adapter.js"
import * as Providers from "../../src/providers/Providers.js"

const fixtures = join(import.meta.dirname, "../fixtures")
const real = (path: string) => readFileSync(join(fixtures, "real", path), "utf8")

describe("identify (rules, on what the real binaries printed)", () => {
  it("claude and codex by their version lines", () => {
    expect(byVersion(Claude.provider.identity, "/bin/claude", real("claude/version.stdout"))?._tag).toBe("Compatible")
    expect(byVersion(Codex.provider.identity, "/bin/codex", real("codex/version.stdout"))?._tag).toBe("Compatible")
    const other = byVersion(Claude.provider.identity, "/bin/claude", "1.0.1\n")
    expect(other).toMatchObject({ _tag: "Incompatible", found: 'a program whose --version prints "1.0.1"' })
  })

  it("gemini by its help; the community grok's help lacks Grok Build's flags", () => {
    expect(byHelp(Gemini.provider.identity, "/bin/gemini", real("gemini/help.stdout"), undefined)._tag).toBe("Compatible")
    const grok = byHelp(Grok.provider.identity, "/bin/grok", real("grok/community-help.stdout"), real("grok/version.stdout"))
    expect(grok._tag).toBe("Incompatible")
    expect(grok).toMatchObject({
      found: 'a program (--version prints "1.0.1") whose help does not offer --output-format, streaming-json, --prompt-file'
    })
    expect(grok._tag === "Incompatible" && grok.expected).toContain("x.ai/cli/install.sh")
  })

  it("by package: the CLI's own, or a known impostor", () => {
    expect(byPackage(Gemini.provider.identity, "/x", { name: "@google/gemini-cli", version: "0.61.0" })?._tag)
      .toBe("Compatible")
    expect(byPackage(Grok.provider.identity, "/x", { name: "@vibe-kit/grok-cli", version: "0.0.34" })).toMatchObject({
      _tag: "Incompatible",
      found: "@vibe-kit/grok-cli 0.0.34: Vibe Kit's community grok-cli, a different program also called grok"
    })
    expect(byPackage(Grok.provider.identity, "/x", { name: "left-pad", version: "1.0.0" })).toBeUndefined()
  })

  it("packageOf reads the first named package.json above the binary's real path", () => {
    const dir = mkdtempSync(join(tmpdir(), "identify-"))
    try {
      const pkg = join(dir, "node_modules/@vibe-kit/grok-cli")
      writeFileSync(join(dir, "package.json"), "{}")
      const bin = join(pkg, "dist/index.js")
      mkdirSync(join(pkg, "dist"), { recursive: true })
      writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "@vibe-kit/grok-cli", version: "0.0.34" }))
      writeFileSync(bin, "")
      symlinkSync(bin, join(dir, "grok"))
      expect(packageOf(join(dir, "grok"))).toEqual({ name: "@vibe-kit/grok-cli", version: "0.0.34" })
      expect(packageOf(join(dir, "missing"))).toBeUndefined()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** The service on real processes, with the binaries given and a record of each run of the community fake. */
const service = (binaries: Partial<Record<Cli, string>>, record = "/dev/null") => {
  const config = GatewayConfig.layerTest({
    childEnv: ["FAKE_CLI_COMMUNITY_RECORD"],
    binaries: {
      ...byCli((cli) => join(fixtures, "bin", cli)),
      ...binaries
    },
    identifyTimeoutMs: 10_000
  })
  const runner = Layer.effect(CommandRunner, makeRunner({ inheritedEnv: { ...process.env, FAKE_CLI_COMMUNITY_RECORD: record } }))
  return CliIdentity.layer.pipe(
    Layer.provide(Layer.mergeAll(runner, Providers.layer)),
    Layer.provide(config)
  )
}

describe("CliIdentity (real processes)", () => {
  it.live("the fake CLIs are each the CLI they are named after", () =>
    Effect.gen(function*() {
      const identity = yield* CliIdentity.CliIdentity
      for (const cli of ["claude", "codex", "gemini", "grok"] as const) {
        expect((yield* identity.identify(cli))._tag, cli).toBe("Compatible")
      }
    }).pipe(Effect.provide(service({}))))

  it.live("the community grok is refused with CliIncompatible, checked once until the binary changes", () => {
    const dir = mkdtempSync(join(tmpdir(), "identity-"))
    const bin = join(dir, "grok")
    const record = join(dir, "record.jsonl")
    copyFileSync(join(fixtures, "community/grok"), bin)
    chmodSync(bin, 0o755)
    const runs = () => (existsSync(record) ? readFileSync(record, "utf8").trim().split("\n").length : 0)
    return Effect.gen(function*() {
      const identity = yield* CliIdentity.CliIdentity
      const error = yield* Effect.flip(identity.check("grok"))
      if (error._tag !== "CliIncompatible") throw new Error(`expected CliIncompatible, got ${error._tag}`)
      expect(error).toMatchObject({ cli: "grok", path: bin })
      expect(error.found).toContain('--version prints "1.0.1"')
      expect(error.hint).toContain("LLM_GATEWAY_GROK_BIN")
      const probes = runs()
      expect(probes).toBeGreaterThanOrEqual(1)
      yield* Effect.flip(identity.check("grok"))
      expect(runs()).toBe(probes)
      // Replaced in place (a newer modification time): checked again.
      appendFileSync(bin, "\n")
      const later = new Date(Date.now() + 5_000)
      utimesSync(bin, later, later)
      yield* Effect.flip(identity.check("grok"))
      expect(runs()).toBeGreaterThan(probes)
    }).pipe(
      Effect.provide(service({ grok: bin }, record)),
      Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
    )
  })
})
