/**
 * A stateful local iiko Cloud for tests, examples and users. It speaks iiko's wire protocol
 * (tokens, both error envelopes, asynchronous creation, `commands/status`, revisions, webhooks)
 * over a seeded world of organizations, terminal groups, menus, stop lists, customers and
 * orders, and it injects faults deterministically.
 *
 * Two ways in:
 * - {@link layer}: an in-memory `HttpClient` (no sockets) plus the emulator service. The
 *   emulator runs in the caller's fiber, so `TestClock` drives token expiry, creation delays and
 *   injected latency.
 * - {@link layerServer}: a real HTTP server on 127.0.0.1 that any client in any language can
 *   use (`npx effect-iiko emulator --port 8787`), steered through its control endpoint under
 *   `/_emulator` (see `Control`).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Iiko, IikoClient, IikoConfig } from "effect-iiko"
 * import { IikoEmulator } from "effect-iiko/testing"
 *
 * const program = Effect.gen(function*() {
 *   const { organizations } = yield* Iiko.organizations({})
 *   const emulator = yield* IikoEmulator.IikoEmulator
 *   const log = yield* emulator.requests
 *   return [organizations.length, log.length] // => [2, 2] (login + organizations)
 * })
 *
 * const TestIiko = IikoClient.layer({ credentials: IikoConfig.v1("any-login"), baseUrl: "http://iiko.emulator" }).pipe(
 *   Layer.provideMerge(IikoEmulator.layer({ seed: 1 }))
 * )
 * program.pipe(Effect.provide(TestIiko))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Layer, type Scope } from "effect"
import { FetchHttpClient, HttpClient, HttpRouter, HttpServer, type HttpServerError } from "effect/http"
import type { Endpoint } from "../Endpoint.ts"
import * as Catalog from "./emulator/Catalog.ts"
import * as Control from "./emulator/Control.ts"
import * as Domain from "./emulator/Domain.ts"
import * as Engine from "./emulator/Engine.ts"
import type { FaultRule } from "./emulator/Faults.ts"
import * as Limits from "./emulator/Limits.ts"
import * as Prng from "./emulator/Prng.ts"
import * as Traffic from "./emulator/Traffic.ts"
import * as Modelled from "./emulator/Modelled.ts"
import * as Router from "./emulator/Router.ts"
import type { DeliveryFaults, WebhookDelivery } from "./emulator/Webhooks.ts"

/**
 * Fault injection: the kinds of failure (`Fault.rateLimited(...)`, `Fault.serverError(...)`, …)
 * and how rules that choose which requests they hit are decided; see {@link Options.faults}.
 *
 * @example
 * ```ts
 * import { IikoEmulator } from "effect-iiko/testing"
 *
 * const emulator = IikoEmulator.layer({
 *   faults: [{ fault: IikoEmulator.Fault.terminalTimeout(), operations: ["deliveriesCreate"] }]
 * })
 * ```
 *
 * @since 0.1.0
 * @category faults
 */
export * as Fault from "./emulator/Faults.ts"
/**
 * iiko's restriction groups: the budgets the emulator enforces (429 when exceeded) and the
 * counters per budget that show what a client actually sent; see {@link Options.limits}.
 *
 * @since 0.2.0
 * @category limits
 */
export * as Limits from "./emulator/Limits.ts"
/**
 * Life in the emulated restaurants (new orders, status, stop-list and menu changes) on a seeded
 * schedule driven by `Clock`; see {@link Options.traffic}.
 *
 * @since 0.2.0
 * @category traffic
 */
export * as Traffic from "./emulator/Traffic.ts"
/**
 * The `/_emulator/` control endpoint of a running emulator (faults, reset, request log), for
 * tests written in any language.
 *
 * @since 0.1.0
 * @category control
 */
export * as Control from "./emulator/Control.ts"
/**
 * The API logins the emulator accepts, and one entry of its request log.
 *
 * @since 0.1.0
 * @category models
 */
export type { Credentials, RequestLogEntry } from "./emulator/Engine.ts"
/**
 * How large the seeded world is, and the world itself (organizations, menus, orders, …).
 *
 * @since 0.1.0
 * @category models
 */
export type { Sizes, State } from "./emulator/Domain.ts"
/**
 * One webhook delivery attempt the emulator made, and the event it carried.
 *
 * @since 0.2.0
 * @category models
 */
export type { WebhookDelivery, WebhookEvent } from "./emulator/Webhooks.ts"

// =============================================================================
// Options
// =============================================================================

