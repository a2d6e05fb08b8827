/**
 * What changed between two spec files, operation by operation: added, removed, and changed
 * (request or response schema, deprecation, documentation text). Schemas are compared with every
 * `$ref` resolved, so a component that is only renamed or renumbered (`TaxCategoryDto3` becoming
 * `TaxCategoryDto`) is not a change, while a field added deep inside a response is.
 */
import { isDeepStrictEqual } from "node:util"
import { compareStrings, operationName, pathVersions, refKey, type Spec } from "./Spec.ts"

/** One operation as the diff sees it. */
export interface DiffOperation {
  /** `POST /api/1/organizations`. */
  readonly key: string
  /** Its function name under the naming rule (as the spec it comes from names it). */
  readonly name: string
  readonly deprecated: boolean
}

/** A changed operation and what about it changed. */
export interface Changed extends DiffOperation {
  readonly aspects: ReadonlyArray<"request" | "response" | "deprecated" | "description">
}

/** The difference between two specs. */
export interface SpecDiff {
  readonly before: number
  readonly after: number
  readonly added: ReadonlyArray<DiffOperation>
  readonly removed: ReadonlyArray<DiffOperation>
  readonly changed: ReadonlyArray<Changed>
}

interface Entry extends DiffOperation {
  readonly request: unknown
  readonly response: unknown
  readonly description: string
}

/** The schema with every `$ref` inlined; a reference back into its own path stays a marker. */
const resolve = (spec: Spec, node: unknown, path: ReadonlyArray<string> = []): unknown => {
  if (Array.isArray(node)) return node.map((item) => resolve(spec, item, path))
  if (typeof node !== "object" || node === null) return node
  const ref = (node as { readonly $ref?: unknown }).$ref
  if (typeof ref === "string") {
    const key = refKey(ref)
    if (path.includes(key)) return { recursive: true }
    return resolve(spec, spec.components.schemas[key], [...path, key])
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) if (k !== "example" && k !== "title") out[k] = resolve(spec, v, path)
  return out
}

const entries = (spec: Spec): Map<string, Entry> => {
  const versions = pathVersions(Object.keys(spec.paths))
  const result = new Map<string, Entry>()
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [lower, op] of Object.entries(item)) {
      const method = lower.toUpperCase()
      const key = `${method} ${path}`
      const json = (media: unknown) => (media as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.["application/json"]?.schema
      result.set(key, {
        key,
        name: operationName(method, path, method === "GET" && item["post"] !== undefined, versions),
        deprecated: op.deprecated === true,
        request: resolve(spec, json(op.requestBody)),
        response: resolve(spec, json(op.responses["200"]) ?? json(op.responses["201"])),
        description: `${(op as { summary?: string }).summary ?? ""}\n${op.description ?? ""}`
      })
    }
  }
  return result
}

const strip = ({ key, name, deprecated }: DiffOperation): DiffOperation => ({ key, name, deprecated })

/** Compares two parsed specs. */
export const diffSpecs = (before: Spec, after: Spec): SpecDiff => {
  const old = entries(before)
  const current = entries(after)
  const byKey = (a: DiffOperation, b: DiffOperation) => compareStrings(a.key, b.key)
  const added = [...current.values()].filter((e) => !old.has(e.key)).map(strip).sort(byKey)
  const removed = [...old.values()].filter((e) => !current.has(e.key)).map(strip).sort(byKey)
  const changed: Array<Changed> = []
  for (const entry of current.values()) {
    const previous = old.get(entry.key)
    if (previous === undefined) continue
    const aspects = [
      ...(isDeepStrictEqual(previous.request, entry.request) ? [] : ["request" as const]),
      ...(isDeepStrictEqual(previous.response, entry.response) ? [] : ["response" as const]),
      ...(previous.deprecated === entry.deprecated ? [] : ["deprecated" as const]),
      ...(previous.description === entry.description ? [] : ["description" as const])
    ]
    if (aspects.length > 0) changed.push({ ...strip(entry), aspects })
  }
  return { before: old.size, after: current.size, added, removed, changed: changed.sort(byKey) }
}

/** The printable summary: counts first, then one line per operation. */
export const formatDiff = (diff: SpecDiff): string => {
  const line = (sign: string, op: DiffOperation, extra = "") =>
    `  ${sign} ${op.key.padEnd(64)} ${op.name}${op.deprecated ? " (deprecated)" : ""}${extra}`
  return [
    `operations: ${diff.before} -> ${diff.after}; added ${diff.added.length}, removed ${diff.removed.length}, changed ${diff.changed.length}`,
    ...(diff.added.length > 0 ? ["added:", ...diff.added.map((op) => line("+", op))] : []),
    ...(diff.removed.length > 0 ? ["removed:", ...diff.removed.map((op) => line("-", op))] : []),
    ...(diff.changed.length > 0 ? ["changed:", ...diff.changed.map((op) => line("~", op, ` [${op.aspects.join(", ")}]`))] : [])
  ].join("\n")
}
