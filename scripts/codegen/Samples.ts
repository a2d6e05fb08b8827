/**
 * A deterministic synthesizer of example bodies from the patched spec, written to
 * `test/fixtures/contract-samples.json` for the contract tests. Because it reads the spec (not
 * the generated schemas), the tests check the schemas against the spec independently.
 *
 * Per operation: a request with every property set (valid for the strict request schema), a
 * response with every property set, and a "tolerant" response variant where every object gains
 * an undeclared key (objects without declared properties excepted: they are open) and every enum value outside a union tag is replaced by an unknown value.
 * Two more variants guard issue 10's fuzzing findings: a response with every optional property
 * `null` (must decode), and one request per `int32`/`int64` integer with that integer past its
 * range (each must be rejected before sending).
 */
import { isoDateKind, type Model } from "./Schemas.ts"
import { type JsonSchema, type Operation, refKey } from "./Spec.ts"

/** The extra key added to every object of the tolerant variant. */
export const EXTRA_KEY = "fieldFromTheFuture"
/** The value that replaces every enum value in the tolerant variant. */
export const UNKNOWN_ENUM = "ValueFromTheFuture"

const UUID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
const DATE = "2024-05-06 07:08:09.123"
const ISO_SAMPLES = { IsoDateTime: "2024-05-06T07:08:09.123+03:00", IsoDate: "2024-05-06" } as const
const MAX_DEPTH = 14

const stringSample = (node: JsonSchema): string => {
  if (node.format === "uuid") return UUID
  if (node.format === "yyyy-MM-dd HH:mm:ss.fff") return DATE
  const iso = isoDateKind(node.description)
  return iso === undefined ? "s".repeat(Math.max(1, node.minLength ?? 1)) : ISO_SAMPLES[iso]
}

interface Options {
  readonly tolerant: boolean
  /** Every optional property is `null` (responses: iiko writes nulls freely). */
  readonly nullOptionals?: boolean
  /** The n-th `int32`/`int64` integer (in walk order) is one past its format's range. */
  readonly overflowAt?: number
}

/** The first value past each integer format's range. */
const OVERFLOW: Readonly<Record<string, number>> = { int32: 2 ** 31, int64: 2 ** 63 }

/** One operation's samples; `enumCount` is how many enum values the tolerant variant replaced. */
export interface OperationSamples {
  readonly request: unknown
  readonly response: unknown
  readonly tolerantResponse: unknown
  readonly enumCount: number
  /** The response with every optional scalar property `null` (objects filled, their optionals null); it must still decode. */
  readonly nullResponse: unknown
  /** How many optional response properties `nullResponse` set to `null`. */
  readonly nullCount: number
  /** One request per `int32`/`int64` integer, that integer one past its range (each must be rejected). */
  readonly overflowRequests: ReadonlyArray<unknown>
}

/** Builds sample values for schema nodes. */
class Synthesizer {
  enumCount = 0
  nullCount = 0
  /** How many `int32`/`int64` integers the walk met. */
  formattedIntegers = 0
  constructor(private readonly model: Model, private readonly options: Options) {}

  value(node: JsonSchema, depth: number): unknown {
    if (depth > MAX_DEPTH) return null
    if (node.$ref !== undefined) return this.component(refKey(node.$ref), depth)
    if (node.allOf?.[0] !== undefined) return this.value(node.allOf[0], depth)
    if (node.oneOf?.[0] !== undefined) return this.value(node.oneOf[0], depth)
    if (node.enum?.[0] !== undefined) return this.enumValue(node.enum[0])
    switch (node.type) {
      case "string":
        return stringSample(node)
      case "integer": {
        const overflow = OVERFLOW[node.format ?? ""]
        if (overflow !== undefined && this.formattedIntegers++ === this.options.overflowAt) return overflow
        return Math.max(node.minimum ?? 1, Math.min(node.maximum ?? 1, 1))
      }
      case "number":
        return Math.max(node.minimum ?? 1.5, Math.min(node.maximum ?? 1.5, 1.5))
      case "boolean":
        return true
      case "array":
        if (node.items === undefined || this.recursive(node.items)) return []
        return [this.value(node.items, depth + 1)]
      case "object":
        if (typeof node.additionalProperties === "object") return { [UUID]: this.value(node.additionalProperties, depth + 1) }
        return this.object(Object.entries(node.properties ?? {}), new Set(node.required ?? []), undefined, depth)
      default:
        return { any: "value" }
    }
  }

