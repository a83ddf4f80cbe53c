/**
 * What is wrong with a decoded registry, said without quoting it: each
 * problem of a schema decoding as where it is (the JSON path) and what was
 * expected there, with the kind of value found, never the value (the
 * formatters of `ParseResult` quote it, and the registry holds secrets).
 * Pure.
 *
 * @since 0.1.0
 */
import * as AST from "effect/SchemaAST"
import type * as ParseResult from "effect/ParseResult"

/**
 * What kind of JSON value a value is, never the value itself.
 *
 * @since 0.1.0
 */
export const kindOf = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
    ? "an array"
    : typeof value === "object"
    ? "an object"
    : typeof value === "string"
    ? "a string"
    : typeof value === "number"
    ? "a number"
    : typeof value === "boolean"
    ? "a boolean"
    : "nothing"

/** What a schema expects, in words (from the schema: nothing of the file). */
const expected = (ast: AST.AST): string => {
  switch (ast._tag) {
    case "StringKeyword":
      return "a string"
    case "NumberKeyword":
      return "a number"
    case "BooleanKeyword":
      return "a boolean"
    case "TypeLiteral":
      return "an object"
    case "TupleType":
      return "an array"
    case "Literal":
      return JSON.stringify(ast.literal)
    case "Union":
      return ast.types.map(expected).join(" or ")
    case "Refinement":
    case "Transformation":
      return expected(ast._tag === "Refinement" ? ast.from : ast.to)
    default:
      return String(ast)
  }
}

/** The schema's own message for a failed check (ours never quote the value), if it has one. */
const ownMessage = (issue: ParseResult.Refinement): string | undefined => {
  const annotation = AST.getMessageAnnotation(issue.ast)
  if (annotation._tag === "None") return undefined
  const message: unknown = annotation.value(issue)
  return typeof message === "string" ? message : undefined
}

/**
 * Each problem of a decoding: where (the JSON path) and what was expected,
 * with the kind of value found, never the value (the formatters of
 * `ParseResult` quote it: `Expected string, actual "sk-…"`).
 */
const issues = (issue: ParseResult.ParseIssue, path: ReadonlyArray<string>): Array<readonly [ReadonlyArray<string>, string]> => {
  switch (issue._tag) {
    case "Pointer":
      return issues(issue.issue, [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path]).map(String)])
    case "Composite":
      return (Array.isArray(issue.issues) ? issue.issues : [issue.issues]).flatMap((i) => issues(i, path))
    case "Refinement":
      // "From": not even the refined type; "Predicate": the type, failing the check.
      return issue.kind === "From"
        ? issues(issue.issue, path)
        : [[path, ownMessage(issue) ?? `expected ${expected(issue.ast)} that passes its check, got one that does not`]]
    case "Transformation":
      return issues(issue.issue, path)
    case "Missing":
      return [[path, "is missing"]]
    case "Unexpected":
      return [[path, "is not allowed here"]]
    case "Type":
      return [[path, `expected ${expected(issue.ast)}, got ${kindOf(issue.actual)}`]]
    case "Forbidden":
      return [[path, "could not be checked"]]
  }
}

/**
 * Each problem of a failed decoding, in words (`at a.b: …`), its JSON path
 * starting with `prefix`.
 *
 * @since 0.1.0
 */
export const describeIssues = (error: ParseResult.ParseError, prefix: ReadonlyArray<string>): Array<string> =>
  issues(error.issue, prefix).map(([path, message]) => (path.length > 0 ? `at ${path.join(".")}: ` : "") + message)
