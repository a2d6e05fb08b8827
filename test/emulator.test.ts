import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Result, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import { IikoEmulator } from "../src/testing/index.ts"
import * as Catalog from "../src/testing/emulator/Catalog.ts"
import * as Synthesize from "../src/testing/emulator/Synthesize.ts"

// =============================================================================
// Helpers: plain HttpClient requests against the in-memory emulator
// =============================================================================

interface Answer {
  readonly status: number
  readonly body: any
  readonly headers: Record<string, string>
}

const call = (path: string, body: unknown = {}, token?: string) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* HttpClientRequest.post(`http://iiko.test${path}`).pipe(
      HttpClientRequest.bodyJsonUnsafe(body),
      token === undefined ? (r) => r : HttpClientRequest.bearerToken(token),
      client.execute
    )
    const text = yield* response.text
    return { status: response.status, body: parse(text), headers: response.headers } as Answer
  })

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const login = Effect.map(call("/api/1/access_token", { apiLogin: "test-login" }), (a) => a.body.token as string)

/** Logs in and returns helpers bound to the token plus the seeded world's first ids. */
const session = Effect.gen(function*() {
  const token = yield* login
  const emulator = yield* IikoEmulator.IikoEmulator
  const state = yield* emulator.state
  const organization = state.organizations[0]!
  const terminals = state.terminalGroups.filter((t) => t.organizationId === organization.id)
  const products = (yield* call("/api/1/nomenclature", { organizationId: organization.id }, token)).body.products
  return {
    token,
    emulator,
    organizationId: organization.id,
    terminalGroupId: terminals[0]!.id,
    deadTerminalGroupId: terminals[terminals.length - 1]!.id,
    productId: products.find((p: any) => p.type === "Dish").id as string,
    post: (path: string, body: unknown = {}) => call(path, body, token)
  }
})

const deliveryBody = (s: { organizationId: string; terminalGroupId: string; productId: string }, extra: object = {}) => ({
  organizationId: s.organizationId,
  terminalGroupId: s.terminalGroupId,
  order: { phone: "+79001234567", items: [{ type: "Product", productId: s.productId, price: 150, amount: 2 }], ...extra }
})

const emulated = (options: IikoEmulator.Options = {}) => Effect.provide(IikoEmulator.layer(options))

const ORDER_ID = "0b7c2a39-3a1e-4a0c-9c41-8f3b0f9a1d11"

// =============================================================================
// Auth
// =============================================================================

describe("auth", () => {
  it.effect("issues v1 and v2 JWTs with a one-hour exp", () =>
    Effect.gen(function*() {
      const v1 = yield* call("/api/1/access_token", { apiLogin: "abc" })
      const v2 = yield* call("/api/v2/access_token", { appId: "15", clientSecret: "s", apiKey: "k" })
      for (const answer of [v1, v2]) {
        assert.strictEqual(answer.status, 200)
        assert.isString(answer.body.correlationId)
        const claims = JSON.parse(Buffer.from(answer.body.token.split(".")[1], "base64url").toString())
        assert.strictEqual(claims.exp - claims.iat, 3600)
      }
    }).pipe(emulated()))

  it.effect("rejects unknown credentials with 401 in iiko's envelope", () =>
    Effect.gen(function*() {
      const wrong = yield* call("/api/1/access_token", { apiLogin: "nope" })
      assert.strictEqual(wrong.status, 401)
      assert.isString(wrong.body.correlationId)
      assert.isString(wrong.body.errorDescription)
      assert.strictEqual((yield* call("/api/1/access_token", { apiLogin: "good" })).status, 200)
      const v2 = yield* call("/api/v2/access_token", { appId: "a", clientSecret: "bad", apiKey: "k" })
      assert.strictEqual(v2.status, 401)
      const missing = yield* call("/api/v2/access_token", { appId: "a" })
      assert.strictEqual(missing.status, 400)
    }).pipe(emulated({
      credentials: { apiLogins: ["good"], applications: [{ appId: "a", clientSecret: "s", apiKey: "k" }] }
    })))

  it.effect("answers 401 for missing, unknown and expired tokens (TestClock)", () =>
    Effect.gen(function*() {
      const token = yield* login
      assert.strictEqual((yield* call("/api/1/organizations", {}, token)).status, 200)
      assert.strictEqual((yield* call("/api/1/organizations", {})).status, 401)
      assert.strictEqual((yield* call("/api/1/organizations", {}, "forged.token.value")).status, 401)
      yield* TestClock.adjust("59 minutes")
      assert.strictEqual((yield* call("/api/1/organizations", {}, token)).status, 200)
      yield* TestClock.adjust("1 minute")
      const expired = yield* call("/api/1/organizations", {}, token)
      assert.strictEqual(expired.status, 401)
      assert.match(expired.body.errorDescription, /expired/)
    }).pipe(emulated()))

  it.effect("uses {message, details} on inventory and finance paths", () =>
    Effect.gen(function*() {
      const answer = yield* call("/api/inventory/v1/counteragents/list", {})
      assert.strictEqual(answer.status, 401)
      assert.isString(answer.body.message)
      assert.isUndefined(answer.body.correlationId)
    }).pipe(emulated()))

  it.effect("honours a configured token lifetime", () =>
    Effect.gen(function*() {
      const token = yield* login
      yield* TestClock.adjust("5 minutes")
      assert.strictEqual((yield* call("/api/1/organizations", {}, token)).status, 401)
    }).pipe(emulated({ tokenLifetime: "5 minutes" })))
})

