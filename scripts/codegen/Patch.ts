/**
 * Applies the reviewed patch list (`codegen/patches.json`) to the parsed spec. Each entry is an
 * RFC 6902 operation (`add`, `replace`, `remove`, `test`) with a one-line `reason` and a guard:
 * `replace`, `remove` and `test` carry the value they `expect` to find, and `add` requires its
 * target to be absent. Every `#/components/schemas/...` reference in a value must name components of the spec. A patch whose target is
 * missing or changed, or whose value points at a component the spec no longer has, aborts the run
 * with every such patch listed, so an upstream fix or drift is noticed instead of silently patched
 * over.
 */
import { isDeepStrictEqual } from "node:util"

/** One guarded patch. */
export interface Patch {
  readonly reason: string
  readonly op: "add" | "replace" | "remove" | "test"
  readonly path: string
  readonly value?: unknown
  readonly expect?: unknown
}

type Container = Record<string, unknown> | Array<unknown>

const unescape = (segment: string): string => segment.replace(/~1/g, "/").replace(/~0/g, "~")

const fail = (patch: Patch, index: number, message: string): never => {
  throw new Error(`patch #${index} (${patch.reason}) at ${patch.path}: ${message}`)
}

const isContainer = (value: unknown): value is Container => typeof value === "object" && value !== null

/** Resolves the parent container and last key of a JSON pointer, failing when the parent is missing. */
const locate = (root: unknown, patch: Patch, index: number): { parent: Container; key: string } => {
  const segments = patch.path.split("/").slice(1).map(unescape)
  const key = segments.pop()
  if (key === undefined) return fail(patch, index, "empty pointer")
  let node: unknown = root
  for (const segment of segments) {
    if (!isContainer(node) || !(segment in node)) return fail(patch, index, `missing segment "${segment}"`)
    node = (node as Record<string, unknown>)[segment]
  }
  if (!isContainer(node)) return fail(patch, index, "parent is not an object or array")
  return { parent: node, key }
}

const has = (parent: Container, key: string): boolean => Object.prototype.hasOwnProperty.call(parent, key)

const applyOne = (root: unknown, patch: Patch, index: number): void => {
  const { parent, key } = locate(root, patch, index)
  const target = parent as Record<string, unknown>
  if (patch.op === "add") {
    if (has(parent, key)) fail(patch, index, "target already exists (fixed upstream?)")
    if (Array.isArray(parent)) fail(patch, index, "adding into arrays is not supported")
    target[key] = structuredClone(patch.value)
    return
  }
  if (!has(parent, key)) fail(patch, index, "target is missing")
  if (!isDeepStrictEqual(target[key], patch.expect)) {
    fail(patch, index, `target no longer looks as expected: ${JSON.stringify(target[key])}`)
  }
  if (patch.op === "replace") target[key] = structuredClone(patch.value)
  if (patch.op === "remove") delete target[key]
}

const REF = /"#\/components\/schemas\/([^"]+)"/g

/** Fails when the patch's value references a component the spec does not have. */
const checkRefs = (root: unknown, patch: Patch, index: number): void => {
  const schemas = (root as { components?: { schemas?: Record<string, unknown> } }).components?.schemas ?? {}
  for (const [, key] of JSON.stringify(patch.value ?? null).matchAll(REF)) {
    if (key !== undefined && !has(schemas, unescape(key))) fail(patch, index, `value references missing component ${key}`)
  }
}

/**
 * Applies every patch in order. Every patch whose guard fails is reported, then the run aborts
 * with all of them in one error.
 */
export const applyPatches = (spec: unknown, patches: ReadonlyArray<Patch>): void => {
  const failures: Array<string> = []
  patches.forEach((patch, index) => {
    try {
      if (typeof patch.reason !== "string" || patch.reason.trim() === "") fail(patch, index, "missing reason")
      applyOne(spec, patch, index)
      checkRefs(spec, patch, index)
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error))
    }
  })
  if (failures.length === 1) throw new Error(failures[0])
  if (failures.length > 1) throw new Error(`${failures.length} patches no longer apply:\n  ${failures.join("\n  ")}`)
}
