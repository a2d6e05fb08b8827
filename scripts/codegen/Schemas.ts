/**
 * From spec components to schema declarations: which components operations and webhooks reach
 * (and whether as request or response), stable names, discriminated unions, and the Effect
 * Schema source of every declaration.
 *
 * Requests are strict (uuid checks, date pattern, integer/length/range checks, enums as
 * literals, no union fallback); responses are tolerant (open enums, loose dates, plain numbers,
 * a fallback member that keeps unknown union variants). A component whose two renderings differ
 * gets two declarations: `X` for responses and `XInput` for requests.
 */
import { compareStrings, type JsonSchema, type Operation, refKey, type Spec } from "./Spec.ts"

/** Which side of the wire a schema serves. */
export type Mode = "request" | "response"

/** `codegen/names.json`. */
export interface NamesConfig {
  readonly stripPrefixes: ReadonlyArray<string>
  readonly generics: Readonly<Record<string, string>>
  readonly overrides: Readonly<Record<string, string>>
}

/** A top-level `export const` in a generated module. */
export interface Declaration {
  readonly name: string
  /** Module (area) the declaration lives in. */
  readonly module: string
  readonly doc: string
  /** The expression after `export const <name> =`. */
  readonly code: string
  /** Names of other declarations the code references. */
  readonly deps: ReadonlySet<string>
  /** Helper modules the code uses (`IikoSchema`, `IikoDate`). */
  readonly helpers: ReadonlySet<string>
  readonly kind: "schema" | "endpoint"
  /**
   * Which rendering a schema is (`request`, `response` or `shared`): only declarations of the same
   * variant are compared for structural duplicates. Absent: never deduplicated.
   */
  readonly variant?: Mode | "shared"
  /** Set by deduplication: the declaration is `export const <name> = <aliasOf>`. */
  readonly aliasOf?: string
  /**
   * The TypeScript type of a schema declaration, emitted once as an interface or type alias so
   * declarations reference it by name: `type` is the decoded side, `encoded` the wire side
   * (different only where an open enum widens the decoded type).
   */
  readonly types?: { readonly type: string; readonly encoded: string }
}

export interface Tag {
  readonly prop: string
  readonly values: ReadonlyArray<string | number>
  /** Overrides the literal(s): the fallback member's "any other tag" schema. */
  readonly expr?: string
}

export interface Shape {
  readonly props: ReadonlyArray<readonly [string, JsonSchema]>
  readonly required: ReadonlySet<string>
}

/** Collects what a rendered expression refers to. */
export interface Sink {
  readonly ref: (key: string, mode: Mode) => string
  readonly helpers: Set<string>
}

const DATE_FORMAT = "yyyy-MM-dd HH:mm:ss.fff"

/**
 * Inventory and finance fields state their date format only in prose: "(ISO 8601
 * YYYY-MM-DDThh:mm:ss.sss±hh:mm)", "ISO8601 format", "(YYYY-MM-DD)". Those become validated
 * request strings; everything else stays a plain string.
 */
export const isoDateKind = (description: string | undefined): "IsoDateTime" | "IsoDate" | undefined => {
  if (description === undefined) return undefined
  if (/ISO ?8601/.test(description)) return "IsoDateTime"
  if (/\(YYYY-MM-DD( format)?\)/.test(description)) return "IsoDate"
  return undefined
}
/**
 * The range a request integer's `format` allows. `int64` needs no entry: `Schema.Int` already
 * limits integers to the safe range, which lies inside it (larger values cannot be sent exactly).
 */
const FORMAT_RANGES: Readonly<Record<string, { readonly minimum: number; readonly maximum: number }>> = {
  int32: { minimum: -2147483648, maximum: 2147483647 }
}

/**
 * The newer families state a number's range only in prose ("Allowed values: 1 to 1000" on
 * `limit`); that range becomes a request check.
 */
export const proseRange = (description: string | undefined): { minimum: number; maximum: number } | undefined => {
  const match = description?.match(/Allowed values: (-?\d+) to (-?\d+)/)
  return match === null || match === undefined ? undefined : { minimum: Number(match[1]), maximum: Number(match[2]) }
}
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** `/*#__PURE__*\/ fn(args)`: every call is annotated so bundlers drop unused declarations. */
export const pure = (fn: string, ...args: ReadonlyArray<string>): string => `/*#__PURE__*/ ${fn}(${args.join(", ")})`