// =============================================================================
// World
// =============================================================================

describe("seeded world", () => {
  const ids = (options: IikoEmulator.Options) =>
    Effect.gen(function*() {
      const s = yield* session
      const organizations = (yield* s.post("/api/1/organizations", {})).body.organizations
      return [...organizations.map((o: any) => o.id), s.productId]
    }).pipe(emulated(options))

  it.effect("is deterministic under a seed", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* ids({ seed: 42 }), yield* ids({ seed: 42 }))
      assert.notDeepEqual(yield* ids({ seed: 42 }), yield* ids({ seed: 43 }))
    }))

  it.effect("serves terminal groups, liveness, awake and dictionaries", () =>
    Effect.gen(function*() {
      const s = yield* session
      const groups = yield* s.post("/api/1/terminal_groups", { organizationIds: [s.organizationId] })
      assert.strictEqual(groups.body.terminalGroups[0].items.length, 2)
      const alive = yield* s.post("/api/1/terminal_groups/is_alive", {
        organizationIds: [s.organizationId],
        terminalGroupIds: [s.terminalGroupId, s.deadTerminalGroupId]
      })
      assert.deepStrictEqual(alive.body.isAliveStatus.map((a: any) => a.isAlive), [true, false])
      const awake = yield* s.post("/api/1/terminal_groups/awake", {
        organizationIds: [s.organizationId],
        terminalGroupIds: [s.terminalGroupId, s.deadTerminalGroupId]
      })
      assert.deepStrictEqual(awake.body, { successfullyProcessed: [s.terminalGroupId], failedProcessed: [s.deadTerminalGroupId] })
      for (const path of ["/api/1/deliveries/order_types", "/api/1/payment_types", "/api/1/cancel_causes", "/api/1/employees/couriers"]) {
        assert.strictEqual((yield* s.post(path, { organizationIds: [s.organizationId] })).status, 200, path)
      }
      const unknown = yield* s.post("/api/1/cancel_causes", { organizationIds: [ORDER_ID] })
      assert.strictEqual(unknown.status, 400)
    }).pipe(emulated()))

  it.effect("serves nomenclature with revisions and tens of thousands of products", () =>
    Effect.gen(function*() {
      const s = yield* session
      const full = yield* s.post("/api/1/nomenclature", { organizationId: s.organizationId })
      assert.strictEqual(full.body.products.length, 20_000)
      const again = yield* s.post("/api/1/nomenclature", { organizationId: s.organizationId, startRevision: full.body.revision })
      assert.strictEqual(again.body.revision, full.body.revision)
      assert.strictEqual(again.body.products.length, 0)
    }).pipe(emulated({ sizes: { products: 20_000, organizations: 1 } })))

  it.effect("serves external menus and a menu by id priced from the nomenclature", () =>
    Effect.gen(function*() {
      const s = yield* session
      const menus = yield* s.post("/api/2/menu")
      assert.strictEqual(menus.body.externalMenus.length, 2)
      const menu = yield* s.post("/api/2/menu/by_id", {
        externalMenuId: menus.body.externalMenus[0].id,
        organizationIds: [s.organizationId]
      })
      assert.strictEqual(menu.status, 200)
      assert.strictEqual(menu.body.formatVersion, 2)
      const items = menu.body.itemCategories.flatMap((c: any) => c.items)
      assert.isTrue(items.some((i: any) => i.itemId === s.productId))
      assert.strictEqual((yield* s.post("/api/2/menu/by_id", { externalMenuId: "0", organizationIds: [s.organizationId] })).status, 400)
    }).pipe(emulated()))
})

// =============================================================================
// Deliveries and commands
// =============================================================================

