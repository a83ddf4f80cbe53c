import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as GatewayConfig from "../../src/Config.js"
import { CommandRunner, layer, layerTest, make } from "../../src/process/CommandRunner.js"
import { groupAlive } from "../../src/process/processGroup.js"

const dir = mkdtempSync(join(tmpdir(), "runner-test-"))

/** Writes an executable shell script and returns its path. */
const script = (name: string, body: string): string => {
  const path = join(dir, name)
  writeFileSync(path, `#!/bin/sh\n${body}\n`)
  chmodSync(path, 0o755)
  return path
}

const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
    return !/\) [ZX] /.test(stat)
  } catch {
    return false
  }
}

/** The session of a process (`/proc/<pid>/stat` field 6); a setsid'd process leads its own. */
const sessionOf = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3])
  } catch {
    return undefined
  }
}

const killQuietly = (pid: number) => {
  try {
    process.kill(pid, "SIGKILL")
  } catch {
    // gone
  }
}

const until = async (check: () => boolean, ms = 5_000) => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > ms) throw new Error("condition not met in time")
    await new Promise((r) => setTimeout(r, 10))
  }
}

const waitFor = (path: string) =>
  Effect.promise(async () => {
    for (let i = 0; i < 200; i++) {
      try {
        const text = readFileSync(path, "utf8").trim()
        if (text !== "") return text
      } catch {
        // not yet written
      }
      await new Promise((r) => setTimeout(r, 10))
    }
    throw new Error(`${path} never written`)
  })

const Live = layer.pipe(Layer.provide(GatewayConfig.layerTest({ killGraceMs: 300, idleTimeoutMs: 60_000 })))

