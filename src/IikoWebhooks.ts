/**
 * The webhook receiver a delivery app runs in production, and the registration call that points
 * iiko at it.
 *
 * iiko POSTs a JSON array of events to the registered URL with the registered `authToken` in the
 * `Authorization` header. The receiver:
 * - checks the token in constant time (bare or `Bearer <token>`); wrong or missing is 401 and
 *   nothing is enqueued;
 * - limits the body size (413), answers a malformed body with a 400 that says what is wrong, and
 *   counts both;
 * - decodes the events with the generated schemas; an event type iiko adds later arrives as
 *   `UnknownWebHookEvent` instead of failing the batch;
 * - drops events it has already accepted within a bounded window (by event type, organization,
 *   `correlationId` and the entity's id + revision or status), so a redelivered batch is
 *   processed once;
 * - offers the rest, in order, to a bounded queue read as a `Stream` ({@link Service.events}).
 *   When the queue is full it stops at the first event that does not fit and answers **503 with
 *   `Retry-After`**, so the sender redelivers; what was already accepted is deduplicated then.
 *   It never blocks a request waiting for the consumer, and never accepts an event it cannot
 *   keep.
 *
 * Webhooks are triggers, polling is the truth: iiko's redelivery policy is undocumented, so a
 * lost webhook must cost latency, never data. {@link Service.subscribe} gives any number of
 * extra subscribers (such as the wake-up of a polling loop) a lossy broadcast of accepted
 * events that never takes events from {@link Service.events} nor slows the receiver.
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Stream } from "effect"
 * import { IikoWebhooks } from "effect-iiko"
 *
 * const program = Effect.gen(function*() {
 *   const webhooks = yield* IikoWebhooks.IikoWebhooks
 *   yield* webhooks.events.pipe(Stream.runForEach((event) => Effect.log(event.eventType)))
 * }).pipe(Effect.provide(IikoWebhooks.layerServer({ port: 8080, authToken: Redacted.make("secret") })))
 * ```
 *
 * @since 0.1.0
 */
import * as ByteSize from "effect/ByteSize"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as PubSub from "effect/PubSub"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import type * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Common from "./generated/Common.ts"
import { webhooksSettings, webhooksUpdateSettings } from "./generated/Iiko.ts"
import * as Webhooks from "./generated/Webhooks.ts"
import type { IikoClient } from "./IikoClient.ts"
import type { IikoError } from "./IikoError.ts"
import type * as WebhookEvent from "./WebhookEvent.ts"

// =============================================================================
// Options
// =============================================================================

/**
 * How the receiver behaves. Only `authToken` is required.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The token registered with iiko (`authToken` of `webhooks/update_settings`). */
  readonly authToken: Redacted.Redacted<string>
  /** The route path (default `/iiko/webhooks`). */
  readonly path?: HttpRouter.PathInput | undefined
  /** Largest accepted body (default 1 MiB); larger bodies get 413. */
  readonly maxBodySize?: ByteSize.Input | undefined
  /** Events the queue holds before the receiver answers 503 (default 10,000). */
  readonly capacity?: number | undefined
  /** How many accepted events are remembered for deduplication (default 100,000). */
  readonly dedupWindow?: number | undefined
  /** Events each {@link Service.subscribe} subscriber may lag behind before the oldest are dropped (default 256). */
  readonly broadcastCapacity?: number | undefined
}

/**
 * The defaults of {@link Options}.
 *
 * @since 0.1.0
 * @category models
 */
export const defaults = {
  path: "/iiko/webhooks",
  maxBodySize: 1024 * 1024,
  capacity: 10_000,
  dedupWindow: 100_000,
  broadcastCapacity: 256
} as const

// =============================================================================
// Service
// =============================================================================

/**
 * One decoded event (the generated union; unknown event types are `UnknownWebHookEvent`).
 *
 * @since 0.1.0
 * @category models
 */
export type Event = WebhookEvent.Event

/**
 * The 11 event types iiko documents.
 *
 * @since 0.1.0
 * @category models
 */
