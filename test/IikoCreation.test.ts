import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { Iiko, IikoClient, IikoConfig, IikoCreation, IikoError } from "../src/index.ts"
import { IikoEmulator } from "../src/testing/index.ts"

const ORDER_ID = "6a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"

/** The real client over the in-memory emulator; TestClock drives creation delays and pauses. */
const Emulated = Layer.unwrap(Effect.gen(function*() {
  const emulator = yield* IikoEmulator.IikoEmulator
  return IikoClient.layer({ baseUrl: emulator.baseUrl, credentials: IikoConfig.v1("creation-tests") })
})).pipe(Layer.provideMerge(IikoEmulator.layer({ seed: 3, creationDelay: "3 seconds" })))

const world = Effect.gen(function*() {
  const emulator = yield* IikoEmulator.IikoEmulator
  const state = yield* emulator.state
  const organizationId = state.organizations[0]!.id
  const terminalGroupId = state.terminalGroups.find((t) => t.organizationId === organizationId)!.id
  const { products } = yield* Iiko.nomenclature({ organizationId })
  const productId = products.find((p) => p.type === "Dish")!.id
  const items = [{ type: "Product" as const, productId, amount: 1, price: 300 }]
  return { emulator, organizationId, terminalGroupId, items }
})

type World = Effect.Success<typeof world>

const deliveryRequest = (w: World, id?: string) => ({
  organizationId: w.organizationId,
  terminalGroupId: w.terminalGroupId,
  order: { ...(id === undefined ? {} : { id }), phone: "+79001234567", items: w.items }
})

const calls = (w: World, operation: string) =>
  Effect.map(w.emulator.requests, (log) => log.filter((entry) => entry.operation === operation).length)

/** Runs `effect` in a fiber while the test clock moves on, as the read-back and settling pauses need. */
const withTimePassing = <A, E, R>(effect: Effect.Effect<A, E, R>, time: Duration.Input) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    yield* TestClock.adjust(time)
    return yield* Fiber.join(fiber)
  })

