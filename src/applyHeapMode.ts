/**
 * Imported first by the binary (`main.ts`), so that its V8 heap mode is set
 * before the rest of the program is evaluated (see `heapMode.ts`).
 *
 * @since 0.1.0
 */
import { applyHeapMode, chooseHeapMode } from "./heapMode.js"

applyHeapMode(chooseHeapMode(process.env, process.execArgv))
