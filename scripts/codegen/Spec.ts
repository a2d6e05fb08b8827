/**
 * The parts of the (patched) OpenAPI document the generator reads, the operation list with its
 * facts, and the project's naming rule for operations.
 */

/** A JSON Schema node as the iiko spec writes it (OpenAPI 3.0 dialect). */
export interface JsonSchema {
  readonly $ref?: string
  readonly type?: string
  readonly format?: string
  readonly nullable?: boolean
  readonly enum?: ReadonlyArray<string | number>
  readonly properties?: Readonly<Record<string, JsonSchema>>
  readonly required?: ReadonlyArray<string>
  readonly items?: JsonSchema
  readonly allOf?: ReadonlyArray<JsonSchema>
  readonly oneOf?: ReadonlyArray<JsonSchema>
  readonly additionalProperties?: boolean | JsonSchema
  readonly discriminator?: { readonly propertyName: string; readonly mapping?: Readonly<Record<string, string>> }
  readonly minLength?: number
  readonly maxLength?: number
  readonly minimum?: number
  readonly maximum?: number
  readonly description?: string
}

interface MediaType {
  readonly content?: Readonly<Record<string, { readonly schema?: JsonSchema }>>
}

interface OperationObject {
  readonly tags?: ReadonlyArray<string>
  readonly summary?: string
  readonly description?: string
  readonly deprecated?: boolean
  readonly requestBody?: MediaType
  readonly responses: Readonly<Record<string, MediaType>>
}

/** The document shape the generator relies on. */
export interface Spec {
  readonly paths: Readonly<Record<string, Readonly<Record<string, OperationObject>>>>
  readonly components: { readonly schemas: Readonly<Record<string, JsonSchema>> }
  readonly "x-tagGroups": ReadonlyArray<{ readonly name: string; readonly tags: ReadonlyArray<string> }>
  readonly "x-webhooks": Readonly<Record<string, { readonly post: OperationObject }>>
}

/** A row of the project's safety catalog (`codegen/operations.tsv`). */
export interface CatalogRow {
  readonly name: string
  readonly method: string
  readonly path: string
  readonly sideEffect: string
  readonly asyncKind: string | undefined
}

/** Everything the generator knows about one operation. */
export interface Operation {
  readonly name: string
  readonly method: "GET" | "POST"
  readonly path: string
  readonly tag: string
  /** iiko's one-line summary and its description (facts already listed elsewhere removed). */
  readonly summary: string | undefined
  readonly description: string | undefined
  readonly deprecated: boolean
  /** For a deprecated operation, the name of the operation to use instead. */
  readonly replacedBy: string | undefined
  readonly restrictionGroup: string | undefined
  readonly minPosVersion: string | undefined
  readonly sideEffect: string
  readonly asyncKind: string | undefined
  readonly request: JsonSchema | undefined
  readonly response: JsonSchema | undefined
  readonly documentation: string
}

const SCHEMA_PREFIX = "#/components/schemas/"

/** The component key a `$ref` points to. */
export const refKey = (ref: string): string => {
  if (!ref.startsWith(SCHEMA_PREFIX)) throw new Error(`unsupported $ref ${ref}`)
  return ref.slice(SCHEMA_PREFIX.length)
}

const upperFirst = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1)
const lowerFirst = (word: string): string => word.charAt(0).toLowerCase() + word.slice(1)

/** Where a path sits among the API's versions: the path without its version, and the version. */
export interface VersionedPath {
  /** `menu/by_id` for `/api/2/menu/by_id` and for `/api/menu/v3/by_id`. */
  readonly key: string
  readonly version: number
  /** The words of the name: the area first for `/api/<area>/vN/...`. */
  readonly words: ReadonlyArray<string>
}

