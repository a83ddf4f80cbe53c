import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { type ModelConfig, modelConfig } from "../../src/models/config.js"
import * as ModelRegistry from "../../src/models/ModelRegistry.js"

/** The fixtures folder. */
export const FIXTURES = fileURLToPath(new URL("../fixtures/models/", import.meta.url))
export const fixture = (...parts: Array<string>): string => join(FIXTURES, ...parts)

/** A path that does not exist: a config file the user never wrote. */
export const ABSENT = fixture("absent")

/** Gemini session history with observed models. */
export const HISTORY_FIXTURE = fixture("gemini", "history")

/**
 * Every path variable set, to files that do not exist, and HOME pointing at
 * nothing: a test never reads the real home.
 */
export const baseEnv: Readonly<Record<string, string>> = {
  HOME: join(ABSENT, "home"),
  CLAUDE_SETTINGS_PATH: join(ABSENT, "claude-settings.json"),
  CLAUDE_SETTINGS_LOCAL_PATH: join(ABSENT, "claude-settings.local.json"),
  CODEX_CONFIG_PATH: join(ABSENT, "config.toml"),
  GEMINI_SETTINGS_PATH: join(ABSENT, "gemini-settings.json"),
  GEMINI_HISTORY_ROOT: join(ABSENT, "gemini-tmp")
}

/** Reads the model configuration from these variables (over `baseEnv`). */
export const configFrom = (env: Readonly<Record<string, string>>): Effect.Effect<ModelConfig, unknown> =>
  Effect.gen(function*() {
    return yield* modelConfig
  }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ ...baseEnv, ...env })))))

/** A registry configured from these variables (over `baseEnv`). */
export const registryFrom = (env: Readonly<Record<string, string>>) =>
  Effect.map(configFrom(env), (config) => ModelRegistry.make(config))
