/**
 * Every resource the server lists. Order matters: `resources/read` answers
 * from the first declaration that matches a URI.
 *
 * @since 0.1.0
 */
import type { AnyResource } from "../Resource.js"
import type { ToolServices } from "../tools/index.js"
import { jobResources } from "./jobs.js"
import { metricsResources } from "./metrics.js"
import { modelResources } from "./models.js"
import { sessionResources } from "./sessions.js"
import { skillResources } from "./skills.js"

/** @since 0.1.0 */
export const resources: ReadonlyArray<AnyResource<ToolServices>> = [
  ...jobResources,
  ...sessionResources,
  ...modelResources,
  ...metricsResources,
  ...skillResources
]
