/**
 * The emulator's request pipeline, shared by the in-memory client and the real server:
 * settle what is due, apply faults, check the token, parse and validate the body, run the
 * handler (or synthesize an answer), deliver webhooks, and log the exchange. Transport-specific
 * behaviour (what a dropped connection looks like) is left to a `Transport`.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Result, Schema, Scope } from "effect"
import type { HttpClient } from "effect/http"
import { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { WireSchema } from "../../Endpoint.ts"
import * as Domain from "./Domain.ts"
import * as Faults from "./Faults.ts"
import * as Jwt from "./Jwt.ts"
import * as Lifecycle from "./Lifecycle.ts"
import * as Limits from "./Limits.ts"
import * as Prng from "./Prng.ts"
import type { Context, PendingEvent, Route, Timings } from "./Route.ts"
import { Rejection } from "./Route.ts"
import * as Synthesize from "./Synthesize.ts"
import * as Webhooks from "./Webhooks.ts"
import * as Wire from "./Wire.ts"

// =============================================================================
// Models
// =============================================================================

/**
 * Which logins the token endpoints accept. Omitted lists accept any non-empty value.
 *
 * @since 0.1.0
 * @category models
 */
export interface Credentials {
  /** Accepted v1 `apiLogin` values. */
  readonly apiLogins?: ReadonlyArray<string> | undefined
  /** Accepted v2 applications. */
  readonly applications?:
    | ReadonlyArray<{ readonly appId: string; readonly clientSecret: string; readonly apiKey: string }>
    | undefined
}

/**
 * An issued access token.
 *
 * @since 0.1.0
 * @category models
 */
export interface IssuedToken {
  readonly subject: string
  readonly expiresAt: number
  revoked: boolean
}

/**
 * One exchange, as the request log keeps it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestLogEntry {
  readonly method: string
  readonly path: string
  /** The operation name, `undefined` for unknown paths. */
  readonly operation: string | undefined
  /** The HTTP status sent, or `"reset"` when the connection was dropped. */
  readonly status: number | "reset"
  /** The injected fault, if any. */
  readonly fault: string | undefined
  readonly correlationId: string
  /** `Clock` time when the request arrived, epoch milliseconds. */
  readonly startedAt: number
  /** `Clock` time spent answering, including injected latency. */
  readonly durationMillis: number
}

/**
 * What the two transports do differently: the in-memory client turns a dropped connection into
 * a transport error, the server destroys the socket.
 *
 * @since 0.1.0
 * @category models
 */
export interface Transport {
  readonly reset: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse>
}

/**
 * The engine: mutable state plus everything the pipeline needs.
 *
 * @since 0.1.0
 * @category models
 */
