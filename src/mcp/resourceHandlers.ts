/**
 * MCP resources on the SDK server: `resources/list` answers the fixed
 * resources, `resources/templates/list` the URI templates, and
 * `resources/read` the first declaration (in the order given) whose URI or
 * template matches.
 *
 * @since 0.1.0
 */
import type { Server } from "@modelcontextprotocol/sdk/server/index.js"
import {
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema
} from "@modelcontextprotocol/sdk/types.js"
import * as Effect from "effect/Effect"
import type { GatewayError } from "../domain/errors.js"
import type { AnyResource, ResourceContents } from "./Resource.js"
import { type RunRequest, toMcpError } from "./mcpErrors.js"

/**
 * The JSON-RPC error code of a URI that names no resource (MCP
 * specification, "Error Handling" of resources).
 *
 * @since 0.1.0
 */
export const RESOURCE_NOT_FOUND = -32002

/**
 * The reading of a URI: the first declaration that matches it, or none.
 *
 * @since 0.1.0
 */
export const resolve = <R>(
  resources: ReadonlyArray<AnyResource<R>>,
  uri: string
): Effect.Effect<ResourceContents, GatewayError, R> | undefined => {
  for (const resource of resources) {
    if (resource._tag === "Resource") {
      if (resource.uri === uri) return resource.read
    } else {
      const variables = resource.match(uri)
      if (variables !== undefined) return resource.read(variables)
    }
  }
  return undefined
}

/**
 * Sets the `resources/*` request handlers.
 *
 * @since 0.1.0
 */
export const install = <R>(server: Server, resources: ReadonlyArray<AnyResource<R>>, run: RunRequest<R>): void => {
  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: resources.flatMap((r) =>
      r._tag === "Resource" ? [{ uri: r.uri, name: r.name, description: r.description, mimeType: r.mimeType }] : []
    )
  }))

  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: resources.flatMap((r) =>
      r._tag === "ResourceTemplate"
        ? [{ uriTemplate: r.uriTemplate, name: r.name, description: r.description, mimeType: r.mimeType }]
        : []
    )
  }))

  server.setRequestHandler(ReadResourceRequestSchema, (request, extra) => {
    const uri = request.params.uri
    const read = resolve(resources, uri)
    if (read === undefined) throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri })
    return run(
      read.pipe(
        Effect.map((contents) => ({ contents: [{ uri, mimeType: contents.mimeType, text: contents.text }] })),
        Effect.mapError((e) => toMcpError(e, RESOURCE_NOT_FOUND))
      ),
      extra.signal
    )
  })
}

/**
 * The same declarations with every read passed through `f` (the gateway
 * uses it to wait for its services before reading).
 *
 * @since 0.1.0
 */
export const mapResources = <R, R2>(
  resources: ReadonlyArray<AnyResource<R>>,
  f: <A>(effect: Effect.Effect<A, GatewayError, R>) => Effect.Effect<A, GatewayError, R2>
): ReadonlyArray<AnyResource<R2>> =>
  resources.map((r): AnyResource<R2> =>
    r._tag === "Resource"
      ? { ...r, read: f(r.read) }
      : { ...r, read: (variables) => f(r.read(variables)) }
  )
