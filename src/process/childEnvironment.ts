/**
 * The environment a CLI is started with: the gateway's own, less the
 * markers that make a CLI believe it runs nested inside another agent, plus
 * what the adapter asks for.
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
 * @since 0.1.0
 */
export const childEnvironment = (
  base: Readonly<Record<string, string | undefined>>,
  overrides: Readonly<Record<string, string>> = {}
): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !nestingMarkers.includes(key)) env[key] = value
  }
  return Object.assign(env, overrides)
}