describe("deliveries", () => {
  it.effect("create: InProgress, then Success after the creation delay; commands/status follows", () =>
    Effect.gen(function*() {
      const s = yield* session
      const created = yield* s.post("/api/1/deliveries/create", deliveryBody(s, { id: ORDER_ID }))
      assert.strictEqual(created.status, 200)
      assert.strictEqual(created.body.orderInfo.id, ORDER_ID)
      assert.strictEqual(created.body.orderInfo.creationStatus, "InProgress")
      const status = () =>
        s.post("/api/1/commands/status", { organizationId: s.organizationId, correlationId: created.body.correlationId })
      assert.deepStrictEqual((yield* status()).body, { state: "InProgress" })
      yield* TestClock.adjust("2 seconds")
      assert.deepStrictEqual((yield* status()).body, { state: "Success" })
      const read = yield* s.post("/api/1/deliveries/by_id", { organizationId: s.organizationId, orderIds: [ORDER_ID] })
      const info = read.body.orders[0]
      assert.strictEqual(info.creationStatus, "Success")
      assert.strictEqual(info.order.status, "Unconfirmed")
      assert.strictEqual(info.order.items[0].amount, 2)
      assert.strictEqual(info.order.sum, info.order.items[0].price * 2)
    }).pipe(emulated()))

  it.effect("a reused order id answers 400 DuplicatedOrderId and leaves one order", () =>
    Effect.gen(function*() {
      const s = yield* session
      assert.strictEqual((yield* s.post("/api/1/deliveries/create", deliveryBody(s, { id: ORDER_ID }))).status, 200)
      const again = yield* s.post("/api/1/deliveries/create", deliveryBody(s, { id: ORDER_ID }))
      assert.strictEqual(again.status, 400)
      assert.strictEqual(again.body.error, "DuplicatedOrderId")
      assert.strictEqual((yield* s.emulator.state).deliveries.size, 1)
    }).pipe(emulated()))

  it.effect("unknown products and dead terminals end in creationStatus Error", () =>
    Effect.gen(function*() {
      const s = yield* session
      const badProduct = yield* s.post("/api/1/deliveries/create", deliveryBody({ ...s, productId: ORDER_ID }))
      const deadTerminal = yield* s.post("/api/1/deliveries/create", deliveryBody({ ...s, terminalGroupId: s.deadTerminalGroupId }))
      yield* TestClock.adjust("2 seconds")
      const read = yield* s.post("/api/1/deliveries/by_id", {
        organizationId: s.organizationId,
        orderIds: [badProduct.body.orderInfo.id, deadTerminal.body.orderInfo.id]
      })
      const byId = new Map(read.body.orders.map((o: any) => [o.id, o]))
      const product: any = byId.get(badProduct.body.orderInfo.id)
      const terminal: any = byId.get(deadTerminal.body.orderInfo.id)
      assert.strictEqual(product.creationStatus, "Error")
      assert.strictEqual(product.errorInfo.code, "ProductNotFound")
      assert.isNull(product.order)
      assert.match(terminal.errorInfo.message, /Creation timeout expired/)
      const command = yield* s.post("/api/1/commands/status", {
        organizationId: s.organizationId,
        correlationId: badProduct.body.correlationId
      })
      assert.strictEqual(command.body.state, "Error")
    }).pipe(emulated()))

  it.effect("status changes, cancel and close", () =>
    Effect.gen(function*() {
      const s = yield* session
      const first = yield* s.post("/api/1/deliveries/create", deliveryBody(s))
      const second = yield* s.post("/api/1/deliveries/create", deliveryBody(s))
      const id = first.body.orderInfo.id
      yield* TestClock.adjust("2 seconds")
      const command = (path: string, body: object) =>
        Effect.gen(function*() {
          const answer = yield* s.post(path, { organizationId: s.organizationId, ...body })
          assert.strictEqual(answer.status, 200, path)
          yield* TestClock.adjust("1 second")
          return (yield* s.post("/api/1/commands/status", { organizationId: s.organizationId, correlationId: answer.body.correlationId })).body
        })
      assert.deepStrictEqual(yield* command("/api/1/deliveries/confirm", { orderId: id }), { state: "Success" })
      for (const deliveryStatus of ["Waiting", "OnWay", "Delivered"]) {
        assert.deepStrictEqual(yield* command("/api/1/deliveries/update_order_delivery_status", { orderId: id, deliveryStatus }), { state: "Success" })
      }
      assert.deepStrictEqual(yield* command("/api/1/deliveries/close", { orderId: id }), { state: "Success" })
      assert.strictEqual((yield* command("/api/1/deliveries/cancel", { orderId: id })).state, "Error")
      const other = second.body.orderInfo.id
      assert.deepStrictEqual(yield* command("/api/1/deliveries/cancel", { orderId: other }), { state: "Success" })
      const read = yield* s.post("/api/1/deliveries/by_id", { organizationId: s.organizationId, orderIds: [id, other] })
      const statuses = new Map(read.body.orders.map((o: any) => [o.id, o.order.status]))
      assert.strictEqual(statuses.get(id), "Closed")
      assert.strictEqual(statuses.get(other), "Cancelled")
      const missing = yield* s.post("/api/1/deliveries/close", { organizationId: s.organizationId, orderId: ORDER_ID })
      assert.strictEqual(missing.body.error, "OrderNotFound")
    }).pipe(emulated()))

  it.effect("by_revision: monotonic revisions, only newer orders, 3-hour offset rule", () =>
    Effect.gen(function*() {
      const s = yield* session
      const start = (yield* s.post("/api/1/deliveries/by_revision", { startRevision: 0, organizationIds: [s.organizationId] })).body
      assert.strictEqual(start.ordersByOrganizations[0].orders.length, 0)
      yield* s.post("/api/1/deliveries/create", deliveryBody(s))
      yield* TestClock.adjust("2 seconds")
      const next = (yield* s.post("/api/1/deliveries/by_revision", { startRevision: start.maxRevision, organizationIds: [s.organizationId] })).body
      assert.strictEqual(next.ordersByOrganizations[0].orders.length, 1)
      assert.isAbove(next.maxRevision, start.maxRevision)
      const none = (yield* s.post("/api/1/deliveries/by_revision", { startRevision: next.maxRevision, organizationIds: [s.organizationId] })).body
      assert.strictEqual(none.ordersByOrganizations[0].orders.length, 0)
      yield* TestClock.adjust("181 minutes")
      const stale = yield* s.post("/api/1/deliveries/by_revision", { startRevision: next.maxRevision, organizationIds: [s.organizationId] })
      assert.strictEqual(stale.status, 400)
      assert.match(stale.body.errorDescription, /3 hours/)
    }).pipe(emulated({ tokenLifetime: "1 day" })))

  it.effect("commands/status: 410 for unknown and expired correlation ids", () =>
    Effect.gen(function*() {
      const s = yield* session
      const unknown = yield* s.post("/api/1/commands/status", { organizationId: s.organizationId, correlationId: ORDER_ID })
      assert.strictEqual(unknown.status, 410)
      const created = yield* s.post("/api/1/deliveries/create", deliveryBody(s))
      yield* TestClock.adjust("11 minutes")
      const expired = yield* s.post("/api/1/commands/status", {
        organizationId: s.organizationId,
        correlationId: created.body.correlationId
      })
      assert.strictEqual(expired.status, 410)
    }).pipe(emulated({ commandRetention: "10 minutes", tokenLifetime: "1 day" })))
})

