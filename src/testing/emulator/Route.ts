/**
 * What a modelled operation is inside the emulator: a synchronous handler over the mutable
 * state, declared against the generated endpoint it serves (its body arrives decoded), plus the
 * lookups and rejections handlers share. Handlers run atomically (no effect
 * boundary inside), so concurrent requests never observe half-applied writes.
 *
 * @since 0.1.0
 */
import type { Endpoint, Family, SideEffect, WireSchema } from "../../Endpoint.ts"
import type * as Domain from "./Domain.ts"
import type { Prng } from "./Prng.ts"
import type { Reply } from "./Wire.ts"

/**
 * A webhook event before delivery details (`eventTime`, `correlationId`) are filled in.
 *
 * @since 0.1.0
 * @category models
 */
export interface PendingEvent {
  readonly eventType: string
  readonly organizationId: string
  readonly eventInfo: unknown
}

/**
 * Timings the handlers need, in milliseconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface Timings {
  readonly creationDelay: number
  readonly commandDelay: number
  readonly commandRetention: number
  readonly tokenLifetime: number
}

/**
 * Everything a handler may read or change for one request.
 *
 * @since 0.1.0
 * @category models
 */
export interface Context<Body = Record<string, unknown>> {
  /** Current time from Effect's `Clock` (so `TestClock` drives it). */
  readonly now: number
  /**
   * The body: decoded with the operation's strict request schema when the route has one (an
   * invalid body never reaches the handler), else the parsed JSON (`{}` when empty).
   */
  readonly body: Body
  readonly state: Domain.State
  /** Deterministic ids for entities and correlation ids. */
  readonly ids: Prng
  /** The `correlationId` of this request. */
  readonly correlationId: string
  /** Subject of the presented token (the API login); empty for the token endpoints. */
  readonly login: string
  readonly family: Family
  readonly timings: Timings
  /** Queues a webhook event; it is delivered after the request is answered. */
  readonly emit: (event: PendingEvent) => void
  /** Asks to be woken at this time to settle pending creations (and emit their webhooks). */
  readonly wakeAt: (millis: number) => void
  /** Issues an access token to a subject (token endpoints only). */
  readonly issueToken: (subject: string) => string
  /** Whether the credentials may log in (token endpoints only). */
  readonly accepts: (credentials: { readonly apiLogin: string } | { readonly appId: string; readonly clientSecret: string; readonly apiKey: string }) => boolean
}

/**
 * A modelled operation's behaviour.
 *
 * @since 0.1.0
 * @category models
 */
export type Handler<Body = Record<string, unknown>> = (context: Context<Body>) => Reply

/**
 * A modelled operation: its catalog identity plus a handler.
 *
 * @since 0.1.0
 * @category models
 */
export interface Modelled {
  readonly name: string
  readonly path: string
  readonly method: "POST" | "GET"
  readonly sideEffect: SideEffect
  readonly handler: Handler
}

/**
 * One answering operation of the emulator: a modelled handler, a catalog descriptor, or both.
 *
 * @since 0.1.0
 * @category models
 */
export interface Route {
  readonly name: string
  readonly path: string
  readonly method: "POST" | "GET"
  readonly family: Family
  readonly sideEffect: SideEffect
  readonly authenticated: boolean
  /** iiko's restriction group from the catalog, which the emulator's limits are keyed by. */
  readonly restrictionGroup: string | undefined
  /** The strict request schema from the generated catalog, when plugged in. */
  readonly request: WireSchema | undefined
  /** The response schema from the generated catalog, used to synthesize answers of unmodelled operations. */
  readonly response: WireSchema | undefined
  readonly handler: Handler | undefined
}

/**
 * Declares a modelled operation against the generated endpoint it serves: name, path, method and
 * side effect come from the descriptor (a renamed or removed operation is a type error), and the
 * handler receives the body decoded with the operation's request schema.
 *
 * @since 0.2.0
 * @category constructors
 */
export const handle = <E extends Endpoint>(
  operation: { readonly endpoint: E },
  handler: Handler<E["request"]["Type"]>
): Modelled => ({
  name: operation.endpoint.name,
  path: operation.endpoint.path,
  method: operation.endpoint.method,
  sideEffect: operation.endpoint.sideEffect,
  handler: handler as Handler
})

// =============================================================================
// Validation
// =============================================================================

/**
 * Thrown by a handler to answer with an iiko error (400 unless told otherwise). The dispatcher
 * turns it into the family's envelope with the request's `correlationId`.
 *
 * @since 0.1.0
 * @category errors
 */
export class Rejection {
  readonly _tag = "Rejection"
  constructor(readonly description: string, readonly code?: string | undefined, readonly status: number = 400) {}
}

/**
 * Stops the handler with an iiko error.
 *
 * @since 0.1.0
 * @category errors
 */
export const reject = (description: string, code?: string, status?: number): never => {
  throw new Rejection(description, code, status)
}

/**
 * The organization named by a field, which must exist.
 *
 * @since 0.1.0
 * @category validation
 */
export const organization = (context: Context<unknown>, id: string): Domain.Organization =>
  context.state.organizationsById.get(id) ?? reject(`Organization '${id}' is not available for this API login.`)

/**
 * Organizations named by an id list; every id must exist.
 *
 * @since 0.1.0
 * @category validation
 */
export const organizations = (context: Context<unknown>, ids: ReadonlyArray<string>): ReadonlyArray<Domain.Organization> =>
  ids.map((id) => organization(context, id))

/**
 * The terminal group named by an id, which must belong to the organization.
 *
 * @since 0.1.0
 * @category validation
 */
export const terminalGroup = (context: Context<unknown>, organizationId: string, id: string): Domain.TerminalGroup => {
  const group = context.state.terminalGroupsById.get(id)
  return group !== undefined && group.organizationId === organizationId
    ? group
    : reject(`Terminal group '${id}' is not found in organization '${organizationId}'.`, "TerminalGroupUnregistered")
}

/**
 * The `{correlationId}` answer of commands and other asynchronous operations.
 *
 * @since 0.1.0
 * @category constructors
 */
export const correlationOnly = (context: Context<unknown>): Record<string, unknown> => ({ correlationId: context.correlationId })