describe("CommandRunner (real processes)", () => {
  it.live("runs argv without a shell, feeds stdin and closes it, and keeps stdout and stderr", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const cat = script("cat-args", `printf '%s|' "$@"; cat; echo oops >&2`)
      const result = yield* runner.run({ command: cat, args: ["a b", "; rm -rf /", "--help"], stdin: "from stdin" })
      expect(result.exitCode).toBe(0)
      expect(result.stdout).toBe("a b|; rm -rf /|--help|from stdin")
      expect(result.stderr).toBe("oops\n")
      expect(result.command).toBe(cat)
    }).pipe(Effect.provide(Live)))

  it.live("keepStdout: false hands stdout only to onOutput: the result keeps its tail and byte count, no copy", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const seen: Array<string> = []
      const result = yield* runner.run({
        command: "sh",
        args: ["-c", "printf 'one\\ntwo\\n'; echo err >&2"],
        keepStdout: false,
        onOutput: (chunk) => Effect.sync(() => void (chunk.stream === "stdout" && seen.push(Buffer.from(chunk.data).toString())))
      })
      expect(seen.join("")).toBe("one\ntwo\n")
      expect(result.stdout).toBe("")
      expect(result.stdoutTail).toBe("one\ntwo\n")
      expect(result.stdoutBytes).toBe(8)
      expect(result.stderr).toBe("err\n")
    }).pipe(Effect.provide(Live)))

  it.live("without stdin the child reads end-of-file at once", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const result = yield* runner.run({ command: "cat", args: [] })
      expect(result.stdout).toBe("")
    }).pipe(Effect.provide(Live)))

  it.live("a non-zero exit fails run with CliExitedNonZero carrying code and stderr tail, and is a result for exec", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const failing = script("fail", `echo partial; echo "it broke" >&2; exit 7`)
      const error = yield* Effect.flip(runner.run({ command: failing, args: [] }))
      expect(error._tag).toBe("CliExitedNonZero")
      if (error._tag !== "CliExitedNonZero") return
      expect(error.exitCode).toBe(7)
      expect(error.signal).toBeNull()
      expect(error.stderrTail).toContain("it broke")
      expect(error.message).toContain("it broke")
      const result = yield* runner.exec({ command: failing, args: [] })
      expect(result.exitCode).toBe(7)
      expect(result.stdout).toBe("partial\n")
    }).pipe(Effect.provide(Live)))

  it.live("a child ended by a signal reports the signal", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const result = yield* runner.exec({ command: script("selfkill", "kill -9 $$"), args: [] })
      expect(result.exitCode).toBeNull()
      expect(result.signal).toBe("SIGKILL")
    }).pipe(Effect.provide(Live)))

  it.live("a missing or non-executable binary is CliNotFound, and a missing folder SpawnFailed", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const missing = yield* Effect.flip(runner.run({ command: "definitely-not-a-cli-xyz", args: [] }))
      expect(missing._tag).toBe("CliNotFound")
      const plain = join(dir, "not-exec")
      writeFileSync(plain, "#!/bin/sh\necho hi\n")
      const notExec = yield* Effect.flip(runner.run({ command: plain, args: [] }))
      expect(notExec._tag).toBe("CliNotFound")
      expect(notExec.message).toContain("not executable")
      const noDir = yield* Effect.flip(runner.run({ command: "true", args: [], cwd: join(dir, "nowhere") }))
      expect(noDir._tag).toBe("SpawnFailed")
    }).pipe(Effect.provide(Live)))

  it.live("resolves a bare name to an absolute path on PATH", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const path = yield* runner.resolve("sh")
      expect(path.startsWith("/")).toBe(true)
      expect(path.endsWith("/sh")).toBe(true)
    }).pipe(Effect.provide(Live)))

  it.live("keeps at most the cap of bytes per stream, counts the rest and says it cut", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const loud = script("loud", `head -c 100000 /dev/zero | tr '\\0' 'x'`)
      const result = yield* runner.run({ command: loud, args: [], maxOutputBytes: 1000 })
      expect(result.stdout.length).toBe(1000)
      expect(result.stdoutTruncated).toBe(true)
      expect(result.stdoutBytes).toBe(100000)
      expect(result.stdoutTail.length).toBe(8192)
      const quiet = yield* runner.run({ command: "echo", args: ["hi"], maxOutputBytes: 1000 })
      expect(quiet.stdoutTruncated).toBe(false)
    }).pipe(Effect.provide(Live)))

  it.live("no output for the idle window fails with IdleTimeout and ends the process group", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const pidFile = join(dir, "idle.pid")
      const quiet = script("quiet", `echo $$ > ${pidFile}; echo started; sleep 30`)
      const start = Date.now()
      const error = yield* Effect.flip(runner.run({ command: quiet, args: [], idleTimeoutMs: 300 }))
      expect(error._tag).toBe("IdleTimeout")
      expect(Date.now() - start).toBeLessThan(3000)
      const pid = Number(yield* waitFor(pidFile))
      expect(alive(pid)).toBe(false)
      expect(groupAlive(pid)).toBe(false)
    }).pipe(Effect.provide(Live)))

  it.live("output keeps a run alive past the idle window", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const ticking = script("ticking", `for i in 1 2 3 4 5 6; do echo tick; sleep 0.1; done`)
      const result = yield* runner.run({ command: ticking, args: [], idleTimeoutMs: 300 })
      expect(result.stdout.split("\n").filter((l) => l === "tick")).toHaveLength(6)
    }).pipe(Effect.provide(Live)))

  it.live("interrupting the fiber kills a child that ignores SIGTERM within the grace period, and its grandchild", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const pidFile = join(dir, "stubborn.pids")
      const stubborn = script(
        "stubborn",
        `trap '' TERM; sleep 60 & echo "$$ $!" > ${pidFile}; while true; do sleep 0.05; done`
      )
      const fiber = yield* Effect.fork(runner.run({ command: stubborn, args: [] }))
      const [leader, grandchild] = (yield* waitFor(pidFile)).split(" ").map(Number) as [number, number]
      expect(alive(leader)).toBe(true)
      expect(alive(grandchild)).toBe(true)
      const start = Date.now()
      const exit = yield* Fiber.interrupt(fiber)
      const took = Date.now() - start
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(took).toBeGreaterThanOrEqual(250)
      expect(took).toBeLessThan(2500)
      expect(alive(leader)).toBe(false)
      expect(alive(grandchild)).toBe(false)
    }).pipe(Effect.provide(Live)))

  it.live("a grandchild left behind by a child that exits is ended with the run", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const pidFile = join(dir, "orphan.pid")
      const leaver = script("leaver", `sleep 60 >/dev/null 2>&1 & echo $! > ${pidFile}; echo done`)
      const result = yield* runner.run({ command: leaver, args: [] })
      expect(result.stdout).toBe("done\n")
      const grandchild = Number(yield* waitFor(pidFile))
      expect(alive(grandchild)).toBe(false)
    }).pipe(Effect.provide(Live)))

  it.live("interrupting the fiber also ends a grandchild that left the process group (setsid)", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const pidFile = join(dir, "escaper.pid")
      const escaper = script(
        "escaper",
        `setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > ${pidFile}; while true; do sleep 0.05; done`
      )
      const fiber = yield* Effect.fork(runner.run({ command: escaper, args: [] }))
      const grandchild = Number(yield* waitFor(pidFile))
      yield* Effect.addFinalizer(() => Effect.sync(() => killQuietly(grandchild)))
      yield* Effect.promise(() => until(() => sessionOf(grandchild) === grandchild))
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(alive(grandchild)).toBe(false)
    }).pipe(Effect.provide(Live), Effect.scoped))

  it.live("a run that ends normally ends a grandchild that left the group while a walk of the tree could see it", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const pidFile = join(dir, "daemon.pid")
      // The child outlives the first walk of its tree (100 ms after the spawn), then exits: its setsid
      // grandchild, adopted by init, is linked to the run only by what that walk saw.
      const daemonizer = script(
        "daemonizer",
        `setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > ${pidFile}; sleep 0.6; echo done`
      )
      const run = yield* Effect.fork(runner.run({ command: daemonizer, args: [] }))
      const grandchild = Number(yield* waitFor(pidFile))
      yield* Effect.addFinalizer(() => Effect.sync(() => killQuietly(grandchild)))
      const result = yield* Fiber.join(run)
      expect(result.stdout).toBe("done\n")
      expect(alive(grandchild)).toBe(false)
    }).pipe(Effect.provide(Live), Effect.scoped))

  it.live("a child that exits without reading a large stdin does not crash the runner (EPIPE)", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const result = yield* runner.run({ command: "true", args: [], stdin: "x".repeat(5_000_000) })
      expect(result.exitCode).toBe(0)
    }).pipe(Effect.provide(Live)))

  it.live("removes nesting markers such as CLAUDECODE from the child's environment and adds the overrides", () =>
    Effect.gen(function*() {
      const runner = yield* make({ inheritedEnv: { ...process.env, CLAUDECODE: "1", KEEP_ME: "yes" } }).pipe(
        Effect.provide(GatewayConfig.layerTest())
      )
      const result = yield* runner.run({
        command: "sh",
        args: ["-c", "echo \"[$CLAUDECODE][$KEEP_ME][$EXTRA]\""],
        env: { EXTRA: "added" }
      })
      expect(result.stdout.trim()).toBe("[][yes][added]")
    }))

  it.live("streams each chunk to onOutput in order and reports the pid to onSpawn", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const seen: Array<string> = []
      let spawned = 0
      const result = yield* runner.run({
        command: script("chatty", `echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three`),
        args: [],
        onOutput: (chunk) => Effect.sync(() => seen.push(`${chunk.stream}:${Buffer.from(chunk.data).toString()}`)),
        onSpawn: (pid) => Effect.sync(() => (spawned = pid))
      })
      expect(seen).toEqual(["stdout:one\n", "stderr:two\n", "stdout:three\n"])
      expect(spawned).toBe(result.pid)
    }).pipe(Effect.provide(Live)))

  it.live("an onOutput slower than the child gets every byte in order, and the run ends after the last", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      let text = ""
      let calls = 0
      const result = yield* runner.run({
        // 200 lines printed at once, while each chunk handed over takes 2 ms: they pile up while it works.
        command: script("burst", `i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done; exit 0`),
        args: [],
        onOutput: (chunk) =>
          Effect.zipRight(
            Effect.sleep(Duration.millis(2)),
            Effect.sync(() => {
              calls++
              text += Buffer.from(chunk.data).toString()
            })
          )
      })
      expect(text).toBe(Array.from({ length: 200 }, (_, i) => `line ${i}\n`).join(""))
      expect(result.stdout).toBe(text)
      expect(calls).toBeGreaterThan(0)
    }).pipe(Effect.provide(Live)))
})