// =============================================================================
// Stop lists, loyalty, table orders, reserves
// =============================================================================

describe("domain", () => {
  it.effect("stop lists: add, check, remove, clear", () =>
    Effect.gen(function*() {
      const s = yield* session
      const target = { organizationId: s.organizationId, terminalGroupId: s.terminalGroupId }
      assert.strictEqual((yield* s.post("/api/1/stop_lists/add", { ...target, items: [{ productId: s.productId, balance: 0 }] })).status, 200)
      const list = yield* s.post("/api/1/stop_lists", { organizationIds: [s.organizationId] })
      const items = list.body.terminalGroupStopLists[0].items.find((t: any) => t.terminalGroupId === s.terminalGroupId).items
      assert.strictEqual(items[0].productId, s.productId)
      const check = yield* s.post("/api/1/stop_lists/check", { ...target, items: [{ type: "Product", productId: s.productId, price: 150, amount: 1 }] })
      assert.strictEqual(check.body.rejectedItems.length, 1)
      const stopped = yield* s.post("/api/1/deliveries/create", { ...deliveryBody(s), createOrderSettings: { checkStopList: true } })
      yield* s.post("/api/1/stop_lists/remove", { ...target, items: [{ productId: s.productId }] })
      const after = yield* s.post("/api/1/stop_lists/check", { ...target, items: [{ type: "Product", productId: s.productId, price: 150, amount: 1 }] })
      assert.strictEqual(after.body.rejectedItems.length, 0)
      yield* s.post("/api/1/stop_lists/add", { ...target, items: [{ productId: s.productId, balance: 3 }] })
      yield* s.post("/api/1/stop_lists/clear", target)
      assert.strictEqual((yield* s.emulator.state).stopLists.get(s.terminalGroupId)?.size, 0)
      yield* TestClock.adjust("2 seconds")
      const read = yield* s.post("/api/1/deliveries/by_id", { organizationId: s.organizationId, orderIds: [stopped.body.orderInfo.id] })
      assert.strictEqual(read.body.orders[0].creationStatus, "Error")
    }).pipe(emulated()))

  it.effect("loyalty: create or update, info, top-up, charge-off, hold", () =>
    Effect.gen(function*() {
      const s = yield* session
      const org = { organizationId: s.organizationId }
      const created = yield* s.post("/api/1/loyalty/iiko/customer/create_or_update", { ...org, phone: "+79990001122", name: "Ada" })
      const id = created.body.id
      const again = yield* s.post("/api/1/loyalty/iiko/customer/create_or_update", { ...org, phone: "+79990001122", name: "Ada L." })
      assert.strictEqual(again.body.id, id)
      const info = () => s.post("/api/1/loyalty/iiko/customer/info", { ...org, type: "phone", phone: "+79990001122" })
      const wallet = (yield* info()).body.walletBalances[0]
      assert.strictEqual((yield* info()).body.name, "Ada L.")
      const money = { ...org, customerId: id, walletId: wallet.id }
      yield* s.post("/api/1/loyalty/iiko/customer/wallet/topup", { ...money, sum: 500 })
      yield* s.post("/api/1/loyalty/iiko/customer/wallet/chargeoff", { ...money, sum: 120 })
      const held = yield* s.post("/api/1/loyalty/iiko/customer/wallet/hold", { ...money, sum: 80 })
      assert.strictEqual((yield* info()).body.walletBalances[0].balance, 300)
      yield* s.post("/api/1/loyalty/iiko/customer/wallet/cancel_hold", { ...org, transactionId: held.body.transactionId })
      assert.strictEqual((yield* info()).body.walletBalances[0].balance, 380)
      const tooMuch = yield* s.post("/api/1/loyalty/iiko/customer/wallet/chargeoff", { ...money, sum: 10_000 })
      assert.strictEqual(tooMuch.status, 400)
      const missing = yield* s.post("/api/1/loyalty/iiko/customer/info", { ...org, type: "phone", phone: "+70000000000" })
      assert.strictEqual(missing.status, 400)
      assert.strictEqual(missing.body.error, "Validation_IncorrectPhone")
    }).pipe(emulated()))

  it.effect("table orders and reserves: create, read, close, cancel", () =>
    Effect.gen(function*() {
      const s = yield* session
      const order = yield* s.post("/api/1/order/create", {
        organizationId: s.organizationId,
        terminalGroupId: s.terminalGroupId,
        order: { items: [{ type: "Product", productId: s.productId, price: 150, amount: 1 }] }
      })
      const reserve = yield* s.post("/api/1/reserve/create", {
        organizationId: s.organizationId,
        terminalGroupId: s.terminalGroupId,
        customer: { type: "regular", name: "Lin" },
        phone: "+79001112233",
        durationInMinutes: 90,
        shouldRemind: false,
        tableIds: [ORDER_ID],
        estimatedStartTime: "2030-01-01 19:00:00.000"
      })
      assert.strictEqual(reserve.body.reserveInfo.creationStatus, "InProgress")
      yield* TestClock.adjust("2 seconds")
      yield* s.post("/api/1/order/close", { organizationId: s.organizationId, orderId: order.body.orderInfo.id })
      yield* s.post("/api/1/reserve/cancel", { organizationId: s.organizationId, reserveId: reserve.body.reserveInfo.id, cancelReason: "ClientRefused" })
      const orders = yield* s.post("/api/1/order/by_id", { organizationIds: [s.organizationId], orderIds: [order.body.orderInfo.id] })
      assert.strictEqual(orders.body.orders[0].order.status, "Closed")
      const reserves = yield* s.post("/api/1/reserve/status_by_id", { organizationId: s.organizationId, reserveIds: [reserve.body.reserveInfo.id] })
      assert.strictEqual(reserves.body.reserves[0].reserve.status, "Closed")
      assert.strictEqual(reserves.body.reserves[0].reserve.cancelReason, "ClientRefused")
    }).pipe(emulated()))
})

