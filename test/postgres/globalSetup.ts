/**
 * The PostgreSQL run's global setup: one real server for the whole run
 * (test/support/postgres.ts), its admin URL given to the tests as
 * `LLM_GATEWAY_TEST_POSTGRES_URL` (set here before the workers are forked,
 * which inherit it) and as `inject("postgresUrl")`; stopped at the end, or
 * at the exit of this process if the run ends without its teardown.
 *
 * `LLM_GATEWAY_TEST_POSTGRES_LOG=<file>` keeps the server's log there: each
 * statement that failed, with PostgreSQL's own message (the client's
 * SqlError often says only "Failed to execute statement").
 *
 * When `LLM_GATEWAY_TEST_POSTGRES_URL` is already set (a server of your own,
 * its URL with a user that may CREATE DATABASE), the run uses it and starts
 * none.
 */
import { copyFileSync } from "node:fs"
import { join } from "node:path"
import type { TestProject } from "vitest/node"
import { startPostgres } from "../support/postgres.js"

export const POSTGRES_URL_ENV = "LLM_GATEWAY_TEST_POSTGRES_URL"
/** Where to copy the server's log (every failed statement with its error) at the end, when set. */
export const POSTGRES_LOG_ENV = "LLM_GATEWAY_TEST_POSTGRES_LOG"

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env[POSTGRES_URL_ENV]
  if (given !== undefined && given !== "") {
    process.stderr.write(`[postgres] using the server given by ${POSTGRES_URL_ENV}\n`)
    project.provide("postgresUrl", given)
    return async () => {}
  }
  const began = Date.now()
  const server = await startPostgres()
  process.stderr.write(
    `[postgres] server ${server.adminUrl} (folder ${server.folder}) up in ${((Date.now() - began) / 1000).toFixed(1)} s\n`
  )
  process.env[POSTGRES_URL_ENV] = server.adminUrl
  project.provide("postgresUrl", server.adminUrl)
  const onExit = () => server.stopSync()
  process.on("exit", onExit)
  return async () => {
    process.off("exit", onExit)
    delete process.env[POSTGRES_URL_ENV]
    await server.shutdown().catch(() => undefined)
    const keepLog = process.env[POSTGRES_LOG_ENV]
    if (keepLog !== undefined && keepLog !== "") {
      try {
        copyFileSync(join(server.folder, "server.log"), keepLog)
        process.stderr.write(`[postgres] the server's log is in ${keepLog}\n`)
      } catch (error) {
        process.stderr.write(`[postgres] could not keep the server's log: ${String(error)}\n`)
      }
    }
    await server.stop()
  }
}
