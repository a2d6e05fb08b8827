/**
 * Webhooks end to end over loopback: the emulator (in memory, the real client in front of it)
 * posts to an `IikoWebhooks` server on 127.0.0.1 registered with `IikoWebhooks.register`. Also
 * the emulator's sender on its own (retries, duplicates, out-of-order batches) and the
 * registration's read-back on a scripted transport.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted, Schedule, Stream } from "effect"
import { HttpServer } from "effect/http"
import { TestClock } from "effect/testing"
import { receiveWebhooks } from "../examples/webhooks.ts"
import { deliveriesWokenByWebhooks } from "../examples/webhooksSync.ts"
import { Iiko, IikoClient, IikoConfig, IikoWebhooks } from "../src/index.ts"
import { IikoEmulator, MockHttpClient } from "../src/testing/index.ts"
import { clientLayer, CORRELATION, loginOk, ORG, tokenFor } from "./support.ts"

const TOKEN = "receiver-token-SECRET-9"
const ORDER_ID = "5d3c6a1e-2b7f-4c1d-9e8a-0f1b2c3d4e5f"

/** A receiver on 127.0.0.1, the emulator in memory posting to it, and the real client. */
const stack = (
  emulatorOptions: IikoEmulator.Options = {},
  receiverOptions: Partial<IikoWebhooks.ServerOptions> = {}
) => {
  const client = Layer.unwrap(Effect.gen(function*() {
    const emulator = yield* IikoEmulator.IikoEmulator
    return IikoClient.layer({ credentials: IikoConfig.v1("webhooks-e2e"), baseUrl: emulator.baseUrl })
  }))
  return Layer.mergeAll(
    client.pipe(Layer.provideMerge(IikoEmulator.layer({ creationDelay: "20 millis", commandDelay: "10 millis", ...emulatorOptions }))),
    IikoWebhooks.layerServer({ authToken: Redacted.make(TOKEN), ...receiverOptions })
  )
}

/** Registers the receiver for the first organization and returns the seeded ids a delivery needs. */
const registered = (filter: IikoWebhooks.Filter = IikoWebhooks.deliveryOrders()) =>
  Effect.gen(function*() {
    const emulator = yield* IikoEmulator.IikoEmulator
    const server = yield* HttpServer.HttpServer
    const webhooks = yield* IikoWebhooks.IikoWebhooks
    const state = yield* emulator.state
    const organizationId = state.organizations[0]!.id
    const terminalGroupId = state.terminalGroups.find((t) => t.organizationId === organizationId)!.id
    const { products } = yield* Iiko.nomenclature({ organizationId })
    const productId = products.find((p) => p.type === "Dish")!.id
    const confirmed = yield* IikoWebhooks.register({
      organizationId,
      url: `${HttpServer.formatAddress(server.address)}${webhooks.path}`,
      authToken: Redacted.make(TOKEN),
      filter
    })
    return { emulator, webhooks, organizationId, terminalGroupId, productId, confirmed }
  })

type World = Effect.Success<ReturnType<typeof registered>>

/** Creates a delivery, waits for it to be created, and walks it through to Closed. */
const deliveryLifecycle = (w: World) =>
  Effect.gen(function*() {
    const { organizationId } = w
    yield* Iiko.deliveriesCreate({
      organizationId,
      terminalGroupId: w.terminalGroupId,
      order: { id: ORDER_ID, phone: "+79001234567", items: [{ type: "Product", productId: w.productId, price: 300, amount: 1 }] }
    })
    yield* Effect.sleep("40 millis")
    yield* w.emulator.settle
    yield* Iiko.deliveriesConfirm({ organizationId, orderId: ORDER_ID })
    for (const deliveryStatus of ["Waiting", "OnWay", "Delivered"] as const) {
      yield* Iiko.deliveriesUpdateOrderDeliveryStatus({ organizationId, orderId: ORDER_ID, deliveryStatus })
    }
    yield* Iiko.deliveriesClose({ organizationId, orderId: ORDER_ID })
  })

const LIFECYCLE = ["Unconfirmed", "WaitCooking", "Waiting", "OnWay", "Delivered", "Closed"]

const statusOf = (event: IikoWebhooks.Event) => (event.eventInfo as any)?.order?.status as string

/** The next `n` events of the main stream, failing the test after 5 seconds. */
const next = (w: World, n: number) =>
  w.webhooks.events.pipe(Stream.take(n), Stream.runCollect, Effect.timeout("5 seconds"))

/** The emulator's webhook POSTs once `done` holds for them (they finish after the receiver answers). */
const deliveriesWhen = (w: World, done: (deliveries: ReadonlyArray<IikoEmulator.WebhookDelivery>) => boolean) =>
  w.emulator.webhookDeliveries.pipe(
    Effect.repeat({ until: done, schedule: Schedule.spaced("10 millis") }),
    Effect.timeout("5 seconds")
  )

