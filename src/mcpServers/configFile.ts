/**
 * The per-request `--mcp-config` file: a private folder (mode 0700, see
 * `process/privateFolder`) holding `mcp-config.json` (mode 0600), removed
 * when the scope closes.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { SpawnFailed } from "../domain/errors.js"
import { privateFolder } from "../process/privateFolder.js"
import type { McpConfig } from "./McpServerRegistry.js"

/**
 * The file's name inside its private folder.
 *
 * @since 0.1.0
 */
export const CONFIG_FILE_NAME = "mcp-config.json"

/**
 * Writes `config` to a new private file for one run; the folder and the
 * file are removed when the scope closes, however the run ends.
 *
 * `directory` is the parent the private folder is made in (the gateway's
 * own, `process/privateFolder`, unless given); a server killed mid-run
 * leaves the folder, and the next one removes it.
 *
 * @since 0.1.0
 */
export const writePrivateConfig = (
  config: McpConfig,
  options: { readonly directory?: string | undefined } = {}
) =>
  Effect.flatMap(privateFolder("MCP config file", options.directory), (dir) =>
    Effect.tryPromise({
      try: async () => {
        const path = join(dir, CONFIG_FILE_NAME)
        await writeFile(path, JSON.stringify({ mcpServers: config.mcpServers }, null, 2) + "\n", {
          mode: 0o600,
          flag: "wx"
        })
        return { dir, path }
      },
      catch: (e) =>
        new SpawnFailed({
          message: `could not write the MCP config file: ${e instanceof Error ? e.message : String(e)}`,
          command: "mcp-config-file"
        })
    }))
