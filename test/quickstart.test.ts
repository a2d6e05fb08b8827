import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { IikoEmulator } from "../src/testing/index.ts"

const run = promisify(execFile)

/** The environment without any IIKO_* variable, plus `extra`. */
const envWith = (extra: Record<string, string> = {}) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("IIKO_"))),
  ...extra
})

const quickstart = (env: Record<string, string | undefined>) =>
  run(process.execPath, ["--import", "tsx", "examples/quickstart.ts"], { env })

describe("README quick start", () => {
  it("npm start runs the main job end to end on the embedded emulator", async () => {
    const { stdout } = await quickstart(envWith())
    assert.include(stdout, "Quickstart against the embedded emulator")
    assert.match(stdout, /command\s+Success/)
    assert.match(stdout, /creationStatus\s+Success/)
    assert.match(stdout, /menuItems\s+[1-9]\d*/)
  }, 60_000)

  it.live("with credentials and a loopback IIKO_BASE_URL it names that server, not iiko Cloud", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const { stdout } = yield* Effect.promise(() =>
        quickstart(envWith({ IIKO_API_LOGIN: "any", IIKO_BASE_URL: emulator.baseUrl }))
      )
      assert.include(stdout, `Quickstart against a local iiko API at ${emulator.baseUrl} (loopback, not iiko Cloud)`)
      assert.notInclude(stdout, "against iiko Cloud")
      assert.match(stdout, /creationStatus\s+Success/)
    }).pipe(Effect.provide(IikoEmulator.layerServer({ seed: 1, creationDelay: "500 millis" }))), 60_000)

  it("IIKO_BASE_URL without credentials exits 2 and says what to set", async () => {
    const failure = await quickstart(envWith({ IIKO_BASE_URL: "http://127.0.0.1:9" })).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error
    )
    assert.isDefined(failure)
    assert.strictEqual(failure!.code, 2)
    assert.include(failure!.stderr, "IIKO_BASE_URL is set (http://127.0.0.1:9) but no IIKO_* credentials are")
  }, 60_000)
})