export type KnownEventType = Event extends infer E ? E extends { readonly eventType: infer T } ? string extends T ? never : T : never
  : never

/**
 * The event of one documented type, with its typed `eventInfo`.
 *
 * @since 0.1.0
 * @category models
 */
export type EventOf<T extends KnownEventType> = Extract<Event, { readonly eventType: T }>

/**
 * A type guard for one documented event type (a plain `eventType === …` check cannot narrow the
 * union, because the unknown-event variant's `eventType` is any other string).
 *
 * @example
 * ```ts
 * import { IikoWebhooks } from "effect-iiko"
 *
 * const statusOf = (event: IikoWebhooks.Event) =>
 *   IikoWebhooks.isEvent("DeliveryOrderUpdate")(event) ? event.eventInfo?.order?.status : undefined
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export const isEvent = <T extends KnownEventType>(eventType: T) => (event: Event): event is EventOf<T> =>
  event.eventType === eventType

/**
 * Which events a {@link Service.subscribe} subscriber wants; everything when omitted.
 *
 * @since 0.1.0
 * @category models
 */
export interface Selection {
  readonly eventTypes?: ReadonlyArray<string> | undefined
  readonly organizationIds?: ReadonlyArray<string> | undefined
}

/**
 * Counters since the receiver started.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  /** Requests answered, whatever the outcome. */
  readonly requests: number
  /** Events offered to the queue. */
  readonly accepted: number
  /** Events dropped because they were accepted before. */
  readonly duplicates: number
  /** Requests without the right token (401). */
  readonly unauthorized: number
  /** Requests whose body was not a JSON array of events (400). */
  readonly malformed: number
  /** Requests whose body was over the limit (413). */
  readonly tooLarge: number
  /** Requests answered 503 because the queue was full. */
  readonly queueFull: number
}

/**
 * A running receiver.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The route path. */
  readonly path: HttpRouter.PathInput
  /**
   * The accepted events, in arrival order, each once. Meant for one consumer: concurrent
   * consumers split the events between them.
   */
  readonly events: Stream.Stream<Event>
  /**
   * A fresh broadcast of accepted events for extra subscribers (e.g. the `wakeUp` of a polling
   * stream). Lossy: a subscriber that lags more than `broadcastCapacity` events loses the oldest.
   * It neither takes events from {@link events} nor slows the receiver.
   */
  readonly subscribe: (selection?: Selection) => Stream.Stream<Event>
  /** The request handler, for mounting it yourself. */
  readonly handle: Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>
  /** Counters since start. */
  readonly stats: Effect.Effect<Stats>
}

/**
 * The receiver service.
 *
 * @since 0.1.0
 * @category services
 */
export class IikoWebhooks extends Context.Service<IikoWebhooks, Service>()("effect-iiko/IikoWebhooks") {}

// =============================================================================
// Token check
// =============================================================================

/**
 * Compares two strings without stopping at the first difference: it reads every character of
 * `expected` whatever `actual` is, so the time taken does not reveal how much of a guess was
 * right (only the length of `expected`).
 *
 * @since 0.1.0
 * @category token
 */
export const constantTimeEquals = (expected: string, actual: string): boolean => {
  const length = expected.length
  let difference = length ^ actual.length
  for (let i = 0; i < length; i++) {
    difference |= expected.charCodeAt(i) ^ (actual.charCodeAt(i) | 0)
  }
  return difference === 0
}

/**
 * Whether an `Authorization` header carries the token, bare or as `Bearer <token>`.
 *
 * @since 0.1.0
 * @category token
 */
export const authorizes = (token: Redacted.Redacted<string>, header: string | undefined): boolean => {
  if (header === undefined) return false
  const trimmed = header.trim()
  const presented = /^bearer\s/i.test(trimmed) ? trimmed.slice(7).trim() : trimmed
  return constantTimeEquals(Redacted.value(token), presented)
}

// =============================================================================
// Deduplication
// =============================================================================

