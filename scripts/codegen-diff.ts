/**
 * `npm run codegen:diff -- old.json new.json`: the operations added, removed and changed between
 * two iiko spec files, offline.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { diffSpecs, formatDiff } from "./codegen/Diff.ts"
import type { Spec } from "./codegen/Spec.ts"

const main = (): number => {
  const [before, after] = process.argv.slice(2).filter((a) => !a.startsWith("--"))
  if (before === undefined || after === undefined) {
    console.error("usage: npm run codegen:diff -- <old-spec.json> <new-spec.json>")
    return 2
  }
  const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Spec
  console.log(formatDiff(diffSpecs(read(before), read(after))))
  return 0
}

process.exitCode = main()
