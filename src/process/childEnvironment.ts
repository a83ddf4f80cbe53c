/**
 * The environment a CLI is started with.
 *
 * A coding-agent CLI is started with the variables it and the tools it runs
 * need (the system's, its own provider's credentials and settings, proxies
 * and certificates, git and ssh) and nothing else the gateway was given:
 * another vendor's keys, the gateway's own `LLM_GATEWAY_*` settings and
 * whatever unrelated variables the MCP client passed stay with the gateway. `LLM_GATEWAY_CHILD_ENV` adds
 * names (or prefixes ending in `*`; `*` alone passes everything on). The
 * markers that make a CLI believe it runs nested inside another agent are
 * never passed on. The adapter's own variables are added last.
 *
 * @since 0.1.0
 */

/**
 * Variables removed from every child's environment. `CLAUDECODE` makes a
 * nested `claude` refuse to start or change its behaviour; the others mark
 * a process as running inside an agent's tool call.
 *
 * @since 0.1.0
 */
export const nestingMarkers: ReadonlyArray<string> = [
  "CLAUDECODE",
  "CLAUDE_CODE_ENTRYPOINT",
  "CLAUDE_CODE_SSE_PORT",
  "GEMINI_CLI",
  "CODEX_SANDBOX",
  "CODEX_SANDBOX_NETWORK_DISABLED"
]

/**
 * What every CLI receives from the gateway's environment, whichever its
 * vendor: names, and prefixes ending in `*`.
 *
 * @since 0.1.0
 */
export const sharedVariables: ReadonlyArray<string> = [
  // the system and the user's shell
  "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR",
  "LANG", "LANGUAGE", "LC_*", "TZ", "TMPDIR", "TMP", "TEMP", "XDG_*",
  "SYSTEMROOT", "COMSPEC", "PATHEXT", "APPDATA", "LOCALAPPDATA", "USERPROFILE", "PROGRAMDATA", "WINDIR",
  // networks, proxies and certificates
  "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy",
  "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
  // the runtimes the CLIs are installed with, and the tools an agent runs
  "NVM_*", "VOLTA_*", "FNM_*", "PNPM_HOME", "BUN_INSTALL", "NPM_CONFIG_*", "npm_config_*",
  "GIT_*", "SSH_AUTH_SOCK", "EDITOR", "VISUAL",
  // toolchains the agent builds and tests the user's project with
  "JAVA_HOME", "GOPATH", "GOROOT", "GOPROXY", "GOFLAGS", "CARGO_HOME", "RUSTUP_HOME", "PYENV_ROOT", "VIRTUAL_ENV",
  "CONDA_PREFIX", "GEM_HOME", "GEM_PATH", "DOTNET_ROOT", "ANDROID_HOME"
]

/**
 * A vendor's own variables, which only its CLI receives: those it always
 * reads, and those it reads only when configured for a cloud provider (a
 * variable that is set, and not `0` or `false`, turns them on: claude's
 * `CLAUDE_CODE_USE_BEDROCK` lets the `AWS_*` credentials through).
 *
 * @since 0.1.0
 */
export interface VendorVariables {
  readonly always: ReadonlyArray<string>
  readonly when?: ReadonlyArray<{ readonly set: string; readonly variables: ReadonlyArray<string> }> | undefined
}

const isOn = (value: string | undefined): boolean =>
  value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false"

/**
 * Which inherited variables a CLI gets: the shared ones, its vendor's
 * (`vendor`; none when not given: an unknown command gets no provider's
 * secrets), and the configured extras (`LLM_GATEWAY_CHILD_ENV`); never the
 * gateway's own settings. The test reads the whole inherited environment,
 * for the vendor's conditions.
 *
 * @since 0.1.0
 */
export const cliInheritance = (
  vendor: VendorVariables | undefined = undefined,
  extra: ReadonlyArray<string> = []
): (name: string, env?: Readonly<Record<string, string | undefined>>) => boolean => {
  const listed = matcher([...sharedVariables, ...(vendor?.always ?? []), ...extra])
  const conditional = (vendor?.when ?? []).map((c) => ({ set: c.set, matches: matcher(c.variables) }))
  const everything = extra.includes("*")
  return (name, env = {}) =>
    (listed(name) || conditional.some((c) => c.matches(name) && isOn(env[c.set]))) &&
    (everything || !name.startsWith("LLM_GATEWAY_"))
}

/**
 * A test of variable names: true for a name that `patterns` lists, or that
 * one of its `PREFIX*` patterns starts.
 *
 * @since 0.1.0
 */
export const matcher = (patterns: ReadonlyArray<string>): (name: string) => boolean => {
  const names = new Set(patterns.filter((p) => !p.endsWith("*")))
  const prefixes = patterns.filter((p) => p.endsWith("*")).map((p) => p.slice(0, -1))
  if (prefixes.includes("")) return () => true
  return (name) => names.has(name) || prefixes.some((prefix) => name.startsWith(prefix))
}

/**
 * The child's environment: the inherited variables that `inherit` keeps,
 * less the nesting markers, then the overrides.
 *
 * @since 0.1.0
 */
export const childEnvironment = (
  base: Readonly<Record<string, string | undefined>>,
  overrides: Readonly<Record<string, string>> = {},
  inherit: (name: string, env: Readonly<Record<string, string | undefined>>) => boolean = () => true
): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !nestingMarkers.includes(key) && inherit(key, base)) env[key] = value
  }
  return Object.assign(env, overrides)
}
