/**
 * What `<bin> --version` tells about a CLI, as a report: the version found
 * in its output, or why there is none. Pure: the schema of the report and
 * the parsing of a version command's output.
 *
 * @since 0.1.0
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { Cli } from "../domain/Cli.js"

/** The arguments of every CLI's version command. @since 0.1.0 */
export const VERSION_ARGS: ReadonlyArray<string> = ["--version"]

/**
 * What `<bin> --version` told about one CLI. `command` is the configured
 * binary (a name or a path); `path` what it resolved to.
 *
 * @since 0.1.0
 */
export const VersionReport = Schema.Union(
  Schema.Struct({
    cli: Cli,
    status: Schema.Literal("installed"),
    command: Schema.String,
    path: Schema.String,
    version: Schema.String,
    /** The first line printed, as printed. */
    raw: Schema.String
  }),
  Schema.Struct({
    cli: Cli,
    status: Schema.Literal("not_installed"),
    command: Schema.String,
    message: Schema.String,
    hint: Schema.String
  }),
  Schema.Struct({
    cli: Cli,
    status: Schema.Literal("timed_out"),
    command: Schema.String,
    path: Schema.String,
    timeoutMs: Schema.Number
  }),
  Schema.Struct({
    cli: Cli,
    status: Schema.Literal("exited_non_zero"),
    command: Schema.String,
    path: Schema.String,
    exitCode: Schema.NullOr(Schema.Number),
    signal: Schema.NullOr(Schema.String),
    /** The last line of stderr (else of stdout). */
    message: Schema.String
  }),
  Schema.Struct({
    cli: Cli,
    status: Schema.Literal("unparsable"),
    command: Schema.String,
    path: Schema.String,
    /** The first non-empty line printed (at most 200 characters). */
    raw: Schema.String
  }),
  Schema.Struct({
    cli: Cli,
    status: Schema.Literal("incompatible"),
    command: Schema.String,
    path: Schema.String,
    /** What was found there. */
    found: Schema.String,
    /** What the gateway expects. */
    expected: Schema.String,
    hint: Schema.String
  }),
  Schema.Struct({
    cli: Cli,
    status: Schema.Literal("spawn_failed"),
    command: Schema.String,
    message: Schema.String
  })
)

/** @since 0.1.0 */
export type VersionReport = typeof VersionReport.Type

// A version token: 1.2.3 with an optional pre-release, optionally after a `v`,
// not glued to a word or a longer dotted number on its left.
const VERSION_TOKEN = /(?:^|[^0-9A-Za-z.])v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)/

/**
 * The first semver-looking token of a version command's output, e.g.
 * `2.1.0` of "2.1.0 (Claude Code)", `0.80.0` of "codex-cli 0.80.0".
 *
 * @since 0.1.0
 */
export const parseVersion = (text: string): Option.Option<string> => {
  const match = VERSION_TOKEN.exec(text)
  return match === null ? Option.none() : Option.some(match[1]!)
}

/**
 * The first non-empty line of some output, trimmed, at most 200 characters.
 *
 * @since 0.1.0
 */
export const firstLine = (text: string): string =>
  (text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? "").slice(0, 200)

/**
 * The last non-empty line of some output, trimmed, at most 500 characters.
 *
 * @since 0.1.0
 */
export const lastLine = (text: string): string => {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "")
  return (lines[lines.length - 1] ?? "").slice(0, 500)
}
