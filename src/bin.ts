#!/usr/bin/env node
/**
 * The `llm-cli-gateway` binary: sets the V8 heap mode, then runs the bundled
 * server (`gateway.cjs`, built from `main.ts`) through V8's code cache
 * (`compileCache.ts`).
 *
 * @since 0.1.0
 */
// First: the V8 heap mode must be set before the rest of the program is compiled and evaluated.
import "./applyHeapMode.js"
import { fileURLToPath } from "node:url"
import { cacheFolder, runCached } from "./compileCache.js"

runCached(fileURLToPath(new URL("./gateway.cjs", import.meta.url)), cacheFolder(process.env))
