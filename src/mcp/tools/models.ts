/**
 * The model tool: `list_models`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { byCli, Cli } from "../../domain/Cli.js"
import { type CliModels, type ModelListing, ModelRegistry } from "../../models/ModelRegistry.js"
import * as Tool from "../Tool.js"

const ModelSource = Schema.Literal("env", "config", "fallback", "observed")

/**
 * The models of one CLI, as `list_models` answers them.
 *
 * @since 0.1.0
 */
export const CliModelsView = Schema.Struct({
  cli: Cli,
  defaultModel: Schema.NullOr(Schema.String).annotations({ description: "Null: the CLI picks its own." }),
  defaultModelSource: Schema.NullOr(Schema.Literal("env", "config")),
  defaultModelOrigin: Schema.NullOr(Schema.String),
  models: Schema.Array(Schema.Struct({
    name: Schema.String,
    description: Schema.NullOr(Schema.String),
    source: ModelSource,
    confidence: Schema.Literal("high", "low"),
    sources: Schema.Array(ModelSource),
    origin: Schema.String,
    isDefault: Schema.Boolean,
    observedCount: Schema.optional(Schema.Number)
  })),
  aliases: Schema.Array(Schema.Struct({ alias: Schema.String, model: Schema.String, origin: Schema.String })),
  warnings: Schema.Array(Schema.String),
  discovery: Schema.optional(Schema.Struct({
    enabled: Schema.Boolean,
    root: Schema.String,
    filesScanned: Schema.Number,
    truncated: Schema.Boolean
  }))
})

/**
 * What `list_models` answers: the listed CLIs by name, and warnings that
 * concern no one CLI.
 *
 * @since 0.1.0
 */
export const ListModelsOutput = Schema.Struct({
  clis: Schema.Struct(byCli(() => Schema.optional(CliModelsView))),
  warnings: Schema.Array(Schema.String)
})

const DESCRIPTION_WIDTH = 60

const clip = (s: string, width: number): string => (s.length > width ? `${s.slice(0, width - 1)}…` : s)

/** A compact table of one CLI's models, its aliases and warnings. */
export const cliTable = (entry: CliModels): string => {
  const lines: Array<string> = []
  const dflt = entry.defaultModel === null
    ? "default: none configured (the CLI picks its own)"
    : `default: ${entry.defaultModel} (${entry.defaultModelSource}, ${entry.defaultModelOrigin})`
  lines.push(`${entry.cli} — ${dflt}`)
  const rows = entry.models.map((m) => [
    `${m.isDefault ? "*" : " "} ${m.name}`,
    m.source,
    m.confidence,
    clip(m.description ?? "", DESCRIPTION_WIDTH)
  ])
  const header = ["  model", "source", "confidence", "description"]
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const render = (cells: ReadonlyArray<string>) =>
    "  " + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd()
  lines.push(render(header), ...rows.map(render))
  if (entry.aliases.length > 0) {
    lines.push(`  aliases: ${entry.aliases.map((a) => `${a.alias} → ${a.model}`).join(", ")}`)
  }
  if (entry.discovery !== undefined) {
    lines.push(
      entry.discovery.enabled
        ? `  history: ${entry.discovery.filesScanned} file(s) scanned under ${entry.discovery.root}` +
          (entry.discovery.truncated ? " (stopped at a bound)" : "")
        : "  history: discovery disabled"
    )
  }
  for (const w of entry.warnings) lines.push(`  warning: ${w}`)
  return lines.join("\n")
}

/** The readable answer of `list_models`. */
export const listingText = (listing: ModelListing): string =>
  [
    ...listing.clis.map(cliTable),
    ...listing.warnings.map((w) => `warning: ${w}`),
    "(* = default; env/config are high confidence, fallback/observed are hints; any model name may be passed.)"
  ].join("\n\n")

/** @since 0.1.0 */
export const listModels = Tool.make({
  name: "list_models",
  description: "Known models, aliases and default of each CLI (or one), with sources. A request's model may be " +
    "any name, an alias, or default/latest for the configured default.",
  input: Schema.Struct({ cli: Schema.optional(Cli) }),
  output: ListModelsOutput,
  annotations: Tool.readOnly("List models"),
  handler: ({ cli }) =>
    Effect.gen(function*() {
      const registry = yield* ModelRegistry
      const listing = yield* registry.list(cli)
      const clis: { -readonly [C in Cli]?: CliModels } = {}
      for (const entry of listing.clis) clis[entry.cli] = entry
      return { text: listingText(listing), structured: { clis, warnings: listing.warnings } }
    })
})

/** @since 0.1.0 */
export const modelTools = [listModels] as const
