/**
 * End to end: the library's real transports (`FetchHttpClient` and `NodeHttpClient.layerNodeHttp`)
 * against the emulator's HTTP server on 127.0.0.1, under every injected fault. Each test asserts
 * the client's documented behaviour: reads retried on 5xx/408/429/transport errors, writes never
 * repeated once they may have reached iiko, 401 refreshed and replayed once, and no duplicate
 * order after a connection reset on `deliveries/create`.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { createServer, type Server } from "node:http"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { Iiko, IikoClient, IikoConfig } from "../src/index.ts"
import { IikoEmulator } from "../src/testing/index.ts"
import { world } from "./support.ts"

const ORDER_ID = "5d3c6a1e-2b7f-4c1d-9e8a-0f1b2c3d4e5f"

const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["fetch", FetchHttpClient.layer],
  ["node:http", NodeHttpClient.layerNodeHttp]
]

/** The emulator server plus a real client pointed at it over the given transport. */
const stack = (
  transport: Layer.Layer<HttpClient.HttpClient>,
  options: IikoEmulator.Options = {},
  clientOptions: Partial<IikoConfig.Options> = {}
) => {
  const client = Layer.unwrap(Effect.gen(function*() {
    const emulator = yield* IikoEmulator.IikoEmulator
    return IikoClient.layer({
      credentials: IikoConfig.v1("e2e-api-login"),
      baseUrl: emulator.baseUrl,
      timeout: "1 second",
      httpTimeoutMargin: "200 millis",
      retryBaseDelay: "10 millis",
      retryMaxDelay: "50 millis",
      ...clientOptions
    })
  }))
  return client.pipe(
    Layer.provideMerge(IikoEmulator.layerServer({ creationDelay: "50 millis", commandDelay: "50 millis", ...options })),
    Layer.provide(transport)
  )
}


const deliveryRequest = (w: { organizationId: string; terminalGroupId: string; productId: string }, id = ORDER_ID) => ({
  organizationId: w.organizationId,
  terminalGroupId: w.terminalGroupId,
  order: {
    id,
    phone: "+79001234567",
    items: [{ type: "Product" as const, productId: w.productId, price: 300, amount: 1 }]
  }
})

/** Requests the emulator answered for an operation, in order. */
const calls = (emulator: IikoEmulator.Service, operation: string) =>
  Effect.map(emulator.requests, (log) => log.filter((entry) => entry.operation === operation))

interface Receiver {
  readonly uri: string
  readonly received: Array<{ readonly authorization: string | undefined; readonly events: any }>
  readonly server: Server
}

/** A plain node:http receiver on 127.0.0.1 that records webhook POSTs. */
const webhookReceiver = Effect.acquireRelease(
  Effect.callback<Receiver>((resume) => {
    const received: Receiver["received"] = []
    const server = createServer((request, response) => {
      let body = ""
      request.on("data", (chunk) => (body += chunk))
      request.on("end", () => {
        received.push({ authorization: request.headers.authorization, events: JSON.parse(body) })
        response.end()
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { readonly port: number }
      resume(Effect.succeed({ uri: `http://127.0.0.1:${port}/iiko`, received, server }))
    })
  }),
  (receiver) => Effect.sync(() => receiver.server.close())
)

const reasonOf = <A, R>(effect: Effect.Effect<A, { readonly reason: { readonly _tag: string } }, R>) =>
  Effect.map(Effect.flip(effect), (error) => error.reason._tag)

/**
 * Runs `effect` (which talks over real sockets) while moving TestClock forward 250 ms after
 * every 10 ms of real time, until it is done: sleeps on the clock pass, I/O keeps its pace.
 */
const withTestClockSteps = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let step = 0; step < 2000 && fiber.pollUnsafe() === undefined; step++) {
      yield* TestClock.withLive(Effect.sleep("10 millis"))
      if (fiber.pollUnsafe() === undefined) yield* TestClock.adjust("250 millis")
    }
    return yield* Fiber.join(fiber)
  })