/** Splits `/api/1/...`, `/api/2/...`, `/api/v2/...` and `/api/<area>/v1|v2|v3/...` paths. */
export const versionedPath = (path: string): VersionedPath => {
  const segments = path.split("/").filter((s) => s !== "")
  const [api, first, second] = segments
  if (api !== "api" || first === undefined) throw new Error(`unexpected path ${path}`)
  const classic = /^v?([12])$/.exec(first)
  if (classic !== null) {
    const words = segments.slice(2)
    return { key: words.join("/"), version: Number(classic[1]), words }
  }
  const area = /^v([1-9])$/.exec(second ?? "")
  if (area === null) throw new Error(`no naming rule for ${path}`)
  const words = [first, ...segments.slice(3)]
  return { key: words.join("/"), version: Number(area[1]), words }
}

/**
 * The versions each unversioned path exists in, over a list of paths: the naming rule suffixes an
 * area path's name with its version only when the same path exists in another version.
 */
export const pathVersions = (paths: Iterable<string>): ReadonlyMap<string, ReadonlySet<number>> => {
  const result = new Map<string, Set<number>>()
  for (const path of paths) {
    const { key, version } = versionedPath(path)
    result.set(key, (result.get(key) ?? new Set()).add(version))
  }
  return result
}

/**
 * The naming rule: the path after the API version, split on `/`, `_` and `-`, camelCased; `V2` for
 * `/api/2` and `/api/v2`; for `/api/<area>/vN` the area first, and `VN` only when the same path
 * exists in a lower version (`/api/menu/v3/by_id` beside `/api/2/menu/by_id` is `menuByIdV3`,
 * `/api/nomenclature/v2/product/list` beside its v1 is `nomenclatureProductListV2`); `Get` for
 * the GET twin of a POST.
 */
export const operationName = (
  method: string,
  path: string,
  hasPostTwin: boolean,
  versions: ReadonlyMap<string, ReadonlySet<number>> = new Map()
): string => {
  const { key, version, words } = versionedPath(path)
  const classic = /^\/api\/v?[12]\//.test(path)
  const lower = [...(versions.get(key) ?? [])].some((v) => v < version)
  const suffix = version > 1 && (classic || lower) ? `V${version}` : ""
  const parts = words.flatMap((w) => w.split(/[_-]/)).filter((w) => w !== "")
  const camel = parts.map((p, i) => (i === 0 ? lowerFirst(p) : upperFirst(p))).join("")
  return camel + suffix + (method === "GET" && hasPostTwin ? "Get" : "")
}

/** Link to the operation in iiko's ReDoc documentation. */
export const documentationUrl = (tag: string, method: string, path: string): string =>
  `https://api-ru.iiko.services/docs#tag/${encodeURIComponent(tag)}/paths/${
    encodeURIComponent(path.replace(/~/g, "~0").replace(/\//g, "~1"))
  }/${method.toLowerCase()}`

const jsonSchemaOf = (media: MediaType | undefined): JsonSchema | undefined => media?.content?.["application/json"]?.schema

const successResponse = (op: OperationObject): JsonSchema | undefined =>
  jsonSchemaOf(op.responses["200"]) ?? jsonSchemaOf(op.responses["201"])

const matchOne = (text: string | undefined, pattern: RegExp): string | undefined => text?.match(pattern)?.[1]

/** Facts the generator states separately (restriction group, POS version, command, deprecation). */
const FACT_LINE = /^\s*>\s*(Restriction group|Allowed from version|This method is a command|Deprecated)/i

/** An operation's description without the quoted fact lines, or undefined when nothing is left. */
const proseOf = (description: string | undefined): string | undefined => {
  const text = (description ?? "").split("\n").filter((line) => !FACT_LINE.test(line)).join("\n")
    .replace(/\n{3,}/g, "\n\n").trim()
  return text === "" ? undefined : text
}

/** Parses the catalog TSV (comment lines start with `#`). */
export const parseCatalog = (text: string): ReadonlyArray<CatalogRow> =>
  text.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#")).map((line) => {
    const [name, method, path, sideEffect, asyncKind] = line.split("\t")
    if (!name || !method || !path || !sideEffect || !asyncKind) throw new Error(`malformed catalog row: ${line}`)
    return { name, method, path, sideEffect, asyncKind: asyncKind === "-" ? undefined : asyncKind }
  })

/** `codegen/deprecations.json`: replacements the spec does not state. */
export interface DeprecationsConfig {
  readonly replacements: Readonly<Record<string, string>>
}

