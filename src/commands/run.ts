/**
 * Running the commands other than serving as the binary does: their
 * output written (stdout flushed before the process exits), then the exit
 * code. Loaded only when such a command is asked for.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import { USAGE, USAGE_EXIT_CODE } from "./args.js"
import type { Client } from "./clients.js"
import { configCommand, type Install, type RemoteRequest } from "./config.js"
import { doctor } from "./doctor.js"
import { parseTokenArgs, runTokenCommand } from "./token.js"

const write = (stream: NodeJS.WriteStream, text: string): Effect.Effect<void> =>
  text === "" ? Effect.void : Effect.async<void>((resume) => {
    stream.write(text, () => resume(Effect.void))
  })

const runToExit = (program: Effect.Effect<number>): void =>
  NodeRuntime.runMain(program, {
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit) => {
      // The teardown is generic in the value: the program's is its exit code.
      process.exit(Exit.isSuccess(exit) && typeof exit.value === "number" ? exit.value : 1)
    }
  })

/**
 * `doctor` and `doctor --json`.
 *
 * @since 0.1.0
 */
export const runDoctor = (json: boolean): void =>
  runToExit(Effect.flatMap(doctor({ json }), ({ exitCode, output }) => Effect.as(write(process.stdout, output), exitCode)))

/**
 * `config CLIENT [--npx | --http [[HOST:]PORT] | --url URL]`.
 *
 * @since 0.1.0
 */
export const runConfig = (client: Client, npx: boolean, install: Install, remote?: RemoteRequest): void => {
  const out = configCommand(client, install, { npx, remote })
  runToExit(Effect.zipRight(write(process.stdout, out.stdout), Effect.as(write(process.stderr, out.stderr), out.exitCode)))
}

/**
 * `token add NAME [--replace]`, `token list`, `token remove NAME`: a usage
 * error exits with 2, like the other commands' (see `args.ts`).
 *
 * @since 0.1.0
 */
export const runToken = (args: ReadonlyArray<string>): void => {
  const action = parseTokenArgs(args)
  if (Either.isLeft(action)) {
    process.stderr.write(`llm-cli-gateway: token: ${action.left}\n\n${USAGE}`)
    process.exit(USAGE_EXIT_CODE)
  }
  runToExit(Effect.flatMap(runTokenCommand(action.right), (out) =>
    Effect.zipRight(write(process.stdout, out.stdout), Effect.as(write(process.stderr, out.stderr), out.exitCode))))
}