/** A loopback port with nothing listening: bound, then closed. */
const closedPort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { readonly port: number }
    server.close(() => resume(Effect.succeed(port)))
  })
})

for (const [name, transport] of transports) {
  describe(`e2e over ${name}`, () => {
    it.live("a dead port is a Transport error naming method, URL and ECONNREFUSED, with the cause kept", () =>
      Effect.gen(function*() {
        const port = yield* closedPort
        const error = yield* Effect.flip(Iiko.organizations({}).pipe(Effect.provide(
          IikoClient.layer({
            credentials: IikoConfig.token("e2e-token-SECRET"),
            baseUrl: `http://127.0.0.1:${port}`,
            maxRetries: 0
          }).pipe(Layer.provide(transport))
        )))
        assert.strictEqual(error.reason._tag, "Transport")
        assert.include(error.message, `POST http://127.0.0.1:${port}/api/1/organizations`)
        assert.include(error.message, "ECONNREFUSED")
        assert.strictEqual(error.reason._tag === "Transport" ? error.reason.systemCode : undefined, "ECONNREFUSED")
        const pretty = Cause.pretty(Cause.fail(error))
        assert.include(pretty, "connect ECONNREFUSED")
        assert.notInclude(pretty, "e2e-token-SECRET")
      }))


    it.live("logs in once and creates a delivery through its whole lifecycle", () =>
      Effect.gen(function*() {
        const w = yield* world
        const created = yield* Iiko.deliveriesCreate(deliveryRequest(w))
        assert.strictEqual(created.orderInfo.creationStatus, "InProgress")
        yield* Effect.sleep("100 millis")
        const status = yield* Iiko.commandsStatus({ organizationId: w.organizationId, correlationId: created.correlationId })
        assert.strictEqual(status.state, "Success")
        const { orders } = yield* Iiko.deliveriesById({ organizationId: w.organizationId, orderIds: [ORDER_ID] })
        assert.strictEqual(orders[0]?.creationStatus, "Success")
        assert.lengthOf(yield* calls(w.emulator, "accessToken"), 1)
      }).pipe(Effect.provide(stack(transport))))

    // Real sockets, TestClock time: backoff and Retry-After pass as the clock is moved, and the
    // emulator stamps each request with Clock time. The long timeout keeps those moves from
    // timing out a request that is still on the wire.
    it.effect("reads are retried on 5xx, 408, 429 (after Retry-After) and transport errors", () =>
      Effect.gen(function*() {
        const w = yield* world
        const faults = [
          [IikoEmulator.Fault.serverError({ status: 502 }), 502],
          [IikoEmulator.Fault.terminalTimeout(), 408],
          [IikoEmulator.Fault.rateLimited("3 seconds"), 429],
          [IikoEmulator.Fault.connectionReset, "reset"]
        ] as const
        for (const [fault, status] of faults) {
          yield* w.emulator.clearRequests
          yield* w.emulator.injectFault({ fault, operations: ["organizations"], times: 1 })
          const { organizations } = yield* withTestClockSteps(Iiko.organizations({}))
          assert.lengthOf(organizations, 2, fault._tag)
          const log = yield* calls(w.emulator, "organizations")
          assert.deepStrictEqual(log.map((e) => e.status), [status, 200], fault._tag)
          const waited = log[1]!.startedAt - log[0]!.startedAt
          if (fault._tag === "RateLimited") assert.isAtLeast(waited, 3000, "waits out Retry-After")
          else assert.isBelow(waited, 3000, `${fault._tag}: backoff, not Retry-After`)
        }
      }).pipe(Effect.provide(stack(transport, {}, { timeout: "1 hour" }))))

    it.live("a body that is truncated or not JSON is an InvalidResponse", () =>
      Effect.gen(function*() {
        const w = yield* world
        yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.truncatedJson, operations: ["organizations"], times: 1 })
        assert.strictEqual(yield* reasonOf(Iiko.organizations({})), "InvalidResponse")
        yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.malformedJson, operations: ["organizations"], times: 1 })
        assert.strictEqual(yield* reasonOf(Iiko.organizations({})), "InvalidResponse")
      }).pipe(Effect.provide(stack(transport))))

    it.live("writes are not retried after a 5xx or a 408", () =>
      Effect.gen(function*() {
        const w = yield* world
        yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.serverError({ applied: true }), operations: ["deliveriesCreate"], times: 1 })
        assert.strictEqual(yield* reasonOf(Iiko.deliveriesCreate(deliveryRequest(w))), "ServerError")
        yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.terminalTimeout(), operations: ["deliveriesCreate"], times: 1 })
        const second = "6e4d7b2f-3c8a-4d2e-8f9b-1a2b3c4d5e6f"
        assert.strictEqual(yield* reasonOf(Iiko.deliveriesCreate(deliveryRequest(w, second))), "TerminalTimeout")
        assert.lengthOf(yield* calls(w.emulator, "deliveriesCreate"), 2)
        const state = yield* w.emulator.state
        assert.isTrue(state.deliveries.has(ORDER_ID))
        assert.isFalse(state.deliveries.has(second))
      }).pipe(Effect.provide(stack(transport))))

    it.live("no duplicate order after a connection reset on deliveries/create", () =>
      Effect.gen(function*() {
        const w = yield* world
        yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.connectionReset, operations: ["deliveriesCreate"], times: 1 })
        const error = yield* Effect.flip(Iiko.deliveriesCreate(deliveryRequest(w)))
        assert.strictEqual(error.reason._tag, "Transport")
        assert.lengthOf(yield* calls(w.emulator, "deliveriesCreate"), 1)
        // The ambiguous failure is resolved by reading the client-chosen id back, not by re-creating.
        const { orders } = yield* Iiko.deliveriesById({ organizationId: w.organizationId, orderIds: [ORDER_ID] })
        assert.lengthOf(orders, 1)
        // Re-sending the same id cannot create a second order.
        const duplicate = yield* Effect.flip(Iiko.deliveriesCreate(deliveryRequest(w)))
        assert.strictEqual(duplicate.reason._tag, "BadRequest")
        assert.strictEqual(duplicate.code, "DuplicatedOrderId")
        assert.strictEqual((yield* w.emulator.state).deliveries.size, 1)
      }).pipe(Effect.provide(stack(transport))))

    it.live("a 401 refreshes the token and replays exactly once", () =>
      Effect.gen(function*() {
        const w = yield* world
        yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.tokenExpired, operations: ["organizations"], times: 1 })
        const { organizations } = yield* Iiko.organizations({})
        assert.lengthOf(organizations, 2)
        assert.lengthOf(yield* calls(w.emulator, "accessToken"), 2)
        yield* w.emulator.clearRequests
        yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.tokenExpired, operations: ["organizations"] })
        const error = yield* Effect.flip(Iiko.organizations({}))
        assert.strictEqual(error.reason._tag, "Unauthorized")
        assert.strictEqual(error.status, 401)
        assert.isString(error.correlationId)
        assert.deepStrictEqual((yield* calls(w.emulator, "organizations")).map((e) => e.status), [401, 401])
      }).pipe(Effect.provide(stack(transport))))

    it.live("a write slower than the HTTP timeout fails with Transport and is not repeated", () =>
      Effect.gen(function*() {
        const w = yield* world
        yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.latency("1500 millis"), operations: ["stopListsAdd"], times: 1 })
        const reason = yield* reasonOf(Iiko.stopListsAdd({
          organizationId: w.organizationId,
          terminalGroupId: w.terminalGroupId,
          items: [{ productId: w.productId, balance: 0 }]
        }))
        assert.strictEqual(reason, "Transport")
        yield* Effect.sleep("500 millis")
        assert.lengthOf(yield* calls(w.emulator, "stopListsAdd"), 1)
        // The write was applied although the client gave up on it.
        assert.strictEqual((yield* w.emulator.state).stopLists.get(w.terminalGroupId)?.size, 1)
      }).pipe(Effect.provide(stack(transport))))

    it.live("webhooks reach a loopback receiver with the auth token", () =>
      Effect.gen(function*() {
        const w = yield* world
        const receiver = yield* webhookReceiver
        yield* Iiko.webhooksUpdateSettings({
          organizationId: w.organizationId,
          webHooksUri: receiver.uri,
          authToken: "receiver-secret",
          webHooksFilter: { deliveryOrderFilter: { errors: true }, stopListUpdateFilter: { updates: true } }
        })
        yield* Iiko.deliveriesCreate(deliveryRequest(w))
        yield* Effect.sleep("300 millis")
        const events = receiver.received.flatMap((r) => r.events)
        assert.deepStrictEqual(events.map((e: any) => e.eventType), ["DeliveryOrderUpdate"])
        assert.strictEqual(events[0].eventInfo.id, ORDER_ID)
        assert.deepStrictEqual(receiver.received.map((r) => r.authorization), ["receiver-secret"])
      }).pipe(Effect.provide(stack(transport))))

    it.live("inventory errors arrive in the {message, details} envelope", () =>
      Effect.gen(function*() {
        const w = yield* world
        yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.serverError({ status: 500 }), operations: ["inventoryCounteragentsList"] })
        const error = yield* Effect.flip(Iiko.inventoryCounteragentsList({}, { maxRetries: 1 }))
        assert.strictEqual(error.reason._tag, "ServerError")
        assert.strictEqual(error.description, "Internal server error.")
        assert.lengthOf(yield* calls(w.emulator, "inventoryCounteragentsList"), 2)
      }).pipe(Effect.provide(stack(transport))))
  })
}

