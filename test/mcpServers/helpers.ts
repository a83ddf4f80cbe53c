import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** The fixtures folder. */
export const FIXTURES = fileURLToPath(new URL("../fixtures/mcpServers/", import.meta.url))
export const fixture = (name: string): string => join(FIXTURES, name)

/** The registry fixture, as plain JSON: what the CLI must receive unchanged. */
export const registryJson = (): { readonly mcpServers: Record<string, unknown> } =>
  JSON.parse(readFileSync(fixture("registry.json"), "utf8"))
