/**
 * `llm-cli-gateway config CLIENT [--npx]`: a snippet that adds this server
 * to an MCP client, with this install's real paths. The snippet alone goes
 * to stdout, so it can be piped or pasted as it is; where it goes (and
 * another way to add it) goes to stderr.
 *
 * @since 0.1.0
 */
import { homedir } from "node:os"
import { type Client, isNpxCopy, launchOf, type Place, snippetFor } from "./clients.js"

/**
 * This install, as the snippet names it.
 *
 * @since 0.1.0
 */
export interface Install {
  /** The Node.js that runs this process. */
  readonly execPath: string
  /** The absolute path of the installed launcher (`dist/bin/llm-cli-gateway.js`). */
  readonly launcher: string
}

/**
 * @since 0.1.0
 */
export interface CommandOutput {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
}

/**
 * The output of `config CLIENT`. `npx`: the `npx -y llm-cli-gateway` form
 * even when this copy is installed (for a configuration shared with
 * others, whose paths differ).
 *
 * @since 0.1.0
 */
export const configCommand = (
  client: Client,
  install: Install,
  options: { readonly npx?: boolean | undefined; readonly place?: Place | undefined } = {}
): CommandOutput => {
  const place = options.place ?? { platform: process.platform, home: homedir(), env: process.env }
  const npxCopy = isNpxCopy(install.launcher)
  const launch = launchOf({ ...install, npx: options.npx === true || npxCopy })
  const snippet = snippetFor(client, launch, place)
  const notes = [...snippet.where]
  if (npxCopy && options.npx !== true) {
    notes.push(
      "This runs `npx -y llm-cli-gateway`: the copy you ran is npx's temporary one. For a faster start with fixed paths,",
      "install it (npm install -g llm-cli-gateway) and run `llm-cli-gateway config " + client + "` again."
    )
  }
  const alternative = snippet.alternative === undefined
    ? ""
    : `\n${snippet.alternative.title}:\n${snippet.alternative.text}`
  return { stdout: snippet.text, stderr: `${notes.join("\n")}\n${alternative}`, exitCode: 0 }
}