describe("CommandRunner.layerTest", () => {
  it.effect("answers from the script without spawning", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const ok = yield* runner.run({ command: "claude", args: ["-p"] })
      expect(ok.stdout).toBe("scripted claude -p")
      const failed = yield* Effect.flip(runner.run({ command: "fail", args: [] }))
      expect(failed._tag).toBe("CliExitedNonZero")
    }).pipe(
      Effect.provide(
        layerTest((spec) =>
          Effect.succeed(
            spec.command === "fail"
              ? { exitCode: 3, stderr: "no" }
              : { stdout: `scripted ${spec.command} ${spec.args.join(" ")}` }
          )
        )
      )
    ))

})

describe("CommandRunner idle window (TestClock)", () => {
  it.effect("a silent real process fails with IdleTimeout once the clock passes the window, not before", () =>
    Effect.gen(function*() {
      const runner = yield* CommandRunner
      const pidFile = join(dir, "clocked.pid")
      const silent = script("clocked", `echo $$ > ${pidFile}; exec sleep 30`)
      const fiber = yield* Effect.fork(runner.run({ command: silent, args: [], idleTimeoutMs: 60_000 }))
      const pid = Number(yield* waitFor(pidFile))
      yield* TestClock.adjust(Duration.seconds(59))
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust(Duration.seconds(2))
      const error = yield* Effect.flip(Fiber.join(fiber))
      expect(error._tag).toBe("IdleTimeout")
      expect(alive(pid)).toBe(false)
    }).pipe(Effect.provide(Live)))
})