describe("IikoCreation", () => {
  it.effect("creates with a generated id, then settles to Success", () =>
    Effect.gen(function*() {
      const w = yield* world
      const created = yield* IikoCreation.createDelivery(deliveryRequest(w))
      assert.isFalse(created.recovered)
      assert.isString(created.correlationId)
      assert.match(created.info.id, /^[0-9a-f-]{36}$/)
      assert.strictEqual(created.info.creationStatus, "InProgress")
      const settled = yield* withTimePassing(IikoCreation.settleDelivery(created.info), "10 seconds")
      assert.strictEqual(settled.creationStatus, "Success")
      assert.strictEqual(settled.id, created.info.id)
      assert.strictEqual(yield* calls(w, "deliveriesCreate"), 1)
    }).pipe(Effect.provide(Emulated)))

  it.effect("a connection reset after iiko applied the create is recovered by reading back: one order", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* w.emulator.injectFault({ fault: IikoEmulator.Fault.connectionReset, operations: ["deliveriesCreate"], times: 1 })
      const created = yield* IikoCreation.createDelivery(deliveryRequest(w, ORDER_ID))
      assert.isTrue(created.recovered)
      assert.isUndefined(created.correlationId)
      assert.strictEqual(created.info.id, ORDER_ID)
      assert.strictEqual(yield* calls(w, "deliveriesCreate"), 1)
      assert.strictEqual((yield* w.emulator.state).deliveries.size, 1)
    }).pipe(Effect.provide(Emulated)))

  it.effect("a 5xx after the write is recovered the same way", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* w.emulator.injectFault({
        fault: IikoEmulator.Fault.serverError({ status: 502, applied: true }),
        operations: ["deliveriesCreate"],
        times: 1
      })
      const created = yield* IikoCreation.createDelivery(deliveryRequest(w))
      assert.isTrue(created.recovered)
      assert.strictEqual((yield* w.emulator.state).deliveries.size, 1)
    }).pipe(Effect.provide(Emulated)))

  it.effect("an ambiguous failure with nothing to read back fails with the original error, no second create", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* w.emulator.injectFault({
        fault: IikoEmulator.Fault.serverError({ status: 500, applied: false }),
        operations: ["deliveriesCreate"],
        times: 1
      })
      const error = yield* withTimePassing(
        Effect.flip(IikoCreation.createDelivery(deliveryRequest(w), { attempts: 3, interval: "1 second" })),
        "10 seconds"
      )
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(yield* calls(w, "deliveriesCreate"), 1)
      assert.strictEqual(yield* calls(w, "deliveriesById"), 3)
      assert.strictEqual((yield* w.emulator.state).deliveries.size, 0)
    }).pipe(Effect.provide(Emulated)))

  it.effect("sending an existing id returns the existing order instead of failing", () =>
    Effect.gen(function*() {
      const w = yield* world
      const first = yield* IikoCreation.createDelivery(deliveryRequest(w, ORDER_ID))
      const again = yield* IikoCreation.createDelivery(deliveryRequest(w, ORDER_ID))
      assert.isFalse(first.recovered)
      assert.isTrue(again.recovered)
      assert.strictEqual(again.info.id, ORDER_ID)
      assert.strictEqual((yield* w.emulator.state).deliveries.size, 1)
    }).pipe(Effect.provide(Emulated)))

  it.effect("a plain rejection is not read back", () =>
    Effect.gen(function*() {
      const w = yield* world
      const error = yield* Effect.flip(IikoCreation.createDelivery({
        ...deliveryRequest(w),
        organizationId: "00000000-0000-4000-8000-000000000000"
      }))
      assert.strictEqual(error.reason._tag, "BadRequest")
      assert.strictEqual(yield* calls(w, "deliveriesById"), 0)
    }).pipe(Effect.provide(Emulated)))

  it.effect("table orders and reserves: recovered after a reset, then settled", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* w.emulator.injectFault({
        fault: IikoEmulator.Fault.connectionReset,
        operations: ["orderCreate", "reserveCreate"],
        times: 2
      })
      const table = yield* IikoCreation.createTableOrder({
        organizationId: w.organizationId,
        terminalGroupId: w.terminalGroupId,
        order: { items: w.items }
      })
      assert.isTrue(table.recovered)
      const reserve = yield* IikoCreation.createReserve({
        organizationId: w.organizationId,
        terminalGroupId: w.terminalGroupId,
        customer: { type: "regular", name: "Ada" },
        phone: "+79001234567",
        durationInMinutes: 90,
        shouldRemind: false,
        tableIds: [],
        estimatedStartTime: "2026-12-01 19:00:00.000"
      })
      assert.isTrue(reserve.recovered)
      const state = yield* w.emulator.state
      assert.strictEqual(state.tableOrders.size, 1)
      assert.strictEqual(state.reserves.size, 1)
      const [settledTable, settledReserve] = yield* withTimePassing(
        Effect.all([IikoCreation.settleTableOrder(table.info), IikoCreation.settleReserve(reserve.info)]),
        "10 seconds"
      )
      assert.strictEqual(settledTable.creationStatus, "Success")
      assert.strictEqual(settledReserve.creationStatus, "Success")
    }).pipe(Effect.provide(Emulated)))

  it("only failures that may hide an applied write are ambiguous", () => {
    const error = (reason: IikoError.IikoErrorReason) => new IikoError.IikoError({ operation: "deliveriesCreate", reason })
    assert.isTrue(IikoCreation.isAmbiguous(error(new IikoError.Transport({ detail: "reset" }))))
    assert.isTrue(IikoCreation.isAmbiguous(error(new IikoError.ServerError())))
    assert.isTrue(IikoCreation.isAmbiguous(error(new IikoError.TerminalTimeout())))
    assert.isTrue(IikoCreation.isAmbiguous(error(new IikoError.InvalidResponse({ issue: "cut off" }))))
    assert.isFalse(IikoCreation.isAmbiguous(error(new IikoError.BadRequest())))
    assert.isFalse(IikoCreation.isAmbiguous(error(new IikoError.RateLimited({}))))
    assert.isFalse(IikoCreation.isAmbiguous(error(new IikoError.Unauthorized())))
    assert.isFalse(IikoCreation.isAmbiguous(error(new IikoError.InvalidRequest({ issue: "phone" }))))
  })
})
