/**
 * Decode benchmark for the generated schemas (run on demand: `npx tsx bench/decode.ts`).
 *
 * Builds deterministic synthetic bodies from the contract samples: a ~10 MB nomenclature
 * (5,000 products with sizes, modifiers and groups), a large external menu (V2) and a V4 menu whose
 * items go through the tolerant item union (DISH, SERVICE, COMBO and an unknown type). Every
 * (body, interpreter) pair runs in a fresh child process (the Schema JIT must load before any schema
 * is built), three times; the table shows the median of the three. Inside a child, `JSON.parse`,
 * the decode and a plain recursive copy (the floor for any decoder that returns a new tree) are
 * timed alternately, each sample after a forced full GC, so no sample pays for the garbage of the
 * previous ones. Also measures the project's type-check time and the bundle size of an app importing
 * one endpoint. Writes `bench/results/decode.md`.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { cpus, loadavg } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import type * as SchemaType from "effect/Schema"
import { readPinned } from "../scripts/codegen/Pinned.ts"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const samples = JSON.parse(readFileSync(join(root, "test/fixtures/contract-samples.json"), "utf8"))
const ROUNDS = 15
const PROCESSES = 3

const guid = (n: number): string => {
  const hex = n.toString(16).padStart(12, "0")
  return `0a1b2c3d-4e5f-4a6b-8c7d-${hex}`
}

const withId = <A extends Record<string, unknown>>(template: A, n: number, extra: Record<string, unknown> = {}): A => ({
  ...template,
  id: guid(n),
  ...extra
})

/** ~10 MB: 5,000 products, 2 sizes each, a modifier, 2 modifier groups of 2 modifiers, 400 groups. */
const nomenclatureBody = (): string => {
  const base = samples.nomenclature.response
  const product = base.products[0]
  const size = product.sizePrices[0]
  const group = product.groupModifiers[0]
  const child = group.childModifiers[0]
  const products = Array.from({ length: 5_000 }, (_, i) =>
    withId(product, i, {
      name: `Product ${i}`,
      code: `P-${i}`,
      description: `Product number ${i}.`,
      sizePrices: [0, 1].map((s) => ({ ...size, sizeId: guid(90_000 + s), price: { ...size.price, currentPrice: 100 + i + s } })),
      modifiers: [0].map((m) => ({ ...product.modifiers[0], id: guid(50_000 + m) })),
      groupModifiers: [0, 1].map((g) => ({
        ...group,
        id: guid(60_000 + g),
        childModifiers: [0, 1].map((c) => ({ ...child, id: guid(70_000 + g * 10 + c) }))
      }))
    }))
  const groups = Array.from({ length: 400 }, (_, i) => withId(base.groups[0], 100_000 + i, { name: `Group ${i}` }))
  const sizes = Array.from({ length: 30 }, (_, i) => withId(base.sizes[0], 200_000 + i, { name: `Size ${i}` }))
  return JSON.stringify({ ...base, products, groups, sizes })
}

/** A large V2 external menu: 40 categories of 100 items. */
const menuBody = (): string => {
  const base = samples.menuByIdV2.response
  const category = base.itemCategories[0]
  const item = category.items[0]
  const itemCategories = Array.from({ length: 40 }, (_, c) => ({
    ...category,
    id: guid(300_000 + c),
    items: Array.from({ length: 100 }, (_, i) => ({ ...item, itemId: guid(400_000 + c * 1000 + i), name: `Item ${c}-${i}` }))
  }))
  return JSON.stringify({ ...base, itemCategories })
}

/** A V4 menu: 200 groups of 200 items cycling DISH, SERVICE, COMBO and a type this version does not know. */
const menuV4Body = (): string => {
  const base = JSON.parse(readFileSync(join(root, "test/fixtures/tricky-shapes.json"), "utf8")).externalMenuV4
  const kinds = base.itemGroups[0].items
  const items = Array.from({ length: 200 }, (_, i) => ({ ...kinds[i % kinds.length], id: guid(500_000 + i), name: `Item ${i}` }))
  return JSON.stringify({ ...base, itemGroups: Array.from({ length: 200 }, () => ({ items })) })
}

interface Measure {
  readonly name: string
  readonly megabytes: number
  readonly parseMs: number
  readonly decodeMs: number
  readonly copyMs: number
}

const CASES = [
  { name: "nomenclature (5,000 products)", body: nomenclatureBody, schema: "NomenclatureResponse" },
  { name: "external menu V2 (4,000 items)", body: menuBody, schema: "MenuByIdV2Response" },
  { name: "external menu V4 (40,000 union items)", body: menuV4Body, schema: "MenuByIdV2Response" }
] as const

