/**
 * The test kit of llm-cli-gateway (`llm-cli-gateway/testing`): what each
 * CLI prints for a success and for its common failures, as the gateway
 * runs it, and a scripted `CommandRunner` that plays such runs, so that an
 * application built on the gateway's layers can be tested without any CLI
 * installed. The gateway's own tests use the same kit.
 *
 * Not exported from the main entry: importing the library never loads it.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * from "./CliRun.js"
/** @since 0.1.0 */
export * as ScriptedRunner from "./ScriptedRunner.js"
/** @since 0.1.0 */
export * as Claude from "./claude.js"
/** @since 0.1.0 */
export * as Codex from "./codex.js"
/** @since 0.1.0 */
export * as Gemini from "./gemini.js"
/** @since 0.1.0 */
export * as Grok from "./grok.js"
/** @since 0.1.0 */
export * as Qwen from "./qwen.js"
/** @since 0.1.0 */
export * as Copilot from "./copilot.js"
/** @since 0.1.0 */
export * as Opencode from "./opencode.js"
