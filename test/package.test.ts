import { assert, describe, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const src = fileURLToPath(new URL("../src/", import.meta.url))
const sources = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []
  )
const relative = (file: string) => file.slice(src.length)
const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))

describe("package", () => {
  it("the optional peer @effect/platform-node is imported statically only by the emulator's server (the bin loads it dynamically)", () => {
    const importers = sources(src)
      .filter((file) => /from "@effect\/platform-node"/.test(readFileSync(file, "utf8")))
      .map(relative)
    assert.deepStrictEqual(importers, ["testing/emulator/Server.ts"])
    assert.isTrue(packageJson.peerDependenciesMeta["@effect/platform-node"].optional)
  })

  it("effect is a peer dependency, and the library has no runtime dependencies", () => {
    assert.strictEqual(packageJson.peerDependencies.effect, "^4.1.0")
    assert.isUndefined(packageJson.dependencies)
    assert.isFalse(packageJson.sideEffects)
  })

  it("the library reads no environment and prints nothing itself", () => {
    for (const file of sources(src).filter((file) => !file.includes("/generated/"))) {
      const text = readFileSync(file, "utf8")
      assert.notMatch(text, /process\.env/, relative(file))
      assert.notMatch(text, /console\.(log|error|warn|info)/, relative(file))
    }
  })
})
