/**
 * Telling whether a binary is the CLI an adapter speaks to, from what it
 * is made of: the npm package it belongs to, its `--version` line, its
 * help. Pure, but for `packageOf`, which reads package.json files.
 *
 * @since 0.1.0
 */
import { closeSync, openSync, readSync, realpathSync } from "node:fs"
import { dirname, join } from "node:path"
import type { Cli } from "../domain/Cli.js"
import type { CliIdentitySpec } from "../providers/Provider.js"

/**
 * What a binary was found to be.
 *
 * - `Compatible`: the CLI the adapter speaks to (`by` says how it was told).
 * - `Incompatible`: another program, or one without the flags the adapter passes.
 * - `Unknown`: the checks could not tell (a version command that hung or
 *   failed); the binary is used, and checked again next time.
 *
 * @since 0.1.0
 */
export type Identity =
  | { readonly _tag: "Compatible"; readonly path: string; readonly by: "package" | "version" | "help" | "nothing" }
  | { readonly _tag: "Incompatible"; readonly path: string; readonly found: string; readonly expected: string }
  | { readonly _tag: "Unknown"; readonly path: string; readonly reason: string }

/**
 * The npm package a binary belongs to: the first package.json with a name
 * in the folders above its real path (at most six up).
 *
 * @since 0.1.0
 */
export const packageOf = (path: string): { readonly name: string; readonly version: string | undefined } | undefined => {
  let dir: string
  try {
    dir = dirname(realpathSync(path))
  } catch {
    return undefined
  }
  for (let up = 0; up < 6; up++) {
    const manifest = readSmallJson(join(dir, "package.json"))
    if (manifest !== undefined && typeof manifest["name"] === "string") {
      return {
        name: manifest["name"],
        version: typeof manifest["version"] === "string" ? manifest["version"] : undefined
      }
    }
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
  return undefined
}

const MANIFEST_MAX_BYTES = 256 * 1024

/** A JSON object from a regular file of at most 256 KiB, else undefined. */
const readSmallJson = (file: string): Record<string, unknown> | undefined => {
  let fd: number | undefined
  try {
    fd = openSync(file, "r")
    const buffer = Buffer.alloc(MANIFEST_MAX_BYTES + 1)
    const read = readSync(fd, buffer, 0, buffer.length, 0)
    if (read > MANIFEST_MAX_BYTES) return undefined
    const value: unknown = JSON.parse(buffer.subarray(0, read).toString("utf8"))
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * The verdict from the package alone, when the package tells.
 *
 * @since 0.1.0
 */
export const byPackage = (
  spec: CliIdentitySpec,
  path: string,
  pkg: { readonly name: string; readonly version: string | undefined } | undefined
): Identity | undefined => {
  if (pkg === undefined) return undefined
  if (spec.packages.includes(pkg.name)) return { _tag: "Compatible", path, by: "package" }
  const impostor = spec.impostors?.[pkg.name]
  if (impostor === undefined) return undefined
  return {
    _tag: "Incompatible",
    path,
    found: `${pkg.name}${pkg.version !== undefined ? ` ${pkg.version}` : ""}: ${impostor}`,
    expected: spec.install
  }
}

/**
 * The verdict from the `--version` line, when the spec has a pattern for it.
 *
 * @since 0.1.0
 */
export const byVersion = (spec: CliIdentitySpec, path: string, versionOutput: string): Identity | undefined => {
  if (spec.version === undefined) return undefined
  if (spec.version.test(versionOutput)) return { _tag: "Compatible", path, by: "version" }
  return {
    _tag: "Incompatible",
    path,
    found: `a program whose --version prints ${JSON.stringify(firstLineOf(versionOutput))}`,
    expected: spec.install
  }
}

/**
 * The verdict from the help: every marker must be in it.
 *
 * @since 0.1.0
 */
export const byHelp = (
  spec: CliIdentitySpec,
  path: string,
  helpOutput: string,
  versionOutput: string | undefined
): Identity => {
  const markers = spec.help?.markers ?? []
  const missing = markers.filter((m) => !helpOutput.includes(m))
  if (missing.length === 0) return { _tag: "Compatible", path, by: spec.help === undefined ? "nothing" : "help" }
  const version = versionOutput !== undefined && firstLineOf(versionOutput) !== ""
    ? ` (--version prints ${JSON.stringify(firstLineOf(versionOutput))})`
    : ""
  return {
    _tag: "Incompatible",
    path,
    found: `a program${version} whose help does not offer ${missing.join(", ")}`,
    expected: spec.install
  }
}

/**
 * The hint of an incompatible binary.
 *
 * @since 0.1.0
 */
export const incompatibleHint = (cli: Cli, expected: string): string =>
  `Install ${expected}, and put it first on PATH or point LLM_GATEWAY_${cli.toUpperCase()}_BIN at it. ` +
  `If this is the right CLI in an old version, upgrade it by hand (cli_upgrade does not run anything against a binary it cannot identify).`

const firstLineOf = (text: string): string =>
  (text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? "").slice(0, 200)