/**
 * The identity of an event for deduplication: event type, organization, `correlationId`, and the
 * entity's id with its revision (`timestamp`) and status; for events without an entity id
 * (stop lists, unknown types), the whole `eventInfo`. The receiver computes it from the event as
 * parsed, before decoding, so a redelivered event costs no schema decoding.
 *
 * @since 0.1.0
 * @category deduplication
 */
export const dedupKey = (event: Event): string => keyOf(event as unknown as Readonly<Record<string, unknown>>)

const keyOf = (event: Readonly<Record<string, unknown>>): string =>
  `${event["eventType"]}\u0000${event["organizationId"] ?? ""}\u0000${event["correlationId"] ?? ""}\u0000${
    entityOf(event["eventInfo"])
  }`

const entityOf = (info: unknown): string => {
  if (typeof info !== "object" || info === null) return JSON.stringify(info ?? null)
  const record = info as Record<string, any>
  if (typeof record["id"] !== "string") return digest(JSON.stringify(info))
  const status = record["order"]?.["status"] ?? record["reserve"]?.["status"] ?? record["opened"]
  return `${record["id"]}\u0000${record["timestamp"] ?? ""}\u0000${record["creationStatus"] ?? ""}\u0000${status ?? ""}`
}

/**
 * Short texts as they are; longer ones as their length and two 32-bit FNV-1a hashes with different
 * offset bases, so a window of large `eventInfo`s stays small (a false match also needs the same
 * event type, organization and `correlationId`).
 */
const digest = (text: string): string =>
  text.length <= 128 ? text : `${text.length}#${fnv1a(text, 0x811c9dc5).toString(36)}#${fnv1a(text, 0x050c5d1f).toString(36)}`

const fnv1a = (text: string, basis: number): number => {
  let hash = basis
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash >>> 0
}

/** Remembers the last `size` keys (oldest forgotten first). */
const makeWindow = (size: number) => {
  const keys = new Set<string>()
  return {
    has: (key: string) => keys.has(key),
    add: (key: string) => {
      keys.add(key)
      if (keys.size > size) keys.delete(keys.values().next().value!)
    }
  }
}

// =============================================================================
// Metrics
// =============================================================================

const requestsTotal = Metric.counter("iiko_webhooks_requests_total", {
  description: "Webhook requests answered, by outcome",
  incremental: true
})
const eventsTotal = Metric.counter("iiko_webhooks_events_total", {
  description: "Webhook events received, by outcome (accepted, duplicate)",
  incremental: true
})

const acceptedTotal = Metric.withAttributes(eventsTotal, { outcome: "accepted" })
const duplicatesTotal = Metric.withAttributes(eventsTotal, { outcome: "duplicate" })

type Outcome = "accepted" | "unauthorized" | "malformed" | "too_large" | "queue_full"

const requestsBy: Record<Outcome, Metric.Counter<number>> = {
  accepted: Metric.withAttributes(requestsTotal, { outcome: "accepted" }),
  unauthorized: Metric.withAttributes(requestsTotal, { outcome: "unauthorized" }),
  malformed: Metric.withAttributes(requestsTotal, { outcome: "malformed" }),
  too_large: Metric.withAttributes(requestsTotal, { outcome: "too_large" }),
  queue_full: Metric.withAttributes(requestsTotal, { outcome: "queue_full" })
}

// =============================================================================
// Constructors
// =============================================================================

