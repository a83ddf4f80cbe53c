/**
 * What the CLIs' own files say about models: claude's settings, codex's
 * `config.toml`, gemini's settings and (low-confidence) gemini's session
 * history. Plain synchronous reads of small files, bounded in size and
 * count; nothing here throws: every problem is a warning.
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import { join } from "node:path"
import { isModelName, isReservedName } from "./config.js"
import { jsonSyntaxError } from "../mcpServers/jsonSyntax.js"
import { scanToml } from "./toml.js"

/** Config files larger than this are not read. @since 0.1.0 */
export const MAX_CONFIG_BYTES = 1024 * 1024

/**
 * A model named by a config file; `origin` says which file (and where).
 *
 * @since 0.1.0
 */
export interface ConfiguredModel {
  readonly name: string
  readonly description: string
  readonly origin: string
}

/**
 * What one CLI's config files say.
 *
 * @since 0.1.0
 */
export interface ConfigFacts {
  readonly defaultModel: ConfiguredModel | undefined
  readonly models: ReadonlyArray<ConfiguredModel>
  readonly warnings: ReadonlyArray<string>
}

const none: ConfigFacts = { defaultModel: undefined, models: [], warnings: [] }

type FileText =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "Failed"; readonly reason: string }

const errorCode = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string"
    ? (e as { code: string }).code
    : undefined

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/** Reads a small text file; a missing one is not a problem. */
const readSmall = (path: string, maxBytes: number = MAX_CONFIG_BYTES): FileText => {
  try {
    const stat = fs.statSync(path)
    if (!stat.isFile()) return { _tag: "Failed", reason: "is not a file" }
    if (stat.size > maxBytes) return { _tag: "Failed", reason: `is larger than ${maxBytes} bytes` }
    return { _tag: "Text", text: fs.readFileSync(path, "utf8") }
  } catch (e) {
    const code = errorCode(e)
    if (code === "ENOENT" || code === "ENOTDIR") return { _tag: "Missing" }
    return { _tag: "Failed", reason: `cannot be read (${code ?? describe(e)})` }
  }
}

/** Drops `//` and `/* *\/` comments outside strings (gemini's settings allow them). */
export const stripJsonComments = (text: string): string => {
  let out = ""
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === "\"") {
      let j = i + 1
      while (j < text.length && text[j] !== "\"") j += text[j] === "\\" ? 2 : 1
      out += text.slice(i, j + 1)
      i = j + 1
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++
    } else if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2)
      i = close < 0 ? text.length : close + 2
    } else {
      out += c
      i++
    }
  }
  return out
}

type JsonRead =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Object"; readonly value: Record<string, unknown> }
  | { readonly _tag: "Failed"; readonly warning: string }

const readJsonObject = (what: string, path: string, comments: boolean): JsonRead => {
  const file = readSmall(path)
  if (file._tag === "Missing") return file
  if (file._tag === "Failed") return { _tag: "Failed", warning: `${what} ${path} ${file.reason}; ignored` }
  const text = file.text.replace(/^\uFEFF/, "")
  if (text.trim() === "") return { _tag: "Object", value: {} }
  try {
    const value: unknown = JSON.parse(comments ? stripJsonComments(text) : text)
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { _tag: "Failed", warning: `${what} ${path} is not a JSON object; ignored` }
    }
    return { _tag: "Object", value: value as Record<string, unknown> }
  } catch {
    // Where and what, never the file's text (it may hold a secret, or be another file through a symlink).
    const syntax = jsonSyntaxError(comments ? stripJsonComments(text) : text)
    const where = syntax === undefined ? "a syntax error" : `line ${syntax.line}, column ${syntax.column}: ${syntax.problem}`
    return { _tag: "Failed", warning: `${what} ${path} is not valid JSON (${where}); ignored` }
  }
}

/** Checks a configured model value; the model, or a warning. */
const modelValue = (
  value: unknown,
  where: string
): { readonly name: string } | { readonly warning: string } | undefined => {
  if (value === undefined || value === null) return undefined
  if (typeof value !== "string") return { warning: `${where} is not a string; ignored` }
  const name = value.trim()
  if (name === "") return undefined
  if (!isModelName(name) || isReservedName(name)) {
    return { warning: `${where} is not a model name; ignored` }
  }
  return { name }
}

/**
 * Claude's `model` in `settings.json` and `settings.local.json`; the local
 * file wins for the default, as in claude.
 *
 * @since 0.1.0
 */
