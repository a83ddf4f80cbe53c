/**
 * What the gateway knows of one coding-agent CLI, in one place per CLI
 * (`src/agents/<cli>/`):
 *
 * - `facts.ts`: plain data (names, hints, how it upgrades, the models it
 *   knows without being told), which any module may read through
 *   `agents/facts`;
 * - `request.ts`: its request tools' parameters;
 * - `adapter.ts`: its argv plan, output parser and failure classifier;
 * - `agent.ts`: all of it together, with what its request asks for
 *   approval, registered in `agents/registry`.
 *
 * @since 0.1.0
 */
import type * as Schema from "effect/Schema"
import type { Ask } from "../approvals/askRules.js"
import type { ConfigFacts } from "../models/discovery.js"
import type { ModelPaths } from "../models/config.js"
import type { Provider } from "../providers/Provider.js"

/**
 * A model the gateway knows of without being told (`source: "fallback"` in
 * `list_models`): a hint, never a default, never checked against.
 *
 * @since 0.1.0
 */
export interface FallbackModel {
  readonly name: string
  readonly description: string
}

/**
 * How a CLI upgrades to a target (a plain version or a dist-tag, already
 * checked): with its own command (`args` after its binary), or with a
 * global npm install of its package.
 *
 * @since 0.1.0
 */
export type UpgradeStep =
  | { readonly _tag: "Self"; readonly strategy: "self-update" | "self-install"; readonly args: ReadonlyArray<string> }
  | { readonly _tag: "Npm"; readonly package: string }

/**
 * A variable that lets a CLI authenticate: a secret (any non-empty value)
 * or a switch to another provider (a true-ish value).
 *
 * @since 0.1.0
 */
export interface SignInVariable {
  readonly name: string
  readonly kind: "secret" | "switch"
}

/** A secret variable. @since 0.1.0 */
export const secret = (name: string): SignInVariable => ({ name, kind: "secret" })

/** A switch to another provider. @since 0.1.0 */
export const toggle = (name: string): SignInVariable => ({ name, kind: "switch" })

/**
 * A file where the CLI keeps its sign-in, in its own folder: `folder` under
 * the home folder, or the folder a variable names when it is set.
 *
 * @since 0.1.0
 */
export interface SignInFile {
  readonly folder: string
  readonly folderVariable?: string | undefined
  readonly file: string
}

/**
 * Where a CLI's sign-in shows, for `doctor` (which never reads a value).
 *
 * @since 0.1.0
 */
export interface SignIn {
  readonly variables: ReadonlyArray<SignInVariable>
  readonly files: ReadonlyArray<SignInFile>
  /** Platforms where the CLI may keep its sign-in where no file shows it (a keychain). */
  readonly elsewhere?: { readonly platforms: ReadonlyArray<NodeJS.Platform>; readonly place: string } | undefined
}

/**
 * The plain facts of a CLI.
 *
 * @since 0.1.0
 */
export interface AgentFacts {
  /** The product's name ("Claude Code"). */
  readonly label: string
  /** How to install it, in words a user can run. */
  readonly install: string
  /** How to sign in to it, in words a user can run. */
  readonly login: string
  /** The variables or settings that point it at another endpoint (for network hints). */
  readonly endpointSettings: string
  /** The npm package it installs from, when it does. */
  readonly npmPackage?: string | undefined
  /**
   * Whether it takes the request's `mcpServers` (resolved against the user's
   * registry, handed to the adapter in its plan context).
   */
  readonly takesMcpServers: boolean
  /** How `cli_upgrade` upgrades it to `target`. */
  readonly upgrade: (target: string) => UpgradeStep
  /** The models it knows without being told, its own default first. */
  readonly fallbackModels: ReadonlyArray<FallbackModel>
  /** Where its sign-in shows. */
  readonly signIn: SignIn
}

/**
 * Options every adapter is built with (from the gateway's configuration).
 *
 * @since 0.1.0
 */
export interface AdapterOptions {
  /** Tell CLIs that ask for workspace trust that the working folder is trusted. */
  readonly trustWorkspace: boolean
}

/**
 * Everything about one CLI.
 *
 * @since 0.1.0
 */
export interface Agent<C extends string, Request, SyncRequest = Request> extends AgentFacts {
  readonly cli: C
  /** The first sentence of its request tools' descriptions. */
  readonly summary: string
  /**
   * `<cli>_request`'s parameters. (The encoded side is each CLI's own shape;
   * `Schema` is invariant in it, so it is left open here.)
   */
  readonly request: Schema.Schema<SyncRequest, any>
  /** `<cli>_request_async`'s parameters (what the adapter plans from). */
  readonly asyncRequest: Schema.Schema<Request, any>
  readonly adapter: (options: AdapterOptions) => Provider<Request>
  /** What a request asks its CLI to do without asking a human (for approvals). */
  readonly asks: (request: Request) => ReadonlyArray<Ask>
  /** The request fields an approval record keeps, beyond the common ones. */
  readonly approvalFields: ReadonlyArray<keyof Request & string>
  /** What the CLI's own configuration files say of models, when the gateway reads them. */
  readonly readModelConfig?: ((paths: ModelPaths) => ConfigFacts) | undefined
}