// =============================================================================
// Webhooks
// =============================================================================

describe("webhooks", () => {
  const receiver = Effect.sync(() => {
    const received: Array<{ readonly authorization: string | undefined; readonly events: any }> = []
    const client = HttpClient.make((request) =>
      Effect.sync(() => {
        const body = request.body._tag === "Uint8Array" ? JSON.parse(new TextDecoder().decode(request.body.body)) : null
        received.push({ authorization: request.headers["authorization"], events: body })
        return HttpClientResponse.fromWeb(request, new Response(null, { status: 200 }))
      })
    )
    return { received, client }
  })

  it.effect("stores settings, rejects non-loopback URIs, posts filtered event arrays with the token", () =>
    Effect.gen(function*() {
      const { client, received } = yield* receiver
      yield* Effect.gen(function*() {
        const s = yield* session
        const far = yield* s.post("/api/1/webhooks/update_settings", { organizationId: s.organizationId, webHooksUri: "https://example.com/hook" })
        assert.strictEqual(far.status, 400)
        yield* s.post("/api/1/webhooks/update_settings", {
          organizationId: s.organizationId,
          webHooksUri: "http://127.0.0.1:9/hook",
          authToken: "hook-secret",
          webHooksFilter: { deliveryOrderFilter: { orderStatuses: [], errors: true }, stopListUpdateFilter: { updates: true } }
        })
        const settings = yield* s.post("/api/1/webhooks/settings", { organizationId: s.organizationId })
        assert.strictEqual(settings.body.webHooksUri, "http://127.0.0.1:9/hook")
        assert.strictEqual(settings.body.authToken, "hook-secret")
        yield* s.post("/api/1/stop_lists/add", {
          organizationId: s.organizationId,
          terminalGroupId: s.terminalGroupId,
          items: [{ productId: s.productId, balance: 1 }]
        })
        yield* s.post("/api/1/deliveries/create", deliveryBody(s))
        yield* s.post("/api/1/deliveries/create", deliveryBody({ ...s, productId: ORDER_ID }))
        yield* TestClock.adjust("2 seconds")
        yield* Effect.yieldNow
      }).pipe(emulated({ webhookClient: client }))
      const events = received.flatMap((r) => r.events)
      assert.deepStrictEqual(events.map((e: any) => e.eventType).sort(), ["DeliveryOrderError", "DeliveryOrderUpdate", "StopListUpdate"])
      assert.isTrue(received.every((r) => r.authorization === "hook-secret"))
      const event = events.find((e: any) => e.eventType === "DeliveryOrderUpdate")
      assert.strictEqual(event.eventInfo.creationStatus, "Success")
      assert.match(event.eventTime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/)
      assert.isString(event.correlationId)
    }))
})

