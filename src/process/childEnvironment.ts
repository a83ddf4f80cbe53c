/**
 * The environment a CLI is started with.
 *
 * A coding-agent CLI is started with the variables it and the tools it runs
 * need (the system's, its provider's credentials and settings, proxies and
 * certificates, git and ssh) and nothing else the gateway was given: the
 * gateway's own `LLM_GATEWAY_*` settings and whatever unrelated variables
 * the MCP client passed stay with the gateway. `LLM_GATEWAY_CHILD_ENV` adds
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
 * What a CLI started for a request receives from the gateway's environment:
 * names, and prefixes ending in `*`.
 *
 * @since 0.1.0
 */
export const cliVariables: ReadonlyArray<string> = [
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
  "CONDA_PREFIX", "GEM_HOME", "GEM_PATH", "DOTNET_ROOT", "ANDROID_HOME",
  // claude (Anthropic, or Bedrock / Vertex AI)
  "ANTHROPIC_*", "CLAUDE_*", "DISABLE_*", "MCP_*", "BASH_*", "MAX_THINKING_TOKENS",
  "AWS_*", "CLOUD_ML_REGION", "VERTEX_*",
  // codex
  "OPENAI_*", "CODEX_*", "AZURE_OPENAI_*",
  // gemini
  "GEMINI_*", "GOOGLE_*", "CLOUDSDK_*",
  // grok
  "XAI_*", "GROK_*"
]

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
 * Which inherited variables a CLI run for a request gets: `cliVariables` and
 * the configured extras; never the gateway's own settings.
 *
 * @since 0.1.0
 */
export const cliInheritance = (extra: ReadonlyArray<string> = []): (name: string) => boolean => {
  const listed = matcher([...cliVariables, ...extra])
  const everything = extra.includes("*")
  return (name) => listed(name) && (everything || !name.startsWith("LLM_GATEWAY_"))
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
  inherit: (name: string) => boolean = () => true
): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !nestingMarkers.includes(key) && inherit(key)) env[key] = value
  }
  return Object.assign(env, overrides)
}
