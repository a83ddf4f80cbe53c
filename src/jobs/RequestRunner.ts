/**
 * Runs one request to its end: the adapter's plan, the CLI's process, the
 * adapter's parse or classification. This is the body of every job; the
 * fiber that runs it owns the CLI. Every failure it answers has its secrets
 * redacted (`observability/redactError`): a CLI's stderr and stdout reach
 * the errors built from them, and those reach answers, job rows, the flight
 * recorder and logs.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { randomUUID } from "node:crypto"
import { writeFile } from "node:fs/promises"
import { join } from "node:path"
import { GatewayConfig } from "../Config.js"
import { installHint } from "../agents/facts.js"
import { byCli, type Cli } from "../domain/Cli.js"
import {
  type CircuitOpen,
  type CliFailure,
  type CliIncompatible,
  CliNotFound,
  IdleTimeout,
  type InvalidRequest,
  RunTimedOut,
  SpawnFailed
} from "../domain/errors.js"
import * as Duration from "effect/Duration"
import { CliIdentity } from "../cli/CliIdentity.js"
import * as NetworkWatch from "./networkWatch.js"
import type { Usage } from "../domain/Usage.js"
import { type CommandResult, CommandRunner, type OutputChunk } from "../process/CommandRunner.js"
import { writePrivateConfig } from "../mcpServers/configFile.js"
import type { McpConfig } from "../mcpServers/McpServerRegistry.js"
import type { Invocation, PlanContext } from "../providers/Provider.js"
import { cliInheritance } from "../process/childEnvironment.js"
import { privateFolder } from "../process/privateFolder.js"
import { checkRequest } from "../providers/checkRequest.js"
import { JsonLineCollector } from "../providers/JsonLineCollector.js"
import { redactError } from "../observability/redactError.js"
import { Providers, type RequestOf } from "../providers/Providers.js"
import { logSaving, optimizeRequestPrompt } from "../optimizer/request.js"
import { CircuitBreaker } from "../resilience/CircuitBreaker.js"
import * as Resilience from "../resilience/Resilience.js"
import type { RetryInfo } from "../resilience/Retry.js"

/**
 * A request's answer, with what is known about the run.
 *
 * @since 0.1.0
 */
export interface RequestOutcome {
  readonly cli: Cli
  /** The reply, in the caller's output format. */
  readonly text: string
  readonly model: string | undefined
  /** The CLI's own session id, to continue the conversation. */
  readonly sessionId: string | undefined
  readonly correlationId: string
  readonly durationMs: number
  readonly exitCode: number
  readonly usage: Usage | undefined
  readonly costUsd: number | undefined
  /** True when output past the byte cap was dropped. */
  readonly outputTruncated: boolean
}

/**
 * @since 0.1.0
 */
export interface RunOptions {
  readonly onOutput?: ((chunk: OutputChunk) => Effect.Effect<void>) | undefined
  readonly onSpawn?: ((pid: number, command: string) => Effect.Effect<void>) | undefined
  /** Told before a transient failure is retried (a marker line also goes to `onOutput`). */
  readonly onRetry?: ((info: RetryInfo) => Effect.Effect<void>) | undefined
}

/**
 * @since 0.1.0
 */
export interface PlanOptions {
  /** The working folder (default: the server's). */
  readonly cwd?: string | undefined
  /** The approval step's verdict on bypass flags (default: as the `legacy` strategy allows). */
  readonly context?: PlanContext | undefined
  /** The trace id, when the caller already chose it (default: the request's, or a new one). */
  readonly correlationId?: string | undefined
}

/**
 * A request checked and planned, not yet run.
 *
 * @since 0.1.0
 */
export interface PlannedRequest {
  readonly cli: Cli
  readonly invocation: Invocation
  readonly correlationId: string
  readonly cwd: string
  /** The binary as configured (a name on PATH or a path). */
  readonly binary: string
  readonly idleTimeoutMs: number | undefined
  /** The bound of the whole run, all attempts included (ms). */
  readonly maxRunMs: number
}

/**
 * What running a planned request can fail with, and nothing else: the
 * binary missing or not the CLI, the spawn, silence past the idle window,
 * the CLI's own failures, the circuit open, the whole run past its bound.
 *
 * @since 0.1.0
 */
export type RunError =
  | CliNotFound
  | CliIncompatible
  | SpawnFailed
  | IdleTimeout
  | CliFailure
  | CircuitOpen
  | RunTimedOut

/**
 * @since 0.1.0
 */
