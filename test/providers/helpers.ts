/**
 * What the adapter tests share: a failed run to classify, and parsing that
 * expects a reply or a failure.
 */
import * as Either from "effect/Either"
import type { CliFailure } from "../../src/domain/errors.js"
import type { FailedRun, Invocation, Provider, RawOutput, Reply } from "../../src/providers/Provider.js"

/** A run that exited 1 with nothing printed, overridden by `fields`. */
export const failedRunOf = (command: string, fields: Partial<FailedRun>): FailedRun => ({
  stdout: "",
  stderr: "",
  stdoutTruncated: false,
  exitCode: 1,
  signal: null,
  command,
  model: undefined,
  cwd: "/work/project",
  ...fields
})

/** The reply the adapter parses from the output; throws on a failure. */
export const parsedWith = <R>(provider: Provider<R>, inv: Invocation, out: RawOutput): Reply => {
  const result = provider.parse(inv, out)
  if (Either.isLeft(result)) throw new Error(`expected a reply, got ${result.left._tag}: ${result.left.message}`)
  return result.right
}

/** The failure the adapter finds in the output; throws on a reply. */
export const failureWith = <R>(provider: Provider<R>, inv: Invocation, out: RawOutput): CliFailure => {
  const result = provider.parse(inv, out)
  if (Either.isRight(result)) throw new Error(`expected a failure, got reply ${JSON.stringify(result.right.text)}`)
  return result.left
}
