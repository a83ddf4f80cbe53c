/** Small statistics for the benchmark tables. */
export const median = (xs: ReadonlyArray<number>): number => quantile(xs, 0.5)

export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export const ms = (x: number): string => `${x.toFixed(1)} ms`

export const ratio = (x: number, baseline: number): string => `${(x / baseline).toFixed(3)}×`

/** Prints rows as an aligned table. */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ")
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}

/** Milliseconds since a `process.hrtime.bigint()` reading. */
export const since = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6

/** Runs `task` and answers how long it took (ms) with its value. */
export const timed = async <A>(task: () => Promise<A>): Promise<{ readonly ms: number; readonly value: A }> => {
  const start = process.hrtime.bigint()
  const value = await task()
  return { ms: since(start), value }
}

export const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`

export const count = (n: number): string => n.toLocaleString("en-US")

export const met = (ok: boolean): string => (ok ? "yes" : "NO")

export const mean = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a + b, 0) / xs.length
