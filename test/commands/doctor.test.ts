/**
 * `doctor`, run as the built binary: it tells a found CLI, a missing one
 * and another program under a CLI's name apart, its --json decodes with
 * its Schema, secrets never show, and its exit code says whether the
 * server can serve.
 */
import * as Schema from "effect/Schema"
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DoctorReport } from "../../src/commands/doctorReport.js"
import { cleanUp, communityGrok, fakeBin, pathWith, type Run, runBinary, tempDir } from "./harness.js"

afterAll(cleanUp)

const decode = Schema.decodeUnknownSync(DoctorReport)
const SECRET = "sk-ant-secret-0123456789abcdefghijklmnop"
const GATEWAY_SECRET = "xai-gatewaysecret0123456789abcdefghij"

describe("doctor with claude found, grok another program, codex and gemini missing", () => {
  let json: Run
  let text: Run
  let report: DoctorReport
  let home: string

  beforeAll(async () => {
    home = tempDir("gateway-doctor-home-")
    // codex's sign-in file, as `codex login` leaves it (codex itself is missing).
    mkdirSync(join(home, ".codex"))
    writeFileSync(join(home, ".codex", "auth.json"), "{}")
    const env = {
      PATH: pathWith({ claude: fakeBin("claude"), grok: communityGrok }),
      HOME: home,
      LLM_GATEWAY_HOME: join(home, ".llm-cli-gateway"),
      ANTHROPIC_API_KEY: SECRET,
      LLM_GATEWAY_AUTH_TOKEN: GATEWAY_SECRET,
      LLM_GATEWAY_IDLE_TIMEOUT_MS: "120000",
      LLM_GATEWAY_TYPO_SETTING: "1"
    }
    ;[json, text] = await Promise.all([runBinary(["doctor", "--json"], env), runBinary(["doctor"], env)])
    report = decode(JSON.parse(json.stdout))
  })

  it("exits with 0: missing CLIs are warnings", () => {
    expect(json.code).toBe(0)
    expect(text.code).toBe(0)
    expect(report.ok).toBe(true)
  })

  it("--json prints one JSON object that decodes with the report's Schema", () => {
    expect(json.stdout.trim().startsWith("{")).toBe(true)
    expect(report.gateway.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(report.node.supported).toBe(true)
  })

  it("finds claude on PATH with its version, and its sign-in by ANTHROPIC_API_KEY", () => {
    const claude = report.clis.find((c) => c.cli === "claude")!
    expect(claude).toMatchObject({ status: "ok", version: "2.1.0", fix: null })
    expect(claude.path).toMatch(/\/bin\/claude$/)
    expect(claude.signIn).toMatchObject({ credentials: "found", via: ["ANTHROPIC_API_KEY is set"] })
  })

  it("tells that the grok on PATH is another program, and what to do", () => {
    const grok = report.clis.find((c) => c.cli === "grok")!
    expect(grok.status).toBe("wrong_program")
    expect(grok.path).toMatch(/\/bin\/grok$/)
    expect(grok.detail).toContain("--output-format")
    expect(grok.fix).toContain("LLM_GATEWAY_GROK_BIN")
    expect(grok.signIn).toMatchObject({ credentials: "none_found", login: expect.stringContaining("grok login") })
  })

  it("reports codex and gemini missing, with the install and login commands", () => {
    const codex = report.clis.find((c) => c.cli === "codex")!
    const gemini = report.clis.find((c) => c.cli === "gemini")!
    expect(codex).toMatchObject({ status: "missing", path: null, version: null })
    expect(codex.fix).toContain("npm install -g @openai/codex")
    expect(codex.signIn).toMatchObject({ credentials: "found", via: [join(home, ".codex", "auth.json")] })
    expect(codex.signIn.login).toContain("codex login")
    expect(gemini).toMatchObject({ status: "missing" })
    expect(gemini.fix).toContain("@google/gemini-cli")
    expect(report.problems.map((p) => p.message).join("\n")).toMatch(/Not installed: codex, gemini/)
  })

  it("reports the database that the server will create, and no other server on it", () => {
    expect(report.database).toMatchObject({
      path: join(home, ".llm-cli-gateway", "gateway.db"),
      status: "new",
      writable: true,
      instances: []
    })
  })

  it("lists the settings with their sources, flags an unknown LLM_GATEWAY_ variable, and never shows a secret", () => {
    const setting = (name: string) => report.configuration.settings.find((s) => s.name === name)
    expect(setting("LLM_GATEWAY_IDLE_TIMEOUT_MS")).toEqual({ name: "LLM_GATEWAY_IDLE_TIMEOUT_MS", value: "120000", source: "env", known: true })
    expect(setting("LLM_GATEWAY_MAX_RUN_MS")).toEqual({ name: "LLM_GATEWAY_MAX_RUN_MS", value: "3600000", source: "default", known: true })
    expect(setting("LLM_GATEWAY_TYPO_SETTING")).toMatchObject({ source: "env", known: false })
    expect(setting("LLM_GATEWAY_AUTH_TOKEN")).toMatchObject({ value: "[REDACTED]", known: false })
    for (const run of [json, text]) {
      expect(run.stdout + run.stderr).not.toContain(SECRET)
      expect(run.stdout + run.stderr).not.toContain("secret-0123456789")
      expect(run.stdout + run.stderr).not.toContain(GATEWAY_SECRET)
    }
  })

  it("prints a short readable report", () => {
    const out = text.stdout
    expect(out).toMatch(/claude\s+\[ok\]\s+2\.1\.0/)
    expect(out).toMatch(/grok\s+\[WRONG PROGRAM\]/)
    expect(out).toMatch(/codex\s+\[missing\]/)
    expect(out).toContain("LLM_GATEWAY_IDLE_TIMEOUT_MS=120000")
    expect(out).toContain("LLM_GATEWAY_TYPO_SETTING=1   (not a setting of this version: ignored)")
    expect(out).toMatch(/Ready to serve: 1 of \d+ CLIs usable\./)
    expect(out.split("\n").length).toBeLessThan(40)
  })
})

describe("doctor's verdict", () => {
  it("says so when no CLI is usable, and still exits with 0", async () => {
    const run = await runBinary(["doctor", "--json"])
    const report = decode(JSON.parse(run.stdout))
    expect(run.code).toBe(0)
    expect(report.clis.length).toBeGreaterThanOrEqual(4)
    expect(report.clis.every((c) => c.status === "missing")).toBe(true)
    expect(report.problems.some((p) => p.level === "warning" && p.message.startsWith("No CLI is usable"))).toBe(true)
  })

  it("exits with 1 when the database is not a SQLite file, and leaves it untouched", async () => {
    const dir = tempDir()
    const path = join(dir, "gateway.db")
    writeFileSync(path, "not a database at all")
    const run = await runBinary(["doctor", "--json"], { LLM_GATEWAY_JOBS_DB: path })
    const report = decode(JSON.parse(run.stdout))
    expect(run.code).toBe(1)
    expect(report.ok).toBe(false)
    expect(report.database).toMatchObject({ status: "unusable", path })
    expect(report.problems[0]).toMatchObject({ level: "error" })
    const human = await runBinary(["doctor"], { LLM_GATEWAY_JOBS_DB: path })
    expect(human.code).toBe(1)
    expect(human.stdout).toContain("Not ready to serve")
  })

  it("exits with 1 when the configuration does not load, naming the variable", async () => {
    const run = await runBinary(["doctor", "--json"], { LLM_GATEWAY_IDLE_TIMEOUT_MS: "soon" })
    const report = decode(JSON.parse(run.stdout))
    expect(run.code).toBe(1)
    expect(report.configuration.valid).toBe(false)
    expect(report.configuration.error).toContain("LLM_GATEWAY_IDLE_TIMEOUT_MS")
    expect(report.database).toBeNull()
  })

  it("an in-memory database is fine", async () => {
    const run = await runBinary(["doctor", "--json"], { LLM_GATEWAY_JOBS_DB: "none" })
    expect(decode(JSON.parse(run.stdout)).database).toMatchObject({ status: "memory", path: ":memory:" })
    expect(run.code).toBe(0)
  })
})

describe("doctor with LLM_GATEWAY_HTTP", () => {
  /** A home of its own, for the token command and doctor to share. */
  const home = () => {
    const dir = tempDir("gateway-doctor-http-")
    return { HOME: dir, LLM_GATEWAY_HOME: join(dir, ".llm-cli-gateway") }
  }

  it("stdio (unset): no HTTP check, no HTTP line", async () => {
    const [json, text] = await Promise.all([runBinary(["doctor", "--json"]), runBinary(["doctor"])])
    expect(decode(JSON.parse(json.stdout)).http).toBeNull()
    expect(text.stdout).not.toMatch(/^HTTP /m)
  })

  it("on loopback without tokens: the address, loopback, no token, and ready", async () => {
    const env = { ...home(), LLM_GATEWAY_HTTP: "8080" }
    const [json, text] = await Promise.all([runBinary(["doctor", "--json"], env), runBinary(["doctor"], env)])
    const report = decode(JSON.parse(json.stdout))
    expect(json.code).toBe(0)
    expect(report.http).toMatchObject({
      address: "127.0.0.1:8080",
      url: "http://127.0.0.1:8080/mcp",
      loopback: true,
      authentication: "none",
      tokensFile: join(env.LLM_GATEWAY_HOME, "tokens.json"),
      tokens: 0,
      cleartext: false,
      status: "ok",
      fix: null
    })
    expect(report.problems.filter((p) => p.message.includes("HTTP"))).toEqual([])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain("HTTP      http://127.0.0.1:8080/mcp (loopback) [ok]")
    expect(text.stdout).toContain("no authentication (loopback only")
    expect(text.stdout).toContain(`tokens file: ${join(env.LLM_GATEWAY_HOME, "tokens.json")}, no token`)
  })

  it("beyond loopback without tokens: a failing check with the hint (exit 1), as the server refuses to start", async () => {
    const env = { ...home(), LLM_GATEWAY_HTTP: "0.0.0.0:0" }
    const [json, text, server] = await Promise.all([
      runBinary(["doctor", "--json"], env),
      runBinary(["doctor"], env),
      runBinary([], env)
    ])
    const report = decode(JSON.parse(json.stdout))
    expect(json.code).toBe(1)
    expect(report.ok).toBe(false)
    expect(report.http).toMatchObject({ address: "0.0.0.0:0", loopback: false, tokens: 0, status: "refused" })
    expect(report.http!.fix).toContain("token add")
    expect(report.problems[0]).toMatchObject({ level: "error" })
    expect(report.problems[0]!.message).toContain("HttpAuthRequired")
    expect(report.problems[0]!.message).toContain("llm-cli-gateway token add NAME")
    expect(text.code).toBe(1)
    expect(text.stdout).toContain("(beyond loopback) [WOULD NOT START]")
    expect(text.stdout).toContain("fix: add a bearer token first")
    expect(text.stdout).toContain("Not ready to serve")
    // The server, in the same environment, does refuse.
    expect(server.code).toBe(1)
    expect(server.stderr).toContain("HttpAuthRequired")
  })

  it("beyond loopback with tokens: how many, never a token nor its hash; a warning about plain HTTP unless https is in front", async () => {
    const env = home()
    const tokens: Array<string> = []
    for (const name of ["alice", "ci"]) {
      const made = await runBinary(["token", "add", name], env)
      expect(made.code).toBe(0)
      tokens.push(made.stdout.trim())
    }
    const file = JSON.parse(readFileSync(join(env.LLM_GATEWAY_HOME, "tokens.json"), "utf8")) as {
      tokens: ReadonlyArray<{ sha256: string }>
    }
    const hashes = file.tokens.map((t) => t.sha256)
    const open = { ...env, LLM_GATEWAY_HTTP: "0.0.0.0:8443" }
    const behindTls = { ...open, LLM_GATEWAY_HTTP_PUBLIC_URL: "https://gw.example.com/mcp" }
    const runs = await Promise.all([
      runBinary(["doctor", "--json"], open),
      runBinary(["doctor"], open),
      runBinary(["doctor", "--json"], behindTls)
    ])
    const [json, text, tls] = runs
    const report = decode(JSON.parse(json.stdout))
    expect(json.code).toBe(0)
    expect(report.http).toMatchObject({
      address: "0.0.0.0:8443",
      loopback: false,
      authentication: "bearer_tokens",
      tokens: 2,
      cleartext: true,
      status: "ok"
    })
    expect(report.problems.some((p) => p.level === "warning" && p.message.includes("plain HTTP"))).toBe(true)
    expect(text.stdout).toContain("bearer tokens required (2)")
    expect(text.stdout).toMatch(/tokens file: .*tokens\.json, 2 tokens/)
    const tlsReport = decode(JSON.parse(tls.stdout))
    expect(tlsReport.http).toMatchObject({ cleartext: false, status: "ok" })
    expect(tlsReport.problems.some((p) => p.message.includes("plain HTTP"))).toBe(false)
    for (const run of runs) {
      for (const secret of [...tokens, ...hashes]) {
        expect(run.stdout + run.stderr).not.toContain(secret)
        expect(run.stdout + run.stderr).not.toContain(secret.slice(4, 24))
      }
    }
  })

  it("beyond loopback with OAuth and no bearer token: it would start; the issuer is named", async () => {
    const run = await runBinary(["doctor", "--json"], {
      ...home(),
      LLM_GATEWAY_HTTP: "0.0.0.0:8080",
      LLM_GATEWAY_OAUTH_ISSUER: "https://issuer.example.com",
      LLM_GATEWAY_HTTP_PUBLIC_URL: "https://gw.example.com/mcp"
    })
    const report = decode(JSON.parse(run.stdout))
    expect(run.code).toBe(0)
    expect(report.http).toMatchObject({
      loopback: false,
      authentication: "oauth",
      oauthIssuer: "https://issuer.example.com",
      tokens: 0,
      cleartext: false,
      status: "ok"
    })
  })

  it("a tokens file the server would refuse (open to other users): a failing check, exit 1", async () => {
    const env = home()
    expect((await runBinary(["token", "add", "ci"], env)).code).toBe(0)
    const path = join(env.LLM_GATEWAY_HOME, "tokens.json")
    chmodSync(path, 0o644)
    const run = await runBinary(["doctor", "--json"], { ...env, LLM_GATEWAY_HTTP: "127.0.0.1:0" })
    const report = decode(JSON.parse(run.stdout))
    expect(run.code).toBe(1)
    expect(report.http).toMatchObject({ status: "unusable", tokens: null, tokensFile: path })
    expect(report.http!.message).toContain("chmod 600")
    expect(report.problems[0]!.level).toBe("error")
  })
})