// =============================================================================
// Faults
// =============================================================================

describe("faults", () => {
  it.effect("429 with Retry-After, 5xx and 408 before anything is applied", () =>
    Effect.gen(function*() {
      const s = yield* session
      yield* s.emulator.injectFault({ fault: IikoEmulator.Fault.rateLimited("7 seconds"), operations: ["organizations"], times: 1 })
      const limited = yield* s.post("/api/1/organizations")
      assert.strictEqual(limited.status, 429)
      assert.strictEqual(limited.headers["retry-after"], "7")
      assert.strictEqual((yield* s.post("/api/1/organizations")).status, 200)
      yield* s.emulator.injectFault({ fault: IikoEmulator.Fault.serverError({ status: 503 }), operations: ["/api/1/deliveries/create"], times: 1 })
      yield* s.emulator.injectFault({ fault: IikoEmulator.Fault.terminalTimeout(), operations: ["deliveriesCreate"], times: 1 })
      assert.strictEqual((yield* s.post("/api/1/deliveries/create", deliveryBody(s))).status, 503)
      assert.strictEqual((yield* s.post("/api/1/deliveries/create", deliveryBody(s))).status, 408)
      assert.strictEqual((yield* s.emulator.state).deliveries.size, 0)
    }).pipe(emulated()))

  it.effect("applied 5xx: the order exists although the client saw an error", () =>
    Effect.gen(function*() {
      const s = yield* session
      yield* s.emulator.injectFault({ fault: IikoEmulator.Fault.serverError({ applied: true }), operations: ["deliveriesCreate"], times: 1 })
      assert.strictEqual((yield* s.post("/api/1/deliveries/create", deliveryBody(s, { id: ORDER_ID }))).status, 500)
      assert.isTrue((yield* s.emulator.state).deliveries.has(ORDER_ID))
    }).pipe(emulated()))

  it.effect("connection reset after the write: transport error in memory, order created", () =>
    Effect.gen(function*() {
      const s = yield* session
      yield* s.emulator.injectFault({ fault: IikoEmulator.Fault.connectionReset, operations: ["deliveriesCreate"], times: 1 })
      const error = yield* Effect.flip(s.post("/api/1/deliveries/create", deliveryBody(s, { id: ORDER_ID })))
      assert.strictEqual(error._tag, "HttpClientError")
      assert.strictEqual((error as any).reason._tag, "TransportError")
      assert.isTrue((yield* s.emulator.state).deliveries.has(ORDER_ID))
      const log = yield* s.emulator.requests
      assert.deepInclude(log.map((e) => [e.status, e.fault]), ["reset", "ConnectionReset"])
    }).pipe(emulated()))

  it.effect("truncated and malformed JSON bodies", () =>
    Effect.gen(function*() {
      const s = yield* session
      yield* s.emulator.injectFault({ fault: IikoEmulator.Fault.truncatedJson, operations: ["organizations"], times: 1 })
      yield* s.emulator.injectFault({ fault: IikoEmulator.Fault.malformedJson, operations: ["organizations"], skip: 1, times: 1 })
      const truncated = yield* s.post("/api/1/organizations")
      const malformed = yield* s.post("/api/1/organizations")
      assert.strictEqual(truncated.status, 200)
      assert.isString(truncated.body)
      assert.isString(malformed.body)
      assert.strictEqual((yield* s.post("/api/1/organizations")).body.organizations.length, 2)
    }).pipe(emulated()))

  it.effect("latency is timed by the Clock and shows in the request log", () =>
    Effect.gen(function*() {
      const s = yield* session
      yield* s.emulator.clearRequests
      yield* s.emulator.injectFault({ fault: IikoEmulator.Fault.latency("3 seconds"), operations: ["organizations"] })
      const fiber = yield* Effect.forkChild(s.post("/api/1/organizations"))
      yield* TestClock.adjust("3 seconds")
      assert.strictEqual((yield* Fiber.await(fiber))._tag, "Success")
      const [entry] = yield* s.emulator.requests
      assert.strictEqual(entry!.durationMillis, 3000)
      assert.strictEqual(entry!.operation, "organizations")
      assert.strictEqual(entry!.fault, "Latency")
    }).pipe(emulated()))

  it.effect("early token expiry answers 401 until a new token is issued", () =>
    Effect.gen(function*() {
      const s = yield* session
      yield* s.emulator.injectFault({ fault: IikoEmulator.Fault.tokenExpired, times: 1 })
      assert.strictEqual((yield* s.post("/api/1/organizations")).status, 401)
      assert.strictEqual((yield* s.post("/api/1/organizations")).status, 401)
      const fresh = yield* login
      assert.strictEqual((yield* call("/api/1/organizations", {}, fresh)).status, 200)
    }).pipe(emulated()))

  it.effect("probabilistic faults are deterministic under a seed", () => {
    const pattern = (seed: number) =>
      Effect.gen(function*() {
        const s = yield* session
        const statuses: Array<number> = []
        for (let i = 0; i < 20; i++) statuses.push((yield* s.post("/api/1/organizations")).status)
        return statuses
      }).pipe(emulated({ seed, faults: [{ fault: IikoEmulator.Fault.serverError(), operations: ["organizations"], probability: 0.5 }] }))
    return Effect.gen(function*() {
      const first = yield* pattern(5)
      assert.deepStrictEqual(first, yield* pattern(5))
      assert.isTrue(first.includes(500) && first.includes(200))
    })
  })
})