export interface Engine {
  readonly state: Domain.State
  readonly timings: Timings
  readonly tokens: Map<string, IssuedToken>
  readonly rules: Array<Faults.ActiveRule>
  readonly log: Array<RequestLogEntry>
  readonly outbox: Array<Webhooks.WebhookDelivery>
  readonly handle: (
    route: Route | undefined,
    request: HttpServerRequest.HttpServerRequest,
    transport: Transport
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse>
  /** Settles creations due at the current `Clock` time and delivers their webhooks. */
  readonly settle: Effect.Effect<void>
  /** Issues a token directly, for tests that talk raw HTTP. */
  readonly issueToken: (subject: string, now: number) => string
  /** The restriction-group limits and what they counted. */
  readonly limits: Limits.Limiter
  /** Applies an operation inside the emulator, as iiko's own back office would: no HTTP, no log, no limits. */
  readonly apply: (route: Route, body: Record<string, unknown>) => Effect.Effect<Wire.Reply>
  /** Delivers webhook batches. */
  readonly sender: Webhooks.Sender
  /**
   * Reseeds the world (organizations, menus, stop lists, orders) as at start-up, restores the
   * configured fault rules and forgets the request log and webhook outbox. Issued tokens stay valid.
   */
  readonly reset: Effect.Effect<void>
}

/**
 * Engine options (the public ones are documented on `IikoEmulator.Options`).
 *
 * @since 0.1.0
 * @category models
 */
export interface EngineOptions {
  readonly seed: number | string
  readonly sizes: Domain.Sizes
  readonly timings: Timings
  readonly credentials: Credentials | undefined
  readonly faults: ReadonlyArray<Faults.FaultRule>
  readonly webhookClient: HttpClient.HttpClient
  readonly limits: Limits.Options | false
  readonly webhookDelivery: {
    readonly retries: number
    readonly retryDelay: Duration.Duration
    readonly reorderHold: Duration.Duration
    readonly faults: Webhooks.DeliveryFaults
  }
}

// =============================================================================
// Constructor
// =============================================================================

/**
 * Builds an engine; timers and webhook deliveries run in the current scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*(options: EngineOptions) {
  const scope = yield* Scope.Scope
  const startedAt = yield* Clock.currentTimeMillis
  const state = Domain.seed(options.seed, options.sizes, startedAt)
  const ids = Prng.fork(options.seed, "ids")
  const faultDice = Prng.fork(options.seed, "faults")
  const tokens = new Map<string, IssuedToken>()
  const rules = Faults.activate(options.faults)
  const log: Array<RequestLogEntry> = []
  const outbox: Array<Webhooks.WebhookDelivery> = []
  const limits = yield* Limits.make(options.limits)
  const sender = yield* Webhooks.makeSender({
    ...options.webhookDelivery,
    client: options.webhookClient,
    dice: Prng.fork(options.seed, "webhooks"),
    outbox
  })

  const issueToken = (subject: string, now: number): string => {
    const iat = Math.floor(now / 1000)
    const token = Jwt.encode({
      iss: "iiko",
      aud: "clients",
      sub: subject,
      iat,
      nbf: iat,
      exp: iat + Math.floor(options.timings.tokenLifetime / 1000),
      jti: ids.uuid()
    })
    tokens.set(token, { subject, expiresAt: now + options.timings.tokenLifetime, revoked: false })
    return token
  }

  const deliver = (events: ReadonlyArray<PendingEvent>, now: number): Effect.Effect<void> =>
    Effect.forEach(groupByOrganization(events), ([organizationId, group]) => {
      const settings = state.webhooks.get(organizationId)
      const passing = settings === undefined ? [] : group.filter((e) => Webhooks.passes(settings.webHooksFilter, e))
      if (settings === undefined || passing.length === 0) return Effect.void
      const delivery: Webhooks.WebhookDelivery = {
        uri: settings.webHooksUri,
        organizationId,
        // A snapshot: the entity may change again before the batch is posted (or retried).
        events: passing.map((e) => ({
          ...e,
          eventInfo: structuredClone(e.eventInfo),
          eventTime: Wire.formatDate(now),
          correlationId: ids.uuid()
        })),
        status: undefined,
        error: undefined,
        attempts: 0,
        duplicate: false
      }
      outbox.push(delivery)
      return sender.enqueue(settings, delivery)
    }, { discard: true })

  const settleAt = (now: number): Effect.Effect<void> =>
    Effect.suspend(() => {
      const events: Array<PendingEvent> = []
      Lifecycle.settle(state, now, (event) => events.push(event))
      return deliver(events, now)
    })

  const settle = Effect.flatMap(Clock.currentTimeMillis, settleAt)

  const schedule = (delay: number): Effect.Effect<void> =>
    Effect.forkIn(Effect.andThen(Effect.sleep(Duration.millis(delay)), settle), scope).pipe(Effect.asVoid)

  const accepts: Context["accepts"] = (credentials) => {
    const allowed = options.credentials
    if ("apiLogin" in credentials) {
      return allowed?.apiLogins === undefined || allowed.apiLogins.includes(credentials.apiLogin)
    }
    return allowed?.applications === undefined || allowed.applications.some((app) =>
      app.appId === credentials.appId && app.clientSecret === credentials.clientSecret &&
      app.apiKey === credentials.apiKey
    )
  }

  const handle: Engine["handle"] = (route, request, transport) =>
    Effect.gen(function*() {
      const arrivedAt = yield* Clock.currentTimeMillis
      const correlationId = ids.uuid()
      const path = new URL(request.url, "http://emulator").pathname
      const admission = route === undefined ? undefined : yield* limits.admit(route, subjectOf(request))
      const outcome = route === undefined || admission === undefined
        ? { reply: notFound(path, correlationId), fault: undefined }
        : admission._tag === "Rejected"
        ? { reply: overLimit(route, admission, correlationId, limits.retryAfterHeader), fault: "RestrictionGroupLimit" }
        : yield* Effect.ensuring(answer(route, request, correlationId), Effect.sync(admission.release))
      const response = outcome.reply._tag === "Reset" ? yield* transport.reset(request) : toResponse(outcome.reply)
      const finishedAt = yield* Clock.currentTimeMillis
      log.push({
        method: request.method,
        path,
        operation: route?.name,
        status: outcome.reply._tag === "Reset" ? "reset" : outcome.reply.status,
        fault: outcome.fault,
        correlationId,
        startedAt: arrivedAt,
        durationMillis: finishedAt - arrivedAt
      })
      return response
    })

  const answer = (route: Route, request: HttpServerRequest.HttpServerRequest, correlationId: string) =>
    Effect.gen(function*() {
      const text = yield* Effect.orElseSucceed(request.text, () => "")
      const decision = Faults.decide(rules, route, faultDice)
      if (decision.delay !== undefined) yield* Effect.sleep(decision.delay)
      const now = yield* Clock.currentTimeMillis
      yield* settleAt(now)
      const failure = decision.failure
      const fault = failure?._tag ?? (decision.delay === undefined ? undefined : "Latency")
      const fail = (status: number, description: string, code?: string, headers?: Record<string, string>) =>
        Wire.error({ family: route.family, status, correlationId, description, code, headers })

      const authorization = route.authenticated ? authorize(request, now, failure?._tag === "TokenExpired") : undefined
      if (authorization !== undefined && "rejected" in authorization) {
        return { reply: fail(401, authorization.rejected), fault }
      }
      const refused = beforeApplying(failure, fail)
      if (refused !== undefined) return { reply: refused, fault }

      const body = parseBody(text)
      if (body === undefined) return { reply: fail(400, "The request body is not a JSON object."), fault }
      const decoded = route.request === undefined ? { body } : decodeBody(route.request, body)
      if ("issue" in decoded) return { reply: fail(400, decoded.issue, "Validation"), fault }

      const reply = yield* runHandler(
        route,
        { now, body: decoded.body, correlationId, login: authorization?.subject ?? "" },
        fail
      )
      return { reply: afterApplied(reply, failure, fail), fault }
    })

  /** Runs a route's handler at `now`, then delivers its webhooks and schedules its wake-ups. */
  const runHandler = (
    route: Route,
    request: Pick<Context, "now" | "body" | "correlationId" | "login">,
    fail: (status: number, description: string, code?: string) => Wire.Reply
  ) =>
    Effect.gen(function*() {
      const { now } = request
      const events: Array<PendingEvent> = []
      const wakeups: Array<number> = []
      const context: Context = {
        ...request,
        state,
        ids,
        family: route.family,
        timings: options.timings,
        emit: (event) => events.push(event),
        wakeAt: (at) => wakeups.push(at),
        issueToken: (subject) => issueToken(subject, now),
        accepts
      }
      const reply = run(route, context, fail)
      yield* deliver(events, now)
      yield* Effect.forEach(wakeups, (at) => schedule(at - now), { discard: true })
      return reply
    })

