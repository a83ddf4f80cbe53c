/**
 * Why a command could not start, as the typed errors CommandRunner fails
 * with: a binary not found or not executable (with a hint to fix it), a
 * working folder that is not one, or a spawn the system refused.
 *
 * @since 0.1.0
 */
import { statSync } from "node:fs"
import { CliNotFound, SpawnFailed } from "../domain/errors.js"
import type { ResolveFailure } from "./resolveBinary.js"

const notFound = (command: string, detail: string, hint: string) =>
  new CliNotFound({ message: `${command}: ${detail}`, command, hint })

/**
 * A command that did not resolve to an executable file.
 *
 * @since 0.1.0
 */
export const unresolved = (command: string, failure: ResolveFailure): CliNotFound => {
  switch (failure._tag) {
    case "NotExecutable":
      return notFound(command, `${failure.path} is not executable`, `Make it executable (chmod +x ${failure.path}).`)
    case "Missing":
      return notFound(
        command,
        command.includes("/") ? "no such file" : "not found on PATH",
        command.includes("/")
          ? "Check the configured binary path."
          : "Is it installed, and on the PATH the server sees (a desktop client's PATH is not your shell's)?"
      )
  }
}

/**
 * Whether a path is an existing folder.
 *
 * @since 0.1.0
 */
export const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/**
 * A run asked for a working folder that does not exist or is not a folder.
 *
 * @since 0.1.0
 */
export const missingCwd = (cwd: string, command: string): SpawnFailed =>
  new SpawnFailed({
    message: `working directory ${cwd} does not exist or is not a folder`,
    command,
    code: "ENOENT"
  })

/**
 * The error of a spawn that threw or emitted `error` before the child ran.
 *
 * @since 0.1.0
 */
export const spawnError = (command: string, e: unknown): CliNotFound | SpawnFailed => {
  const error = e as NodeJS.ErrnoException
  if (error.code === "ENOENT") {
    return notFound(command, "no such file (was it removed?)", "Reinstall the CLI, or fix the path the server is configured with.")
  }
  if (error.code === "EACCES") {
    return notFound(command, "permission denied", `Make it executable (chmod +x ${command}).`)
  }
  return new SpawnFailed({
    message: `could not start ${command}: ${error.message ?? String(e)}`,
    command,
    ...(error.code !== undefined ? { code: error.code } : {})
  })
}
