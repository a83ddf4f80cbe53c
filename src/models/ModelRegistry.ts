/**
 * The models each CLI offers, where the gateway learned of them, the
 * aliases, and the default; and the resolution of a request's `model`.
 *
 * Sources, strongest first:
 * - `env`: `*_DEFAULT_MODEL`, `*_MODELS`, the aliases (high confidence);
 * - `config`: the CLI's own files — claude's `settings.json` /
 *   `settings.local.json` `model`, codex's `config.toml` `model` (and the
 *   active profile's), gemini's `settings.json` `model.name` (high);
 * - `fallback`: the models bundled with the gateway (low);
 * - `observed`: models seen in gemini's session history (low).
 *
 * The default is `*_DEFAULT_MODEL`, else the CLI's config files, else none
 * (the CLI picks its own). Fallback and observed models are never the
 * default.
 *
 * The files are read at each call, not cached: they are small and the
 * reads bounded (config files up to 1 MiB; the history scan up to 200
 * files and 16 MiB, and only for `list`), so an edit to a CLI's settings
 * shows at once. `resolveModel` reads only the config files, never the
 * history.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { agents } from "../agents/registry.js"
import { GatewayConfig } from "../Config.js"
import { allClis, type Cli } from "../domain/Cli.js"
import { type AliasEntry, envPrefix, isReservedName, type ModelConfig } from "./config.js"
import {
  type ConfigFacts,
  defaultHistoryLimits,
  type HistoryLimits,
  scanGeminiHistory
} from "./discovery.js"
import { fallbackModels } from "./fallbacks.js"

/**
 * Where a model or the default came from.
 *
 * @since 0.1.0
 */
export type ModelSource = "env" | "config" | "fallback" | "observed"

/**
 * @since 0.1.0
 */
export type Confidence = "high" | "low"

/** @since 0.1.0 */
export const confidenceOf: Readonly<Record<ModelSource, Confidence>> = {
  env: "high",
  config: "high",
  fallback: "low",
  observed: "low"
}

const RANK: ReadonlyArray<ModelSource> = ["env", "config", "fallback", "observed"]

/**
 * One model of a CLI.
 *
 * @since 0.1.0
 */
export interface ModelInfo {
  readonly name: string
  readonly description: string | null
  /** The strongest source that names it. */
  readonly source: ModelSource
  readonly confidence: Confidence
  /** Every source that names it, strongest first. */
  readonly sources: ReadonlyArray<ModelSource>
  /** The variable or file of the strongest source (`bundled` for fallbacks, the history root for observed). */
  readonly origin: string
  readonly isDefault: boolean
  /** For observed models: how many times the history names it. */
  readonly observedCount?: number
}

/**
 * @since 0.1.0
 */
export interface AliasInfo {
  readonly alias: string
  readonly model: string
  readonly origin: string
}

/**
 * What the scan of gemini's history did.
 *
 * @since 0.1.0
 */
export interface DiscoveryInfo {
  readonly enabled: boolean
  readonly root: string
  readonly filesScanned: number
  readonly truncated: boolean
}

/**
 * The models of one CLI.
 *
 * @since 0.1.0
 */
export interface CliModels {
  readonly cli: Cli
  /** The model used when a request names none (or `default`/`latest`); null: the CLI picks its own. */
  readonly defaultModel: string | null
  readonly defaultModelSource: "env" | "config" | null
  /** The variable or file the default came from. */
  readonly defaultModelOrigin: string | null
  readonly models: ReadonlyArray<ModelInfo>
  readonly aliases: ReadonlyArray<AliasInfo>
  /** Non-fatal problems: values and files that did not parse. */
  readonly warnings: ReadonlyArray<string>
  /** Gemini only. */
  readonly discovery?: DiscoveryInfo
}

/**
 * @since 0.1.0
 */
export interface ModelListing {
  readonly clis: ReadonlyArray<CliModels>
  /** Problems that concern no one CLI (for example a `LLM_GATEWAY_MODEL_ALIASES` entry without a CLI). */
  readonly warnings: ReadonlyArray<string>
}