const REPLACEMENT = /[Dd]eprecated[:,]?\s*use\s+`(?:(GET|POST)\s+)?\/?(api\/[^`]+)`/

/**
 * The replacement of each deprecated operation: the one the spec's text names ("Deprecated, use
 * `api/menu/v3/by_id`"), else a newer version of the same path, else the project's list. Fails
 * for a deprecated operation with none, so every `@deprecated` tag can say what to use.
 */
const replacements = (
  spec: Spec,
  ops: ReadonlyArray<Operation>,
  config: DeprecationsConfig
): Map<string, string> => {
  const byKey = new Map(ops.map((op) => [`${op.method} ${op.path}`, op]))
  const result = new Map<string, string>()
  for (const op of ops.filter((o) => o.deprecated)) {
    const text = spec.paths[op.path]?.[op.method.toLowerCase()]?.description
    const named = text?.match(REPLACEMENT)
    const fromText = named ? byKey.get(`${named[1] ?? "POST"} /${named[2]}`)?.name : undefined
    const { key, version } = versionedPath(op.path)
    const newer = ops
      .filter((o) => o.method === op.method && !o.deprecated && versionedPath(o.path).key === key && versionedPath(o.path).version > version)
      .map((o) => o.name)[0]
    const replacement = fromText ?? newer ?? config.replacements[op.name]
    if (replacement === undefined) {
      throw new Error(`${op.name} is deprecated and names no replacement: add one to codegen/deprecations.json`)
    }
    if (!ops.some((o) => o.name === replacement)) throw new Error(`${op.name}: replacement ${replacement} is not an operation`)
    result.set(op.name, replacement)
  }
  return result
}

/**
 * Lists the spec's operations joined with the catalog. Fails when an operation is missing from
 * either side, or when the naming rule disagrees with the catalog's name.
 */
export const operations = (
  spec: Spec,
  catalog: ReadonlyArray<CatalogRow>,
  deprecations: DeprecationsConfig = { replacements: {} }
): ReadonlyArray<Operation> => {
  const byKey = new Map(catalog.map((row) => [`${row.method} ${row.path}`, row]))
  const seen = new Set<string>()
  const errors: Array<string> = []
  const result: Array<Operation> = []
  const versions = pathVersions(Object.keys(spec.paths))
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [lower, op] of Object.entries(item)) {
      const method = lower.toUpperCase() as "GET" | "POST"
      const key = `${method} ${path}`
      const row = byKey.get(key)
      const name = operationName(method, path, method === "GET" && item["post"] !== undefined, versions)
      seen.add(key)
      if (row === undefined) {
        errors.push(`${key} is not in codegen/operations.tsv`)
        continue
      }
      if (row.name !== name) errors.push(`${key}: naming rule gives ${name}, catalog says ${row.name}`)
      const tag = op.tags?.[0]
      if (tag === undefined) throw new Error(`${key} has no tag`)
      result.push({
        name,
        method,
        path,
        tag,
        summary: op.summary?.trim() || undefined,
        description: proseOf(op.description),
        deprecated: op.deprecated === true,
        replacedBy: undefined,
        restrictionGroup: matchOne(op.description, /Restriction group: `([^`]+)`/),
        minPosVersion: matchOne(op.description, /Allowed from version `([^`]+)`/),
        sideEffect: row.sideEffect,
        asyncKind: row.asyncKind,
        request: jsonSchemaOf(op.requestBody),
        response: successResponse(op),
        documentation: documentationUrl(tag, method, path)
      })
    }
  }
  for (const row of catalog) {
    if (!seen.has(`${row.method} ${row.path}`)) errors.push(`${row.method} ${row.path} is in the catalog but not in the spec`)
  }
  if (errors.length > 0) throw new Error(`operation catalog mismatch:\n  ${errors.join("\n  ")}`)
  const replaced = replacements(spec, result, deprecations)
  return result.map((op) => ({ ...op, replacedBy: replaced.get(op.name) })).sort((a, b) => compareStrings(a.name, b.name))
}

/** Locale-independent ordering, so output never depends on the machine's ICU data. */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