  const apply: Engine["apply"] = (route, body) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      yield* settleAt(now)
      const correlationId = ids.uuid()
      return yield* runHandler(route, { now, body, correlationId, login: "emulator" }, (status, description, code) =>
        Wire.error({ family: route.family, status, correlationId, description, code }))
    })

  /** The API login behind the presented token, without judging the token (that comes later). */
  const subjectOf = (request: HttpServerRequest.HttpServerRequest): string => {
    const token = request.headers["authorization"]?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim()
    return (token === undefined ? undefined : tokens.get(token)?.subject) ?? "-"
  }

  const authorize = (
    request: HttpServerRequest.HttpServerRequest,
    now: number,
    expireEarly: boolean
  ): { readonly subject: string } | { readonly rejected: string } => {
    const header = request.headers["authorization"]
    const token = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim()
    if (token === undefined) return { rejected: "Authorization header with a Bearer token is required." }
    const issued = tokens.get(token)
    if (issued === undefined) return { rejected: "The access token is not valid." }
    if (expireEarly) issued.revoked = true
    if (issued.revoked || now >= issued.expiresAt) return { rejected: "The access token has expired." }
    return { subject: issued.subject }
  }

  const reset = Effect.flatMap(Clock.currentTimeMillis, (now) =>
    Effect.sync(() => {
      Object.assign(state, Domain.seed(options.seed, options.sizes, now))
      rules.splice(0, rules.length, ...Faults.activate(options.faults))
      log.length = 0
      outbox.length = 0
    }))

  return {
    state,
    timings: options.timings,
    tokens,
    rules,
    log,
    outbox,
    handle,
    settle,
    issueToken,
    limits,
    apply,
    sender,
    reset
  } satisfies Engine
})

// =============================================================================
// Helpers
// =============================================================================

const run = (
  route: Route,
  context: Context,
  fail: (status: number, description: string, code?: string) => Wire.Reply
): Wire.Reply => {
  try {
    if (route.handler !== undefined) return route.handler(context)
    return Wire.json(
      route.response === undefined
        ? { correlationId: context.correlationId }
        : Synthesize.value(route.response, { correlationId: context.correlationId, seed: route.name })
    )
  } catch (error) {
    if (error instanceof Rejection) return fail(error.status, error.description, error.code)
    throw error
  }
}

