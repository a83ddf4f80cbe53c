/**
 * The typed failure of an approval (defined with every other error in
 * `domain/errors`).
 *
 * @since 0.1.0
 */
export { ApprovalDenied } from "../domain/errors.js"