export const readClaudeSettings = (settingsPath: string, localPath: string): ConfigFacts => {
  const warnings: Array<string> = []
  const models: Array<ConfiguredModel> = []
  let defaultModel: ConfiguredModel | undefined
  for (const path of [settingsPath, localPath]) {
    const read = readJsonObject("claude settings", path, false)
    if (read._tag === "Missing") continue
    if (read._tag === "Failed") {
      warnings.push(read.warning)
      continue
    }
    const m = modelValue(read.value.model, `"model" in ${path}`)
    if (m === undefined) continue
    if ("warning" in m) {
      warnings.push(m.warning)
      continue
    }
    const entry = { name: m.name, description: `"model" in ${path}`, origin: path }
    models.push(entry)
    defaultModel = entry
  }
  return { defaultModel, models, warnings }
}

/**
 * Codex's `config.toml`: the top-level `model`, the models of
 * `[profiles.<name>]`, and as default the active `profile`'s model, else
 * the top-level one. A file that is not TOML is ignored with a warning.
 *
 * @since 0.1.0
 */
export const readCodexConfig = (path: string): ConfigFacts => {
  const file = readSmall(path)
  if (file._tag === "Missing") return none
  if (file._tag === "Failed") return { ...none, warnings: [`codex config ${path} ${file.reason}; ignored`] }
  const scan = scanToml(file.text)
  if (scan.errors.length > 0) {
    return { ...none, warnings: [`codex config ${path} is not valid TOML (${scan.errors.join("; ")}); ignored`] }
  }
  const warnings: Array<string> = []
  const models: Array<ConfiguredModel> = []
  let topLevel: ConfiguredModel | undefined
  let activeProfile: string | undefined
  const profileModels = new Map<string, ConfiguredModel>()
  for (const entry of scan.entries) {
    const value = entry.value._tag === "String" ? entry.value.value : entry.value
    const [first, second, third] = entry.path
    if (entry.path.length === 1 && first === "model") {
      const m = modelValue(value, `"model" (line ${entry.line}) in ${path}`)
      if (m === undefined) continue
      if ("warning" in m) warnings.push(m.warning)
      else topLevel = { name: m.name, description: `"model" in ${path}`, origin: path }
    } else if (entry.path.length === 1 && first === "profile") {
      if (typeof value === "string") activeProfile = value
      else warnings.push(`"profile" (line ${entry.line}) in ${path} is not a string; ignored`)
    } else if (entry.path.length === 3 && first === "profiles" && third === "model" && second !== undefined) {
      const m = modelValue(value, `"model" of profile "${second}" (line ${entry.line}) in ${path}`)
      if (m === undefined) continue
      if ("warning" in m) warnings.push(m.warning)
      else {
        profileModels.set(second, {
          name: m.name,
          description: `model of codex profile "${second}" in ${path}`,
          origin: `${path} [profiles.${second}]`
        })
      }
    }
  }
  if (topLevel !== undefined) models.push(topLevel)
  for (const m of profileModels.values()) if (!models.some((x) => x.name === m.name)) models.push(m)
  const fromProfile = activeProfile === undefined ? undefined : profileModels.get(activeProfile)
  return { defaultModel: fromProfile ?? topLevel, models, warnings }
}

/**
 * Gemini's settings: `model.name` (current shape) or `model` as a string
 * (older shape). Comments are allowed, as gemini allows them.
 *
 * @since 0.1.0
 */
export const readGeminiSettings = (path: string): ConfigFacts => {
  const read = readJsonObject("gemini settings", path, true)
  if (read._tag === "Missing") return none
  if (read._tag === "Failed") return { ...none, warnings: [read.warning] }
  const raw = read.value.model
  const isObject = typeof raw === "object" && raw !== null && !Array.isArray(raw)
  const value = isObject ? (raw as Record<string, unknown>).name : raw
  const m = modelValue(value, `${isObject ? "\"model.name\"" : "\"model\""} in ${path}`)
  if (m === undefined) return none
  if ("warning" in m) return { ...none, warnings: [m.warning] }
  const entry = { name: m.name, description: `${isObject ? "\"model.name\"" : "\"model\""} in ${path}`, origin: path }
  return { defaultModel: entry, models: [entry], warnings: [] }
}

// ---------------------------------------------------------------------------
// gemini history
// ---------------------------------------------------------------------------

/**
 * Bounds of the history scan.
 *
 * @since 0.1.0
 */
