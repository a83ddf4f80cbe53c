/**
 * The migrations a database is brought to: the storage layers run the list
 * they are given and know no area's tables. Each area owns its migrations
 * (`jobs/migration.ts`, `sessions/migration.ts`, …); the gateway's list is
 * put together where the layers are composed (`src/migrations.ts`), and a
 * library user's own program may give another.
 *
 * @since 0.1.0
 */
import type * as Migrator from "@effect/sql/Migrator"
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"

/**
 * @since 0.1.0
 * @category tags
 */
export class Migrations extends Context.Tag("llm-cli-gateway/Migrations")<Migrations, Migrator.Loader>() {}

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (loader: Migrator.Loader): Layer.Layer<Migrations> => Layer.succeed(Migrations, loader)
