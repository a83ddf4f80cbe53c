/**
 * The gateway's version, as `package.json` has it (a test keeps them equal).
 *
 * @since 0.1.0
 */
export const VERSION = "0.1.0"
