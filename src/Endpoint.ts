/**
 * The descriptor of one iiko Cloud operation: where it lives, what it accepts and returns, and
 * what calling it does to the world. `IikoClient` reads nothing else, so every rule the client
 * applies (which token, whether to retry, how to decode) comes from here.
 *
 * @since 0.1.0
 */
import type * as Schema from "effect/Schema"
import { familyOf } from "./internal/family.ts"

/**
 * What calling an operation does on iiko's side, from the reviewed safety catalog.
 *
 * - `read`: no side effect; safe to repeat.
 * - `auth`: issues an access token; safe to repeat.
 * - `create`, `update`, `delete`, `action`, `irreversible`: writes. They are never retried once
 *   the request may have reached iiko.
 *
 * @since 0.1.0
 * @category models
 */
export type SideEffect = "read" | "auth" | "create" | "update" | "delete" | "action" | "irreversible"

/**
 * How an operation finishes: `command` operations return a `correlationId` whose outcome is
 * read through `commands/status`; `correlationId` operations return one too, without the
 * documented command marker.
 *
 * @since 0.1.0
 * @category models
 */
export type AsyncKind = "command" | "correlationId"

/**
 * The two API families, which differ in headers and error envelope: `transport`
 * (`/api/1`, `/api/2`, `/api/v2`: `Timeout` header, `{correlationId, errorDescription, error}`
 * errors) and `invoiceProcessing` (`/api/inventory/v1`, `/api/finance/v1`: `{message, details}`
 * errors).
 *
 * @since 0.1.0
 * @category models
 */
export type Family = "transport" | "invoiceProcessing"

/**
 * A schema usable on the wire: encodes and decodes without services.
 *
 * @since 0.1.0
 * @category models
 */
export type WireSchema = Schema.Codec<any, any, never, never>

/**
 * One operation of the iiko Cloud API.
 *
 * @since 0.1.0
 * @category models
 */
export interface Endpoint<Request extends WireSchema = WireSchema, Response extends WireSchema = WireSchema> {
  /** Function name from the naming rule, e.g. `deliveriesByRevision`. */
  readonly name: string
  readonly method: "POST" | "GET"
  /** Path below the base URL, e.g. `/api/1/organizations`. */
  readonly path: string
  /** Validates and encodes the body before it is sent (strict: unknown keys are rejected). */
  readonly request: Request
  /** Decodes a success body (tolerant: unknown keys are ignored). */
  readonly response: Response
  readonly sideEffect: SideEffect
  readonly asyncKind: AsyncKind | undefined
  /** iiko's rate-limit bucket ("Restriction group"), when the documentation names one. */
  readonly restrictionGroup: string | undefined
  /** `false` for the two token operations, which are called without `Authorization`. */
  readonly authenticated: boolean
  readonly family: Family
}

/**
 * Builds a descriptor. Generated code calls this once per operation.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Endpoint } from "effect-iiko"
 *
 * const organizations = Endpoint.make({
 *   name: "organizations",
 *   path: "/api/1/organizations",
 *   request: Schema.Struct({ organizationIds: Schema.optionalKey(Schema.Array(Schema.String)) }),
 *   response: Schema.Struct({ organizations: Schema.Array(Schema.Unknown) }),
 *   sideEffect: "read"
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <Request extends WireSchema, Response extends WireSchema>(options: {
  readonly name: string
  readonly path: string
  readonly request: Request
  readonly response: Response
  readonly sideEffect: SideEffect
  readonly method?: "POST" | "GET" | undefined
  readonly asyncKind?: AsyncKind | undefined
  readonly restrictionGroup?: string | undefined
}): Endpoint<Request, Response> => ({
  name: options.name,
  method: options.method ?? "POST",
  path: options.path,
  request: options.request,
  response: options.response,
  sideEffect: options.sideEffect,
  asyncKind: options.asyncKind,
  restrictionGroup: options.restrictionGroup,
  authenticated: options.sideEffect !== "auth",
  family: familyOf(options.path)
})

/**
 * `true` when repeating the call cannot duplicate a side effect.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isIdempotent = (endpoint: Endpoint): boolean =>
  endpoint.sideEffect === "read" || endpoint.sideEffect === "auth"
