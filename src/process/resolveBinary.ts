/**
 * Finds the absolute path of an executable: a path is checked as it is, a
 * bare name is looked up on PATH.
 *
 * @since 0.1.0
 */
import { accessSync, constants, statSync } from "node:fs"
import { delimiter, isAbsolute, join, resolve } from "node:path"

/**
 * Why a binary could not be used.
 *
 * @since 0.1.0
 */
export type ResolveFailure =
  | { readonly _tag: "Missing"; readonly searched: ReadonlyArray<string> }
  | { readonly _tag: "NotExecutable"; readonly path: string }

const check = (path: string): "ok" | "missing" | "not-executable" => {
  try {
    if (!statSync(path).isFile()) return "missing"
  } catch {
    return "missing"
  }
  try {
    accessSync(path, constants.X_OK)
    return "ok"
  } catch {
    return "not-executable"
  }
}

/**
 * @since 0.1.0
 */
export const resolveBinary = (
  command: string,
  pathVariable: string | undefined,
  cwd: string = process.cwd()
): { readonly _tag: "Found"; readonly path: string } | ResolveFailure => {
  if (command.includes("/")) {
    const path = isAbsolute(command) ? command : resolve(cwd, command)
    const state = check(path)
    if (state === "ok") return { _tag: "Found", path }
    return state === "missing" ? { _tag: "Missing", searched: [path] } : { _tag: "NotExecutable", path }
  }
  const dirs = (pathVariable ?? "").split(delimiter).filter((d) => d !== "")
  let notExecutable: string | undefined
  for (const dir of dirs) {
    const path = resolve(cwd, join(dir, command))
    const state = check(path)
    if (state === "ok") return { _tag: "Found", path }
    if (state === "not-executable" && notExecutable === undefined) notExecutable = path
  }
  return notExecutable !== undefined
    ? { _tag: "NotExecutable", path: notExecutable }
    : { _tag: "Missing", searched: dirs }
}