const describeDeliveries = (deliveries: ReadonlyArray<IikoEmulator.WebhookDelivery>) =>
  JSON.stringify(deliveries.map((d) => [d.status, d.attempts, d.duplicate, d.events.map((e: any) => e.eventInfo?.order?.status)]))

describe("webhooks end to end over loopback", () => {
  it.live("register confirms the settings; a delivery's statuses arrive once each, in order", () =>
    Effect.gen(function*() {
      const w = yield* registered()
      assert.strictEqual(w.confirmed.organizationId, w.organizationId)
      assert.deepStrictEqual(w.confirmed.filter?.deliveryOrderFilter, { errors: true })
      assert.notInclude(JSON.stringify(w.confirmed), TOKEN)
      yield* deliveryLifecycle(w)
      const events = yield* next(w, LIFECYCLE.length)
      assert.deepStrictEqual(events.map((e) => e.eventType), LIFECYCLE.map(() => "DeliveryOrderUpdate"))
      assert.deepStrictEqual(events.map(statusOf), LIFECYCLE)
      assert.isTrue(events.every((e) => (e.eventInfo as any).id === ORDER_ID))
      const deliveries = yield* deliveriesWhen(w, (all) => all.every((d) => d.status !== undefined))
      assert.isTrue(deliveries.every((d) => d.status === 200 && d.attempts === 1), describeDeliveries(deliveries))
    }).pipe(Effect.provide(stack())))

  it.live("duplicate and out-of-order batches still yield each status once", () =>
    Effect.gen(function*() {
      const w = yield* registered()
      yield* deliveryLifecycle(w)
      const events = yield* next(w, LIFECYCLE.length)
      assert.deepStrictEqual(events.map(statusOf).sort(), [...LIFECYCLE].sort())
      const deliveries = yield* deliveriesWhen(w, (all) => all.filter((d) => d.duplicate && d.status !== undefined).length === LIFECYCLE.length)
      assert.isTrue(deliveries.every((d) => d.status === 200), describeDeliveries(deliveries))
      // Every copy reached the receiver and was dropped there.
      const stats = yield* w.webhooks.stats
      assert.strictEqual(stats.accepted, LIFECYCLE.length)
      assert.strictEqual(stats.duplicates, LIFECYCLE.length)
      // Batches were held back behind the next one, so the receiver saw them out of order.
      assert.notDeepEqual(events.map(statusOf), LIFECYCLE)
    }).pipe(Effect.provide(stack({ seed: 3, webhookFaults: { duplicate: 1, reorder: 0.5 } }))))

  it.live("the emulator retries a batch the receiver refused (503 on a full queue) until it fits", () =>
    Effect.gen(function*() {
      const w = yield* registered()
      yield* deliveryLifecycle(w)
      yield* Effect.sleep("100 millis")
      // Only one event fits; the rest are refused and redelivered as the consumer drains.
      const events = yield* next(w, LIFECYCLE.length)
      assert.deepStrictEqual(events.map(statusOf), LIFECYCLE)
      const deliveries = yield* deliveriesWhen(w, (all) => all.every((d) => d.status === 200))
      assert.isTrue(deliveries.some((d) => d.attempts > 1), describeDeliveries(deliveries))
      assert.isAbove((yield* w.webhooks.stats).queueFull, 0)
    }).pipe(Effect.provide(stack({ webhookRetries: 8, webhookRetryDelay: "20 millis" }, { capacity: 1 }))))

  it.live("a receiver with another token answers 401: the sender retries, then gives up; nothing is enqueued", () =>
    Effect.gen(function*() {
      const w = yield* registered()
      yield* deliveryLifecycle(w)
      const deliveries = yield* deliveriesWhen(w, (all) => all.length === LIFECYCLE.length && all.every((d) => d.attempts === 3 && d.status !== undefined))
      assert.isTrue(deliveries.every((d) => d.status === 401), describeDeliveries(deliveries))
      const stats = yield* w.webhooks.stats
      assert.strictEqual(stats.accepted, 0)
      assert.strictEqual(stats.unauthorized, LIFECYCLE.length * 3)
    }).pipe(Effect.provide(stack({ webhookRetries: 2, webhookRetryDelay: "5 millis" }, { authToken: Redacted.make("another-token") }))))
})

