/**
 * What the gateway tells opencode through its environment, since opencode
 * takes neither permissions nor MCP servers as options: the permission
 * rules (`OPENCODE_PERMISSION`, merged over every config file, last) and a
 * config (`OPENCODE_CONFIG_CONTENT`: the request's MCP servers, no session
 * sharing, no auto-update). Pure.
 *
 * opencode's rules: `permission` maps a permission name to `"allow" |
 * "ask" | "deny"` or to an object of wildcard patterns (`*` any text, `?`
 * one character), and the **last** matching rule wins. Its defaults allow
 * everything but `external_directory`, `doom_loop` and `.env` reads (which
 * ask, and `run` rejects an ask and stops). See docs/agents/opencode.md,
 * "Permissions".
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import { InvalidRequest } from "../../domain/errors.js"
import { isObject } from "../../providers/jsonl.js"

/** opencode's permission names (1.18.33). MCP tools are `<server>_<tool>`. @since 0.1.0 */
export const PERMISSIONS: ReadonlySet<string> = new Set([
  "read", "edit", "glob", "grep", "list", "bash", "task", "skill", "lsp", "todoread", "todowrite", "webfetch",
  "websearch", "codesearch", "external_directory", "doom_loop", "question"
])

/** Tools that opencode checks under the `edit` permission: a rule keyed by their own name would never match. */
export const EDIT_TOOLS: ReadonlySet<string> = new Set(["write", "patch", "multiedit", "apply_patch"])

/** Tools opencode would otherwise run without asking that the gateway denies unless a request allows them. @since 0.1.0 */
export const DENIED_BY_DEFAULT = ["edit", "bash", "webfetch"] as const

/**
 * The permission a tool name stands for: opencode's own names in lower case,
 * the edit tools as `edit`, anything else (MCP and plugin tools) as given.
 *
 * @since 0.1.0
 */
export const permissionName = (name: string): string => {
  const lower = name.toLowerCase()
  return PERMISSIONS.has(lower) ? lower : EDIT_TOOLS.has(lower) ? "edit" : name
}

/** One rule from a request's tool list. @since 0.1.0 */
export interface ToolRule {
  readonly permission: string
  readonly pattern: string
}

const invalid = (message: string, field: string) => Either.left(new InvalidRequest({ message, field }))

// A JSON object puts keys that look like array indices first, which would reorder "last match wins".
const INDEX_LIKE = /^(0|[1-9][0-9]*)$/

/**
 * A tool entry (`bash`, `bash(git *)`, `Edit`, `docs_search`) as opencode's
 * permission (see `permissionName`) and pattern (`*` without one).
 *
 * @since 0.1.0
 */
export const ruleOf = (tool: string, field: string): Either.Either<ToolRule, InvalidRequest> => {
  const open = tool.indexOf("(")
  const name = open < 0 ? tool : tool.slice(0, open)
  const pattern = open < 0 ? "*" : tool.slice(open + 1, -1).trim()
  const permission = permissionName(name)
  const quoted = JSON.stringify(tool)
  if (pattern === "") return invalid(`${field} entry ${quoted} has an empty pattern: give one, e.g. ${name}(git *), or none`, field)
  if (INDEX_LIKE.test(pattern)) return invalid(`${field} entry ${quoted}: a pattern of digits only is not accepted`, field)
  if (permission === "bash" && /:\*$/.test(pattern)) {
    return invalid(
      `${field} entry ${quoted} uses Claude's "command:*" form; opencode's patterns are wildcards: write ${name}(${
        pattern.slice(0, -2).trim()
      } *)`,
      field
    )
  }
  return Either.right({ permission, pattern })
}

const ABSOLUTE = /^(\/|[A-Za-z]:[\\/]|\\\\)/

/**
 * The `external_directory` patterns of an extra folder: the folder and
 * everything under it (`*` spans `/`). Refused: a relative folder (it is
 * inside the working folder, which opencode never asks about) and a folder
 * with a wildcard character in its name.
 *
 * @since 0.1.0
 */
export const folderPatterns = (dir: string): Either.Either<ReadonlyArray<string>, InvalidRequest> => {
  if (!ABSOLUTE.test(dir)) {
    return invalid(
      `addDirs entry ${JSON.stringify(dir)} is not an absolute path: opencode allows folders outside the working ` +
        "one by absolute path (a relative folder is inside the working folder already)",
      "addDirs"
    )
  }
  if (/[*?]/.test(dir)) return invalid(`addDirs entry ${JSON.stringify(dir)} contains * or ?, which opencode reads as wildcards`, "addDirs")
  let end = dir.length
  while (end > 0 && (dir[end - 1] === "/" || dir[end - 1] === "\\")) end--
  const trimmed = dir.slice(0, end)
  const sep = dir.includes("\\") && !dir.includes("/") ? "\\" : "/"
  // A root folder: everything under it.
  if (trimmed === "" || /^[A-Za-z]:$/.test(trimmed)) return Either.right([`${trimmed}${sep}*`])
  return Either.right([trimmed, `${trimmed}${sep}*`])
}

