/**
 * fast-check arbitraries for tool arguments, built from a tool's
 * inputSchema (as tools/list gives it): valid-ish values (drawn from the
 * schema's patterns, bounds and enums) mixed with hostile ones (leading
 * dashes, NUL, shell metacharacters, `..`, absolute paths, newlines, huge
 * numbers, wrong types, unknown fields).
 *
 * Every generated string carries a marker, so that the argv a fake CLI
 * records can be searched for anything that came from a request: MARK in
 * names, PROMPT_MARK in prompts (which must never reach argv at all).
 */
import { patterns as fieldPatterns } from "../../../src/domain/fields.js"
import fc from "fast-check"

export const MARK = "qz7"
export const PROMPT_MARK = "pq9"

/** Literal hostile values, without a marker (the named cases assert on them one by one). */
export const HOSTILE_LITERALS = [
  "--help",
  "-h",
  "--version",
  "--dangerously-skip-permissions",
  "--yolo",
  "-p",
  "--model",
  "--",
  "-",
  "..",
  "../..",
  "/",
  "/etc/passwd",
  "",
  " ",
  "\u0000"
] as const

const PREFIXES = ["-", "--", "-x=", "../", "/tmp/", "a;", "a && ", "$(", "`", "a|", "a\n", "a\u0000", "a\r\n--", " -", "\u202e", "a b", "*", "~/", "%s", "${HOME}", "'", "\""]

/** A hostile string that carries a marker. */
export const hostileString = (mark: string = MARK): fc.Arbitrary<string> =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...PREFIXES), fc.string({ maxLength: 12 })).map(([p, s]) => `${p}${mark}${s}`),
    fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom(...PREFIXES)).map(([s, p]) => `${s}${p}${mark}`),
    fc.string({ unit: "binary", maxLength: 16 }).map((s) => `${mark}${s}`)
  )

/**
 * The pattern the decoder checks for a field whose listed schema leaves it
 * out (the tool list omits the gateway's own value patterns to save the
 * client's tokens): by the field's name, or an array's items by the array's.
 */
const patternOf = (name: string, _schema: Record<string, any>): string | undefined => {
  if (name === "model") return fieldPatterns.model.source
  if (name === "sessionId") return fieldPatterns.sessionId.source
  if (name === "correlationId") return fieldPatterns.correlationId.source
  if (/Tools$/.test(name)) return fieldPatterns.toolName.source
  return undefined
}

/** A string for a schema: mostly hostile, sometimes valid by its pattern (with the marker where it fits). */
const stringFor = (schema: Record<string, any>, name: string): fc.Arbitrary<unknown> => {
  const mark = name === "prompt" ? PROMPT_MARK : MARK
  const options: Array<fc.Arbitrary<unknown>> = [hostileString(mark), fc.constantFrom(...HOSTILE_LITERALS)]
  if (name === "prompt") {
    options.push(fc.string({ minLength: 1, maxLength: 40 }).map((s) => `${PROMPT_MARK} ${s}`))
    options.push(fc.constantFrom("-", "--", "--help", "-p").map((p) => `${p}${PROMPT_MARK}`))
  } else if (typeof (schema.pattern ?? patternOf(name, schema)) === "string") {
    const pattern: string = schema.pattern ?? patternOf(name, schema)
    let valid: fc.Arbitrary<string> | undefined
    try {
      valid = fc.stringMatching(new RegExp(pattern))
    } catch {
      valid = undefined
    }
    if (valid !== undefined) {
      options.push(valid)
      // Valid and marked, where the pattern allows it (a UUID does not: no filter that could loop forever).
      const re = new RegExp(pattern)
      if (fc.sample(valid, { numRuns: 20, seed: 1 }).some((v) => re.test(`${MARK}${v}`))) {
        options.push(valid.map((v) => (re.test(`${MARK}${v}`) ? `${MARK}${v}` : v)))
      }
    }
  } else {
    options.push(fc.string({ maxLength: 20 }).map((s) => `${MARK}${s}`))
  }
  return fc.oneof(...options)
}

const integerFor = (schema: Record<string, any>): fc.Arbitrary<unknown> => {
  const min = typeof schema.minimum === "number" ? schema.minimum : -1_000_000
  const max = typeof schema.maximum === "number" ? schema.maximum : 1_000_000_000
  return fc.oneof(
    fc.integer({ min, max }),
    fc.constantFrom(min - 1, max + 1, -1, 0, 1e12, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, -(2 ** 31), 1e308),
    fc.double({ noNaN: true }),
    fc.constantFrom("30000", null, true, [], {})
  )
}

const wrongType: fc.Arbitrary<unknown> = fc.constantFrom(null, 0, -1, true, [], {}, "x", [MARK], { [MARK]: 1 })

/** A value for one property of a schema. */
export const valueFor = (schema: Record<string, any>, name: string): fc.Arbitrary<unknown> => {
  if (Array.isArray(schema.anyOf)) return fc.oneof(...schema.anyOf.map((s: Record<string, any>) => valueFor(s, name)))
  if (Array.isArray(schema.enum)) {
    return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...schema.enum) }, { weight: 1, arbitrary: hostileString() }, { weight: 1, arbitrary: wrongType })
  }
  switch (schema.type) {
    case "string":
      return fc.oneof({ weight: 5, arbitrary: stringFor(schema, name) }, { weight: 1, arbitrary: wrongType })
    case "integer":
    case "number":
      return integerFor(schema)
    case "boolean":
      return fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom("true", 1, null) })
    case "array":
      return fc.oneof(
        { weight: 4, arbitrary: fc.array(valueFor(schema.items ?? {}, name), { maxLength: 4 }) },
        { weight: 1, arbitrary: hostileString() },
        { weight: 1, arbitrary: wrongType }
      )
    case "null":
      return fc.constant(null)
    default:
      return wrongType
  }
}

/** Arguments for a tool: some of its properties (the required ones mostly), now and then an unknown field. */
export const argumentsFor = (inputSchema: Record<string, any>): fc.Arbitrary<unknown> => {
  const properties = (inputSchema.properties ?? {}) as Record<string, Record<string, any>>
  const required = new Set<string>(inputSchema.required ?? [])
  const record: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [name, schema] of Object.entries(properties)) record[name] = valueFor(schema, name)
  const object = fc.record(record, { requiredKeys: [] }).chain((args) =>
    fc.tuple(
      fc.constant(args),
      // The required properties are usually present, so that the cases reach past the first check.
      fc.array(fc.constantFrom(...(required.size > 0 ? [...required] : ["-"])), { maxLength: 2 }),
      fc.option(fc.tuple(fc.constantFrom(`${MARK}extra`, "__proto__", "constructor", "-x", "arguments"), wrongType), { freq: 6 })
    ).chain(([base, _drop, extra]) => {
      const filled: Array<[string, fc.Arbitrary<unknown>]> = [...required]
        .filter((k) => !(k in base))
        .map((k) => [k, fc.option(valueFor(properties[k] ?? {}, k), { freq: 8 })])
      return fc.tuple(...filled.map(([, a]) => a)).map((values) => {
        const out: Record<string, unknown> = { ...base }
        filled.forEach(([k], i) => {
          if (values[i] !== null) out[k] = values[i]
        })
        if (extra !== null) Object.defineProperty(out, extra[0], { value: extra[1], enumerable: true, configurable: true, writable: true })
        return out
      })
    })
  )
  // `arguments` that is not an object at all is a named case (the MCP SDK answers it before the gateway sees it).
  return object
}
