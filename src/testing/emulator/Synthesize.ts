/**
 * Synthesizes a wire value that a schema accepts, for operations the emulator answers without
 * modelling them. It walks the encoded side of the schema's AST: required properties always,
 * optional ones near the top, one element per array, the first non-null union member, and for
 * strings and numbers the first candidate that passes the node's checks (UUIDs, iiko
 * timestamps, ISO dates). Ids come from a generator seeded by the operation name, so the same
 * operation always answers the same.
 *
 * @since 0.1.0
 */
import { SchemaAST } from "effect"
import type { WireSchema } from "../../Endpoint.ts"
import * as Prng from "./Prng.ts"

/**
 * What to fill in where the schema leaves a choice.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hints {
  /** Used for every `correlationId` property. */
  readonly correlationId: string
  /** Seeds the generated ids. */
  readonly seed: string
}

/**
 * A value whose encoded form the schema decodes.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import * as Synthesize from "./Synthesize.ts"
 *
 * Synthesize.value(Schema.Struct({ correlationId: Schema.String, count: Schema.Number }), {
 *   correlationId: "c",
 *   seed: "x"
 * })
 * // => { correlationId: "c", count: 0 }
 * ```
 *
 * @since 0.1.0
 * @category synthesis
 */
export const value = (schema: WireSchema, hints: Hints): unknown =>
  walk(SchemaAST.toEncoded(schema.ast), { hints, prng: Prng.make(hints.seed), depth: 0 })

interface Walk {
  readonly hints: Hints
  readonly prng: Prng.Prng
  readonly depth: number
}

/** Below this depth optional properties and array elements are left out to keep answers small and finite. */
const MAX_DEPTH = 4

const walk = (ast: SchemaAST.AST, state: Walk, name?: PropertyKey): unknown => {
  switch (ast._tag) {
    case "Null":
      return null
    case "Undefined":
    case "Void":
    case "Never":
      return undefined
    case "Unknown":
    case "Any":
      return null
    case "ObjectKeyword":
      return {}
    case "Literal":
      return ast.literal
    case "Enum":
      return ast.enums[0]?.[1]
    case "TemplateLiteral":
      return ""
    case "String":
      return name === "correlationId" ? state.hints.correlationId : firstPassing(ast, stringCandidates(state.prng, name))
    case "Number":
      return firstPassing(ast, [0, 1, 1.5, 100])
    case "Boolean":
      return false
    case "BigInt":
    case "Symbol":
    case "UniqueSymbol":
    case "Declaration":
      return null
    case "Arrays":
      return [
        ...ast.elements.map((element) => walk(element, deeper(state))),
        ...(state.depth < MAX_DEPTH && ast.rest[0] !== undefined ? [walk(ast.rest[0], deeper(state))] : [])
      ]
    case "Objects":
      return objectOf(ast, state)
    case "Union":
      return walk(preferredMember(ast, state.depth), state, name)
    case "Suspend":
      return state.depth < MAX_DEPTH * 2 ? walk(ast.thunk(), state, name) : null
  }
}

const deeper = (state: Walk): Walk => ({ ...state, depth: state.depth + 1 })

const objectOf = (ast: SchemaAST.Objects, state: Walk): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const property of ast.propertySignatures) {
    if (typeof property.name !== "string") continue
    if (SchemaAST.isOptional(property.type) && state.depth >= 1) continue
    const item = walk(property.type, deeper(state), property.name)
    if (item !== undefined) out[property.name] = item
  }
  return out
}

const preferredMember = (ast: SchemaAST.Union, depth: number): SchemaAST.AST => {
  const nonNull = ast.types.filter((t) => t._tag !== "Null" && t._tag !== "Undefined")
  const nullable = nonNull.length < ast.types.length
  return (nullable && depth >= MAX_DEPTH ? ast.types.find((t) => t._tag === "Null") : nonNull[0]) ?? ast.types[0]!
}

const stringCandidates = (prng: Prng.Prng, name: PropertyKey | undefined): ReadonlyArray<string> => {
  const id = prng.uuid()
  const text = typeof name === "string" ? name : "string"
  return /id$/i.test(text) ? [id, text, ...FORMATTED] : [text, id, ...FORMATTED]
}

const FORMATTED = [
  "2024-01-01 12:00:00.000",
  "2024-01-01T12:00:00.000+03:00",
  "2024-01-01",
  "0"
]

const firstPassing = <A>(ast: SchemaAST.AST, candidates: ReadonlyArray<A>): A => {
  const checks = ast.checks ?? []
  return candidates.find((candidate) => checks.every((check) => passes(check, candidate, ast))) ?? candidates[0]!
}

const passes = (check: SchemaAST.Check<any>, candidate: unknown, ast: SchemaAST.AST): boolean =>
  check._tag === "Filter"
    ? check.run(candidate, ast, {}) === undefined
    : check.checks.every((inner) => passes(inner, candidate, ast))
