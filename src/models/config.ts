/**
 * The environment variables of the model registry, read through
 * `effect/Config` and parsed once into a plain `ModelConfig`.
 *
 * Nothing here fails: a value that does not parse is dropped and described
 * in `warnings`, which `list_models` reports.
 *
 * | Variable | Meaning |
 * | --- | --- |
 * | `{CLAUDE,CODEX,GEMINI,GROK}_DEFAULT_MODEL` | the default model (beats the CLI's own config files) |
 * | `{…}_MODELS` | more models: a comma/newline list, a JSON array, or a JSON object model → description |
 * | `{…}_MODEL_ALIASES` | `alias=model` pairs (comma/newline), or a JSON object alias → model |
 * | `LLM_GATEWAY_MODEL_ALIASES` | `cli.alias=model` pairs (comma/newline), or a JSON object `"cli.alias"` → model |
 * | `CLAUDE_SETTINGS_PATH` | default `$CLAUDE_CONFIG_DIR/settings.json`, else `~/.claude/settings.json` |
 * | `CLAUDE_SETTINGS_LOCAL_PATH` | default `$CLAUDE_CONFIG_DIR/settings.local.json`, else `~/.claude/settings.local.json` |
 * | `CODEX_CONFIG_PATH` | default `$CODEX_HOME/config.toml`, else `~/.codex/config.toml` |
 * | `GEMINI_SETTINGS_PATH` | default `~/.gemini/settings.json` |
 * | `GEMINI_HISTORY_ROOT` | default `~/.gemini/tmp` |
 * | `LLM_GATEWAY_DISABLE_MODEL_DISCOVERY` | `1`/`true`/`yes`/`on` turns off the scan of Gemini history |
 *
 * `~` is `HOME` (read through the same provider), else the OS home folder.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Option from "effect/Option"
import { homedir } from "node:os"
import { join } from "node:path"
import { byCli, type Cli } from "../domain/Cli.js"
import {
  type AliasEntry,
  type ModelEntry,
  parseAliases,
  parseDefaultModel,
  parseDisableDiscovery,
  parseGatewayAliases,
  parseModelList
} from "./parse.js"

/**
 * The parsers of the values (defined in `models/parse`).
 *
 * @since 0.1.0
 */
export {
  type AliasEntry,
  isModelName,
  isReservedName,
  type ModelEntry,
  parseAliases,
  parseDisableDiscovery,
  parseGatewayAliases,
  parseModelList
} from "./parse.js"

/**
 * What the environment says about one CLI's models.
 *
 * @since 0.1.0
 */
export interface CliModelConfig {
  /** `*_DEFAULT_MODEL`, when set and a valid model name. */
  readonly defaultModel: string | undefined
  /** `*_MODELS`. */
  readonly models: ReadonlyArray<ModelEntry>
  /** `*_MODEL_ALIASES` and this CLI's entries of `LLM_GATEWAY_MODEL_ALIASES`, the former winning. */
  readonly aliases: ReadonlyArray<AliasEntry>
  /** Values for this CLI that did not parse. */
  readonly warnings: ReadonlyArray<string>
}

/**
 * Where the CLIs' own configuration lives.
 *
 * @since 0.1.0
 */
export interface ModelPaths {
  readonly claudeSettings: string
  readonly claudeSettingsLocal: string
  readonly codexConfig: string
  readonly geminiSettings: string
  readonly geminiHistoryRoot: string
}

/**
 * The model registry's configuration.
 *
 * @since 0.1.0
 */
export interface ModelConfig {
  readonly clis: Readonly<Record<Cli, CliModelConfig>>
  readonly paths: ModelPaths
  /** Scan Gemini history for observed models (off with `LLM_GATEWAY_DISABLE_MODEL_DISCOVERY`). */
  readonly discovery: boolean
  /** Values that did not parse and belong to no one CLI. */
  readonly warnings: ReadonlyArray<string>
}

/** @since 0.1.0 */
export const envPrefix: Readonly<Record<Cli, string>> = byCli((cli) => cli.toUpperCase())

/**
 * The raw values of the variables (unset and empty alike are `undefined`).
 *
 * @since 0.1.0
 */
export interface RawModelEnv {
  readonly clis: Readonly<
    Record<Cli, {
      readonly defaultModel: string | undefined
      readonly models: string | undefined
      readonly aliases: string | undefined
    }>
  >
  readonly gatewayAliases: string | undefined
  readonly disableDiscovery: string | undefined
  readonly paths: ModelPaths
}

/**
 * Turns the raw values into a `ModelConfig`, every bad value a warning.
 *
 * @since 0.1.0
 */
