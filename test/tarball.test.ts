/**
 * The package as users get it: `npm pack` (which builds), installed from the tarball into a
 * scratch project without any registry access (the peer `effect` is linked from this checkout),
 * then loaded from ESM and from CommonJS (`require(esm)`, Node 20.19+ and 22.12+) and run
 * against the in-memory emulator. Also checks what the tarball holds and which subpaths resolve.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))

const newest = (dir: string): number =>
  Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs
    )
  )

/** `dist/` built after the last change to `src/` (CI and land.sh build right before testing). */
const distIsFresh = () => {
  const built = join(root, "dist", "index.js")
  return existsSync(built) && statSync(built).mtimeMs > newest(join(root, "src"))
}

const run = (file: string, args: ReadonlyArray<string>, cwd: string) =>
  execFileSync(file, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })

/**
 * Subpaths that must not resolve from outside: internals, generated modules (re-exported through
 * `Iiko`), the emulator's parts and the command line (importing `cli/bin` would run it and exit).
 */
const closed = [
  "effect-iiko/internal/pipeline",
  "effect-iiko/testing/emulator/Engine",
  "effect-iiko/generated/Deliveries",
  "effect-iiko/cli/Target",
  "effect-iiko/cli/bin"
]

/** Runs one call on the emulator and tries subpaths that must not resolve; prints a JSON summary. */
const program = (load: (specifier: string) => string) => `
const { Effect, Layer } = ${load("effect")}
const { Iiko, IikoClient, IikoConfig } = ${load("effect-iiko")}
const { IikoEmulator } = ${load("effect-iiko/testing")}
const { layer } = ${load("effect-iiko/IikoClient")}
const client = Layer.unwrap(Effect.gen(function*() {
  const emulator = yield* IikoEmulator.IikoEmulator
  return IikoClient.layer({ baseUrl: emulator.baseUrl, credentials: IikoConfig.v1("tarball-test") })
})).pipe(Layer.provideMerge(IikoEmulator.layer({ seed: 1 })))
const blocked = {}
const closed = ${JSON.stringify(closed)}
const main = async () => {
  for (const specifier of closed) {
    try { ${load("specifier")}; blocked[specifier] = "resolved" } catch (error) { blocked[specifier] = error.code }
  }
  const { organizations } = await Effect.runPromise(Iiko.organizations({}).pipe(Effect.provide(client)))
  process.stdout.write(JSON.stringify({ organizations: organizations.length, layer: typeof layer, blocked }))
}
main()
`

describe("packed tarball", () => {
  it("installs offline into a scratch project and loads from ESM and CommonJS", { timeout: 300_000 }, () => {
    const scratch = mkdtempSync(join(tmpdir(), "effect-iiko-pack-"))
    try {
      // `npm pack` builds through `prepack`; skip that when dist/ is already fresh.
      if (!distIsFresh()) run("npm", ["run", "build"], root)
      run("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", scratch], root)
      const tarball = readdirSync(scratch).find((name) => name.endsWith(".tgz"))
      assert.isDefined(tarball)
      const contents = run("tar", ["-tzf", join(scratch, tarball!)], scratch).split("\n").filter((line) => line !== "")
      assert.include(contents, "package/dist/index.js")
      assert.include(contents, "package/dist/index.d.ts")
      assert.include(contents, "package/README.md")
      assert.deepStrictEqual(contents.filter((file) => file.endsWith(".map")), [], "source maps without their sources")
      assert.deepStrictEqual(contents.filter((file) => file.startsWith("package/src/")), [])

      const app = join(scratch, "app")
      mkdirSync(app)
      writeFileSync(join(app, "package.json"), JSON.stringify({ name: "scratch-app", private: true }))
      run("npm", [
        "install",
        "--offline",
        "--no-audit",
        "--no-fund",
        "--no-package-lock",
        "--ignore-scripts",
        "--legacy-peer-deps",
        join(scratch, tarball!)
      ], app)
      symlinkSync(join(root, "node_modules", "effect"), join(app, "node_modules", "effect"), "dir")

      writeFileSync(join(app, "esm.mjs"), program((specifier) => specifier.startsWith("effect")
        ? `await import(${JSON.stringify(specifier)})`
        : `await import(${specifier})`))
      writeFileSync(join(app, "cjs.cjs"), program((specifier) => specifier.startsWith("effect")
        ? `require(${JSON.stringify(specifier)})`
        : `require(${specifier})`))

      const blocked = Object.fromEntries(closed.map((specifier) => [specifier, "ERR_PACKAGE_PATH_NOT_EXPORTED"]))
      for (const file of ["esm.mjs", "cjs.cjs"]) {
        const result = JSON.parse(run(process.execPath, [file], app))
        assert.isAbove(result.organizations, 0, file)
        assert.strictEqual(result.layer, "function", file)
        assert.deepStrictEqual(result.blocked, blocked, file)
      }

      // The installed executable: without the optional peer @effect/platform-node it says what
      // to install in one line and exits 1; with it, it runs.
      const bin = join(app, "node_modules", ".bin", "effect-iiko")
      const missing = spawnSync(bin, ["check"], { cwd: app, encoding: "utf8" })
      assert.strictEqual(missing.status, 1)
      assert.strictEqual(missing.stdout, "")
      assert.strictEqual(
        missing.stderr,
        "effect-iiko: the command line needs @effect/platform-node, which is not installed; run: npm install @effect/platform-node\n"
      )
      mkdirSync(join(app, "node_modules", "@effect"), { recursive: true })
      symlinkSync(join(root, "node_modules", "@effect", "platform-node"), join(app, "node_modules", "@effect", "platform-node"), "dir")
      assert.strictEqual(run(bin, ["--version"], app).trim(), "effect-iiko v0.1.0")
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  })
})
