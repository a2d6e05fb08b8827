/**
 * Decode benchmark for the generated schemas (run on demand: `npx tsx bench/decode.ts`).
 *
 * Builds deterministic synthetic bodies from the contract samples: a ~10 MB nomenclature
 * (5,000 products with sizes, modifiers and groups) and a large external menu (V2). Measures
 * `JSON.parse` alone and `JSON.parse` + decode with the default Schema interpreter, then again
 * in a child process with the Schema JIT enabled (it must load before any schema is built), plus
 * the project's type-check time and the bundle size of an app importing one endpoint.
 * Writes `bench/results/decode.md`.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import type * as SchemaType from "effect/Schema"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const samples = JSON.parse(readFileSync(join(root, "test/fixtures/contract-samples.json"), "utf8"))
const ROUNDS = 15

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

interface Measure {
  readonly name: string
  readonly megabytes: number
  readonly parseMs: number
  readonly decodeMs: number
}

const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const time = (f: () => unknown): number => {
  const start = performance.now()
  f()
  return performance.now() - start
}

/** Runs in this process; `jit` must be decided before the schemas are imported. */
const measureAll = async (jit: boolean): Promise<ReadonlyArray<Measure>> => {
  if (jit) await import("effect/schema/SchemaJITCompiler/enable")
  const Schema = await import("effect/Schema")
  const { NomenclatureResponse, MenuByIdV2Response } = await import("../src/generated/Menu.ts")
  const cases = [
    { name: "nomenclature (5,000 products)", text: nomenclatureBody(), schema: NomenclatureResponse as SchemaType.Codec<unknown, unknown> },
    { name: "external menu V2 (4,000 items)", text: menuBody(), schema: MenuByIdV2Response as SchemaType.Codec<unknown, unknown> }
  ]
  return cases.map(({ name, text, schema }) => {
    const decode = Schema.decodeUnknownSync(schema)
    decode(JSON.parse(text)) // warm-up, and proves the body is valid
    const parsed = JSON.parse(text)
    const parse = Array.from({ length: ROUNDS }, () => time(() => JSON.parse(text)))
    const decoding = Array.from({ length: ROUNDS }, () => time(() => decode(parsed)))
    return { name, megabytes: Buffer.byteLength(text) / 1e6, parseMs: median(parse), decodeMs: median(decoding) }
  })
}

const rate = (megabytes: number, ms: number): string => `${(megabytes / ms * 1000).toFixed(0)} MB/s`

const row = (m: Measure, mode: string): string => {
  const total = m.parseMs + m.decodeMs
  return `| ${m.name} | ${mode} | ${m.megabytes.toFixed(1)} | ${m.parseMs.toFixed(0)} (${rate(m.megabytes, m.parseMs)}) | ${
    m.decodeMs.toFixed(0)
  } | ${total.toFixed(0)} (${rate(m.megabytes, total)}) |`
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
  const common = [entry, "--bundle", "--format=esm", "--platform=neutral", "--tree-shaking=true", "--log-level=error"]
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
  if (process.argv.includes("--child-jit")) {
    process.stdout.write(JSON.stringify(await measureAll(true)))
    return
  }
  const interpreted = await measureAll(false)
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--child-jit"], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 1 << 20
  })
  const jit: ReadonlyArray<Measure> = JSON.parse(child.stdout)
  const tsc = typeCheckSeconds()
  const sizes = bundles()
  const lines = [
    "# Decode benchmark (generated schemas)",
    "",
    `Node ${process.version}, effect 4.1.0, median of ${ROUNDS} runs after a warm-up. Bodies are synthetic and`,
    "deterministic (built from the spec-derived contract samples). \"schema decode\" is `decodeUnknownSync` on the",
    "already parsed value; \"total\" adds `JSON.parse`. Timings on a shared machine are noisy (±30%).",
    "Run: `npx tsx bench/decode.ts`.",
    "",
    "| body | interpreter | MB | JSON.parse ms | schema decode ms | total ms |",
    "|---|---|---|---|---|---|",
    ...interpreted.map((m) => row(m, "default")),
    ...jit.map((m) => row(m, "JIT (`effect/schema/SchemaJITCompiler/enable`)")),
    "",
    "## Type-check",
    "",
    `\`npx tsc -p tsconfig.json\` (tsc 7, whole project: 21 generated modules, 769 schemas, 225 endpoints): ${tsc.toFixed(1)} s wall clock.`,
    "",
    "## Bundle of an app calling one endpoint (`Iiko.organizations`)",
    "",
    "esbuild `--bundle --format=esm --tree-shaking=true`; sizes in KiB, effect runtime included. The project generates",
    "769 schemas; `Struct({` counts every struct call site left in the bundle (effect's own included).",
    "",
    "| entry | KiB | KiB minified | `Struct({` sites |",
    "|---|---|---|---|",
    ...sizes.map(bundleRow),
    "",
    "Importing the module (`effect-iiko/Iiko`-style) keeps only the endpoint's schemas. esbuild cannot shake a",
    "namespace re-exported with `export * as Iiko` from a barrel when it is imported by name, so the barrel import keeps",
    "every schema; the core modules' `from \"effect\"` barrel imports likewise pull most of effect.",
    ""
  ]
  writeFileSync(join(root, "bench/results/decode.md"), lines.join("\n"))
  console.log(lines.join("\n"))
}

main()
