/**
 * The model resources, as 1.4.0 lists them: `models://claude`,
 * `models://codex`, `models://gemini`, `models://grok`: one CLI's models
 * (name, source, confidence), aliases, default and warnings, as JSON in the
 * shape `list_models` answers.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { allClis } from "../../domain/Cli.js"
import { ModelRegistry } from "../../models/ModelRegistry.js"
import * as Resource from "../Resource.js"

/** `models://{cli}`, one fixed resource per CLI. @since 0.1.0 */
export const modelResources = allClis.map((cli) =>
  Resource.make({
    uri: `models://${cli}`,
    name: `${cli} models`,
    description: `The models ${cli} offers, with their source (env, config, fallback, observed) and confidence, ` +
      `the aliases and the default. The same as list_models with cli "${cli}".`,
    mimeType: "application/json",
    read: Effect.gen(function*() {
      const registry = yield* ModelRegistry
      const listing = yield* registry.list(cli)
      const entry = listing.clis.find((c) => c.cli === cli) ?? null
      return {
        mimeType: "application/json",
        text: JSON.stringify({ ...entry, warnings: [...(entry?.warnings ?? []), ...listing.warnings] }, null, 2)
      }
    })
  })
)