/**
 * The schema the receiver decodes a webhook body with (the generated `WebHookEvents`: an array of
 * the event union, unknown types included).
 *
 * Decoding is most of the receiver's CPU. effect's Schema JIT compiles decoders into plain
 * functions (see bench/results/webhooks.md); a library must not switch it on for an application,
 * so it is your choice: import `effect/schema/SchemaJITCompiler/enable` first thing for every
 * schema, or compile only the webhook schemas (and the order schemas they share) before building
 * the receiver. Either needs `new Function` (falls back to the interpreter where it is blocked).
 *
 * @example
 * ```ts
 * import * as SchemaJITCompiler from "effect/schema/SchemaJITCompiler"
 * import { IikoWebhooks } from "effect-iiko"
 *
 * SchemaJITCompiler.enable(IikoWebhooks.schema.ast) // before IikoWebhooks.layerServer(…) is built
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const schema: Schema.Codec<ReadonlyArray<Event>, Webhooks.WebHookEventsEncoded> = Webhooks.WebHookEvents

const problem = (status: number, error: string, message: string, headers?: Record<string, string>) =>
  HttpServerResponse.jsonUnsafe({ error, message }, { status, headers: headers ?? {} })

/**
 * Starts a receiver in the current scope: its queue, deduplication window and handler. Mount
 * `handle` yourself, or use {@link layerRoute} / {@link layerServer}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const path = options.path ?? defaults.path
    const maxBytes = options.maxBodySize === undefined
      ? ByteSize.bytes(defaults.maxBodySize)
      : ByteSize.fromInputUnsafe(options.maxBodySize)
    const queue = yield* Queue.bounded<Event>(options.capacity ?? defaults.capacity)
    const broadcast = yield* PubSub.sliding<Event>(options.broadcastCapacity ?? defaults.broadcastCapacity)
    yield* Effect.addFinalizer(() => Effect.andThen(Queue.shutdown(queue), PubSub.shutdown(broadcast)))
    const window = makeWindow(options.dedupWindow ?? defaults.dedupWindow)
    // Built once per receiver, when it starts (so a JIT the application enabled before applies).
    // Synchronous (the webhook schemas have no asynchronous parts): the dedup check, decoding and
    // admission of a batch run in one step, with no fiber in between. Errors stop at the first
    // (the default), which is all a 400 needs to name.
    const decodeEvents = Schema.decodeUnknownResult(schema)
    const stats = { requests: 0, accepted: 0, duplicates: 0, unauthorized: 0, malformed: 0, tooLarge: 0, queueFull: 0 }

    /**
     * Drops the events accepted before (or earlier in the same batch) by their key, computed from
     * the parsed JSON; decodes only the rest, in one call; offers them in order with one
     * `offerAll`, which keeps the prefix that fits. Synchronous from the dedup check to the
     * offer, so concurrent batches cannot both accept one event.
     */
    const admit = (parsed: ReadonlyArray<unknown>) => {
      const fresh: Array<unknown> = []
      const keys: Array<string> = []
      let duplicates = 0
      for (const raw of parsed) {
        if (typeof raw !== "object" || raw === null) {
          fresh.push(raw) // not an event: decoding rejects it
          continue
        }
        const key = keyOf(raw as Readonly<Record<string, unknown>>)
        if (window.has(key) || keys.includes(key)) {
          duplicates++
          continue
        }
        fresh.push(raw)
        keys.push(key)
      }
      const decoded = decodeEvents(fresh)
      if (decoded._tag === "Failure") {
        // Decoded again whole, so the message's indexes are the body's (rare path).
        const whole = decodeEvents(parsed)
        return { _tag: "Malformed", message: (whole._tag === "Failure" ? whole.failure : decoded.failure).message } as const
      }
      const events = decoded.success
      const rejected = events.length === 0 ? 0 : Queue.offerAllUnsafe(queue, events).length
      const accepted = rejected === 0 ? events : events.slice(0, events.length - rejected)
      for (let i = 0; i < accepted.length; i++) window.add(keys[i]!)
      return { _tag: "Admitted", received: parsed.length, accepted, duplicates, full: rejected > 0 } as const
    }

    const finish = (outcome: Outcome, response: HttpServerResponse.HttpServerResponse) =>
      Effect.as(
        Effect.andThen(
          Metric.update(requestsBy[outcome], 1),
          Effect.annotateCurrentSpan({ "iiko.webhooks.outcome": outcome, "http.response.status_code": response.status })
        ),
        response
      )

    const reject = (outcome: Exclude<Outcome, "accepted" | "queue_full">, status: number, error: string, message: string) =>
      Effect.suspend(() => {
        if (outcome === "unauthorized") stats.unauthorized++
        else if (outcome === "malformed") stats.malformed++
        else stats.tooLarge++
        return finish(outcome, problem(status, error, message))
      })

    const readBody = (request: HttpServerRequest.HttpServerRequest) =>
      request.text.pipe(
        Effect.provideService(HttpIncomingMessage.MaxBodySize, maxBytes),
        Effect.map((text) => ({ text })),
        Effect.catch((error: HttpServerError.HttpServerError) =>
          Effect.succeed({
            tooLarge: error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"
          })
        )
      )

    const handle = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      stats.requests++
      if (!authorizes(options.authToken, request.headers["authorization"])) {
        return yield* reject("unauthorized", 401, "Unauthorized", "The Authorization header does not carry the webhook token.")
      }
      const tooLarge = () =>
        reject("too_large", 413, "PayloadTooLarge", `The body is larger than ${ByteSize.format(maxBytes)}.`)
      const declared = Number(request.headers["content-length"])
      if (Number.isFinite(declared) && declared > Number(maxBytes)) return yield* tooLarge()
      const body = yield* readBody(request)
      if (!("text" in body)) {
        return yield* (body.tooLarge ? tooLarge() : reject("malformed", 400, "BadRequest", "The body could not be read."))
      }
      let parsed: unknown
      try {
        parsed = JSON.parse(body.text)
      } catch (error) {
        return yield* reject("malformed", 400, "BadRequest", `The body is not valid JSON: ${(error as Error).message}`)
      }
      if (!Array.isArray(parsed)) {
        return yield* reject("malformed", 400, "BadRequest", `The body must be a JSON array of events, not ${describe(parsed)}.`)
      }
      const outcome = admit(parsed)
      if (outcome._tag === "Malformed") {
        return yield* reject("malformed", 400, "BadRequest", `The events do not match iiko's webhook schemas: ${outcome.message}`)
      }
      stats.accepted += outcome.accepted.length
      stats.duplicates += outcome.duplicates
      if (outcome.accepted.length > 0) {
        yield* PubSub.publishAll(broadcast, outcome.accepted)
        yield* Metric.update(acceptedTotal, outcome.accepted.length)
      }
      if (outcome.duplicates > 0) yield* Metric.update(duplicatesTotal, outcome.duplicates)
      yield* Effect.annotateCurrentSpan({
        "iiko.webhooks.events": outcome.received,
        "iiko.webhooks.accepted": outcome.accepted.length,
        "iiko.webhooks.duplicates": outcome.duplicates
      })
      const summary = { accepted: outcome.accepted.length, duplicates: outcome.duplicates }
      if (outcome.full) {
        stats.queueFull++
        return yield* finish(
          "queue_full",
          HttpServerResponse.jsonUnsafe({
            error: "QueueFull",
            message: "The receiver's queue is full; redeliver the batch later (accepted events will be deduplicated).",
            ...summary
          }, { status: 503, headers: { "retry-after": "1" } })
        )
      }
      return yield* finish("accepted", HttpServerResponse.jsonUnsafe(summary))
    }).pipe(Effect.withSpan("IikoWebhooks.receive", { kind: "server", attributes: { "iiko.webhooks.path": path } }))

    const subscribe = (selection: Selection = {}): Stream.Stream<Event> => {
      const { eventTypes, organizationIds } = selection
      return Stream.fromPubSub(broadcast).pipe(
        Stream.filter((event) =>
          (eventTypes === undefined || eventTypes.includes(event.eventType)) &&
          (organizationIds === undefined || organizationIds.includes(event.organizationId ?? ""))
        )
      )
    }

    return {
      path,
      events: Stream.fromQueue(queue),
      subscribe,
      handle,
      stats: Effect.sync(() => ({ ...stats }))
    } satisfies Service
  })