export const fromRaw = (raw: RawModelEnv): ModelConfig => {
  const gateway = raw.gatewayAliases === undefined ? undefined : parseGatewayAliases(raw.gatewayAliases)
  const general: Array<string> = [...(gateway?.general ?? [])]
  const discovery = parseDisableDiscovery(raw.disableDiscovery)
  if (discovery.warning !== undefined) general.push(discovery.warning)

  const cliConfig = (cli: Cli): CliModelConfig => {
    const prefix = envPrefix[cli]
    const own = raw.clis[cli]
    const warnings: Array<string> = []
    const named = own.defaultModel === undefined
      ? undefined
      : parseDefaultModel(`${prefix}_DEFAULT_MODEL`, own.defaultModel)
    if (named?.warning !== undefined) warnings.push(named.warning)
    const defaultModel = named?.model
    const listed = own.models === undefined ? undefined : parseModelList(`${prefix}_MODELS`, own.models)
    warnings.push(...(listed?.warnings ?? []))
    const specific = own.aliases === undefined ? undefined : parseAliases(`${prefix}_MODEL_ALIASES`, own.aliases)
    warnings.push(...(gateway?.warnings[cli] ?? []), ...(specific?.warnings ?? []))
    // The CLI's own variable wins over LLM_GATEWAY_MODEL_ALIASES for the same alias.
    const aliases: Array<AliasEntry> = [...(specific?.aliases ?? [])]
    for (const entry of gateway?.aliases[cli] ?? []) {
      const mine = aliases.find((a) => a.alias === entry.alias)
      if (mine === undefined) aliases.push(entry)
      else if (mine.model !== entry.model) {
        warnings.push(
          `alias "${entry.alias}" is ${mine.model} in ${mine.origin} and ${entry.model} in ${entry.origin}; ${mine.origin} wins`
        )
      }
    }
    return { defaultModel, models: listed?.models ?? [], aliases, warnings }
  }

  return {
    clis: byCli(cliConfig),
    paths: raw.paths,
    discovery: discovery.discovery,
    warnings: general
  }
}

/**
 * A configuration that says nothing but where the files are: for tests and
 * embedding apps.
 *
 * @since 0.1.0
 */
export const make = (options: {
  readonly paths: ModelPaths
  readonly discovery?: boolean
  readonly clis?: Partial<Record<Cli, Partial<CliModelConfig>>>
}): ModelConfig => {
  const cli = (c: Cli): CliModelConfig => ({
    defaultModel: undefined,
    models: [],
    aliases: [],
    warnings: [],
    ...options.clis?.[c]
  })
  return {
    clis: byCli(cli),
    paths: options.paths,
    discovery: options.discovery ?? true,
    warnings: []
  }
}

/** An optional variable; empty counts as unset. */
const optional = (name: string): Config.Config<string | undefined> =>
  Config.option(Config.string(name)).pipe(
    Config.map((o) => Option.getOrUndefined(Option.filter(o, (s) => s.trim() !== "")))
  )

const paths: Config.Config<ModelPaths> = Config.all({
  home: optional("HOME"),
  claudeDir: optional("CLAUDE_CONFIG_DIR"),
  codexHome: optional("CODEX_HOME"),
  claudeSettings: optional("CLAUDE_SETTINGS_PATH"),
  claudeSettingsLocal: optional("CLAUDE_SETTINGS_LOCAL_PATH"),
  codexConfig: optional("CODEX_CONFIG_PATH"),
  geminiSettings: optional("GEMINI_SETTINGS_PATH"),
  geminiHistoryRoot: optional("GEMINI_HISTORY_ROOT")
}).pipe(
  Config.map((v) => {
    const home = v.home ?? homedir()
    const claudeDir = v.claudeDir ?? join(home, ".claude")
    const codexHome = v.codexHome ?? join(home, ".codex")
    return {
      claudeSettings: v.claudeSettings ?? join(claudeDir, "settings.json"),
      claudeSettingsLocal: v.claudeSettingsLocal ?? join(claudeDir, "settings.local.json"),
      codexConfig: v.codexConfig ?? join(codexHome, "config.toml"),
      geminiSettings: v.geminiSettings ?? join(home, ".gemini", "settings.json"),
      geminiHistoryRoot: v.geminiHistoryRoot ?? join(home, ".gemini", "tmp")
    }
  })
)

const cliVars = (cli: Cli) =>
  Config.all({
    defaultModel: optional(`${envPrefix[cli]}_DEFAULT_MODEL`),
    models: optional(`${envPrefix[cli]}_MODELS`),
    aliases: optional(`${envPrefix[cli]}_MODEL_ALIASES`)
  })

/**
 * The raw values, read through the current `ConfigProvider`.
 *
 * @since 0.1.0
 * @category config
 */
export const rawModelEnv: Config.Config<RawModelEnv> = Config.all({
  clis: Config.all(byCli(cliVars)),
  gatewayAliases: optional("LLM_GATEWAY_MODEL_ALIASES"),
  disableDiscovery: optional("LLM_GATEWAY_DISABLE_MODEL_DISCOVERY"),
  paths
})

/**
 * The model registry's configuration, read through the current
 * `ConfigProvider`. Never fails on a malformed value: it becomes a warning.
 *
 * @since 0.1.0
 * @category config
 */
export const modelConfig: Config.Config<ModelConfig> = Config.map(rawModelEnv, fromRaw)
