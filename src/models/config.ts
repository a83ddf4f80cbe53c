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
import * as Schema from "effect/Schema"
import { homedir } from "node:os"
import { join } from "node:path"
import { allClis, type Cli } from "../domain/Cli.js"
import { ModelName } from "../domain/fields.js"

/**
 * A model named in the environment, with its description when one was given.
 *
 * @since 0.1.0
 */
export interface ModelEntry {
  readonly name: string
  readonly description: string | undefined
}

/**
 * An alias and the model it stands for; `origin` is the variable it came from.
 *
 * @since 0.1.0
 */
export interface AliasEntry {
  readonly alias: string
  readonly model: string
  readonly origin: string
}

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
export const envPrefix: Readonly<Record<Cli, string>> = {
  claude: "CLAUDE",
  codex: "CODEX",
  gemini: "GEMINI",
  grok: "GROK"
}

/** Names `latest` and `default` mean "the configured default"; no alias may take them. */
export const isReservedName = (name: string): boolean => {
  const n = name.toLowerCase()
  return n === "latest" || n === "default"
}

/** @since 0.1.0 */
export const isModelName: (u: unknown) => u is string = Schema.is(ModelName)

const show = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s)

const entriesOf = (raw: string): Array<string> =>
  raw.split(/[,\n\r]/).map((s) => s.trim()).filter((s) => s.length > 0)

const parseJson = (raw: string): { ok: true; value: unknown } | { ok: false; message: string } => {
  try {
    return { ok: true, value: JSON.parse(raw) }
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) }
  }
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Parses `*_MODELS`: a comma/newline list of names, a JSON array of names
 * (or of `{name|id, description?}`), or a JSON object model → description.
 *
 * @since 0.1.0
 */
export const parseModelList = (
  variable: string,
  raw: string
): { readonly models: ReadonlyArray<ModelEntry>; readonly warnings: ReadonlyArray<string> } => {
  const models: Array<ModelEntry> = []
  const warnings: Array<string> = []
  const add = (name: unknown, description: unknown, where: string) => {
    if (!isModelName(name)) {
      const shown = typeof name === "string" ? show(name) : "(not a string)"
      warnings.push(`${variable}: ${where} ${shown} is not a model name; ignored`)
      return
    }
    if (isReservedName(name)) {
      warnings.push(`${variable}: "${name}" is reserved (it means the default model); ignored`)
      return
    }
    const text = typeof description === "string" && description.trim() !== "" ? description.trim() : undefined
    const at = models.findIndex((m) => m.name === name)
    if (at >= 0) models[at] = { name, description: text ?? models[at]!.description }
    else models.push({ name, description: text })
  }
  const text = raw.trim()
  if (text.startsWith("[") || text.startsWith("{")) {
    const parsed = parseJson(text)
    if (!parsed.ok) {
      warnings.push(`${variable} is not valid JSON (${parsed.message}); ignored`)
    } else if (Array.isArray(parsed.value)) {
      parsed.value.forEach((item, i) => {
        if (isRecord(item)) add(item.name ?? item.id, item.description, `item ${i}`)
        else add(item, undefined, `item ${i}`)
      })
    } else if (isRecord(parsed.value)) {
      for (const [name, value] of Object.entries(parsed.value)) {
        const description = isRecord(value) ? value.description : value
        if (description !== undefined && description !== null && typeof description !== "string") {
          warnings.push(`${variable}: the description of ${show(name)} is not a string; listed without one`)
        }
        add(name, description, "key")
      }
    }
  } else {
    for (const name of entriesOf(text)) add(name, undefined, "entry")
  }
  return { models, warnings }
}

/**
 * Parses `alias=model` pairs, comma/newline separated, or a JSON object
 * alias → model. With `qualified`, the alias is `cli.alias`.
 */
const parsePairs = (
  variable: string,
  raw: string
): { pairs: Array<{ key: string; model: string }>; warnings: Array<string> } => {
  const pairs: Array<{ key: string; model: string }> = []
  const warnings: Array<string> = []
  const text = raw.trim()
  if (text.startsWith("{")) {
    const parsed = parseJson(text)
    if (!parsed.ok || !isRecord(parsed.value)) {
      warnings.push(`${variable} is not a valid JSON object (${parsed.ok ? "not an object" : parsed.message}); ignored`)
      return { pairs, warnings }
    }
    for (const [key, model] of Object.entries(parsed.value)) {
      if (typeof model !== "string") warnings.push(`${variable}: the model of ${show(key)} is not a string; ignored`)
      else pairs.push({ key: key.trim(), model: model.trim() })
    }
    return { pairs, warnings }
  }
  for (const entry of entriesOf(text)) {
    const eq = entry.indexOf("=")
    if (eq < 0) {
      warnings.push(`${variable}: entry ${show(entry)} is not of the form alias=model; ignored`)
      continue
    }
    pairs.push({ key: entry.slice(0, eq).trim(), model: entry.slice(eq + 1).trim() })
  }
  return { pairs, warnings }
}

