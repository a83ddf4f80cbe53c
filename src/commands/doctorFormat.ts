/**
 * The doctor's report as a short text for people. Pure.
 *
 * @since 0.1.0
 */
import type { DatabaseCheck } from "./databaseCheck.js"
import type { HttpCheck } from "./doctorHttp.js"
import type { CliCheck, DoctorReport } from "./doctorReport.js"

const STATUS: Readonly<Record<CliCheck["status"], string>> = {
  ok: "ok",
  missing: "missing",
  wrong_program: "WRONG PROGRAM",
  broken: "broken"
}

const size = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`

const cliLines = (c: CliCheck): ReadonlyArray<string> => {
  const head = `  ${c.cli.padEnd(9)}${`[${STATUS[c.status]}]`.padEnd(16)}`
  const lines = c.status === "ok"
    ? [`${head}${c.version ?? "version unknown"}  ${c.path ?? ""}`]
    : [`${head}${c.detail}`]
  if (c.fix !== null) lines.push(`${" ".repeat(9)}fix: ${c.fix}`)
  const signIn = c.signIn.credentials === "found"
    ? `sign-in: found (${c.signIn.via.join("; ")})`
    : c.signIn.credentials === "unknown"
    ? `sign-in: cannot tell (it may be in the keychain); if requests fail: ${c.signIn.login}`
    : `sign-in: none found; ${c.signIn.login}`
  if (c.status !== "missing") lines.push(`${" ".repeat(9)}${signIn}`)
  return lines
}

const databaseLine = (d: DatabaseCheck): string => {
  const parts = [`${d.store === "postgresql" ? "PostgreSQL " : ""}${d.path}: ${d.status}`]
  if (d.sizeBytes !== null) parts.push(size(d.sizeBytes))
  parts.push(d.message)
  const others = d.instances.length === 0
    ? []
    : [`${d.instances.length} server(s) using it now: ${d.instances.map((i) => `pid ${i.pid} on ${i.host}`).join(", ")}`]
  return [parts.join(", "), ...others].join("\n          ")
}

const HTTP_STATUS: Readonly<Record<HttpCheck["status"], string>> = {
  ok: "ok",
  refused: "WOULD NOT START",
  unusable: "WOULD NOT START"
}

const tokenCount = (n: number | null): string =>
  n === null ? "cannot be read" : n === 0 ? "no token" : n === 1 ? "1 token" : `${n} tokens`

const httpLines = (h: HttpCheck): ReadonlyArray<string> => {
  const lines = [
    `HTTP      ${h.url} (${h.loopback ? "loopback" : "beyond loopback"}) [${HTTP_STATUS[h.status]}]`,
    `          ${h.message}`,
    `          tokens file: ${h.tokensFile}, ${tokenCount(h.tokens)}`
  ]
  if (h.fix !== null) lines.push(`          fix: ${h.fix}`)
  return lines
}

/**
 * @since 0.1.0
 */
export const formatReport = (report: DoctorReport): string => {
  const out: Array<string> = [`llm-cli-gateway ${report.gateway.version} doctor`, ""]
  const node = report.node
  out.push(
    `Node.js   ${node.version} (${node.execPath}); needs ${node.required}: ` +
      (node.supported === null ? "cannot tell" : node.supported ? "ok" : "TOO OLD")
  )
  if (report.clis.length > 0) {
    out.push("CLIs")
    for (const c of report.clis) out.push(...cliLines(c))
  }
  if (report.database !== null) out.push(`Database  ${databaseLine(report.database)}`)
  if (report.http !== null) out.push(...httpLines(report.http))
  const fromEnv = report.configuration.settings.filter((s) => s.source === "env")
  out.push(
    `Settings  ${report.configuration.valid ? "valid" : "INVALID"}; ` +
      (fromEnv.length === 0 ? "all at their defaults" : "from the environment (the rest at their defaults):")
  )
  for (const s of fromEnv) out.push(`  ${s.name}=${s.value}${s.known ? "" : "   (not a setting of this version: ignored)"}`)
  out.push("  (`doctor --json` lists every setting with its value)")
  out.push("")
  for (const p of report.problems) out.push(`${p.level === "error" ? "Error" : "Warning"}: ${p.message}`)
  const usable = report.clis.filter((c) => c.status === "ok").length
  out.push(
    report.ok
      ? `Ready to serve: ${usable} of ${report.clis.length} CLIs usable.`
      : "Not ready to serve: fix the errors above."
  )
  return `${out.join("\n")}\n`
}