const describe = (value: unknown): string =>
  value === null ? "null" : typeof value === "object" ? "an object" : `a ${typeof value}`

/**
 * The receiver service without a route: mount {@link Service.handle} yourself.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<IikoWebhooks> => Layer.effect(IikoWebhooks, make(options))

/**
 * The receiver as a `POST` route on your `HttpRouter`, at `options.path`.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { HttpRouter } from "effect/http"
 * import { IikoWebhooks } from "effect-iiko"
 *
 * const Routes = Layer.mergeAll(
 *   IikoWebhooks.layerRoute({ authToken: Redacted.make("secret"), path: "/hooks/iiko" })
 *   // ...your other routes
 * )
 * const App = HttpRouter.serve(Routes)
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerRoute = (options: Options): Layer.Layer<IikoWebhooks, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const service = yield* IikoWebhooks
      yield* router.add("POST", service.path, service.handle)
    })
  ).pipe(Layer.provideMerge(layer(options)))

/**
 * Options of the standalone server.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerOptions extends Options {
  /** Port to listen on (default 0: a free port; read it from `HttpServer`). */
  readonly port?: number | undefined
  /** Interface to listen on (default `127.0.0.1`; use `0.0.0.0` behind a proxy that iiko can reach). */
  readonly host?: string | undefined
}

