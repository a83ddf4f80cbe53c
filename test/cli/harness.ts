/**
 * The live CliUpdater over the live CommandRunner, with the fake CLIs and
 * the fake npm of test/fixtures/cli, each test in its own state folder.
 */
import * as CliIdentity from "../../src/cli/CliIdentity.js"
import * as Providers from "../../src/providers/Providers.js"
import * as Layer from "effect/Layer"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { CliUpdater, layerWith, type MakeOptions } from "../../src/cli/CliUpdater.js"
import * as GatewayConfig from "../../src/Config.js"
import { byCli, type Cli } from "../../src/domain/Cli.js"
import { CommandRunner, make as makeRunner } from "../../src/process/CommandRunner.js"
import { groupAlive } from "../../src/process/processGroup.js"

export const root = resolve(import.meta.dirname, "../..")
export const fixtureDir = join(root, "test/fixtures/cli")
export const fixture = (name: string): string => join(fixtureDir, name)
export const binDir = join(root, "test/fixtures/bin")

export interface Recorded {
  readonly cli: string
  readonly argv?: ReadonlyArray<string>
  readonly done?: boolean
  readonly pid: number
}

export interface Setup {
  /** Binaries per CLI (default: the fakes of test/fixtures/cli). */
  readonly binaries?: Partial<Record<Cli, string>>
  /** `<name>.mode` files (see test/fixtures/cli/lib.cjs). */
  readonly modes?: Partial<Record<Cli | "npm", string>>
  /** `<cli>.version` files. */
  readonly versions?: Partial<Record<Cli, string>>
  readonly updater?: MakeOptions
  /** PATH of the children (default: the test's own). */
  readonly path?: string
}

export interface Fixture {
  readonly dir: string
  readonly layer: Layer.Layer<CliUpdater>
  /** What the fakes recorded, in order (empty when nothing ran). */
  readonly records: () => ReadonlyArray<Recorded>
  readonly ran: () => boolean
  readonly readPid: (name: string) => number
}

export const setup = (options: Setup = {}): Fixture => {
  const dir = mkdtempSync(join(tmpdir(), "cli-updater-"))
  for (const [name, mode] of Object.entries(options.modes ?? {})) writeFileSync(join(dir, `${name}.mode`), mode!)
  for (const [cli, version] of Object.entries(options.versions ?? {})) writeFileSync(join(dir, `${cli}.version`), version!)
  const config = GatewayConfig.layerTest({
    binaries: {
      ...byCli(fixture),
      ...options.binaries
    },
    killGraceMs: 200,
    // The fakes keep their state in the folder FAKE_UPGRADE_STATE names: let it through, as a user would.
    childEnv: ["FAKE_UPGRADE_STATE"]
  })
  const runner = Layer.effect(
    CommandRunner,
    makeRunner({
      inheritedEnv: { ...process.env, PATH: options.path ?? process.env.PATH, FAKE_UPGRADE_STATE: dir }
    })
  ).pipe(Layer.provide(config))
  const layer = layerWith({ npmCommand: fixture("npm"), versionTimeoutMs: 5_000, ...options.updater }).pipe(
    Layer.provide(CliIdentity.layer),
    Layer.provide(Layer.mergeAll(runner, Providers.layer)),
    Layer.provide(config)
  )
  const recordFile = join(dir, "record.jsonl")
  const records = (): ReadonlyArray<Recorded> =>
    existsSync(recordFile)
      ? readFileSync(recordFile, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Recorded)
      : []
  return {
    dir,
    layer,
    records,
    ran: () => existsSync(recordFile),
    readPid: (name) => Number(readFileSync(join(dir, name), "utf8").trim())
  }
}

/** True while the process runs (zombies count as gone). */
export const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
    return !/\) [ZX] /.test(stat)
  } catch {
    return false
  }
}

/** Every process a fake recorded, and its process group, is gone. */
export const allGone = (f: Fixture): boolean =>
  f.records().every((r) => !alive(r.pid) && !groupAlive(r.pid))