const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** A plain recursive copy: what any decoder that returns a fresh tree must at least do. */
const copy = (value: unknown): unknown => {
  if (Array.isArray(value)) {
    const out = new Array(value.length)
    for (let i = 0; i < value.length; i++) out[i] = copy(value[i])
    return out
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {}
    for (const key in value) out[key] = copy((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

/** Runs in a child started with `--expose-gc`; `jit` must be decided before the schemas are imported. */
const measureOne = async (index: number, jit: boolean): Promise<Measure> => {
  if (jit) await import("effect/schema/SchemaJITCompiler/enable")
  const Schema = await import("effect/Schema")
  const Menu = await import("../src/generated/Menu.ts")
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error("run the measuring child with --expose-gc")
  const { name, body, schema } = CASES[index]!
  const text = body()
  const decode = Schema.decodeUnknownSync(Menu[schema] as SchemaType.Codec<unknown, unknown>)
  const parsed = JSON.parse(text)
  decode(parsed) // warm-up, and proves the body is valid
  copy(parsed)
  const time = (f: () => unknown): number => {
    gc()
    const start = performance.now()
    f()
    return performance.now() - start
  }
  const parse: Array<number> = []
  const decoding: Array<number> = []
  const copying: Array<number> = []
  for (let round = 0; round < ROUNDS; round++) {
    parse.push(time(() => JSON.parse(text)))
    decoding.push(time(() => decode(parsed)))
    copying.push(time(() => copy(parsed)))
  }
  return {
    name,
    megabytes: Buffer.byteLength(text) / 1e6,
    parseMs: median(parse),
    decodeMs: median(decoding),
    copyMs: median(copying)
  }
}

/** Median over {@link PROCESSES} fresh child processes, field by field. */
const measure = (index: number, jit: boolean): Measure => {
  const runs = Array.from({ length: PROCESSES }, (): Measure => {
    const args = ["--expose-gc", ...process.execArgv, fileURLToPath(import.meta.url), "--child", String(index), ...(jit ? ["--jit"] : [])]
    const child = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 20 })
    if (child.status !== 0) throw new Error(`benchmark child failed: ${child.stderr}`)
    return JSON.parse(child.stdout)
  })
  return {
    name: runs[0]!.name,
    megabytes: runs[0]!.megabytes,
    parseMs: median(runs.map((r) => r.parseMs)),
    decodeMs: median(runs.map((r) => r.decodeMs)),
    copyMs: median(runs.map((r) => r.copyMs))
  }
}

const rate = (megabytes: number, ms: number): string => `${(megabytes / ms * 1000).toFixed(0)} MB/s`

const row = (m: Measure, mode: string): string => {
  const total = m.parseMs + m.decodeMs
  return `| ${m.name} | ${mode} | ${m.megabytes.toFixed(1)} | ${m.parseMs.toFixed(0)} (${rate(m.megabytes, m.parseMs)}) | ${
    m.decodeMs.toFixed(0)
  } | **${(m.decodeMs / m.parseMs).toFixed(1)}×** | ${(m.copyMs / m.parseMs).toFixed(1)}× | ${total.toFixed(0)} (${rate(m.megabytes, total)}) |`
}

/** What the generator emits from the pinned spec, as it reports it ("343 operations, … schemas, … modules"). */
const generatedSummary = (): string => {
  const output = execFileSync(process.execPath, ["--import", "tsx", join(root, "scripts/codegen.ts"), "--validate"], {
    cwd: root,
    encoding: "utf8"
  })
  return /\((.*)\)\s*$/.exec(output.trim())?.[1] ?? "see `npm run codegen:check`"
}

const typeCheckSeconds = (): number => {
  const start = performance.now()
  spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: root, stdio: "ignore" })
  return (performance.now() - start) / 1000
}

interface BundleSize {
  readonly label: string
  readonly bytes: number
  readonly minified: number
  readonly structs: number
}

