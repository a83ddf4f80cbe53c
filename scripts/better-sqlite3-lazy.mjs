// Stands in for `better-sqlite3` where @effect/sql-sqlite-node imports it in the bundled binary.
// A static import loads the native addon (about 8 ms here) before the first line of the server
// runs; the database is opened only after the client's `initialize` has been answered. This
// constructor loads the real module the first time a database is opened.
import { createRequire } from "node:module"

const load = createRequire(import.meta.url)
let Database

export default function LazyDatabase(filename, options) {
  Database ??= load("better-sqlite3")
  return new Database(filename, options)
}
