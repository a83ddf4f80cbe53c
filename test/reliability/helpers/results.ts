/**
 * Each reliability test records its measured outcome here; when a test file
 * ends, its records go to `.reliability/results/<suite>.json` and the run's
 * report, `.reliability/RELIABILITY.md` (not tracked: a test run leaves the
 * work tree as it was), is rendered again from every suite's records
 * (scripts/reliability-report.mjs). `npm run reliability:report` renders the
 * tracked docs/RELIABILITY.md from the same records, on purpose.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { join } from "node:path"
import {
  defaultDocPath,
  defaultResultsDir,
  type SuiteRecord,
  type SuiteRow,
  writeReport
} from "../../../scripts/reliability-report.mjs"

export type Figures = Record<string, string | number>

/** The report a test run renders (beside its records, not tracked). */
const runReportPath = join(defaultResultsDir, "..", "RELIABILITY.md")

export interface Row {
  /** The test passed: what it measured. */
  readonly pass: (outcome: string, figures?: Figures) => void
}

export interface SuiteRecorder {
  /** Starts a row; it reads FAILED unless `pass` is called. */
  readonly begin: (id: string, title: string) => Row
  /** A paragraph under the suite's table (replaced by id on each run). */
  readonly note: (id: string, markdown: string) => void
  /** Writes the suite's records and renders the document. */
  readonly flush: () => void
}

/** A recorder for one suite (one test file). */
export const suiteRecorder = (suite: string, intro: string): SuiteRecorder => {
  const rows = new Map<string, SuiteRow>()
  const notes = new Map<string, string>()
  return {
    begin: (id, title) => {
      rows.set(id, { id, title, status: "failed", outcome: "" })
      return {
        pass: (outcome, figures = {}) => {
          rows.set(id, { id, title, status: "passed", outcome, figures })
        }
      }
    },
    note: (id, markdown) => {
      notes.set(id, markdown)
    },
    flush: () => {
      if (rows.size === 0 && notes.size === 0) return
      mkdirSync(defaultResultsDir, { recursive: true })
      const file = join(defaultResultsDir, `${suite}.json`)
      // Rows of tests not run this time (a filtered run) are kept from the last run.
      const previous: SuiteRecord | undefined = existsSync(file)
        ? (() => {
          try {
            return JSON.parse(readFileSync(file, "utf8")) as SuiteRecord
          } catch {
            return undefined
          }
        })()
        : undefined
      const merged = new Map<string, SuiteRow>((previous?.rows ?? []).map((r) => [r.id, r]))
      for (const [id, row] of rows) merged.set(id, row)
      const record: SuiteRecord = {
        suite,
        intro,
        machine: `Node ${process.version}, ${cpus().length} cores, ${process.platform}`,
        rows: [...merged.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
        notes: [...notes.keys()].sort().map((k) => notes.get(k)!)
      }
      const tmp = `${file}.${process.pid}.tmp`
      writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n")
      renameSync(tmp, file)
      // The run's report starts from the tracked one, so that suites not run this time keep their sections.
      if (!existsSync(runReportPath) && existsSync(defaultDocPath)) copyFileSync(defaultDocPath, runReportPath)
      writeReport({ docPath: runReportPath })
    }
  }
}

/** Milliseconds, rounded, as a figure. */
export const ms = (n: number): string => `${Math.round(n)} ms`