export interface HistoryLimits {
  /** Directory entries looked at in all (the walk stops after). */
  readonly maxEntries: number
  /** Folder depth below the root. */
  readonly maxDepth: number
  /** Files read, the most recently modified first. */
  readonly maxFiles: number
  /** Bytes read from the start of each file. */
  readonly maxBytesPerFile: number
  /** Bytes read in all. */
  readonly maxTotalBytes: number
  /** Distinct models kept. */
  readonly maxModels: number
}

/** @since 0.1.0 */
export const defaultHistoryLimits: HistoryLimits = {
  maxEntries: 5_000,
  maxDepth: 4,
  maxFiles: 200,
  maxBytesPerFile: 512 * 1024,
  maxTotalBytes: 16 * 1024 * 1024,
  maxModels: 50
}

/**
 * @since 0.1.0
 */
export interface HistoryScan {
  readonly root: string
  /** Models seen, with how many times, most seen first. */
  readonly models: ReadonlyArray<{ readonly name: string; readonly count: number }>
  readonly filesScanned: number
  /** A bound stopped the scan before it saw everything. */
  readonly truncated: boolean
  readonly warnings: ReadonlyArray<string>
}

const MODEL_FIELD = /"model"\s*:\s*"([^"\\\n]{1,128})"/g

const readHead = (path: string, maxBytes: number): string => {
  const fd = fs.openSync(path, "r")
  try {
    const buffer = Buffer.alloc(maxBytes)
    const n = fs.readSync(fd, buffer, 0, maxBytes, 0)
    return buffer.toString("utf8", 0, n)
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Looks for `"model": "<name>"` in the JSON and JSONL files under gemini's
 * history root (`<root>/<project hash>/chats/*.json`, `logs.json`, …),
 * newest first, within the bounds. Symbolic links are not followed. A
 * missing root is not a problem.
 *
 * @since 0.1.0
 */
export const scanGeminiHistory = (root: string, limits: HistoryLimits = defaultHistoryLimits): HistoryScan => {
  const result = (
    models: HistoryScan["models"],
    filesScanned: number,
    truncated: boolean,
    warnings: ReadonlyArray<string>
  ): HistoryScan => ({ root, models, filesScanned, truncated, warnings })
  try {
    const stat = fs.statSync(root)
    if (!stat.isDirectory()) return result([], 0, false, [`gemini history root ${root} is not a folder; not scanned`])
  } catch (e) {
    const code = errorCode(e)
    if (code === "ENOENT" || code === "ENOTDIR") return result([], 0, false, [])
    return result([], 0, false, [`gemini history root ${root} cannot be read (${code ?? describe(e)}); not scanned`])
  }

  let truncated = false
  let seen = 0
  const files: Array<{ path: string; mtimeMs: number }> = []
  const stack: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }]
  while (stack.length > 0) {
    const { depth, dir } = stack.pop()!
    let entries: Array<fs.Dirent>
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      if (++seen > limits.maxEntries) {
        truncated = true
        break
      }
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (depth + 1 <= limits.maxDepth) stack.push({ dir: path, depth: depth + 1 })
        else truncated = true
      } else if (entry.isFile() && /\.jsonl?$/i.test(entry.name)) {
        try {
          files.push({ path, mtimeMs: fs.statSync(path).mtimeMs })
        } catch {
          // gone since the listing
        }
      }
    }
    if (seen > limits.maxEntries) break
  }

  files.sort((a, b) => b.mtimeMs - a.mtimeMs)
  if (files.length > limits.maxFiles) truncated = true
  const counts = new Map<string, number>()
  let bytes = 0
  let scanned = 0
  for (const file of files.slice(0, limits.maxFiles)) {
    const budget = Math.min(limits.maxBytesPerFile, limits.maxTotalBytes - bytes)
    if (budget <= 0) {
      truncated = true
      break
    }
    let text: string
    try {
      text = readHead(file.path, budget)
    } catch {
      continue
    }
    bytes += Buffer.byteLength(text)
    scanned++
    for (const match of text.matchAll(MODEL_FIELD)) {
      const name = match[1]!.trim()
      if (!isModelName(name) || isReservedName(name)) continue
      if (!counts.has(name) && counts.size >= limits.maxModels) {
        truncated = true
        continue
      }
      counts.set(name, (counts.get(name) ?? 0) + 1)
    }
  }
  const models = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([name, count]) => ({ name, count }))
  return result(models, scanned, truncated, [])
}