const literalList = (values: ReadonlyArray<string | number>): string => `[${values.map((v) => JSON.stringify(v)).join(", ")}]`

const literals = (values: ReadonlyArray<string | number>): string =>
  values.length === 1 ? pure("Schema.Literal", JSON.stringify(values[0])) : pure("Schema.Literals", literalList(values))

/** A response union of the `known` variants that keeps an unknown tag as `fallback` (`IikoSchema.openUnion`). */
export const openUnion = (known: ReadonlyArray<string>, fallback: string): string =>
  pure("IikoSchema.openUnion", `[\n  ${known.join(",\n  ")}\n]`, fallback)

/** The tag schema of a fallback member: any value except the known tags. */
export const unknownTagExpr = (known: ReadonlyArray<string | number>, numeric: boolean): string =>
  pure(numeric ? "IikoSchema.unknownNumberTag" : "IikoSchema.unknownTag", literalList(known))

/**
 * An optional response field also accepts `null`: iiko's .NET backend writes nulls for absent
 * values whether or not the spec says `nullable`, and one such field must not fail a whole batch.
 */
const orNull = (expr: string): string =>
  expr === "Schema.Unknown" || expr.startsWith(pure("Schema.NullOr", "").slice(0, -1)) ? expr : pure("Schema.NullOr", expr)

const propertyKey = (name: string): string => (IDENTIFIER.test(name) ? name : JSON.stringify(name))

/** Which side of a codec a rendered TypeScript type describes. */
export type Side = "type" | "encoded"

const parenthesize = (type: string): string => (type.includes("=>") ? `(${type})` : type)

