import { afterAll, afterEach, describe, expect, it } from "@effect/vitest"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import {
  commandLineRuns,
  isJobProcess,
  isRunning,
  processCommandLine,
  processGroupOf,
  processStartedAtMs,
  processStartTime,
  scriptInterpreter
} from "../../src/process/processInfo.js"

const dir = mkdtempSync(join(tmpdir(), "process-info-test-"))
const SLEEP = "/usr/bin/sleep"
const fixtures = fileURLToPath(new URL("../fixtures/bin", import.meta.url))

/** Every child a test started, killed (with its group when it leads one) after the test. */
const started: Array<ChildProcess> = []

afterEach(() => {
  for (const child of started.splice(0)) {
    if (child.pid === undefined) continue
    try {
      process.kill(-child.pid, "SIGKILL")
    } catch {
      // not a group leader, or gone
    }
    try {
      process.kill(child.pid, "SIGKILL")
    } catch {
      // gone
    }
  }
})

const start = (command: string, args: ReadonlyArray<string>, detached: boolean): ChildProcess => {
  const child = spawn(command, args, { detached, stdio: ["ignore", "pipe", "ignore"] })
  started.push(child)
  if (child.pid === undefined) throw new Error(`could not start ${command}`)
  return child
}

const script = (name: string, body: string): string => {
  const path = join(dir, name)
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, 0o755)
  return path
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once("exit", () => resolve())
  })

const firstLine = (child: ChildProcess) =>
  new Promise<string>((resolve, reject) => {
    let text = ""
    child.stdout!.on("data", (data: Buffer) => {
      text += data.toString()
      const nl = text.indexOf("\n")
      if (nl >= 0) resolve(text.slice(0, nl))
    })
    child.once("exit", () => reject(new Error("exited before printing a line")))
  })

