/**
 * The failures of `cli_upgrade` (defined in `domain/upgradeErrors`).
 *
 * @since 0.1.0
 */
export { type UpgradeError, UpgradeFailed, UpgradeTargetInvalid, UpgradeTimedOut } from "../domain/upgradeErrors.js"