describe("webhooks as triggers for IikoSync", () => {
  it.live("a DeliveryOrderUpdate webhook wakes the delivery poll long before its interval", () =>
    Effect.gen(function*() {
      const w = yield* registered()
      const batches = yield* deliveriesWokenByWebhooks([w.organizationId]).pipe(
        Stream.filter((batch) => batch.orders.some((order) => order.id === ORDER_ID)),
        Stream.take(1),
        Stream.runCollect,
        Effect.forkChild
      )
      yield* Effect.sleep("100 millis") // the seed poll has run; the next one is 5 minutes away
      yield* Iiko.deliveriesCreate({
        organizationId: w.organizationId,
        terminalGroupId: w.terminalGroupId,
        order: { id: ORDER_ID, phone: "+79001234567", items: [{ type: "Product", productId: w.productId, price: 300, amount: 1 }] }
      })
      const [batch] = yield* Fiber.join(batches).pipe(Effect.timeout("5 seconds"))
      const order = batch!.orders.find((order) => order.id === ORDER_ID)!
      assert.strictEqual(order.creationStatus, "Success")
      assert.isFalse(batch!.seeded)
      // The wake-up took nothing from the main stream.
      const [event] = yield* next(w, 1)
      assert.strictEqual(event!.eventType, "DeliveryOrderUpdate")
    }).pipe(Effect.provide(stack())))
})

describe("examples/webhooks.ts", () => {
  it.live("registers with the emulator, receives and prints the delivery's first two statuses", () =>
    Effect.gen(function*() {
      const lines = yield* receiveWebhooks
      assert.deepStrictEqual(lines, ["DeliveryOrderUpdate: Unconfirmed", "DeliveryOrderUpdate: WaitCooking"])
    }))
})

describe("IikoWebhooks.register read-back", () => {
  const settings = (overrides: Record<string, unknown>): MockHttpClient.Reply => ({
    body: {
      correlationId: CORRELATION,
      apiLoginName: "login",
      webHooksUri: "http://127.0.0.1:8080/iiko/webhooks",
      authToken: TOKEN,
      webHooksFilter: { deliveryOrderFilter: { orderStatuses: ["Delivered", "OnWay"], errors: true }, stopListUpdateFilter: { updates: true } },
      ...overrides
    }
  })
  const layer = (readBack: ReadonlyArray<MockHttpClient.Reply>) =>
    clientLayer(MockHttpClient.script({
      "/api/v2/access_token": loginOk(tokenFor(1)),
      "/api/1/webhooks/update_settings": { body: { correlationId: CORRELATION } },
      "/api/1/webhooks/settings": readBack
    }))
  const registration = {
    organizationId: ORG,
    url: "http://127.0.0.1:8080/iiko/webhooks",
    authToken: Redacted.make(TOKEN),
    filter: IikoWebhooks.filter(IikoWebhooks.deliveryOrders({ statuses: ["OnWay", "Delivered"] }), IikoWebhooks.stopLists)
  }

  it.effect("waits for the asynchronous update to show, then confirms", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(IikoWebhooks.register(registration))
      yield* TestClock.adjust("3 seconds")
      const confirmed = yield* Fiber.join(fiber)
      assert.strictEqual(confirmed.url, registration.url)
      const sent = yield* MockHttpClient.MockHttpClient.use((mock) => mock.requestsTo("/api/1/webhooks/update_settings"))
      assert.deepStrictEqual((sent[0]!.body as any).webHooksFilter, {
        deliveryOrderFilter: { orderStatuses: ["OnWay", "Delivered"], errors: true },
        stopListUpdateFilter: { updates: true }
      })
    }).pipe(Effect.provide(layer([settings({ webHooksUri: null }), settings({ webHooksUri: null }), settings({})]))))

  it.effect("fails with a typed error naming what iiko did not store, without the token", () =>
    Effect.gen(function*() {
      const check = (reply: MockHttpClient.Reply) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.forkChild(Effect.flip(IikoWebhooks.register(registration)))
          yield* TestClock.adjust("10 seconds")
          return yield* Fiber.join(fiber)
        }).pipe(Effect.provide(layer([reply])))
      const wrongToken = yield* check(settings({ authToken: "other" }))
      assert.strictEqual(wrongToken._tag, "RegistrationError")
      assert.strictEqual((wrongToken as IikoWebhooks.RegistrationError).reason, "TokenMismatch")
      assert.notInclude(wrongToken.message, TOKEN)
      const wrongFilter = yield* check(settings({ webHooksFilter: { deliveryOrderFilter: { orderStatuses: ["OnWay"], errors: true } } }))
      assert.strictEqual((wrongFilter as IikoWebhooks.RegistrationError).reason, "FilterMismatch")
      assert.match(wrongFilter.message, /deliveryOrderFilter\.orderStatuses is stored as \["OnWay"\]/)
      const wrongUrl = yield* check(settings({ webHooksUri: "http://127.0.0.1:9/other" }))
      assert.strictEqual((wrongUrl as IikoWebhooks.RegistrationError).reason, "UrlMismatch")
    }))
})