// =============================================================================
// The real client on the in-memory emulator, with TestClock
// =============================================================================

const inMemory = (options: IikoEmulator.Options = {}) =>
  IikoClient.layer({
    credentials: IikoConfig.v1("in-memory-login"),
    baseUrl: "http://iiko.emulator",
    retryBaseDelay: "100 millis"
  }).pipe(Layer.provideMerge(IikoEmulator.layer(options)))

describe("IikoClient on the in-memory emulator (TestClock)", () => {
  it.effect("refreshes ahead of token expiry and follows the creation lifecycle on virtual time", () =>
    Effect.gen(function*() {
      const w = yield* world
      const created = yield* Iiko.deliveriesCreate(deliveryRequest(w))
      assert.strictEqual(created.orderInfo.creationStatus, "InProgress")
      yield* TestClock.adjust("2 seconds")
      const { orders } = yield* Iiko.deliveriesById({ organizationId: w.organizationId, orderIds: [ORDER_ID] })
      assert.strictEqual(orders[0]?.creationStatus, "Success")
      yield* TestClock.adjust("59 minutes")
      yield* Iiko.organizations({})
      assert.lengthOf(yield* calls(w.emulator, "accessToken"), 2)
    }).pipe(Effect.provide(inMemory())))

  it.effect("retries a read after 429 only once Retry-After has passed", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.rateLimited("30 seconds"), operations: ["organizations"], times: 1 })
      const fiber = yield* Effect.forkChild(Iiko.organizations({}))
      yield* TestClock.adjust("29 seconds")
      assert.lengthOf(yield* calls(w.emulator, "organizations"), 1)
      yield* TestClock.adjust("2 seconds")
      assert.lengthOf((yield* Fiber.join(fiber)).organizations, 2)
      assert.lengthOf(yield* calls(w.emulator, "organizations"), 2)
    }).pipe(Effect.provide(inMemory())))

  it.effect("an in-memory connection reset on a write is a Transport error and no duplicate", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.connectionReset, operations: ["deliveriesCreate"], times: 1 })
      assert.strictEqual(yield* reasonOf(Iiko.deliveriesCreate(deliveryRequest(w))), "Transport")
      assert.lengthOf(yield* calls(w.emulator, "deliveriesCreate"), 1)
      assert.strictEqual((yield* w.emulator.state).deliveries.size, 1)
    }).pipe(Effect.provide(inMemory())))
})
