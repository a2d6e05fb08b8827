/**
 * `npm run check:hover`: what an editor shows, checked with the TypeScript language service
 * (typescript 5.9 under the `typescript-ls` alias: typescript 7 has no JavaScript language-service
 * API). Hovering an endpoint at a call site shows iiko's summary and documentation link, hovering a
 * request field or a response property shows the field's description, and a deprecated operation
 * is reported as deprecated (what makes editors strike it through) with its replacement named.
 * A script rather than a test: building the language service's program over the generated code
 * takes 10–30 s, too slow for the test suite; `.ci/run` runs it.
 */
import { strict as assert } from "node:assert"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import ts from "typescript-ls"

const root = fileURLToPath(new URL("..", import.meta.url))
const CONSUMER = `${root}scripts/__hover__.ts`
const SOURCE = `import { Effect } from "effect"
import { Iiko } from "../src/index.ts"

export const program = Effect.gen(function*() {
  const changes = yield* Iiko.deliveriesByRevision({ organizationIds: [], startRevision: 0 })
  const menu = yield* Iiko.menuByIdV2({ externalMenuId: "1", organizationIds: [] })
  return [changes.maxRevision, menu]
})
`

const service = (() => {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    exactOptionalPropertyTypes: true,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    types: []
  }
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [CONSUMER],
    getScriptVersion: () => "1",
    getScriptSnapshot: (file) => {
      if (file === CONSUMER) return ts.ScriptSnapshot.fromString(SOURCE)
      return ts.sys.fileExists(file) ? ts.ScriptSnapshot.fromString(readFileSync(file, "utf8")) : undefined
    },
    getCurrentDirectory: () => root,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (file) => file === CONSUMER || ts.sys.fileExists(file),
    readFile: (file) => (file === CONSUMER ? SOURCE : ts.sys.readFile(file)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories
  }
  return ts.createLanguageService(host, ts.createDocumentRegistry())
})()

/** The hover text (signature, documentation and tags) at the first occurrence of `word` after `after`. */
const hover = (word: string, after = ""): string => {
  const position = SOURCE.indexOf(word, SOURCE.indexOf(after)) + 1
  const info = service.getQuickInfoAtPosition(CONSUMER, position)
  if (info === undefined) return ""
  const tags = (info.tags ?? []).map((tag) => `@${tag.name} ${ts.displayPartsToString(tag.text)}`)
  return [ts.displayPartsToString(info.displayParts), ts.displayPartsToString(info.documentation), ...tags].join("\n")
}

const checks: ReadonlyArray<readonly [string, () => void]> = [
  ["an endpoint at a call site shows iiko's summary, its facts and the documentation link", () => {
    const text = hover("deliveriesByRevision")
    assert.ok(text.includes("Retrieve list of orders changed from the time revision was passed."), text)
    assert.ok(text.includes("`POST /api/1/deliveries/by_revision`"), text)
    assert.ok(text.includes("Restriction group: `Orders: receiving by revision`"), text)
    assert.match(text, /@see .*api-ru\.iiko\.services\/docs#tag\/Deliveries/)
    assert.ok(text.includes("OrdersByRevisionRequest"), `the request type is named, not spelled out: ${text}`)
  }],
  ["a request field in the call's object literal shows its description", () => {
    const text = hover("startRevision")
    assert.ok(text.includes("Revision start number beginning from which (but not including)"), text)
  }],
  ["a response property access shows its description", () => {
    const text = hover("maxRevision", "return")
    assert.ok(text.includes("Maximum revision value per all orders."), text)
  }],
  ["a deprecated operation is reported deprecated, naming its replacement", () => {
    const text = hover("menuByIdV2")
    assert.ok(text.includes("@deprecated iiko deprecates this operation: use {@link menuByIdV3} instead."), text)
    const deprecated = service.getSuggestionDiagnostics(CONSUMER).filter((d) => d.reportsDeprecated === true)
    assert.deepEqual(deprecated.map((d) => SOURCE.slice(d.start, (d.start ?? 0) + (d.length ?? 0))), ["menuByIdV2"])
  }]
]

let failed = 0
for (const [name, check] of checks) {
  try {
    check()
    console.log(`ok   ${name}`)
  } catch (error) {
    failed++
    console.error(`FAIL ${name}\n${error instanceof Error ? error.message : String(error)}`)
  }
}
console.log(`check:hover: ${checks.length - failed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