/**
 * The receiver on its own node:http server, for applications without a router. Provides
 * `IikoWebhooks` and `HttpServer` (whose address tells the port). Needs `@effect/platform-node`,
 * loaded only here.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServer = (
  options: ServerOptions
): Layer.Layer<IikoWebhooks | HttpServer.HttpServer, HttpServerError.ServeError> =>
  Layer.unwrap(Effect.gen(function*() {
    const [{ NodeHttpServer }, { createServer }] = yield* Effect.promise(() =>
      Promise.all([import("@effect/platform-node"), import("node:http")])
    )
    const node = createServer()
    const closeConnections = Layer.effectDiscard(
      Effect.addFinalizer(() => Effect.sync(() => node.closeAllConnections()))
    )
    return HttpRouter.serve(layerRoute(options), { disableLogger: true, disableListenLog: true }).pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => node, { port: options.port ?? 0, host: options.host ?? "127.0.0.1" })),
      Layer.provideMerge(closeConnections)
    )
  }))

/**
 * The server's settings from configuration: `IIKO_WEBHOOKS_TOKEN` (required, secret),
 * `IIKO_WEBHOOKS_PORT` (default 8080), `IIKO_WEBHOOKS_HOST` (default 127.0.0.1) and
 * `IIKO_WEBHOOKS_PATH` (default `/iiko/webhooks`).
 *
 * @since 0.1.0
 * @category config
 */
export const serverConfig: Config.Config<ServerOptions> = Config.all({
  authToken: Config.Redacted("IIKO_WEBHOOKS_TOKEN"),
  port: Config.Port("IIKO_WEBHOOKS_PORT").pipe(Config.withDefault(8080)),
  host: Config.String("IIKO_WEBHOOKS_HOST").pipe(Config.withDefault("127.0.0.1")),
  path: Config.String("IIKO_WEBHOOKS_PATH").pipe(Config.withDefault(defaults.path))
}) as Config.Config<ServerOptions>

/**
 * {@link layerServer} with its settings read by {@link serverConfig}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServerConfig: Layer.Layer<
  IikoWebhooks | HttpServer.HttpServer,
  HttpServerError.ServeError | Config.ConfigError
> = Layer.unwrap(Effect.gen(function*() {
  return layerServer(yield* serverConfig)
}))

// =============================================================================
// Registration
// =============================================================================

/**
 * Which events iiko sends: build one with {@link deliveryOrders}, {@link tableOrders},
 * {@link reserves}, {@link stopLists}, … and combine them with {@link filter}.
 *
 * @since 0.1.0
 * @category filters
 */
export type Filter = Webhooks.WebHooksFilterInput