// =============================================================================
// Every operation
// =============================================================================

describe("catalog", () => {
  it.effect("all 343 operations answer: schema-valid 200s, or iiko 400s for modelled ones given unknown ids", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const token = yield* emulator.token()
      const endpoints = Catalog.generated()
      assert.strictEqual(endpoints.length, 343)
      const counts = { ok: 0, rejected: 0 }
      for (const endpoint of endpoints) {
        const body = Synthesize.value(endpoint.request, { correlationId: "x", seed: endpoint.name })
        const client = yield* HttpClient.HttpClient
        const response = yield* HttpClientRequest.make(endpoint.method)(`http://iiko.test${endpoint.path}`).pipe(
          endpoint.method === "POST" ? HttpClientRequest.bodyJsonUnsafe(body) : (r) => r,
          HttpClientRequest.bearerToken(token),
          client.execute
        )
        const json = yield* response.json
        if (response.status === 200) {
          const decoded = Schema.decodeUnknownResult(endpoint.response)(json)
          assert.isTrue(Result.isSuccess(decoded), `${endpoint.name}: ${Result.isFailure(decoded) ? decoded.failure.message : ""}`)
          counts.ok++
        } else {
          assert.strictEqual(response.status, 400, endpoint.name)
          // iiko's two envelopes: {errorDescription} on /api/1 paths, {message} on the newer families
          assert.isString((json as any).errorDescription ?? (json as any).message, endpoint.name)
          counts.rejected++
        }
      }
      assert.isAbove(counts.ok, 150)
    }).pipe(emulated()))

  it.effect("invalid bodies of unmodelled operations are 400s in the family's envelope", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const token = yield* emulator.token()
      const transport = yield* call("/api/1/cities", { organizationIds: "not-a-list" }, token)
      assert.strictEqual(transport.status, 400)
      assert.isString(transport.body.errorDescription)
      const inventory = yield* call("/api/inventory/v1/incoming_invoice/get", { unexpected: true }, token)
      assert.strictEqual(inventory.status, 400)
      assert.isString(inventory.body.message)
      assert.strictEqual((yield* call("/api/1/no_such_operation", {}, token)).status, 404)
    }).pipe(emulated()))

  it.effect("modelled answers decode with the generated response schemas", () =>
    Effect.gen(function*() {
      const s = yield* session
      const byName = new Map(Catalog.generated().map((e) => [e.name, e]))
      const check = (name: string, answer: Answer) => {
        assert.strictEqual(answer.status, 200, name)
        const decoded = Schema.decodeUnknownResult(byName.get(name)!.response)(answer.body)
        assert.isTrue(Result.isSuccess(decoded), `${name}: ${Result.isFailure(decoded) ? decoded.failure.message : ""}`)
      }
      const orgs = { organizationIds: [s.organizationId] }
      const org = { organizationId: s.organizationId }
      check("organizations", yield* s.post("/api/1/organizations", { returnAdditionalInfo: true }))
      check("organizationsSettings", yield* s.post("/api/1/organizations/settings", orgs))
      check("terminalGroups", yield* s.post("/api/1/terminal_groups", orgs))
      check("nomenclature", yield* s.post("/api/1/nomenclature", org))
      check("menuV2", yield* s.post("/api/2/menu"))
      const menus = (yield* s.post("/api/2/menu")).body.externalMenus
      check("menuByIdV2", yield* s.post("/api/2/menu/by_id", { externalMenuId: menus[0].id, ...orgs }))
      check("paymentTypes", yield* s.post("/api/1/payment_types", orgs))
      check("deliveriesOrderTypes", yield* s.post("/api/1/deliveries/order_types", orgs))
      check("employeesCouriers", yield* s.post("/api/1/employees/couriers", orgs))
      check("cancelCauses", yield* s.post("/api/1/cancel_causes", orgs))
      check("deliveriesCreate", yield* s.post("/api/1/deliveries/create", deliveryBody(s, { id: ORDER_ID })))
      yield* s.post("/api/1/stop_lists/add", { ...org, terminalGroupId: s.terminalGroupId, items: [{ productId: s.productId, balance: 1 }] })
      check("stopLists", yield* s.post("/api/1/stop_lists", orgs))
      const tableOrder = yield* s.post("/api/1/order/create", { ...org, terminalGroupId: s.terminalGroupId, order: { items: [{ type: "Product", productId: s.productId, price: 150, amount: 1 }] } })
      check("orderCreate", tableOrder)
      const reserve = yield* s.post("/api/1/reserve/create", {
        ...org,
        terminalGroupId: s.terminalGroupId,
        customer: { type: "regular", name: "Lin" },
        phone: "+79001112233",
        durationInMinutes: 90,
        shouldRemind: false,
        tableIds: [ORDER_ID],
        estimatedStartTime: "2030-01-01 19:00:00.000"
      })
      check("reserveCreate", reserve)
      yield* TestClock.adjust("2 seconds")
      check("deliveriesById", yield* s.post("/api/1/deliveries/by_id", { ...org, orderIds: [ORDER_ID] }))
      check("deliveriesByRevision", yield* s.post("/api/1/deliveries/by_revision", { startRevision: 0, ...orgs }))
      check("orderById", yield* s.post("/api/1/order/by_id", { ...orgs, orderIds: [tableOrder.body.orderInfo.id] }))
      check("reserveStatusById", yield* s.post("/api/1/reserve/status_by_id", { ...org, reserveIds: [reserve.body.reserveInfo.id] }))
      const customer = yield* s.post("/api/1/loyalty/iiko/customer/create_or_update", { ...org, phone: "+79990001122" })
      check("loyaltyIikoCustomerCreateOrUpdate", customer)
      check("loyaltyIikoCustomerInfo", yield* s.post("/api/1/loyalty/iiko/customer/info", { ...org, type: "id", id: customer.body.id }))
      check("webhooksSettings", yield* s.post("/api/1/webhooks/settings", org))
      check("terminalGroupsIsAlive", yield* s.post("/api/1/terminal_groups/is_alive", { ...orgs, terminalGroupIds: [s.terminalGroupId] }))
    }).pipe(emulated()))
})

