import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { promisify } from "node:util"

const run = promisify(execFile)

describe("README quick start", () => {
  it("npm start runs the main job end to end on the embedded emulator", async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("IIKO_")))
    const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/quickstart.ts"], { env })
    assert.include(stdout, "Quickstart against the embedded emulator")
    assert.match(stdout, /command\s+Success/)
    assert.match(stdout, /creationStatus\s+Success/)
    assert.match(stdout, /menuItems\s+[1-9]\d*/)
  }, 60_000)
})
