/**
 * The README's "Sync a restaurant chain" example (examples/sync.ts) against the in-memory
 * emulator with order traffic, on TestClock: menus, stop lists and orders arrive, checkpoints are
 * stored, and a restart continues from them instead of seeding again.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { KeyValueStore } from "effect/persistence"
import { TestClock } from "effect/testing"
import { IikoClient, IikoConfig } from "effect-iiko"
import { IikoEmulator } from "effect-iiko/testing"
import { type Store, syncChain } from "../examples/sync.ts"

const TestIiko = Layer.unwrap(Effect.gen(function*() {
  const emulator = yield* IikoEmulator.IikoEmulator
  return IikoClient.layer({ baseUrl: emulator.baseUrl, credentials: IikoConfig.v1("chain") })
})).pipe(Layer.provideMerge(IikoEmulator.layer({
  seed: 11,
  sizes: { organizations: 3 },
  traffic: { ordersPerHour: 30, statusChangesPerHour: 60, stopListChangesPerHour: 10, menuChangesPerHour: 2 }
})))

const recorder = () => {
  const menus = new Map<string, number>()
  const orders = new Map<string, number>()
  let stopListBatches = 0
  const store: Store = {
    menu: (organizationId, menu) => Effect.sync(() => void menus.set(organizationId, menu.revision)),
    stopLists: () => Effect.sync(() => void stopListBatches++),
    orders: (batch) => Effect.sync(() => batch.orders.forEach((order) => orders.set(order.id, order.timestamp)))
  }
  return { store, menus, orders, stopListBatches: () => stopListBatches }
}

const runFor = (store: Store, minutes: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(syncChain(store))
    for (let i = 0; i < minutes; i++) yield* TestClock.adjust("1 minute")
    yield* Fiber.interrupt(fiber)
  })

describe("examples/sync.ts", () => {
  it.effect("syncs menus, stop lists and orders of every organization, and a restart continues from the checkpoints", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const first = recorder()
      yield* runFor(first.store, 30)
      const state = yield* emulator.state
      assert.strictEqual(first.menus.size, state.organizations.length)
      assert.isAbove(first.stopListBatches(), 0)
      assert.isAbove(first.orders.size, 0)
      const keys = yield* KeyValueStore.KeyValueStore.use((store) => store.keys)
      assert.includeMembers([...keys], ["deliveries", "stop-lists", ...state.organizations.map((o) => `menu/${o.id}`)])

      const seedsBefore = (yield* emulator.requests).filter((r) => r.operation === "deliveriesByDeliveryDateAndStatus").length
      const second = recorder()
      yield* runFor(second.store, 10)
      const seedsAfter = (yield* emulator.requests).filter((r) => r.operation === "deliveriesByDeliveryDateAndStatus").length
      assert.strictEqual(seedsAfter, seedsBefore, "the restart continues by revision")
      for (const [id, revision] of second.orders) assert.isAbove(revision, first.orders.get(id) ?? -1)
    }).pipe(Effect.provide(Layer.merge(TestIiko, KeyValueStore.layerMemory))))
})