// =============================================================================
// Server mode
// =============================================================================

describe("server", () => {
  it.live("serves on 127.0.0.1 and drops the socket on a connection reset", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      assert.match(emulator.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/)
      const client = yield* HttpClient.HttpClient
      const post = (path: string, body: unknown, token?: string) =>
        HttpClientRequest.post(`${emulator.baseUrl}${path}`).pipe(
          HttpClientRequest.bodyJsonUnsafe(body),
          token === undefined ? (r) => r : HttpClientRequest.bearerToken(token),
          client.execute,
          Effect.flatMap((r) => Effect.map(r.json, (json: any) => ({ status: r.status, json })))
        )
      const token = (yield* post("/api/1/access_token", { apiLogin: "x" })).json.token
      const organizations = yield* post("/api/1/organizations", {}, token)
      assert.strictEqual(organizations.status, 200)
      yield* emulator.injectFault({ fault: IikoEmulator.Fault.connectionReset, operations: ["organizations"], times: 1 })
      const error = yield* Effect.flip(post("/api/1/organizations", {}, token))
      assert.strictEqual(error._tag, "HttpClientError")
      assert.strictEqual((yield* post("/api/1/organizations", {}, token)).status, 200)
    }).pipe(Effect.provide(Layer.merge(IikoEmulator.layerServer({}), FetchHttpClient.layer))))
})
