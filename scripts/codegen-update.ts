/**
 * `npm run codegen:update`: the weekly refresh. Downloads the current spec from iiko's
 * documentation endpoint (`url` in `codegen/spec.json`, or `--url <url>`), or takes a file already
 * downloaded (`--from <file>`); writes it beside the checkout as `openapi-<date>.json` with its
 * `.sha256`, regenerates the code from it, records its path and checksum in `codegen/spec.json`
 * (which `.ci/run` and the tests read), and prints the operations added, removed and changed
 * since the previous spec.
 *
 * Nothing is changed unless the download succeeds, the document parses as an OpenAPI spec and
 * the generator accepts it (patches still apply, every operation is in the catalog).
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { tmpdir } from "node:os"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { diffSpecs, formatDiff } from "./codegen/Diff.ts"
import { PINNED_FILE, readPinned } from "./codegen/Pinned.ts"
import type { Spec } from "./codegen/Spec.ts"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const DOWNLOAD_TIMEOUT_MS = 60_000


const option = (args: ReadonlyArray<string>, name: string): string | undefined => {
  const index = args.indexOf(name)
  return index === -1 ? undefined : args[index + 1]
}

const download = async (url: string): Promise<string> => {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) })
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`)
    return await response.text()
  } catch (error) {
    const cause = error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error)
    throw new Error(
      `cannot download the spec from ${url} (${cause}).\n` +
        "Nothing was changed. Without network access, download the spec on another machine and run\n" +
        "  npm run codegen:update -- --from <downloaded.json>"
    )
  }
}

const parseSpec = (text: string, source: string): Spec => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(`${source} is not JSON; nothing was changed`)
  }
  const spec = parsed as Partial<Spec>
  if (typeof spec.paths !== "object" || typeof spec.components?.schemas !== "object") {
    throw new Error(`${source} is not an OpenAPI document with paths and components; nothing was changed`)
  }
  return parsed as Spec
}

const run = (script: string, ...args: ReadonlyArray<string>): void => {
  execFileSync(process.execPath, ["--import", "tsx", join(root, script), ...args], { cwd: root, stdio: "inherit" })
}

const main = async (): Promise<number> => {
  const args = process.argv.slice(2)
  const pinned = readPinned()
  const from = option(args, "--from")
  const url = option(args, "--url") ?? pinned.url
  const text = from !== undefined ? readFileSync(resolve(from), "utf8") : await download(url)
  const spec = parseSpec(text, from ?? url)
  const sha256 = createHash("sha256").update(text).digest("hex")
  if (sha256 === pinned.sha256) {
    console.log(`codegen:update: the spec is unchanged (sha256 ${sha256}); nothing to do`)
    return 0
  }
  const previousPath = resolve(root, pinned.path)
  const date = new Date().toISOString().slice(0, 10)
  const target = option(args, "--out") ?? join(dirname(previousPath), `openapi-${date}.json`)
  // Dry run first: the generator must accept the new spec before anything is written.
  const staging = join(tmpdir(), `effect-iiko-openapi-${date}-${process.pid}.json`)
  writeFileSync(staging, text)
  try {
    run("scripts/codegen.ts", "--validate", staging)
  } catch {
    throw new Error("the generator rejects the new spec (see above); nothing was changed in the project")
  } finally {
    rmSync(staging, { force: true })
  }
  writeFileSync(target, text)
  writeFileSync(`${target}.sha256`, `${sha256}  ${target.split("/").pop()}\n`)
  run("scripts/codegen.ts", target)
  const specPath = relative(root, target)
  writeFileSync(PINNED_FILE, `${JSON.stringify({ ...pinned, path: specPath, sha256 }, null, 2)}\n`)
  const previous = JSON.parse(readFileSync(previousPath, "utf8")) as Spec
  console.log(`codegen:update: ${specPath} (sha256 ${sha256})`)
  console.log(formatDiff(diffSpecs(previous, spec)))
  return 0
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`codegen:update: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  }
)
