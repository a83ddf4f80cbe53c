/** Runs `total` tasks, at most `concurrency` at a time, each worker taking the next index when it is free. */
export const runPool = async <A>(
  total: number,
  concurrency: number,
  task: (index: number) => Promise<A>
): Promise<Array<A>> => {
  const results: Array<A> = new Array(total)
  let next = 0
  const worker = async () => {
    while (next < total) {
      const index = next++
      results[index] = await task(index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
  return results
}
