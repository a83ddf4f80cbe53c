/**
 * A PostgreSQL URL as messages show it: its password hidden. Pure, and
 * free of the PostgreSQL client, so logs and the doctor can use it.
 *
 * @since 0.1.0
 */

/**
 * The URL with its password (and any `password` parameter) replaced by `***`.
 *
 * @since 0.1.0
 */
export const describeUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    if (parsed.searchParams.has("password")) parsed.searchParams.set("password", "***")
    return parsed.toString()
  } catch {
    return "(a database URL that does not parse)"
  }
}
