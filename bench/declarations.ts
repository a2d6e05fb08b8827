/**
 * Declaration benchmark: what a user's type-checker pays for effect-iiko. Builds `dist/`, sums the
 * `.d.ts` sizes, then type-checks a small consumer project (`bench/consumer/`: a few endpoint calls,
 * property accesses and a paged stream, importing the built package) with `tsc --noEmit` and
 * `skipLibCheck: false`, three times, recording wall time and peak memory (`/usr/bin/time -v`).
 * Appends one row to `bench/results/declarations.md`.
 *
 * Run with `npx tsx bench/declarations.ts <label>` (label e.g. "before", "after").
 */
import { execFileSync, spawnSync } from "node:child_process"
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const label = process.argv[2] ?? "run"
const RUNS = 3
const RESULTS = join(root, "bench/results/declarations.md")

const walk = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]
  )

const declarationSizes = () => {
  const files = walk(join(root, "dist")).filter((f) => f.endsWith(".d.ts"))
  const sizes = files.map((f) => ({ file: f.slice(root.length + 1), bytes: statSync(f).size }))
  const largest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a))
  return { total: sizes.reduce((sum, s) => sum + s.bytes, 0), largest }
}

/** A consumer project in a scratch directory whose `effect-iiko` and `effect` link to this checkout. */
const consumer = (): string => {
  const dir = join(root, "bench/.consumer")
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, "node_modules"), { recursive: true })
  symlinkSync(root, join(dir, "node_modules/effect-iiko"))
  symlinkSync(join(root, "node_modules/effect"), join(dir, "node_modules/effect"))
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      skipLibCheck: false,
      types: []
    },
    files: ["index.ts"]
  }))
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }))
  writeFileSync(join(dir, "index.ts"), CONSUMER)
  return dir
}

const CONSUMER = `import { Effect, Stream } from "effect"
import { Iiko, IikoPage } from "effect-iiko"

export const program = Effect.gen(function*() {
  const { organizations } = yield* Iiko.organizations({ returnAdditionalInfo: false })
  const organizationIds = organizations.map((o) => o.id)
  const { terminalGroups } = yield* Iiko.terminalGroups({ organizationIds })
  const changes = yield* Iiko.deliveriesByRevision({ organizationIds, startRevision: 0 })
  const sum = changes.ordersByOrganizations.flatMap((o) => o.orders).reduce((n, o) => n + (o.order?.sum ?? 0), 0)
  const products = yield* IikoPage.stream(Iiko.nomenclatureProductListV2, {}).pipe(Stream.runCollect)
  return { terminalGroups: terminalGroups.length, sum, products: products.length }
})
`

const measure = (dir: string) => {
  const tsc = join(root, "node_modules/typescript/bin/tsc")
  const result = spawnSync("/usr/bin/time", ["-v", process.execPath, tsc, "-p", dir], { encoding: "utf8" })
  if (result.status !== 0) throw new Error(`consumer tsc failed:\n${result.stdout}\n${result.stderr}`)
  const field = (name: string) => result.stderr.match(new RegExp(`${name}: (.+)`))?.[1] ?? ""
  const [m = "0", s = "0"] = field("Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)").split(":").slice(-2)
  return { seconds: Number(m) * 60 + Number(s), megabytes: Number(field("Maximum resident set size \\(kbytes\\)")) / 1024 }
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" })
const sizes = declarationSizes()
const dir = consumer()
const runs = Array.from({ length: RUNS }, () => measure(dir))
rmSync(dir, { recursive: true, force: true })
const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim()
const row = `| ${label} | ${commit} | ${(sizes.total / 1e6).toFixed(2)} MB | ${sizes.largest.file} ${(sizes.largest.bytes / 1e6).toFixed(2)} MB | ${
  median(runs.map((r) => r.seconds)).toFixed(2)
} s | ${median(runs.map((r) => r.megabytes)).toFixed(0)} MB |`
if (!existsSync(RESULTS)) {
  writeFileSync(
    RESULTS,
    "# Declarations: size and a consumer's `tsc --noEmit` (skipLibCheck off)\n\n" +
      `Consumer: \`bench/declarations.ts\` (a few calls, property accesses, a paged stream); median of ${RUNS} runs on a shared 2-core machine.\n\n` +
      "| label | commit | all .d.ts | largest .d.ts | consumer tsc time | consumer tsc peak memory |\n|---|---|---|---|---|---|\n"
  )
}
appendFileSync(RESULTS, `${row}\n`)
console.log(row)
