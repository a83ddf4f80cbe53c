/**
 * Reading the small files of `/proc` that the process tree reads while jobs
 * run (a stat line, a thread's children), several times a second a job.
 * `readFileSync` takes 64 KiB of new memory for each file whose size the
 * kernel does not give, as `/proc`'s; these are read into one buffer,
 * reused, and grown for a long one.
 *
 * @since 0.1.0
 */
import { closeSync, openSync, readSync } from "node:fs"

let buffer = Buffer.allocUnsafe(4096)

/**
 * A `/proc` file as latin1 text. Throws as `readFileSync` does (`ENOENT`
 * for a process that is gone).
 *
 * @since 0.1.0
 */
export const readProcFile = (path: string): string => {
  const fd = openSync(path, "r")
  try {
    let length = 0
    while (true) {
      if (length === buffer.length) {
        const grown = Buffer.allocUnsafe(buffer.length * 2)
        buffer.copy(grown, 0, 0, length)
        buffer = grown
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null)
      if (read === 0) return buffer.toString("latin1", 0, length)
      length += read
    }
  } finally {
    closeSync(fd)
  }
}
