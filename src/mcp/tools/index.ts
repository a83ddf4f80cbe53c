/**
 * Every tool the server lists.
 *
 * @since 0.1.0
 */
import { requestTools } from "./requests.js"

/** @since 0.1.0 */
export const tools = [...requestTools]
