/**
 * The parsers of the model registry's environment values: model lists,
 * alias pairs and the discovery switch. Pure, and none fails: a value that
 * does not parse is dropped and described in the warnings returned.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { allClis, byCli, type Cli } from "../domain/Cli.js"
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
 * Names `latest` and `default` mean "the configured default"; no alias may take them.
 *
 * @since 0.1.0
 */
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
 * Parses `*_DEFAULT_MODEL`: a model name, trimmed, other than a reserved one.
 *
 * @since 0.1.0
 */
export const parseDefaultModel = (
  variable: string,
  raw: string
): { readonly model: string | undefined; readonly warning: string | undefined } => {
  const name = raw.trim()
  if (!isModelName(name)) return { model: undefined, warning: `${variable} ${show(name)} is not a model name; ignored` }
  if (isReservedName(name)) return { model: undefined, warning: `${variable} cannot be "${name}"; ignored` }
  return { model: name, warning: undefined }
}

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
  const aliases: Record<Cli, Array<AliasEntry>> = { ...byCli((): Array<AliasEntry> => []) }
  const warnings: Record<Cli, Array<string>> = { ...byCli((): Array<string> => []) }
  for (const { key, model } of pairs) {
    const dot = key.indexOf(".")
    const cli = (dot < 0 ? "" : key.slice(0, dot).trim().toLowerCase()) as Cli
    if (dot < 0 || !allClis.includes(cli)) {
      general.push(
        `${variable}: entry ${show(`${key}=${model}`)} does not start with a CLI (${allClis.map((c) => `${c}.`).join(", ")}); ignored`
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