/** A 429 for a request over its restriction group's limit, with or without `Retry-After`. */
const overLimit = (
  route: Route,
  admission: { readonly retryAfterMillis: number; readonly description: string },
  correlationId: string,
  retryAfterHeader: boolean
): Wire.Reply =>
  Wire.error({
    family: route.family,
    status: 429,
    correlationId,
    description: admission.description,
    code: "TooManyRequests",
    headers: retryAfterHeader ? { "retry-after": String(Math.max(1, Math.ceil(admission.retryAfterMillis / 1000))) } : {}
  })

/** The faults that answer before the request is applied: 429, and 5xx/408 not marked `applied`. */
const beforeApplying = (
  failure: Faults.Decision["failure"],
  fail: (status: number, description: string, code?: string, headers?: Record<string, string>) => Wire.Reply
): Wire.Reply | undefined => {
  switch (failure?._tag) {
    case "RateLimited": {
      const seconds = Math.max(1, Math.ceil(Duration.toSeconds(Duration.fromInputUnsafe(failure.retryAfter))))
      return fail(429, "Too many requests.", "TooManyRequests", { "retry-after": String(seconds) })
    }
    case "ServerError":
      return failure.applied ? undefined : fail(failure.status, "Internal server error.", "InternalServerError")
    case "TerminalTimeout":
      return failure.applied ? undefined : fail(408, "Timeout expired while waiting for the terminal.")
    default:
      return undefined
  }
}

/** The faults that strike after the request was applied: the write happened, the answer is lost or broken. */
const afterApplied = (
  reply: Wire.Reply,
  failure: Faults.Decision["failure"],
  fail: (status: number, description: string, code?: string) => Wire.Reply
): Wire.Reply => {
  switch (failure?._tag) {
    case "ServerError":
      return fail(failure.status, "Internal server error.", "InternalServerError")
    case "TerminalTimeout":
      return fail(408, "Timeout expired while waiting for the terminal.")
    case "ConnectionReset":
      return { _tag: "Reset" }
    case "TruncatedJson":
      return reply._tag === "Json" ? { _tag: "Raw", status: 200, text: truncate(JSON.stringify(reply.body)) } : reply
    case "MalformedJson":
      return { _tag: "Raw", status: 200, text: "{\"correlationId\": <html>502 Bad Gateway</html>" }
    default:
      return reply
  }
}

const truncate = (text: string): string => text.slice(0, Math.max(1, Math.floor(text.length / 2)))

const parseBody = (text: string): Record<string, unknown> | undefined => {
  if (text.trim() === "") return {}
  try {
    const parsed: unknown = JSON.parse(text)
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? parsed as Record<string, unknown>
      : undefined
  } catch {
    return undefined
  }
}

type Decoded = { readonly body: Record<string, unknown> } | { readonly issue: string }

const decoders = new WeakMap<WireSchema, (body: unknown) => Decoded>()

/** Strict decoding of a request body; one decoder per schema, built on first use. */
const decodeBody = (schema: WireSchema, body: unknown): Decoded => {
  let decoder = decoders.get(schema)
  if (decoder === undefined) {
    const decode = Schema.decodeUnknownResult(schema, { onExcessProperty: "error" })
    decoder = (input) => {
      const result = decode(input)
      return Result.isFailure(result) ? { issue: result.failure.message } : { body: result.success }
    }
    decoders.set(schema, decoder)
  }
  return decoder(body)
}

const notFound = (path: string, correlationId: string): Wire.Reply =>
  Wire.error({
    family: path.startsWith("/api/inventory/") || path.startsWith("/api/finance/") ? "invoiceProcessing" : "transport",
    status: 404,
    correlationId,
    description: `No operation at '${path}'.`
  })

const toResponse = (reply: Exclude<Wire.Reply, { readonly _tag: "Reset" }>): HttpServerResponse.HttpServerResponse =>
  reply._tag === "Json"
    ? HttpServerResponse.jsonUnsafe(reply.body, { status: reply.status, headers: reply.headers ?? {} })
    : HttpServerResponse.text(reply.text, {
      status: reply.status,
      contentType: "application/json; charset=utf-8",
      headers: reply.headers ?? {}
    })

const groupByOrganization = (events: ReadonlyArray<PendingEvent>): Map<string, Array<PendingEvent>> => {
  const groups = new Map<string, Array<PendingEvent>>()
  for (const event of events) {
    const group = groups.get(event.organizationId)
    if (group === undefined) groups.set(event.organizationId, [event])
    else group.push(event)
  }
  return groups
}
