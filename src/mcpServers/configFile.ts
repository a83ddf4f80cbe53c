/**
 * The per-request `--mcp-config` file: a private folder (mode 0700) holding
 * `mcp-config.json` (mode 0600), removed when the scope closes.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SpawnFailed } from "../domain/errors.js"
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
 * `directory` is where the private folder is made (the system's temporary
 * folder unless given).
 *
 * @since 0.1.0
 */
export const writePrivateConfig = (
  config: McpConfig,
  options: { readonly directory?: string | undefined } = {}
) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const dir = await mkdtemp(join(options.directory ?? tmpdir(), "llm-cli-gateway-mcp-"))
        const path = join(dir, CONFIG_FILE_NAME)
        try {
          await writeFile(path, JSON.stringify({ mcpServers: config.mcpServers }, null, 2) + "\n", {
            mode: 0o600,
            flag: "wx"
          })
        } catch (e) {
          await rm(dir, { recursive: true, force: true })
          throw e
        }
        return { dir, path }
      },
      catch: (e) =>
        new SpawnFailed({
          message: `could not write the MCP config file: ${e instanceof Error ? e.message : String(e)}`,
          command: "mcp-config-file"
        })
    }),
    ({ dir }) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
  )
