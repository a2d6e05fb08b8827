/**
 * The spec the committed code is generated from, as pinned in `codegen/spec.json` (its path beside
 * the checkout and its sha256): the one place that names it. The generator, `.ci/run` (through
 * `codegen:check` without a path) and the tests read it from here, and fail with a message that
 * says what is missing when the file is not there.
 *
 * @since 0.2.0
 */
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The checkout's root directory. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..")

/** `codegen/spec.json`. */
export const PINNED_FILE = join(root, "codegen/spec.json")

/** What `codegen/spec.json` holds. */
export interface Pinned {
  readonly reason: string
  readonly url: string
  /** Relative to the checkout, e.g. `../shared/iiko/openapi-2026-10.json`. */
  readonly path: string
  readonly sha256: string
}

/** Reads `codegen/spec.json`. */
export const readPinned = (): Pinned => JSON.parse(readFileSync(PINNED_FILE, "utf8")) as Pinned

const missing = (file: string, what: string): Error =>
  new Error(
    `${what} is missing: ${file}\n` +
      `It lives in the shared folder beside the checkout (the pinned spec is "${readPinned().path}" in codegen/spec.json); ` +
      "CI and every developer machine have it. The spec is never copied into the project."
  )

/** The absolute path of the pinned spec; throws naming the file when it is not there. */
export const pinnedSpecPath = (): string => {
  const file = resolve(root, readPinned().path)
  if (!existsSync(file)) throw missing(file, "the pinned iiko spec")
  return file
}

/** The pinned spec's text, checked against its sha256; throws when it is missing or changed. */
export const readPinnedSpec = (): { readonly path: string; readonly text: string } => {
  const path = pinnedSpecPath()
  const text = readFileSync(path, "utf8")
  const { sha256 } = readPinned()
  const actual = createHash("sha256").update(text).digest("hex")
  if (actual !== sha256) {
    throw new Error(
      `the pinned iiko spec ${path} has sha256 ${actual}, but codegen/spec.json pins ${sha256}: ` +
        "the file changed after it was pinned (run `npm run codegen:update -- --from <file>` to adopt a new spec)"
    )
  }
  return { path, text }
}

/**
 * Another file of the shared folder that holds the pinned spec (the July 2026 spec
 * `openapi.json`, its `operations.tsv`); throws naming the file when it is not there.
 */
export const sharedFile = (name: string): string => {
  const file = join(dirname(resolve(root, readPinned().path)), name)
  if (!existsSync(file)) throw missing(file, `the shared file ${name}`)
  return file
}
