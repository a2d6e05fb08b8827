/**
 * The code generator: `npm run codegen [-- <spec.json>]` writes `src/generated/` and `docs/api.md`
 * from the iiko OpenAPI spec, the reviewed patch list and the project's catalogs in `codegen/`.
 * Without a path it reads the spec pinned in `codegen/spec.json` (checking its sha256) and fails,
 * naming the file, when that is missing. `npm run codegen:check` regenerates in memory and exits
 * non-zero when the committed output differs (stale or hand-edited); `--validate` only checks that
 * the spec generates (patches apply, catalog complete) and writes nothing.
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { type AreasConfig, generate } from "./codegen/Emit.ts"
import { applyPatches, type Patch } from "./codegen/Patch.ts"
import { readPinnedSpec } from "./codegen/Pinned.ts"
import type { NamesConfig } from "./codegen/Schemas.ts"
import { type DeprecationsConfig, parseCatalog, type Spec } from "./codegen/Spec.ts"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const readJson = <A>(path: string): A => JSON.parse(readFileSync(path, "utf8")) as A
const GENERATED = "src/generated"

const main = (): number => {
  const args = process.argv.slice(2)
  const check = args.includes("--check")
  const validate = args.includes("--validate")
  // An empty argument (a caller's unset variable) means the pinned spec too.
  const specPath = args.find((a) => a !== "" && !a.startsWith("--"))
  const spec = JSON.parse(specPath === undefined ? readPinnedSpec().text : readFileSync(resolve(specPath), "utf8")) as Spec
  applyPatches(spec, readJson<ReadonlyArray<Patch>>(join(root, "codegen/patches.json")))
  const { files, stats } = generate(spec, {
    catalog: parseCatalog(readFileSync(join(root, "codegen/operations.tsv"), "utf8")),
    areas: readJson<AreasConfig>(join(root, "codegen/areas.json")),
    names: readJson<NamesConfig>(join(root, "codegen/names.json")),
    deprecations: readJson<DeprecationsConfig>(join(root, "codegen/deprecations.json"))
  })
  const summary = `${stats.operations} operations, ${stats.schemas} schemas (${stats.aliases} aliases), ${stats.modules} modules`
  if (validate) return console.log(`codegen: the spec generates (${summary})`), 0
  const stale = [...files].filter(([path, text]) => {
    const full = join(root, path)
    return !existsSync(full) || readFileSync(full, "utf8") !== text
  }).map(([path]) => path)
  const dir = join(root, GENERATED)
  const extra = existsSync(dir)
    ? readdirSync(dir).map((f) => `${GENERATED}/${f}`).filter((path) => !files.has(path))
    : []
  if (check) {
    if (stale.length + extra.length === 0) return console.log(`codegen: up to date (${summary})`), 0
    console.error(`codegen: committed output is stale:\n  ${[...stale, ...extra.map((p) => `${p} (not generated)`)].join("\n  ")}`)
    return 1
  }
  for (const path of extra) rmSync(join(root, path))
  for (const path of stale) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), files.get(path) ?? "")
  }
  console.log(`codegen: ${summary}; ${stale.length} file(s) written, ${extra.length} removed`)
  return 0
}

try {
  process.exitCode = main()
} catch (error) {
  console.error(`codegen: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