/**
 * How the emulated iiko Cloud behaves.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Seeds the world, the ids it hands out and fault probabilities (default `1`). */
  readonly seed?: number | string | undefined
  /** How many organizations, terminal groups, products, groups and customers to seed. */
  readonly sizes?: Partial<Domain.Sizes> | undefined
  /** Lifetime of issued tokens (default 1 hour, as iiko). */
  readonly tokenLifetime?: Duration.Input | undefined
  /** How long a created order or reserve stays `InProgress` (default 2 seconds). */
  readonly creationDelay?: Duration.Input | undefined
  /** How long a command reports `InProgress` in `commands/status` (default 1 second). */
  readonly commandDelay?: Duration.Input | undefined
  /** How long `commands/status` remembers a `correlationId` before answering 410 (default 1 hour). */
  readonly commandRetention?: Duration.Input | undefined
  /** Accepted logins; any non-empty credentials when omitted. */
  readonly credentials?: Engine.Credentials | undefined
  /** Faults from the start; more can be injected later with `injectFault`. */
  readonly faults?: ReadonlyArray<FaultRule> | undefined
  /**
   * Endpoint descriptors that answer besides the modelled operations: requests are validated
   * against their strict request schema and unmodelled operations answer with a value
   * synthesized from their response schema. Defaults to the generated catalog of all 225
   * operations.
   */
  readonly catalog?: Iterable<Endpoint> | undefined
  /** The client that delivers webhooks (default: `fetch`); receivers must be loopback URIs. */
  readonly webhookClient?: HttpClient.HttpClient | undefined
  /**
   * iiko's restriction-group limits, answered with 429 when exceeded (per API login). Default
   * `Limits.published` (the loyalty limits iiko publishes); `false` switches them off.
   */
  readonly limits?: Limits.Options | false | undefined
  /**
   * Order traffic, status changes, stop-list and menu changes over `Clock` time (seeded), so a
   * sync has something to follow. Off by default; see also `simulate`.
   */
  readonly traffic?: Traffic.Options | undefined
  /**
   * How often a webhook batch is posted again after a non-2xx answer or a failed POST (default
   * 5). Batches for one organization go out in order: a later one waits for an earlier one.
   */
  readonly webhookRetries?: number | undefined
  /** Delay before the first webhook retry; each next one doubles (default 1 second). */
  readonly webhookRetryDelay?: Duration.Input | undefined
  /** Sender faults from the start: duplicate and out-of-order batches (see `injectWebhookFaults`). */
  readonly webhookFaults?: WebhookFaults | undefined
}

/**
 * Faults of the webhook sender, as probabilities per batch drawn from the seeded generator:
 * `duplicate` posts a delivered batch once more (same events and `correlationId`s); `reorder`
 * holds a batch back (up to 1 second) and posts it after the next batch for the same
 * organization.
 *
 * @since 0.1.0
 * @category models
 */
export type WebhookFaults = DeliveryFaults

// =============================================================================
// Service
// =============================================================================

/**
 * What tests can do with a running emulator.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Base URL to point clients at: the server's address, or a placeholder host in memory (any host works). */
  readonly baseUrl: string
  /** An `HttpClient` that talks to this emulator in memory. */
  readonly client: HttpClient.HttpClient
  /** The live state (read it, do not write it). */
  readonly state: Effect.Effect<Domain.State>
  /** Every exchange so far: method, path, operation, status, fault, timing. */
  readonly requests: Effect.Effect<ReadonlyArray<Engine.RequestLogEntry>>
  /** Forgets the request log. */
  readonly clearRequests: Effect.Effect<void>
  /** Every webhook POST so far, with the receiver's status. */
  readonly webhookDeliveries: Effect.Effect<ReadonlyArray<WebhookDelivery>>
  /** Adds a fault rule from now on. */
  readonly injectFault: (rule: FaultRule) => Effect.Effect<void>
  /** Removes every fault rule. */
  readonly clearFaults: Effect.Effect<void>
  /** Issues an access token without a login call, for raw HTTP tests. */
  readonly token: (subject?: string) => Effect.Effect<string>
  /** Settles creations that are due now and sends their webhooks (requests do this too). */
  readonly settle: Effect.Effect<void>
  /** What the restriction-group limits counted: admitted, rejected and peak in flight per login and budget. */
  readonly rateLimits: Effect.Effect<ReadonlyArray<Limits.BudgetStats>>
  /** Makes one change happen now, as restaurant staff would: a new delivery, a status change, a stop-list or menu change. */
  readonly simulate: (event: Traffic.Event) => Effect.Effect<void>
  /** Replaces the webhook sender's faults (`{}` turns them off). */
  readonly injectWebhookFaults: (faults: WebhookFaults) => Effect.Effect<void>
  /** Reseeds the world, restores the start-up fault rules and clears the request log (tokens stay valid). */
  readonly reset: Effect.Effect<void>
}

/**
 * The emulator service.
 *
 * @since 0.1.0
 * @category services
 */
export class IikoEmulator extends Context.Service<IikoEmulator, Service>()("effect-iiko/IikoEmulator") {}

// =============================================================================
// Constructors
// =============================================================================

const IN_MEMORY_URL = "http://iiko.emulator"

const fetchClient = Effect.gen(function*() {
  return yield* HttpClient.HttpClient
})