/**
 * Combines filters: the receiver gets what any of them lets through.
 *
 * @example
 * ```ts
 * import { IikoWebhooks } from "effect-iiko"
 *
 * const wanted = IikoWebhooks.filter(
 *   IikoWebhooks.deliveryOrders({ statuses: ["OnWay", "Delivered"] }),
 *   IikoWebhooks.stopLists
 * )
 * ```
 *
 * @since 0.1.0
 * @category filters
 */
export const filter = (...filters: ReadonlyArray<Filter>): Filter => Object.assign({}, ...filters)

/**
 * Delivery order updates (only the given order or item statuses when listed; all when omitted)
 * and, unless `errors: false`, delivery errors.
 *
 * @since 0.1.0
 * @category filters
 */
export const deliveryOrders = (options: {
  readonly statuses?: ReadonlyArray<Common.DeliveryStatusInput> | undefined
  readonly itemStatuses?: ReadonlyArray<Webhooks.OrderItemStatusInput> | undefined
  readonly errors?: boolean | undefined
  readonly returnedExternalDataKeys?: ReadonlyArray<string> | undefined
} = {}): Filter => ({
  deliveryOrderFilter: {
    ...(options.statuses === undefined ? {} : { orderStatuses: options.statuses }),
    ...(options.itemStatuses === undefined ? {} : { itemStatuses: options.itemStatuses }),
    ...(options.returnedExternalDataKeys === undefined ? {} : { returnedExternalDataKeys: options.returnedExternalDataKeys }),
    errors: options.errors ?? true
  }
})

/**
 * Table order updates (only the given statuses when listed) and, unless `errors: false`, errors.
 *
 * @since 0.1.0
 * @category filters
 */
export const tableOrders = (options: {
  readonly statuses?: ReadonlyArray<Common.TableOrderStatusInput> | undefined
  readonly itemStatuses?: ReadonlyArray<Webhooks.OrderItemStatusInput> | undefined
  readonly errors?: boolean | undefined
} = {}): Filter => ({
  tableOrderFilter: {
    ...(options.statuses === undefined ? {} : { orderStatuses: options.statuses }),
    ...(options.itemStatuses === undefined ? {} : { itemStatuses: options.itemStatuses }),
    errors: options.errors ?? true
  }
})

/**
 * Reserve (banquet) updates and errors, both on unless turned off.
 *
 * @since 0.1.0
 * @category filters
 */
export const reserves = (options: { readonly updates?: boolean | undefined; readonly errors?: boolean | undefined } = {}): Filter => ({
  reserveFilter: { updates: options.updates ?? true, errors: options.errors ?? true }
})

/**
 * Stop-list changes (`StopListUpdate`: which terminal groups changed, not the items).
 *
 * @since 0.1.0
 * @category filters
 */
export const stopLists: Filter = { stopListUpdateFilter: { updates: true } }

/**
 * Employees' personal shifts opening and closing.
 *
 * @since 0.1.0
 * @category filters
 */
export const personalShifts: Filter = { personalShiftFilter: { updates: true } }

/**
 * Nomenclature (menu) changes.
 *
 * @since 0.1.0
 * @category filters
 */
export const nomenclature: Filter = { nomenclatureUpdateFilter: { updates: true } }

/**
 * Business hours and mapping changes.
 *
 * @since 0.1.0
 * @category filters
 */
export const businessHoursAndMapping: Filter = { businessHoursAndMappingUpdateFilter: { updates: true } }

/**
 * What to register.
 *
 * @since 0.1.0
 * @category registration
 */
export interface Registration {
  readonly organizationId: string
  /** The receiver's public URL, path included. */
  readonly url: string
  readonly authToken: Redacted.Redacted<string>
  /** Which events to send; iiko's default when omitted. */
  readonly filter?: Filter | undefined
}

/**
 * The settings iiko confirmed (the stored token is left out: it is a secret).
 *
 * @since 0.1.0
 * @category registration
 */
export interface Registered {
  readonly organizationId: string
  readonly url: string
  readonly apiLoginName: string | null
  readonly filter: Webhooks.WebHooksFilter | null
}