/** Bundles a one-endpoint app with esbuild (tree-shaking on): sizes and `Struct({` call sites kept. */
const bundle = (label: string, source: string): BundleSize => {
  const entry = join(root, "bench/results/one-endpoint.tmp.ts")
  const out = join(root, "bench/results/one-endpoint.tmp.js")
  writeFileSync(entry, source)
  const esbuild = join(root, "node_modules/.bin/esbuild")
  // Node built-ins and the optional peer stay outside: the barrel reaches them only through the
  // dynamic imports of the server layers (webhook receiver, emulator server).
  const common = [
    entry,
    "--bundle",
    "--format=esm",
    "--platform=neutral",
    "--tree-shaking=true",
    "--log-level=error",
    "--external:node:*",
    "--external:@effect/platform-node"
  ]
  execFileSync(esbuild, [...common, `--outfile=${out}`])
  const structs = (readFileSync(out, "utf8").match(/Struct\(\{/g) ?? []).length
  const bytes = statSync(out).size
  execFileSync(esbuild, [...common, "--minify", `--outfile=${out}`])
  const minified = statSync(out).size
  rmSync(entry)
  rmSync(out)
  return { label, bytes, minified, structs }
}

const bundles = (): ReadonlyArray<BundleSize> => [
  bundle(
    "`import * as Iiko from \"./src/Iiko.ts\"` (module import)",
    `import * as Iiko from "../../src/Iiko.ts"\nexport const program = Iiko.organizations({})\n`
  ),
  bundle(
    "`import { Iiko } from \"./src/index.ts\"` (barrel namespace)",
    `import { Iiko } from "../../src/index.ts"\nexport const program = Iiko.organizations({})\n`
  ),
  bundle(
    "descriptor only: `import { organizations } from \"./src/generated/Organizations.ts\"`",
    `import { organizations } from "../../src/generated/Organizations.ts"\nexport const endpoint = organizations\n`
  )
]

const bundleRow = (b: BundleSize): string =>
  `| ${b.label} | ${(b.bytes / 1024).toFixed(0)} | ${(b.minified / 1024).toFixed(0)} | ${b.structs} |`

const main = async () => {
  const childIndex = process.argv.indexOf("--child")
  if (childIndex !== -1) {
    process.stdout.write(JSON.stringify(await measureOne(Number(process.argv[childIndex + 1]), process.argv.includes("--jit"))))
    return
  }
  const interpreted = CASES.map((_, i) => measure(i, false))
  const jit = CASES.map((_, i) => measure(i, true))
  const tsc = typeCheckSeconds()
  const sizes = bundles()
  const generated = generatedSummary()
  const lines = [
    "# Decode benchmark (generated schemas)",
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} on the code generated from \`${readPinned().path}\` (${generated}),`,
    `load average ${loadavg().map((n) => n.toFixed(1)).join(" / ")} on ${cpus().length} cores.`,
    "",
    `Node ${process.version}, effect 4.1.0. Each row: ${PROCESSES} fresh processes, each the median of ${ROUNDS} samples after a`,
    "warm-up; the table shows the median process. Samples alternate `JSON.parse`, decode and copy, each after a forced",
    "full GC (`--expose-gc`), so a sample does not pay for the garbage of earlier ones. Bodies are synthetic and",
    "deterministic (built from the spec-derived contract samples and `test/fixtures/tricky-shapes.json`). \"schema",
    "decode\" is `decodeUnknownSync` on the already parsed value; \"decode / parse\" is its ratio to `JSON.parse`;",
    "\"copy / parse\" is a plain recursive copy of the parsed value (the floor for any decoder that returns a new tree);",
    "\"total\" adds `JSON.parse`. Timings on a shared machine are noisy (±30%). Run: `npx tsx bench/decode.ts`.",
    "",
    "| body | interpreter | MB | JSON.parse ms | schema decode ms | decode / parse | copy / parse | total ms |",
    "|---|---|---|---|---|---|---|---|",
    ...interpreted.map((m) => row(m, "default")),
    ...jit.map((m) => row(m, "JIT (`effect/schema/SchemaJITCompiler/enable`)")),
    "",
    "Analysis below is from the run of 2026-11-28 on the July 2026 spec (225 operations; numbers in it are from",
    "that run): the JIT target (decode at most 3× `JSON.parse`) held for every body. Earlier runs of this",
    "benchmark timed 15 decodes back to back without collecting in between, so each sample paid a share of the",
    "major GCs caused by the ~10 MB output trees of the previous samples and by the parsed bodies kept alive;",
    "that put the V2 menu at 2–3.3× with or without the JIT (samples ranged from 21 to 100 ms in one process). A CPU",
    "profile (`node --import tsx --cpu-prof`) of the JIT run shows the compiled decoder itself at ~10 ms for the V2",
    "menu and the `NullOr` unions' candidate index at ~3 ms; the rest is allocation and GC of the new tree, which",
    "a plain copy pays too. The tolerant unions are cheap: removing the `unknownVariant` member of the V4 item",
    "union changed the interpreted decode by under 10%, and open enums are already a single annotated",
    "`Schema.String`. The default interpreter stays at 2.4–4.5× (per-node parser calls and `Exit` allocations,",
    "highest for many small union items); that is bounded by effect's interpreter, not by the generated shapes.",
    "",
    "## Type-check",
    "",
    `\`npx tsc -p tsconfig.json\` (tsc 7, whole project: src, test, examples, bench, scripts; generated: ${generated}): ${tsc.toFixed(1)} s wall clock.`,
    "",
    "## Bundle of an app calling one endpoint (`Iiko.organizations`)",
    "",
    "esbuild `--bundle --format=esm --tree-shaking=true`, `node:*` and `@effect/platform-node` external (reached only",
    "through the server layers' dynamic imports); sizes in KiB, effect runtime included. The project generates",
    `${generated}; \`Struct({\` counts every struct call site left in the bundle (effect's own included).`,
    "",
    "| entry | KiB | KiB minified | `Struct({` sites |",
    "|---|---|---|---|",
    ...sizes.map(bundleRow),
    "",
    "Importing the module (`effect-iiko/Iiko`-style) keeps only the endpoint's schemas. esbuild cannot shake a",
    "namespace re-exported with `export * as Iiko` from a barrel when it is imported by name, so the barrel import keeps",
    "every schema. The core modules import effect by subpath (`effect/Effect`, …) for the same reason.",
    ""
  ]
  writeFileSync(join(root, "bench/results/decode.md"), lines.join("\n"))
  console.log(lines.join("\n"))
}

main()