/** Text that can sit inside a JSDoc block: no comment terminator, no trailing blanks. */
export const docText = (text: string): string =>
  text.replace(/\*\//g, "*\\/").replace(/\r/g, "").split("\n").map((line) => line.trimEnd()).join("\n").trim()

/** A field's description as a JSDoc block (empty when the spec has none). */
const fieldDoc = (node: JsonSchema): string => {
  const text = node.description === undefined ? "" : docText(node.description)
  if (text === "") return ""
  const lines = text.split("\n")
  return lines.length === 1 ? `/** ${lines[0]} */\n` : `/**\n${lines.map((l) => (l === "" ? " *" : ` * ${l}`)).join("\n")}\n */\n`
}

const indent = (text: string): string => text.replace(/\n/g, "\n  ")

/** The component graph plus the discriminator facts derived from it. */
export class Model {
  readonly tags = new Map<string, Tag>()
  readonly unionBases = new Map<string, { readonly prop: string; readonly targets: ReadonlyArray<string> }>()
  private readonly shapes = new Map<string, Shape>()

  constructor(readonly spec: Spec) {
    for (const [key, schema] of Object.entries(spec.components.schemas)) {
      if (schema.discriminator?.mapping !== undefined) this.registerUnion(key, schema.discriminator)
    }
    this.walkInlineUnions(spec)
  }

  /** The component at `key`; fails for a dangling reference. */
  component(key: string): JsonSchema {
    const schema = this.spec.components.schemas[key]
    if (schema === undefined) throw new Error(`missing component ${key}`)
    return schema
  }

  /** A component's properties with its `allOf` bases merged in (base first). */
  shape(key: string): Shape {
    const cached = this.shapes.get(key)
    if (cached !== undefined) return cached
    const schema = this.component(key)
    const props = new Map<string, JsonSchema>()
    const required = new Set<string>()
    const merge = (node: JsonSchema): void => {
      for (const part of node.allOf ?? []) {
        const base = part.$ref !== undefined ? this.shape(refKey(part.$ref)) : this.inlineShape(part)
        for (const [name, prop] of base.props) props.set(name, prop)
        for (const name of base.required) required.add(name)
      }
      for (const [name, prop] of Object.entries(node.properties ?? {})) props.set(name, prop)
      for (const name of node.required ?? []) required.add(name)
    }
    merge(schema)
    for (const name of required) {
      if (!props.has(name)) throw new Error(`${key}.required lists "${name}", which is not a property`)
    }
    const shape = { props: [...props], required }
    this.shapes.set(key, shape)
    return shape
  }

  private inlineShape(node: JsonSchema): Shape {
    return { props: Object.entries(node.properties ?? {}), required: new Set(node.required ?? []) }
  }

  private registerUnion(
    base: string | undefined,
    discriminator: NonNullable<JsonSchema["discriminator"]>
  ): ReadonlyArray<string> {
    const byTarget = new Map<string, Array<string>>()
    for (const [value, ref] of Object.entries(discriminator.mapping ?? {})) {
      const target = refKey(ref)
      byTarget.set(target, [...(byTarget.get(target) ?? []), value])
    }
    for (const [target, values] of byTarget) {
      if (this.tags.has(target)) throw new Error(`${target} is a variant of two discriminated unions`)
      const declared = this.shape(target).props.find(([name]) => name === discriminator.propertyName)?.[1]
      const numeric = declared?.type === "integer" || declared?.type === "number"
      this.tags.set(target, { prop: discriminator.propertyName, values: values.map((v) => (numeric ? Number(v) : v)) })
    }
    const targets = [...byTarget.keys()]
    if (base !== undefined) this.unionBases.set(base, { prop: discriminator.propertyName, targets })
    return targets
  }

  /** Registers the tags of `oneOf` unions that carry a discriminator (added by patches). */
  private walkInlineUnions(spec: Spec): void {
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit)
      if (typeof node !== "object" || node === null) return
      const schema = node as JsonSchema
      if (schema.oneOf !== undefined && schema.discriminator !== undefined) {
        this.registerUnion(undefined, schema.discriminator)
      }
      Object.values(node).forEach(visit)
    }
    visit(spec.paths)
    for (const schema of Object.values(spec.components.schemas)) visit(schema.properties)
  }

  /** Forces a discriminator tag on a component (webhook events, keyed by `eventType`). */
  addTag(key: string, tag: Tag): void {
    if (this.tags.has(key)) throw new Error(`${key} already has a discriminator tag`)
    this.tags.set(key, tag)
  }

  /** The discriminator tag forced on a union variant, if any. */
  tagOf(key: string): Tag | undefined {
    return this.tags.get(key)
  }

  // ---------------------------------------------------------------------------
  // Rendering

  /** Effect Schema source for a schema node. */
  expr(node: JsonSchema, mode: Mode, sink: Sink): string {
    const inner = this.innerExpr(node, mode, sink)
    return node.nullable === true && inner !== "Schema.Unknown" ? pure("Schema.NullOr", inner) : inner
  }

  private innerExpr(node: JsonSchema, mode: Mode, sink: Sink): string {
    if (node.$ref !== undefined) return sink.ref(refKey(node.$ref), mode)
    if (node.allOf !== undefined) {
      const [only] = node.allOf
      if (node.allOf.length !== 1 || only === undefined || node.properties !== undefined) {
        throw new Error(`unsupported inline allOf: ${JSON.stringify(node).slice(0, 200)}`)
      }
      return this.innerExpr(only, mode, sink)
    }
    if (node.oneOf !== undefined) return this.oneOfExpr(node, mode, sink)
    if (node.enum !== undefined) return this.enumExpr(node, mode, sink)
    switch (node.type) {
      case "string":
        return this.stringExpr(node, mode, sink)
      case "integer":
        return mode === "request" ? this.numberChecks("Schema.Int", node) : "Schema.Number"
      case "number":
        return mode === "request" ? this.numberChecks("Schema.Finite", node) : "Schema.Number"
      case "boolean":
        return "Schema.Boolean"
      case "array":
        if (node.items === undefined) throw new Error("array without items")
        return pure("Schema.Array", this.expr(node.items, mode, sink))
      case "object":
        return this.objectExpr(node, mode, sink)
      case undefined:
        return "Schema.Unknown"
      default:
        throw new Error(`unsupported type "${node.type}" (add a patch)`)
    }
  }

  private enumExpr(node: JsonSchema, mode: Mode, sink: Sink): string {
    const values = node.enum ?? []
    if (mode === "request") return literals(values)
    sink.helpers.add("IikoSchema")
    return node.type === "integer"
      ? pure("IikoSchema.openIntEnum", literalList(values))
      : pure("IikoSchema.openEnum", literalList(values))
  }

  private stringExpr(node: JsonSchema, mode: Mode, sink: Sink): string {
    if (node.format === "uuid") {
      if (mode === "response") return "Schema.String"
      sink.helpers.add("IikoSchema")
      return "IikoSchema.Uuid"
    }
    if (node.format === DATE_FORMAT) {
      sink.helpers.add("IikoDate")
      return mode === "request" ? "IikoDate.LocalDateTime" : "IikoDate.LocalDateTimeLoose"
    }
    const isoKind = isoDateKind(node.description)
    if (isoKind !== undefined) {
      sink.helpers.add("IikoDate")
      return mode === "request" ? `IikoDate.${isoKind}` : "IikoDate.LocalDateTimeLoose"
    }
    if (mode === "response") return "Schema.String"
    const checks = [
      ...(node.minLength !== undefined && node.minLength > 0 ? [pure("Schema.isMinLength", `${node.minLength}`)] : []),
      ...(node.maxLength !== undefined ? [pure("Schema.isMaxLength", `${node.maxLength}`)] : [])
    ]
    return checks.length === 0 ? "Schema.String" : pure("Schema.String.check", ...checks)
  }

  private numberChecks(base: string, node: JsonSchema): string {
    const prose = proseRange(node.description)
    const format = node.type === "integer" ? FORMAT_RANGES[node.format ?? ""] : undefined
    const tighter = (pick: (a: number, b: number) => number, ...values: ReadonlyArray<number | undefined>) => {
      const known = values.filter((v): v is number => v !== undefined)
      return known.length === 0 ? undefined : known.reduce(pick)
    }
    const minimum = tighter(Math.max, node.minimum ?? prose?.minimum, format?.minimum)
    const maximum = tighter(Math.min, node.maximum ?? prose?.maximum, format?.maximum)
    const checks = [
      ...(minimum !== undefined ? [pure("Schema.isGreaterThanOrEqualTo", `${minimum}`)] : []),
      ...(maximum !== undefined ? [pure("Schema.isLessThanOrEqualTo", `${maximum}`)] : [])
    ]
    return checks.length === 0 ? base : pure(`${base}.check`, ...checks)
  }

  private objectExpr(node: JsonSchema, mode: Mode, sink: Sink): string {
    if (typeof node.additionalProperties === "object") {
      return pure("Schema.Record", "Schema.String", this.expr(node.additionalProperties, mode, sink))
    }
    if (node.properties !== undefined) return this.structExpr(this.inlineShape(node), mode, sink, undefined)
    return pure("Schema.Record", "Schema.String", "Schema.Unknown")
  }

  private oneOfExpr(node: JsonSchema, mode: Mode, sink: Sink): string {
    const members = node.oneOf ?? []
    const [only] = members
    if (members.length === 1 && only !== undefined) return this.innerExpr(only, mode, sink)
    const discriminator = node.discriminator
    const refs = members.map((m) => this.expr(m, mode, sink))
    if (discriminator === undefined || mode === "request") return pure("Schema.Union", `[${refs.join(", ")}]`)
    const numeric = members.some((m) => {
      if (m.$ref === undefined) return false
      return typeof this.tagOf(refKey(m.$ref))?.values[0] === "number"
    })
    sink.helpers.add("IikoSchema")
    const known = members.flatMap((m) => (m.$ref === undefined ? [] : this.tagOf(refKey(m.$ref))?.values ?? []))
    const fallback = pure(
      "IikoSchema.unknownVariant",
      pure("Schema.Struct", `{ ${propertyKey(discriminator.propertyName)}: ${unknownTagExpr(known, numeric)} }`)
    )
    return openUnion(refs, fallback)
  }

  /** A `Schema.Struct` over a shape; the union tag, when given, becomes a required literal. */
  structExpr(shape: Shape, mode: Mode, sink: Sink, tag: Tag | undefined): string {
    if (shape.props.length === 0) {
      if (mode === "response") return pure("Schema.Struct", "{}")
      sink.helpers.add("IikoSchema")
      return "IikoSchema.NoFields"
    }
    const fields = shape.props.map(([name, prop]) => {
      if (tag !== undefined && name === tag.prop) return `${propertyKey(name)}: ${tag.expr ?? literals(tag.values)}`
      const value = this.expr(prop, mode, sink)
      if (shape.required.has(name)) return `${propertyKey(name)}: ${value}`
      return `${propertyKey(name)}: ${pure("Schema.optionalKey", mode === "response" ? orNull(value) : value)}`
    })
    return pure("Schema.Struct", `{\n  ${fields.map(indent).join(",\n  ")}\n}`)
  }

  /** The schema source of component `key` itself (not its fallback). */
  componentExpr(key: string, mode: Mode, sink: Sink): string {
    const union = this.unionBases.get(key)
    if (union !== undefined) {
      const members = union.targets.map((target) => sink.ref(target, mode))
      if (mode !== "response") return pure("Schema.Union", `[${members.join(", ")}]`)
      sink.helpers.add("IikoSchema")
      return openUnion(members, sink.ref(`${key}#unknown`, mode))
    }
    const schema = this.component(key)
    if (schema.type === "object" || schema.properties !== undefined || schema.allOf !== undefined) {
      return this.structExpr(this.shape(key), mode, sink, this.tagOf(key))
    }
    return this.expr(schema, mode, sink)
  }

  /** The tolerant fallback member of a discriminated union base. */
  fallbackExpr(key: string, sink: Sink): string {
    const union = this.unionBases.get(key)
    if (union === undefined) throw new Error(`${key} is not a union base`)
    const shape = this.shape(key)
    const known = union.targets.flatMap((target) => this.tagOf(target)?.values ?? [])
    const struct = this.structExpr(
      { props: shape.props, required: new Set([...shape.required, union.prop]) },
      "response",
      sink,
      { prop: union.prop, values: [], expr: unknownTagExpr(known, false) }
    )
    sink.helpers.add("IikoSchema")
    return pure("IikoSchema.unknownVariant", struct)
  }

  // ---------------------------------------------------------------------------
  // TypeScript types (the same walk as the schema source, producing the decoded or encoded type)

  /** The TypeScript type of a schema node on one side (`type`: decoded, `encoded`: wire). */
  typeOf(node: JsonSchema, mode: Mode, sink: Sink, side: Side): string {
    const inner = this.innerType(node, mode, sink, side)
    return node.nullable === true && inner !== "unknown" ? `${inner} | null` : inner
  }

  private innerType(node: JsonSchema, mode: Mode, sink: Sink, side: Side): string {
    if (node.$ref !== undefined) return sink.ref(refKey(node.$ref), mode)
    if (node.allOf !== undefined) return this.innerType(node.allOf[0] ?? {}, mode, sink, side)
    if (node.oneOf !== undefined) return this.oneOfType(node, mode, sink, side)
    if (node.enum !== undefined) {
      const values = (node.enum ?? []).map((v) => JSON.stringify(v)).join(" | ")
      if (mode === "request") return values
      if (node.type === "integer") return side === "type" ? `${values} | (number & {}) | (string & {})` : "number | string"
      return side === "type" ? `${values} | (string & {})` : "string"
    }
    switch (node.type) {
      case "string":
        return "string"
      case "integer":
      case "number":
        return "number"
      case "boolean":
        return "boolean"
      case "array":
        return `ReadonlyArray<${this.typeOf(node.items ?? {}, mode, sink, side)}>`
      case "object":
        if (typeof node.additionalProperties === "object") {
          return `{ readonly [x: string]: ${this.typeOf(node.additionalProperties, mode, sink, side)} }`
        }
        if (node.properties !== undefined) return this.structType(this.inlineShape(node), mode, sink, undefined, side)
        return "{ readonly [x: string]: unknown }"
      default:
        return "unknown"
    }
  }

  private oneOfType(node: JsonSchema, mode: Mode, sink: Sink, side: Side): string {
    const members = node.oneOf ?? []
    const [only] = members
    if (members.length === 1 && only !== undefined) return this.innerType(only, mode, sink, side)
    const refs = members.map((m) => this.typeOf(m, mode, sink, side))
    const discriminator = node.discriminator
    if (discriminator === undefined || mode === "request") return refs.map(parenthesize).join(" | ")
    const numeric = members.some((m) => m.$ref !== undefined && typeof this.tagOf(refKey(m.$ref))?.values[0] === "number")
    const fallback = `{ readonly ${propertyKey(discriminator.propertyName)}: ${numeric ? "number" : "string"}; readonly [x: string]: unknown }`
    return [...refs.map(parenthesize), fallback].join(" | ")
  }

  /** An object type over a shape, each field carrying its description as JSDoc. */
  structType(shape: Shape, mode: Mode, sink: Sink, tag: Tag | undefined, side: Side): string {
    if (shape.props.length === 0) return mode === "response" ? "{}" : "{ readonly [x: string]: never }"
    const fields = shape.props.map(([name, prop]) => {
      const doc = fieldDoc(prop)
      if (tag !== undefined && name === tag.prop) {
        const literal = tag.expr !== undefined
          ? (typeof tag.values[0] === "number" || tag.expr.includes("unknownNumberTag") ? "number" : "string")
          : tag.values.map((v) => JSON.stringify(v)).join(" | ")
        return `${doc}readonly ${propertyKey(name)}: ${literal}`
      }
      const type = this.typeOf(prop, mode, sink, side)
      if (shape.required.has(name)) return `${doc}readonly ${propertyKey(name)}: ${type}`
      const nullable = mode === "response" && type !== "unknown" && !type.endsWith(" | null")
      return `${doc}readonly ${propertyKey(name)}?: ${nullable ? `${type} | null` : type}`
    })
    return `{\n  ${fields.map(indent).join("\n  ")}\n}`
  }

  /** The TypeScript type of component `key` itself (the counterpart of {@link componentExpr}). */
  componentType(key: string, mode: Mode, sink: Sink, side: Side): string {
    const union = this.unionBases.get(key)
    if (union !== undefined) {
      const members = union.targets.map((target) => sink.ref(target, mode))
      if (mode === "response") members.push(sink.ref(`${key}#unknown`, mode))
      return members.join(" | ")
    }
    const schema = this.component(key)
    if (schema.type === "object" || schema.properties !== undefined || schema.allOf !== undefined) {
      return this.structType(this.shape(key), mode, sink, this.tagOf(key), side)
    }
    return this.typeOf(schema, mode, sink, side)
  }

  /** The type of the fallback member of a discriminated union base: known fields plus any other key. */
  fallbackType(key: string, sink: Sink, side: Side): string {
    const union = this.unionBases.get(key)
    if (union === undefined) throw new Error(`${key} is not a union base`)
    const shape = this.shape(key)
    const struct = this.structType(
      { props: shape.props, required: new Set([...shape.required, union.prop]) },
      "response",
      sink,
      { prop: union.prop, values: [], expr: "unknownTag" },
      side
    )
    return `${struct} & { readonly [x: string]: unknown }`
  }

  // ---------------------------------------------------------------------------
  // Reachability

  /** Every component key (with `#unknown` fallbacks) a node reaches, per mode. */
  collect(node: JsonSchema, mode: Mode, into: Map<string, Set<Mode>>): void {
    const sink: Sink = {
      ref: (key, refMode) => {
        const modes = into.get(key) ?? new Set<Mode>()
        if (!modes.has(refMode)) {
          modes.add(refMode)
          into.set(key, modes)
          if (!key.endsWith("#unknown")) this.componentExpr(key, refMode, sink)
          else this.fallbackExpr(key.slice(0, -"#unknown".length), sink)
        }
        return key
      },
      helpers: new Set()
    }
    this.expr(node, mode, sink)
  }
}