/** Checks one alias; a reason to drop it, or undefined. */
const aliasProblem = (alias: string, model: string): string | undefined => {
  if (!isModelName(alias)) return `alias ${show(alias)} is not a model name`
  if (isReservedName(alias)) return `"${alias}" is reserved (it means the default model) and cannot be an alias`
  if (!isModelName(model)) return `${show(model)} (the model of alias "${alias}") is not a model name`
  if (alias === model) return `alias "${alias}" names itself`
  return undefined
}

/**
 * Parses `*_MODEL_ALIASES` (`alias=model` pairs).
 *
 * @since 0.1.0
 */
export const parseAliases = (
  variable: string,
  raw: string
): { readonly aliases: ReadonlyArray<AliasEntry>; readonly warnings: ReadonlyArray<string> } => {
  const { pairs, warnings } = parsePairs(variable, raw)
  const aliases: Array<AliasEntry> = []
  for (const { key, model } of pairs) {
    const problem = aliasProblem(key, model)
    if (problem !== undefined) {
      warnings.push(`${variable}: ${problem}; ignored`)
      continue
    }
    addAlias(aliases, { alias: key, model, origin: variable }, warnings)
  }
  return { aliases, warnings }
}

/** Adds an alias; a later definition in the same variable replaces an earlier one, with a warning. */
const addAlias = (aliases: Array<AliasEntry>, entry: AliasEntry, warnings: Array<string>) => {
  const at = aliases.findIndex((a) => a.alias === entry.alias)
  if (at < 0) {
    aliases.push(entry)
    return
  }
  if (aliases[at]!.model !== entry.model) {
    warnings.push(`${entry.origin}: alias "${entry.alias}" is defined twice; the later one (${entry.model}) wins`)
  }
  aliases[at] = entry
}

/**
 * Parses `LLM_GATEWAY_MODEL_ALIASES` (`cli.alias=model` pairs): the aliases
 * per CLI, the warnings per CLI, and the warnings of entries naming no CLI.
 *
 * @since 0.1.0
 */
export const parseGatewayAliases = (raw: string): {
  readonly aliases: Readonly<Record<Cli, ReadonlyArray<AliasEntry>>>
  readonly warnings: Readonly<Record<Cli, ReadonlyArray<string>>>
  readonly general: ReadonlyArray<string>
} => {
  const variable = "LLM_GATEWAY_MODEL_ALIASES"
  const { pairs, warnings: general } = parsePairs(variable, raw)
  const aliases: Record<Cli, Array<AliasEntry>> = { claude: [], codex: [], gemini: [], grok: [] }
  const warnings: Record<Cli, Array<string>> = { claude: [], codex: [], gemini: [], grok: [] }
  for (const { key, model } of pairs) {
    const dot = key.indexOf(".")
    const cli = (dot < 0 ? "" : key.slice(0, dot).trim().toLowerCase()) as Cli
    if (dot < 0 || !allClis.includes(cli)) {
      general.push(
        `${variable}: entry ${show(`${key}=${model}`)} does not start with a CLI (claude., codex., gemini. or grok.); ignored`
      )
      continue
    }
    const alias = key.slice(dot + 1).trim()
    const problem = aliasProblem(alias, model)
    if (problem !== undefined) {
      warnings[cli].push(`${variable}: ${problem}; ignored`)
      continue
    }
    addAlias(aliases[cli], { alias, model, origin: variable }, warnings[cli])
  }
  return { aliases, warnings, general }
}

/**
 * Reads `LLM_GATEWAY_DISABLE_MODEL_DISCOVERY`: discovery is on unless the
 * variable is set to something other than an empty, `0`, `false`, `no` or
 * `off` value.
 *
 * @since 0.1.0
 */
export const parseDisableDiscovery = (
  raw: string | undefined
): { readonly discovery: boolean; readonly warning: string | undefined } => {
  const v = (raw ?? "").trim().toLowerCase()
  if (v === "" || v === "0" || v === "false" || v === "no" || v === "off") return { discovery: true, warning: undefined }
  if (v === "1" || v === "true" || v === "yes" || v === "on") return { discovery: false, warning: undefined }
  return {
    discovery: false,
    warning: `LLM_GATEWAY_DISABLE_MODEL_DISCOVERY=${show(raw ?? "")} is not 1/0/true/false; model discovery is off`
  }
}

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
    let defaultModel: string | undefined
    if (own.defaultModel !== undefined) {
      const name = own.defaultModel.trim()
      if (!isModelName(name)) warnings.push(`${prefix}_DEFAULT_MODEL ${show(name)} is not a model name; ignored`)
      else if (isReservedName(name)) warnings.push(`${prefix}_DEFAULT_MODEL cannot be "${name}"; ignored`)
      else defaultModel = name
    }
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
    clis: {
      claude: cliConfig("claude"),
      codex: cliConfig("codex"),
      gemini: cliConfig("gemini"),
      grok: cliConfig("grok")
    },
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
    clis: { claude: cli("claude"), codex: cli("codex"), gemini: cli("gemini"), grok: cli("grok") },
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
  clis: Config.all({
    claude: cliVars("claude"),
    codex: cliVars("codex"),
    gemini: cliVars("gemini"),
    grok: cliVars("grok")
  }),
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