/**
 * How a request's `model` was resolved.
 *
 * - `request`: a name that is no alias, passed on unchanged (the CLI decides);
 * - `alias`: an alias, replaced by its model;
 * - `default`: no model, `default` or `latest`, replaced by the configured default;
 * - `cli-default`: the same with no configured default: no model flag, the CLI picks.
 *
 * @since 0.1.0
 */
export interface ResolvedModel {
  /** The model to pass as the CLI's model flag; undefined: pass none. */
  readonly model: string | undefined
  readonly source: "request" | "alias" | "default" | "cli-default"
  readonly requested: string | undefined
  /** For `alias`: the alias asked for. */
  readonly alias?: string
  /** For `default`: where the default came from. */
  readonly defaultSource?: "env" | "config"
}

/**
 * @since 0.1.0
 */
export interface ModelRegistryShape {
  /** The models of every CLI, or of one. Reads the config files and scans gemini's history. */
  readonly list: (cli?: Cli) => Effect.Effect<ModelListing>
  /** Resolves a request's `model` (an alias, `default`, `latest`, a name, or none). */
  readonly resolveModel: (cli: Cli, requested: string | undefined) => Effect.Effect<ResolvedModel>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ModelRegistry extends Context.Tag("llm-cli-gateway/ModelRegistry")<ModelRegistry, ModelRegistryShape>() {}

/** Reads what a CLI's own files say (never throws). */
const configFacts = (config: ModelConfig, cli: Cli): ConfigFacts =>
  agents[cli].readModelConfig?.(config.paths) ?? { defaultModel: undefined, models: [], warnings: [] }

interface DefaultChoice {
  readonly model: string
  readonly source: "env" | "config"
  readonly origin: string
}

const ALIAS_HOPS = 8

/** Follows aliases (an alias may name another) to a model; undefined when `name` is no alias. */
const followAlias = (aliases: ReadonlyArray<AliasEntry>, name: string): string | undefined => {
  const byName = new Map(aliases.map((a) => [a.alias, a.model]))
  let current = byName.get(name)
  if (current === undefined) return undefined
  const seen = new Set([name])
  for (let hop = 0; hop < ALIAS_HOPS && byName.has(current) && !seen.has(current); hop++) {
    seen.add(current)
    current = byName.get(current)!
  }
  return current
}

/** The configured default: env, else config files; aliases followed. */
const chooseDefault = (config: ModelConfig, cli: Cli, facts: ConfigFacts): DefaultChoice | undefined => {
  const own = config.clis[cli]
  const pick = own.defaultModel !== undefined
    ? { model: own.defaultModel, source: "env" as const, origin: `${prefixOf(cli)}_DEFAULT_MODEL` }
    : facts.defaultModel !== undefined
    ? { model: facts.defaultModel.name, source: "config" as const, origin: facts.defaultModel.origin }
    : undefined
  if (pick === undefined) return undefined
  return { ...pick, model: followAlias(own.aliases, pick.model) ?? pick.model }
}

const prefixOf = (cli: Cli): string => envPrefix[cli]

/**
 * Collects the models of one CLI, strongest source first. Descriptions of
 * config and observed models only say where the name was seen: a real
 * description (from `*_MODELS` or the bundled list) replaces them.
 */
class Collector {
  private readonly byName = new Map<
    string,
    { description: string | null; weak: boolean; sources: Array<ModelSource>; origin: string; count?: number }
  >()
  add(name: string, source: ModelSource, description: string | null | undefined, origin: string, count?: number) {
    const text = description ?? null
    const weak = source === "config" || source === "observed"
    const known = this.byName.get(name)
    if (known === undefined) {
      const entry = { description: text, weak, sources: [source], origin }
      this.byName.set(name, count !== undefined ? { ...entry, count } : entry)
      return
    }
    if (!known.sources.includes(source)) known.sources.push(source)
    if (text !== null && (known.description === null || (known.weak && !weak))) {
      known.description = text
      known.weak = weak
    }
    if (count !== undefined) known.count = count
  }
  models(defaultModel: string | undefined): Array<ModelInfo> {
    const out: Array<ModelInfo> = []
    for (const [name, m] of this.byName) {
      const sources = [...m.sources].sort((a, b) => RANK.indexOf(a) - RANK.indexOf(b))
      const source = sources[0]!
      out.push({
        name,
        description: m.description,
        source,
        confidence: confidenceOf[source],
        sources,
        origin: m.origin,
        isDefault: name === defaultModel,
        ...(m.count !== undefined ? { observedCount: m.count } : {})
      })
    }
    // Stable: by strongest source, then in the order first seen.
    return out.sort((a, b) => RANK.indexOf(a.source) - RANK.indexOf(b.source))
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  config: ModelConfig,
  options: { readonly historyLimits?: HistoryLimits } = {}
): ModelRegistryShape => {
  const limits = options.historyLimits ?? defaultHistoryLimits

  const listCli = (cli: Cli): CliModels => {
    const own = config.clis[cli]
    const facts = configFacts(config, cli)
    const chosen = chooseDefault(config, cli, facts)
    const warnings = [...own.warnings, ...facts.warnings]
    const models = new Collector()
    // Models are registered in the order of their strength: the default first.
    if (chosen !== undefined) models.add(chosen.model, chosen.source, null, chosen.origin)
    for (const m of own.models) models.add(m.name, "env", m.description, `${prefixOf(cli)}_MODELS`)
    for (const m of facts.models) models.add(m.name, "config", m.description, m.origin)
    for (const m of fallbackModels[cli]) models.add(m.name, "fallback", m.description, "bundled")
    let discovery: DiscoveryInfo | undefined
    if (cli === "gemini") {
      if (config.discovery) {
        const scan = scanGeminiHistory(config.paths.geminiHistoryRoot, limits)
        warnings.push(...scan.warnings)
        for (const m of scan.models) models.add(m.name, "observed", "seen in gemini's session history", scan.root, m.count)
        discovery = { enabled: true, root: scan.root, filesScanned: scan.filesScanned, truncated: scan.truncated }
      } else {
        discovery = { enabled: false, root: config.paths.geminiHistoryRoot, filesScanned: 0, truncated: false }
      }
    }
    return {
      cli,
      defaultModel: chosen?.model ?? null,
      defaultModelSource: chosen?.source ?? null,
      defaultModelOrigin: chosen?.origin ?? null,
      models: models.models(chosen?.model),
      aliases: own.aliases.map((a) => ({ alias: a.alias, model: a.model, origin: a.origin })),
      warnings,
      ...(discovery !== undefined ? { discovery } : {})
    }
  }

  const list: ModelRegistryShape["list"] = (cli) =>
    Effect.sync(() => ({
      clis: (cli === undefined ? allClis : [cli]).map(listCli),
      warnings: config.warnings
    }))

  const resolveModel: ModelRegistryShape["resolveModel"] = (cli, requested) =>
    Effect.sync((): ResolvedModel => {
      const own = config.clis[cli]
      const name = requested?.trim()
      if (name === undefined || name === "" || isReservedName(name)) {
        const chosen = chooseDefault(config, cli, configFacts(config, cli))
        return chosen === undefined
          ? { model: undefined, source: "cli-default", requested }
          : { model: chosen.model, source: "default", requested, defaultSource: chosen.source }
      }
      const target = followAlias(own.aliases, name)
      if (target !== undefined) return { model: target, source: "alias", requested, alias: name }
      return { model: name, source: "request", requested }
    })

  return { list, resolveModel }
}

/**
 * Resolves a request's `model` with the registry in context.
 *
 * @since 0.1.0
 */
export const resolveModel = (cli: Cli, requested: string | undefined): Effect.Effect<ResolvedModel, never, ModelRegistry> =>
  Effect.flatMap(ModelRegistry, (registry) => registry.resolveModel(cli, requested))

/**
 * The registry from a given configuration.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFrom = (
  config: ModelConfig,
  options: { readonly historyLimits?: HistoryLimits } = {}
): Layer.Layer<ModelRegistry> =>
  Layer.succeed(ModelRegistry, make(config, options))

/**
 * The registry configured from the environment (through the current
 * `ConfigProvider`). A malformed value is a warning in `list`, never a
 * failure.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ModelRegistry, never, GatewayConfig> = Layer.effect(
  ModelRegistry,
  Effect.map(GatewayConfig, (config) => make(config.models))
)

/**
 * @since 0.1.0
 * @category layers
 */
export const layerTest = layerFrom
