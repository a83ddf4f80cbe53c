/**
 * The little of better-sqlite3 the reliability tests use (the package ships
 * no types): reading the database directly, and holding its write lock
 * from another connection.
 */
import { createRequire } from "node:module"

export interface Statement {
  readonly all: (...params: ReadonlyArray<unknown>) => Array<unknown>
  readonly get: (...params: ReadonlyArray<unknown>) => unknown
}

export interface SqliteDatabase {
  readonly exec: (sql: string) => void
  readonly prepare: (sql: string) => Statement
  readonly pragma: (source: string, options?: { readonly simple?: boolean }) => unknown
  readonly close: () => void
}

const BetterSqlite3 = createRequire(import.meta.url)("better-sqlite3") as new(
  path: string,
  options?: { readonly readonly?: boolean; readonly fileMustExist?: boolean }
) => SqliteDatabase

export const openDatabase = (
  path: string,
  options: { readonly readonly?: boolean; readonly fileMustExist?: boolean } = {}
): SqliteDatabase => new BetterSqlite3(path, options)
