#!/usr/bin/env node
// Renders docs/RELIABILITY.md from the records the reliability suite leaves in
// .reliability/results/<suite>.json (one file per test file, rewritten on each
// run). A suite without a results file keeps its section from the current
// document, so running part of the suite (say `npm test`, without the slow
// 1,000-job load) does not drop the other parts' figures.
//
//   node scripts/reliability-report.mjs [--results DIR] [--doc FILE]
//
// Deterministic: suites in a fixed order, rows sorted by id, no timestamps.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

/** Where the suite writes its records, and the document it renders. */
export const defaultResultsDir = join(root, ".reliability", "results")
export const defaultDocPath = join(root, "docs", "RELIABILITY.md")

/** The sections, in the order the document shows them. */
export const SUITES = [
  { id: "faults", heading: "Faults" },
  { id: "faults-database", heading: "Faults: the database" },
  { id: "load", heading: "Load" },
  { id: "load-1000", heading: "Load: 1,000 jobs (npm run test:reliability)" },
  { id: "hostile", heading: "Hostile input: properties" },
  { id: "hostile-named", heading: "Hostile input: named cases" },
  { id: "limits", heading: "Limits: one caller cannot take down the others" },
  { id: "environment", heading: "Environment" }
]

const HEADER = `# Reliability: faults, load and hostile input

Generated from the records of the reliability suite (\`test/reliability/\`) by \`npm run reliability:report\`
(\`scripts/reliability-report.mjs\`): do not edit by hand. \`npm test\` runs every section, the 1,000-job load last, and
renders its figures to \`.reliability/RELIABILITY.md\` (not tracked); \`npm run test:reliability\` runs that load alone.
Each row is one test on the built server (\`dist/bin/llm-cli-gateway.js\`) over stdio, with a real SQLite file
and the fake CLIs of \`test/fixtures/bin\`; the figures are what the last run measured (they vary from run to run and
machine to machine; the test's own bound is what it enforces). A row that says **FAILED** is a test that did not pass
in the last run.
`

const begin = (id) => `<!-- suite:${id}:begin -->`
const end = (id) => `<!-- suite:${id}:end -->`

const cell = (text) => String(text).replace(/\|/g, "\\|").replace(/\r?\n/g, " ")

const formatFigures = (figures) =>
  Object.keys(figures ?? {})
    .sort()
    .map((k) => `${k}: ${figures[k]}`)
    .join("; ")

/** One suite's section from its record. */
export const renderSuite = (suite, record) => {
  const lines = [begin(suite.id), `## ${suite.heading}`, ""]
  if (record.intro) lines.push(record.intro.trim(), "")
  if (record.machine) lines.push(`Measured on: ${record.machine}.`, "")
  const rows = [...(record.rows ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  if (rows.length > 0) {
    lines.push("| # | Case | Measured outcome | Figures |", "|---|---|---|---|")
    for (const row of rows) {
      const outcome = row.status === "passed" ? row.outcome : `**FAILED** in the last run. ${row.outcome ?? ""}`
      lines.push(`| ${cell(row.id)} | ${cell(row.title)} | ${cell(outcome)} | ${cell(formatFigures(row.figures))} |`)
    }
    lines.push("")
  }
  for (const note of record.notes ?? []) lines.push(note.trim(), "")
  lines.push(end(suite.id))
  return lines.join("\n")
}

/** The sections of an existing document, by suite id. */
const existingSections = (doc) => {
  const out = new Map()
  for (const suite of SUITES) {
    const from = doc.indexOf(begin(suite.id))
    const to = doc.indexOf(end(suite.id))
    if (from >= 0 && to > from) out.set(suite.id, doc.slice(from, to + end(suite.id).length))
  }
  return out
}

const readRecord = (resultsDir, id) => {
  const file = join(resultsDir, `${id}.json`)
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, "utf8"))
  } catch {
    return undefined
  }
}

/** The whole document from the records (and, for suites without one, the current document). */
export const renderDocument = ({ resultsDir = defaultResultsDir, docPath = defaultDocPath } = {}) => {
  const previous = existsSync(docPath) ? existingSections(readFileSync(docPath, "utf8")) : new Map()
  const sections = []
  for (const suite of SUITES) {
    const record = readRecord(resultsDir, suite.id)
    if (record !== undefined) sections.push(renderSuite(suite, record))
    else if (previous.has(suite.id)) sections.push(previous.get(suite.id))
    else sections.push([begin(suite.id), `## ${suite.heading}`, "", "Not measured yet.", "", end(suite.id)].join("\n"))
  }
  return `${HEADER}\n${sections.join("\n\n")}\n`
}

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * Writes the document under a lock (test files finish in parallel; the last
 * to render sees every record), atomically (write, then rename).
 */
export const writeReport = (options = {}) => {
  const docPath = options.docPath ?? defaultDocPath
  const resultsDir = options.resultsDir ?? defaultResultsDir
  mkdirSync(resultsDir, { recursive: true })
  const lock = join(resultsDir, "..", "render.lock")
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock)
      break
    } catch {
      // A lock older than 30 s is left over from a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmSync(lock, { recursive: true, force: true })
      } catch {}
      if (i > 3000) throw new Error(`cannot take ${lock}`)
      sleepSync(10)
    }
  }
  try {
    const text = renderDocument({ resultsDir, docPath })
    mkdirSync(dirname(docPath), { recursive: true })
    const current = existsSync(docPath) ? readFileSync(docPath, "utf8") : undefined
    if (current !== text) {
      const tmp = `${docPath}.${process.pid}.tmp`
      writeFileSync(tmp, text)
      renameSync(tmp, docPath)
    }
    return text
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** Records left by every suite, for a quick look. */
export const listRecords = (resultsDir = defaultResultsDir) =>
  existsSync(resultsDir) ? readdirSync(resultsDir).filter((f) => f.endsWith(".json")).sort() : []

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name)
    return i >= 0 ? process.argv[i + 1] : undefined
  }
  const options = {
    resultsDir: arg("--results") ? resolve(arg("--results")) : defaultResultsDir,
    docPath: arg("--doc") ? resolve(arg("--doc")) : defaultDocPath
  }
  writeReport(options)
  process.stderr.write(`wrote ${options.docPath} from ${listRecords(options.resultsDir).join(", ") || "no records"}\n`)
}