/** What the permission rules are made from. @since 0.1.0 */
export interface PermissionInput {
  /** A bypass (`--auto`) was granted: opencode's own defaults stay, nothing is denied by default. */
  readonly bypass: boolean
  readonly allowedTools?: ReadonlyArray<string> | undefined
  readonly disallowedTools?: ReadonlyArray<string> | undefined
  readonly addDirs?: ReadonlyArray<string> | undefined
}

/**
 * The `OPENCODE_PERMISSION` object: without a bypass, `edit`, `bash` and
 * `webfetch` denied first (a headless run has nobody to ask, and opencode
 * would otherwise allow them); then the allowed tools, the extra folders,
 * and the disallowed tools last, so that a denial wins. A denied tool call
 * fails and the model goes on (an "ask" would stop the run). Empty when
 * there is nothing to say.
 *
 * @since 0.1.0
 */
export const permissionRules = (input: PermissionInput): Either.Either<Record<string, unknown>, InvalidRequest> => {
  const rules = new Map<string, Map<string, "allow" | "deny">>()
  const set = (permission: string, pattern: string, action: "allow" | "deny") => {
    const patterns = rules.get(permission) ?? new Map<string, "allow" | "deny">()
    // Set again, a pattern moves last: the later rule is the one that wins.
    patterns.delete(pattern)
    patterns.set(pattern, action)
    rules.set(permission, patterns)
  }
  const apply = (field: string, tools: ReadonlyArray<string> | undefined, action: "allow" | "deny") => {
    for (const tool of tools ?? []) {
      const rule = ruleOf(tool, field)
      if (Either.isLeft(rule)) return rule.left
      set(rule.right.permission, rule.right.pattern, action)
    }
    return undefined
  }
  if (!input.bypass) for (const permission of DENIED_BY_DEFAULT) set(permission, "*", "deny")
  const allowed = apply("allowedTools", input.allowedTools, "allow")
  if (allowed !== undefined) return Either.left(allowed)
  for (const dir of input.addDirs ?? []) {
    const patterns = folderPatterns(dir)
    if (Either.isLeft(patterns)) return Either.left(patterns.left)
    for (const pattern of patterns.right) set("external_directory", pattern, "allow")
  }
  const denied = apply("disallowedTools", input.disallowedTools, "deny")
  if (denied !== undefined) return Either.left(denied)
  return Either.right(
    Object.fromEntries(
      [...rules].map(([permission, patterns]) => [
        permission,
        patterns.size === 1 && patterns.has("*") ? patterns.get("*") : Object.fromEntries(patterns)
      ])
    )
  )
}

/**
 * A server of the registry (Claude's `--mcp-config` shape) in opencode's:
 * `{command, args, env}` → `{type: "local", command: [command, ...args],
 * environment}`, `{type: "http" | "sse", url, headers}` → `{type: "remote",
 * url, headers}` (opencode tries streamable HTTP, then SSE). OAuth off: a
 * headless run cannot complete a sign-in, and a server with headers would
 * otherwise start one on a 401.
 *
 * @since 0.1.0
 */
export const opencodeMcpServer = (definition: unknown): unknown => {
  if (!isObject(definition)) return definition
  const { args, command, env, headers, type, url } = definition
  if ((type === "http" || type === "sse") && typeof url === "string") {
    return { type: "remote", url, ...(isObject(headers) ? { headers } : {}), oauth: false, enabled: true }
  }
  if (typeof command === "string") {
    const rest = Array.isArray(args) ? args.filter((a): a is string => typeof a === "string") : []
    return { type: "local", command: [command, ...rest], ...(isObject(env) ? { environment: env } : {}), enabled: true }
  }
  return definition
}

/**
 * The `OPENCODE_CONFIG_CONTENT` document: never share a session, never
 * auto-update, and the request's MCP servers (merged over the user's own by
 * name).
 *
 * @since 0.1.0
 */
export const configContent = (mcpServers: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> => ({
  share: "disabled",
  autoupdate: false,
  ...(mcpServers !== undefined && Object.keys(mcpServers).length > 0
    ? { mcp: Object.fromEntries(Object.entries(mcpServers).map(([name, d]) => [name, opencodeMcpServer(d)])) }
    : {})
})