  private enumValue(value: string | number): unknown {
    if (!this.options.tolerant) return value
    this.enumCount++
    return UNKNOWN_ENUM
  }

  /**
   * Whether a property holds objects (an object, an array, a union, a reference to an object):
   * the null variant fills those and nulls the optional fields inside them, so every optional field
   * of the tree is `null` somewhere.
   */
  private container(node: JsonSchema): boolean {
    if (node.type === "array" || node.type === "object" || node.allOf !== undefined || node.oneOf !== undefined) return true
    if (node.$ref === undefined) return false
    const key = refKey(node.$ref)
    const target = this.model.component(key)
    return this.model.unionBases.has(key) || target.type === "object" || target.properties !== undefined || target.allOf !== undefined
  }

  /** Components being sampled on the current path: a recursive list ends there, empty. */
  private readonly visiting = new Set<string>()

  private recursive(items: JsonSchema): boolean {
    return items.$ref !== undefined && this.visiting.has(refKey(items.$ref))
  }

  private component(key: string, depth: number): unknown {
    const union = this.model.unionBases.get(key)
    const target = union?.targets[0]
    if (target !== undefined) return this.component(target, depth)
    const schema = this.model.component(key)
    this.visiting.add(key)
    try {
      if (schema.type === "object" || schema.properties !== undefined || schema.allOf !== undefined) {
        const tag = this.model.tagOf(key)
        const shape = this.model.shape(key)
        return this.object(shape.props, shape.required, tag === undefined ? undefined : [tag.prop, tag.values[0]], depth)
      }
      return this.value(schema, depth)
    } finally {
      this.visiting.delete(key)
    }
  }

  private object(
    props: ReadonlyArray<readonly [string, JsonSchema]>,
    required: ReadonlySet<string>,
    tag: readonly [string, unknown] | undefined,
    depth: number
  ): Record<string, unknown> {
    const result: Record<string, unknown> = {}
    for (const [name, prop] of props) {
      if (tag?.[0] === name) result[name] = tag[1]
      else if (this.options.nullOptionals === true && !required.has(name) && !this.container(prop)) {
        result[name] = null
        this.nullCount++
      }
      else result[name] = this.value(prop, depth + 1)
    }
    if (this.options.tolerant && props.length > 0) result[EXTRA_KEY] = true
    return result
  }
}

/** Samples for every operation, keyed by operation name. */
export const operationSamples = (
  model: Model,
  ops: ReadonlyArray<Operation>
): Record<string, OperationSamples> => {
  const result: Record<string, OperationSamples> = {}
  for (const op of ops) {
    const strict = new Synthesizer(model, { tolerant: false })
    const tolerant = new Synthesizer(model, { tolerant: true })
    const tolerantResponse = op.response === undefined ? null : tolerant.value(op.response, 0)
    const nulls = new Synthesizer(model, { tolerant: false, nullOptionals: true })
    const request = op.request === undefined ? {} : strict.value(op.request, 0)
    const overflowRequests = Array.from({ length: strict.formattedIntegers }, (_, at) =>
      new Synthesizer(model, { tolerant: false, overflowAt: at }).value(op.request ?? {}, 0))
    result[op.name] = {
      request,
      response: op.response === undefined ? null : strict.value(op.response, 0),
      tolerantResponse,
      enumCount: tolerant.enumCount,
      nullResponse: op.response === undefined ? null : nulls.value(op.response, 0),
      nullCount: nulls.nullCount,
      overflowRequests
    }
  }
  return result
}