export interface RequestRunnerShape {
  /** Checks a request and plans its run, without starting anything. */
  readonly plan: <C extends Cli>(
    cli: C,
    request: RequestOf[C],
    options?: PlanOptions
  ) => Effect.Effect<PlannedRequest, InvalidRequest>
  /** Runs a planned request to its end. */
  readonly execute: (planned: PlannedRequest, options?: RunOptions) => Effect.Effect<RequestOutcome, RunError>
  /** `plan` then `execute`. */
  readonly run: <C extends Cli>(
    cli: C,
    request: RequestOf[C],
    options?: RunOptions & PlanOptions
  ) => Effect.Effect<RequestOutcome, InvalidRequest | RunError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class RequestRunner extends Context.Tag("llm-cli-gateway/RequestRunner")<RequestRunner, RequestRunnerShape>() {}

/**
 * The prompt in a private file (mode 0600) of a private folder (see
 * `process/privateFolder`), removed when the run ends.
 */
const promptFile = (text: string) =>
  Effect.flatMap(privateFolder("prompt file"), (dir) =>
    Effect.tryPromise({
      try: async () => {
        const path = join(dir, "prompt.txt")
        await writeFile(path, text, { mode: 0o600, flag: "wx" })
        return { dir, path }
      },
      catch: (e) =>
        new SpawnFailed({ message: `could not write the prompt file: ${String(e)}`, command: "prompt-file" })
    }))

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<
  RequestRunnerShape,
  never,
  GatewayConfig | CommandRunner | Providers | CliIdentity | CircuitBreaker
> = Effect.gen(
  function*() {
    const config = yield* GatewayConfig
    const runner = yield* CommandRunner
    const providers = yield* Providers
    const identity = yield* CliIdentity
    // Required: an app that wants no breaking provides `CircuitBreaker.layerDisabled`.
    const breaker = yield* CircuitBreaker
    // What each CLI inherits of the gateway's environment: the shared variables, its own vendor's, and
    // LLM_GATEWAY_CHILD_ENV's (src/process/childEnvironment.ts).
    const inheritEnvOf = byCli((cli) => cliInheritance(providers[cli].environment, config.childEnv))

    const plan = <C extends Cli>(
      cli: C,
      request: RequestOf[C],
      options: PlanOptions = {}
    ): Effect.Effect<PlannedRequest, InvalidRequest> => {
      const optimized = optimizeRequestPrompt(request)
      const planned = Effect.zipRight(
        checkRequest(cli, optimized.request),
        providers[cli].plan(optimized.request, options.context)
      )
      return Effect.map(planned, (invocation) => ({
        cli,
        invocation,
        correlationId: options.correlationId ?? request.correlationId ?? randomUUID(),
        cwd: options.cwd ?? process.cwd(),
        binary: config.binaries[cli],
        idleTimeoutMs: request.idleTimeoutMs,
        maxRunMs: request.maxRunMs ?? config.maxRunMs
      })).pipe(Effect.tap(() => logSaving("prompt", optimized.saving)))
    }

    // The binary checked once (is it the CLI?), then each attempt through the CLI's breaker; transient
    // failures retried (each retry re-spawns the CLI); the whole run bounded by maxRunMs.
    const execute = (planned: PlannedRequest, options: RunOptions = {}) =>
      Effect.zipRight(
        identity.check(planned.cli).pipe(Effect.catchTag("CliNotFound", (e) => Effect.fail(notFound(planned.cli, e)))),
        // Each attempt's failure redacted before the retry hook and the breaker see it.
        Resilience.protect(planned.cli, Effect.mapError(attempt(planned, options), redactError), {
          policy: config.retry,
          breaker,
          onRetry: Resilience.reportRetry(options)
        })
      ).pipe(
        Effect.timeoutFail({
          duration: Duration.millis(planned.maxRunMs),
          onTimeout: () =>
            new RunTimedOut({
              cli: planned.cli,
              maxRunMs: planned.maxRunMs,
              message: `${planned.cli} ran for ${planned.maxRunMs} ms (its maximum run time, retries included) and was stopped`,
              hint: "Give the request more time with maxRunMs (up to 86,400,000), or raise LLM_GATEWAY_MAX_RUN_MS."
            })
        }),
        Effect.mapError(redactError),
        Effect.annotateLogs({ cli: planned.cli, correlationId: planned.correlationId })
      )

    const notFound = (cli: Cli, e: CliNotFound) =>
      new CliNotFound({
        message: `${cli} CLI not available: ${e.message}`,
        command: e.command,
        cli,
        hint: `${e.hint} ${installHint(cli)}`
      })

    // Its log lines carry the CLI and the correlation id: `execute`, which runs each attempt, annotates them.
    const attempt = (planned: PlannedRequest, options: RunOptions) =>
      Effect.scoped(Effect.gen(function*() {
        const { cli, cwd, invocation } = planned
        const provider = providers[cli]
        const args = [...invocation.args]
        let stdin: string | undefined
        if (invocation.mcpConfig !== undefined) {
          const file = yield* writePrivateConfig(invocation.mcpConfig.config as McpConfig)
          args.push(invocation.mcpConfig.flag, `${invocation.mcpConfig.pathPrefix ?? ""}${file.path}`)
        }
        if (invocation.prompt._tag === "Stdin") {
          stdin = invocation.prompt.text
        } else {
          const file = yield* promptFile(invocation.prompt.text)
          args.push(invocation.prompt.flag, file.path)
        }
        // An event stream the reply is rendered from is read as it arrives; the raw text is not kept.
        const lines = invocation.readsEventsOnly === true ? new JsonLineCollector(config.maxOutputBytes) : undefined
        // A CLI that keeps saying it cannot reach its service fails after networkFailAfterMs.
        const watch = provider.watch === undefined
          ? undefined
          : yield* NetworkWatch.make(cli, provider.watch, config.networkFailAfterMs)
        const onOutput = lines === undefined && watch === undefined ? options.onOutput : (chunk: OutputChunk) =>
          Effect.suspend(() => {
            if (lines !== undefined && chunk.stream === "stdout") lines.push(chunk.data)
            watch?.observe(chunk)
            return options.onOutput === undefined ? Effect.void : options.onOutput(chunk)
          })
        const run = runner.exec({
          command: planned.binary,
          args,
          cwd,
          env: invocation.env,
          inheritEnv: inheritEnvOf[cli],
          stdin,
          idleTimeoutMs: planned.idleTimeoutMs,
          keepStdout: lines === undefined,
          onOutput,
          onSpawn: options.onSpawn
        })
        const result: CommandResult = yield* (watch === undefined ? run : Effect.raceFirst(run, watch.expire)).pipe(
          Effect.catchTags({
            CliNotFound: (e) => Effect.fail(notFound(cli, e)),
            IdleTimeout: (e) =>
              Effect.fail(
                new IdleTimeout({
                  command: e.command,
                  idleTimeoutMs: e.idleTimeoutMs,
                  cli,
                  message: `${cli} printed nothing for ${e.idleTimeoutMs} ms and was stopped; raise idleTimeoutMs for long silent work`
                })
              )
          })
        )
        const events = lines?.end()
        const stdoutTruncated = lines === undefined ? result.stdoutTruncated : lines.truncated
        const stdout = lines !== undefined || result.stdoutTruncated ? result.stdoutTail : result.stdout
        if (result.exitCode !== 0) {
          return yield* Effect.fail(provider.classify({
            exitCode: result.exitCode,
            signal: result.signal,
            stdout,
            events,
            stderr: result.stderrTruncated ? result.stderrTail : result.stderr,
            stdoutTruncated,
            command: result.command,
            model: invocation.model,
            cwd,
            sessionId: invocation.sessionId
          }))
        }
        const reply = yield* provider.parse(invocation, {
          stdout: lines === undefined ? result.stdout : result.stdoutTail,
          events,
          stderr: result.stderr,
          stdoutTruncated
        })
        return {
          cli,
          text: reply.text,
          model: reply.model ?? invocation.model,
          sessionId: reply.sessionId,
          correlationId: planned.correlationId,
          durationMs: result.durationMs,
          exitCode: 0,
          usage: reply.usage,
          costUsd: reply.costUsd,
          outputTruncated: stdoutTruncated
        } satisfies RequestOutcome
      }))

    const run = <C extends Cli>(
      cli: C,
      request: RequestOf[C],
      options: RunOptions & PlanOptions = {}
    ) => Effect.flatMap(plan(cli, request, options), (planned) => execute(planned, options))

    return { plan, execute, run }
  }
)

/**
 * The runner. Each attempt goes through the CLI's circuit breaker: provide
 * `CircuitBreaker.layer` (as configured), `CircuitBreaker.layerTest`, or
 * `CircuitBreaker.layerDisabled` for none.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<
  RequestRunner,
  never,
  GatewayConfig | CommandRunner | Providers | CliIdentity | CircuitBreaker
> = Layer.effect(RequestRunner, make)