/** Splits a component key into name segments, resolving CLR generic keys through templates. */
export const nameSegments = (key: string, config: NamesConfig): ReadonlyArray<string> => {
  const generic = /^([^`]+)`\d+\[\[([^,\]]+),/.exec(key)
  if (generic !== null) {
    const [, outer = "", inner = ""] = generic
    const template = config.generics[outer]
    if (template === undefined) throw new Error(`no name template for generic component ${outer} (codegen/names.json)`)
    return [template.replace("{0}", inner.split(".").pop() ?? inner)]
  }
  const prefix = config.stripPrefixes.find((p) => key.startsWith(p)) ?? ""
  return key.slice(prefix.length).split(".").map((s) =>
    s.replace(/[^A-Za-z0-9_]/g, "").split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("")
  )
}

/** The spec key shown in JSDoc: namespaces stripped, generics without their assembly details. */
export const displayKey = (key: string, config: NamesConfig): string => {
  const generic = /^([^`]+)`\d+\[\[([^,\]]+),/.exec(key)
  const strip = (k: string) => k.slice((config.stripPrefixes.find((p) => k.startsWith(p)) ?? "").length)
  return generic === null ? strip(key) : `${strip(generic[1] ?? "")}<${strip(generic[2] ?? "")}>`
}

/** `CancelCauses.CancelCause`: the namespace is named after the type, so it keeps the short name. */
const ownsName = (segments: ReadonlyArray<string>): boolean => {
  const name = segments.at(-1)
  const namespace = segments.at(-2)
  return name !== undefined && namespace !== undefined && namespace.startsWith(name) && namespace !== name
}

/**
 * Unique readable names: the last key segment, with earlier segments prepended only for the
 * keys whose last segments collide (a key whose namespace is named after the type keeps the short
 * name: `OrderTypes.OrderType` is `OrderType`). Overrides in `codegen/names.json` win.
 */
export const assignNames = (keys: ReadonlyArray<string>, config: NamesConfig): Map<string, string> => {
  const segments = new Map(keys.map((key) => [key, nameSegments(key, config)]))
  const depth = new Map(keys.map((key) => [key, 1]))
  const candidate = (key: string): string =>
    config.overrides[key] ?? (segments.get(key) ?? []).slice(-(depth.get(key) ?? 1)).join("")
  for (let round = 0; round < 10; round++) {
    const groups = new Map<string, Array<string>>()
    for (const key of keys) groups.set(candidate(key), [...(groups.get(candidate(key)) ?? []), key])
    const clashing = [...groups.values()].filter((group) => group.length > 1)
    if (clashing.length === 0) return new Map(keys.map((key) => [key, candidate(key)]))
    for (const group of clashing) {
      const owners = group.filter((key) => ownsName(segments.get(key) ?? []))
      const growable = group.filter((key) =>
        config.overrides[key] === undefined && (depth.get(key) ?? 1) < (segments.get(key)?.length ?? 1) &&
        !(owners.length === 1 && owners[0] === key)
      )
      if (growable.length === 0) {
        throw new Error(`name clash for ${group.join(", ")}: add an override to codegen/names.json`)
      }
      for (const key of growable) depth.set(key, (depth.get(key) ?? 1) + 1)
    }
  }
  throw new Error("name assignment did not converge")
}

/** Reached component keys per mode and per area. */
export interface Reach {
  readonly modes: Map<string, Set<Mode>>
  readonly areas: Map<string, Set<string>>
}

/** Walks every operation body (and the webhook payloads) to find what must be generated. */
export const reach = (
  model: Model,
  ops: ReadonlyArray<Operation & { readonly area: string }>,
  webhookEvents: ReadonlyArray<string>
): Reach => {
  const modes = new Map<string, Set<Mode>>()
  const areas = new Map<string, Set<string>>()
  const record = (node: JsonSchema, mode: Mode, area: string) => {
    const local = new Map<string, Set<Mode>>()
    model.collect(node, mode, local)
    for (const [key, ms] of local) {
      for (const m of ms) {
        const variantKey = `${key}|${m}`
        areas.set(variantKey, (areas.get(variantKey) ?? new Set()).add(area))
        modes.set(key, (modes.get(key) ?? new Set()).add(m))
      }
    }
  }
  for (const op of ops) {
    if (op.request !== undefined) record(op.request, "request", op.area)
    if (op.response !== undefined) record(op.response, "response", op.area)
  }
  for (const key of webhookEvents) record({ $ref: `#/components/schemas/${key}` }, "response", "Webhooks")
  return { modes, areas }
}

/**
 * Whether a component renders the same in both modes (then one declaration serves both).
 * A component is mode-sensitive when its own source differs or anything it references is.
 */
export const modeSensitivity = (model: Model, keys: ReadonlyArray<string>): Map<string, boolean> => {
  const result = new Map<string, boolean>()
  const visiting = new Set<string>()
  const sensitive = (key: string): boolean => {
    const known = result.get(key)
    if (known !== undefined) return known
    if (key.endsWith("#unknown") || model.unionBases.has(key)) return result.set(key, true), true
    if (visiting.has(key)) return false
    visiting.add(key)
    const refs = new Set<string>()
    const neutral = (mode: Mode): string =>
      model.componentExpr(key, mode, { ref: (k) => (refs.add(k), `REF(${k})`), helpers: new Set() })
    const value = neutral("request") !== neutral("response") || [...refs].some(sensitive)
    visiting.delete(key)
    result.set(key, value)
    return value
  }
  for (const key of [...keys].sort(compareStrings)) sensitive(key)
  return result
}