const statState = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]
  } catch {
    return undefined
  }
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 300; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe("processInfo (Linux /proc)", () => {
  it("isRunning: this process runs; an exited and reaped child, a zombie and nonsense pids do not", async () => {
    expect(isRunning(process.pid)).toBe(true)

    const done = start("/usr/bin/true", [], false)
    await exited(done)
    expect(isRunning(done.pid!)).toBe(false)

    // `sleep 0` becomes a zombie: its parent execs into a sleep that never waits for it.
    const parent = start("/bin/sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], false)
    const zombie = Number(await firstLine(parent))
    await until(() => statState(zombie) === "Z", "the zombie")
    expect(isRunning(zombie)).toBe(false)
    expect(isRunning(parent.pid!)).toBe(true)

    for (const pid of [0, -1, Number.NaN, 1.5]) expect(isRunning(pid)).toBe(false)
  })

  it("processStartTime is field 22 of /proc/<pid>/stat, differs between processes, and is unknown for a gone one", async () => {
    const stat = readFileSync("/proc/self/stat", "latin1")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    expect(processStartTime(process.pid)).toBe(fields[19])

    const child = start(SLEEP, ["30"], false)
    const childStart = processStartTime(child.pid!)
    expect(childStart).toMatch(/^\d+$/)
    expect(Number(childStart)).toBeGreaterThanOrEqual(Number(processStartTime(process.pid)))
    expect(childStart).not.toBe(processStartTime(process.pid))

    child.kill("SIGKILL")
    await exited(child)
    expect(processStartTime(child.pid!)).toBeUndefined()
  })

  it("processStartedAtMs is the start in epoch ms, within the second boot time is rounded to", () => {
    const before = Date.now()
    const child = start(SLEEP, ["30"], false)
    const after = Date.now()
    const at = processStartedAtMs(child.pid!)!
    expect(at).toBeGreaterThan(before - 1_500)
    expect(at).toBeLessThanOrEqual(after + 50)

    const self = processStartedAtMs(process.pid)!
    const expected = Date.now() - process.uptime() * 1000
    expect(Math.abs(self - expected)).toBeLessThan(1_500)
    expect(processStartedAtMs(0)).toBeUndefined()
  })

  it("processCommandLine is the argv, with the interpreter first for a script", async () => {
    const child = start(SLEEP, ["30", "1"], false)
    expect(processCommandLine(child.pid!)).toEqual([SLEEP, "30", "1"])

    const path = script("wait", "sleep 30")
    // detached, so the cleanup's group kill takes its `sleep` too
    const scripted = start(path, ["an arg"], true)
    expect(processCommandLine(scripted.pid!)).toEqual(["/bin/sh", path, "an arg"])

    const done = start("/usr/bin/true", [], false)
    await exited(done)
    expect(processCommandLine(done.pid!)).toBeUndefined()
  })

  it("processGroupOf: a detached child leads its own group, an attached one is in ours", () => {
    const detached = start(SLEEP, ["30"], true)
    const attached = start(SLEEP, ["30"], false)
    expect(processGroupOf(detached.pid!)).toBe(detached.pid)
    const ours = processGroupOf(process.pid)
    expect(ours).toBeDefined()
    expect(processGroupOf(attached.pid!)).toBe(ours)
    expect(processGroupOf(attached.pid!)).not.toBe(attached.pid)
  })

  it("scriptInterpreter names the program of a script's #! line as its argv[0] shows it", () => {
    expect(scriptInterpreter(script("plain", "true"))).toBe("sh")
    const viaEnv = join(dir, "via-env")
    writeFileSync(viaEnv, "#!/usr/bin/env node\n")
    expect(scriptInterpreter(viaEnv)).toBe("node")
    const viaEnvS = join(dir, "via-env-s")
    writeFileSync(viaEnvS, "#!/usr/bin/env -S NODE_OPTIONS=x node --no-warnings\n")
    expect(scriptInterpreter(viaEnvS)).toBe("node")
    expect(scriptInterpreter(join(fixtures, "codex"))).toBe("node")
    expect(scriptInterpreter(SLEEP)).toBeUndefined()
    expect(scriptInterpreter(join(dir, "missing"))).toBeUndefined()
  })

  it("commandLineRuns: the command itself, or its script after the interpreter of its #! line and options", () => {
    expect(commandLineRuns(["/usr/bin/claude", "-p"], "/usr/bin/claude", undefined)).toBe(true)
    expect(commandLineRuns(["node", "/opt/bin/codex", "exec"], "/opt/bin/codex", "node")).toBe(true)
    expect(commandLineRuns(["/usr/local/bin/node", "--no-warnings", "/opt/bin/codex"], "/opt/bin/codex", "node"))
      .toBe(true)
    expect(commandLineRuns(["/bin/sh", "/opt/bin/gemini"], "/opt/bin/gemini", "sh")).toBe(true)
    // the command as an argument of another program is not a run of it
    expect(commandLineRuns(["vim", "/opt/bin/codex"], "/opt/bin/codex", "node")).toBe(false)
    expect(commandLineRuns(["node", "/opt/bin/codex"], "/opt/bin/codex", undefined)).toBe(false)
    expect(commandLineRuns(["node", "/other/script", "/opt/bin/codex"], "/opt/bin/codex", "node")).toBe(false)
    expect(commandLineRuns(["/opt/bin/codex-old"], "/opt/bin/codex", undefined)).toBe(false)
    expect(commandLineRuns([], "/opt/bin/codex", undefined)).toBe(false)
    expect(commandLineRuns(["x"], "", undefined)).toBe(false)
  })

  it("isJobProcess recognises a CLI that renamed itself (process.title) by its file name, only with a known start", async () => {
    const cli = join(dir, "claude")
    writeFileSync(cli, "#!/usr/bin/env node\nprocess.title = 'claude'\nconsole.log('titled')\nsetInterval(() => {}, 1 << 30)\n")
    chmodSync(cli, 0o755)
    const child = spawn(cli, ["-p"], { detached: true, stdio: ["ignore", "pipe", "ignore"] })
    started.push(child)
    const startedAt = Date.now()
    expect(await firstLine(child)).toBe("titled")
    expect(processCommandLine(child.pid!)).toEqual(["claude"])
    expect(isJobProcess(child.pid!, { command: cli, startedAt })).toBe(true)
    expect(isJobProcess(child.pid!, { command: cli, startedAt: null })).toBe(false)
    expect(isJobProcess(child.pid!, { command: cli, startedAt: startedAt - 3_600_000 })).toBe(false)
    expect(isJobProcess(child.pid!, { command: join(dir, "codex"), startedAt })).toBe(false)
  })

  it("isJobProcess recognises a `#!/usr/bin/env node` CLI run as node /path/script", async () => {
    const codex = join(fixtures, "codex")
    const record = join(dir, "codex.record")
    const child = spawn(codex, ["exec", "hello"], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, FAKE_CLI_SCENARIO: "silent", FAKE_CLI_RECORD: record }
    })
    started.push(child)
    const startedAt = Date.now()
    // env has exec'd node once the fake wrote its record
    await until(() => {
      try {
        return readFileSync(record, "utf8").includes("\"pid\"")
      } catch {
        return false
      }
    }, "the fake codex to start")
    expect(processCommandLine(child.pid!)?.slice(0, 2)).toEqual(["node", codex])
    expect(isJobProcess(child.pid!, { command: codex, startedAt })).toBe(true)
    expect(isJobProcess(child.pid!, { command: join(fixtures, "claude"), startedAt })).toBe(false)
  })

  it("isJobProcess only for a running group leader that runs the command and did not start after the job", async () => {
    const path = script("job", "sleep 30")
    const leader = start(path, [], true)
    const startedAt = Date.now()
    await until(() => processCommandLine(leader.pid!)?.[0] === "/bin/sh", "the script to run")
    expect(isJobProcess(leader.pid!, { command: path, startedAt })).toBe(true)
    expect(isJobProcess(leader.pid!, { command: path, startedAt: null })).toBe(true)
    // another command
    expect(isJobProcess(leader.pid!, { command: "/opt/other/cli", startedAt })).toBe(false)
    // started well after the job did: a recycled pid
    expect(isJobProcess(leader.pid!, { command: path, startedAt: startedAt - 3_600_000 })).toBe(false)
    // not a group leader: the script run by a shell that leads the group (killed with it after the test)
    const wrapper = start("/bin/sh", ["-c", `"${path}" & echo $!; wait`], true)
    const member = Number(await firstLine(wrapper))
    await until(() => processCommandLine(member)?.[1] === path, "the member to run")
    expect(processGroupOf(member)).toBe(wrapper.pid)
    expect(isJobProcess(member, { command: path, startedAt: Date.now() })).toBe(false)
    // gone
    leader.kill("SIGKILL")
    await exited(leader)
    expect(isJobProcess(leader.pid!, { command: path, startedAt })).toBe(false)
  })
})

// The fixtures assume these binaries; fail loudly rather than test nothing.
if (spawnSync(SLEEP, ["0"]).status !== 0) throw new Error(`${SLEEP} is needed by these tests`)
afterAll(() => rmSync(dir, { recursive: true, force: true }))