/**
 * The settings read back after `webhooks/update_settings` differ from what was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class RegistrationError extends Schema.TaggedError<RegistrationError>()("RegistrationError", {
  organizationId: Schema.String,
  reason: Schema.Literals(["UrlMismatch", "TokenMismatch", "FilterMismatch"]),
  detail: Schema.String
}) {
  override get message(): string {
    return `Webhook registration for organization ${this.organizationId} was not confirmed: ${this.reason} — ${this.detail}`
  }
}

/**
 * Registers a receiver for an organization with `webhooks/update_settings`, then reads the
 * settings back (`webhooks/settings`, a few times over ~4 seconds, since the update is
 * asynchronous) and fails with {@link RegistrationError} unless the URL, token and every
 * requested filter field are stored as sent.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { IikoWebhooks } from "effect-iiko"
 *
 * const registered = IikoWebhooks.register({
 *   organizationId: "7bc05553-4b68-44e8-b7bc-37be63c6d9e9",
 *   url: "https://hooks.example.com/iiko/webhooks",
 *   authToken: Redacted.make("long-random-secret"),
 *   filter: IikoWebhooks.filter(IikoWebhooks.deliveryOrders(), IikoWebhooks.stopLists)
 * })
 * ```
 *
 * @since 0.1.0
 * @category registration
 */
export const register = (
  registration: Registration
): Effect.Effect<Registered, IikoError | RegistrationError, IikoClient> =>
  Effect.gen(function*() {
    const { authToken, organizationId, url } = registration
    yield* webhooksUpdateSettings({
      organizationId,
      webHooksUri: url,
      authToken: Redacted.value(authToken),
      ...(registration.filter === undefined ? {} : { webHooksFilter: registration.filter })
    })
    const confirm = Effect.gen(function*() {
      const stored = yield* webhooksSettings({ organizationId })
      const fail = (reason: RegistrationError["reason"], detail: string) =>
        Effect.fail(new RegistrationError({ organizationId, reason, detail }))
      if (stored.webHooksUri !== url) return yield* fail("UrlMismatch", `iiko stores ${stored.webHooksUri ?? "no URL"}`)
      if (!constantTimeEquals(Redacted.value(authToken), stored.authToken ?? "")) {
        return yield* fail("TokenMismatch", "iiko stores a different token")
      }
      const mismatch = registration.filter === undefined ? undefined : filterMismatch(registration.filter, stored.webHooksFilter ?? null)
      if (mismatch !== undefined) return yield* fail("FilterMismatch", mismatch)
      return { organizationId, url, apiLoginName: stored.apiLoginName, filter: stored.webHooksFilter ?? null }
    })
    return yield* confirm.pipe(
      Effect.retry({ while: (error) => error._tag === "RegistrationError", schedule: Schedule.spaced("1 second"), times: 4 })
    )
  }).pipe(Effect.withSpan("IikoWebhooks.register", { attributes: { "iiko.organization_id": registration.organizationId } }))

/** The first requested filter field iiko did not store as sent, described; `undefined` when all match. */
const filterMismatch = (requested: Filter, stored: Webhooks.WebHooksFilter | null): string | undefined => {
  for (const [kind, fields] of Object.entries(requested)) {
    if (fields === null || fields === undefined) continue
    const storedFields = (stored as Record<string, Record<string, unknown> | null | undefined> | null)?.[kind]
    if (storedFields === null || storedFields === undefined) return `${kind} is not stored`
    for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
      if (normalize(value) !== normalize(storedFields[field])) {
        return `${kind}.${field} is stored as ${JSON.stringify(storedFields[field] ?? null)}`
      }
    }
  }
  return undefined
}

/** Absent, `null` and `[]` mean the same to iiko; list order does not matter. */
const normalize = (value: unknown): string =>
  value === undefined || value === null || (Array.isArray(value) && value.length === 0)
    ? "none"
    : JSON.stringify(Array.isArray(value) ? [...value].sort() : value)
