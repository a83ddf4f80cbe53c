/**
 * Imported first by the binary's launcher (`bin.ts`), so that the V8 heap
 * mode is set before the server is compiled and evaluated (see
 * `heapMode.ts`), and by `main.ts` for a server started without it.
 *
 * @since 0.1.0
 */
import { applyHeapMode, chooseHeapMode } from "./heapMode.js"

applyHeapMode(chooseHeapMode(process.env, process.execArgv))