/**
 * Builds an emulator in the current scope and returns its service; its `client` reaches it in
 * memory. {@link layer} and {@link layerServer} are the usual entry points.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.map(build(options), ({ service }) => service)

/** The service plus the router application for a given transport (the server needs its own). */
const build = Effect.fnUntraced(function*(options: Options) {
  const webhookClient = options.webhookClient ?? (yield* Effect.provide(fetchClient, FetchHttpClient.layer))
  const engine = yield* Engine.make({
    seed: options.seed ?? 1,
    sizes: { ...Domain.defaultSizes, ...options.sizes },
    timings: {
      tokenLifetime: millis(options.tokenLifetime, "1 hour"),
      creationDelay: millis(options.creationDelay, "2 seconds"),
      commandDelay: millis(options.commandDelay, "1 second"),
      commandRetention: millis(options.commandRetention, "1 hour")
    },
    credentials: options.credentials,
    faults: options.faults ?? [],
    webhookClient,
    limits: options.limits ?? Limits.published,
    webhookDelivery: {
      retries: options.webhookRetries ?? 5,
      retryDelay: Duration.fromInputUnsafe(options.webhookRetryDelay ?? "1 second"),
      reorderHold: Duration.seconds(1),
      faults: options.webhookFaults ?? {}
    }
  })
  const traffic = Traffic.makeControl(engine)
  if (options.traffic !== undefined) yield* Effect.forkScoped(Traffic.run(engine, options.seed ?? 1, options.traffic, traffic))
  const manual = Prng.fork(options.seed ?? 1, "traffic/manual")
  const routeTable = Catalog.routes(Modelled.all, options.catalog ?? Catalog.generated())
  const routes = (transport: Engine.Transport) =>
    Layer.merge(Router.layer(engine, routeTable, transport), Control.layer(engine, traffic, routeTable))
  const app = yield* HttpRouter.toHttpEffect(routes(Router.inMemoryTransport))
  const service: Service = {
    baseUrl: IN_MEMORY_URL,
    client: Router.client(app),
    state: Effect.sync(() => engine.state),
    requests: Effect.sync(() => [...engine.log]),
    clearRequests: Effect.sync(() => {
      engine.log.length = 0
    }),
    webhookDeliveries: Effect.sync(() => [...engine.outbox]),
    injectFault: (rule) =>
      Effect.sync(() => {
        engine.rules.push({ rule, matched: 0, hits: 0 })
      }),
    clearFaults: Effect.sync(() => {
      engine.rules.length = 0
    }),
    token: (subject = "emulator") => Effect.clockWith((clock) => Effect.sync(() => engine.issueToken(subject, clock.currentTimeMillisUnsafe()))),
    settle: engine.settle,
    rateLimits: Effect.sync(() => engine.limits.stats()),
    simulate: (event) => traffic.apply(manual, event, false),
    injectWebhookFaults: (faults) => Effect.sync(() => engine.sender.setFaults(faults)),
    reset: engine.reset
  }
  return { service, routes }
})

/**
 * The emulator in memory: provides `IikoEmulator` and an `HttpClient` that reaches it without
 * sockets. Point the client at any base URL.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpBody, HttpClient } from "effect/http"
 * import { IikoEmulator } from "effect-iiko/testing"
 *
 * const organizations = Effect.gen(function*() {
 *   const client = yield* HttpClient.HttpClient
 *   const response = yield* client.post("http://iiko.emulator/api/1/access_token", {
 *     body: HttpBody.jsonUnsafe({ apiLogin: "secret" })
 *   })
 *   return yield* response.json
 * }).pipe(Effect.provide(IikoEmulator.layer({ seed: 7 })))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<IikoEmulator | HttpClient.HttpClient> =>
  Layer.effectContext(
    Effect.map(make(options), (service) =>
      Context.make(IikoEmulator, service).pipe(Context.add(HttpClient.HttpClient, service.client)))
  )

/**
 * The emulator as a real HTTP server on 127.0.0.1 (a free port unless `port` is given).
 * Provides `IikoEmulator`, whose `baseUrl` is the server's address, and `HttpServer`. The
 * connection-reset fault destroys the socket after the write was applied. Needs
 * `@effect/platform-node`, which is loaded only here.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerServer = (
  options: Options & { readonly port?: number | undefined; readonly host?: string | undefined } = {}
): Layer.Layer<IikoEmulator | HttpServer.HttpServer, HttpServerError.ServeError> =>
  Layer.unwrap(Effect.gen(function*() {
    const { routes, service } = yield* build(options)
    const Server = yield* Effect.promise(() => import("./emulator/Server.ts"))
    const emulator = Layer.effect(
      IikoEmulator,
      Effect.gen(function*() {
        const http = yield* HttpServer.HttpServer
        return { ...service, baseUrl: HttpServer.formatAddress(http.address) }
      })
    )
    return emulator.pipe(Layer.provideMerge(Server.layer(routes, options)))
  }))

const millis = (input: Duration.Input | undefined, fallback: Duration.Input): number =>
  Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))
