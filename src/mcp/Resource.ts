/**
 * A resource declared once: a fixed URI (`metrics://performance`) or a URI
 * template (`jobs://{id}`), its name, MIME type and a reader Effect. The
 * server lists the fixed ones in `resources/list`, the templates in
 * `resources/templates/list`, and answers `resources/read` from whichever
 * declaration matches the URI.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type { GatewayError } from "../domain/errors.js"

/**
 * What a read gives back: the text and its MIME type.
 *
 * @since 0.1.0
 */
export interface ResourceContents {
  readonly text: string
  readonly mimeType: string
}

/**
 * A resource the client can read.
 *
 * @since 0.1.0
 */
export interface Resource<R> {
  readonly _tag: "Resource"
  readonly uri: string
  readonly name: string
  readonly description: string
  readonly mimeType: string
  readonly read: Effect.Effect<ResourceContents, GatewayError, R>
}

/**
 * A family of resources named by a URI template with one or more
 * `{variable}` parts, each matching one URI segment.
 *
 * @since 0.1.0
 */
export interface ResourceTemplate<R> {
  readonly _tag: "ResourceTemplate"
  readonly uriTemplate: string
  readonly name: string
  readonly description: string
  readonly mimeType: string
  /** The template's variables when `uri` is one of its resources. */
  readonly match: (uri: string) => Readonly<Record<string, string>> | undefined
  readonly read: (variables: Readonly<Record<string, string>>) => Effect.Effect<ResourceContents, GatewayError, R>
}

/**
 * Either kind of resource declaration.
 *
 * @since 0.1.0
 */
export type AnyResource<R> = Resource<R> | ResourceTemplate<R>

/**
 * Declares a resource at a fixed URI.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <R>(definition: Omit<Resource<R>, "_tag">): Resource<R> => ({ _tag: "Resource", ...definition })

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * Declares a family of resources by a URI template (RFC 6570 level 1:
 * `{name}` stands for one segment, without `/`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const template = <R>(definition: Omit<ResourceTemplate<R>, "_tag" | "match">): ResourceTemplate<R> => {
  const names: Array<string> = []
  const source = definition.uriTemplate.split(/(\{[A-Za-z_][A-Za-z0-9_]*\})/).map((part) => {
    if (part.startsWith("{") && part.endsWith("}")) {
      names.push(part.slice(1, -1))
      return "([^/?#]+)"
    }
    return escapeRegExp(part)
  }).join("")
  const pattern = new RegExp(`^${source}$`)
  return {
    _tag: "ResourceTemplate",
    ...definition,
    match: (uri) => {
      const found = pattern.exec(uri)
      if (found === null) return undefined
      const variables: Record<string, string> = {}
      try {
        names.forEach((name, i) => {
          variables[name] = decodeURIComponent(found[i + 1]!)
        })
      } catch {
        return undefined // a malformed %-escape names no resource
      }
      return variables
    }
  }
}
