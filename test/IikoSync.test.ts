/**
 * IikoSync against the in-memory emulator, on TestClock: seeding instead of `startRevision: 0`,
 * re-seeding after 3 hours or iiko's 400 without losing or repeating a change, checkpoints
 * stored only after the consumer handled a batch, per-organization isolation, the single-pass
 * mode (`once`) and batches carrying iiko's raw JSON (`raw`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Metric, Option, Ref, Stream } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import { KeyValueStore } from "effect/persistence"
import { TestClock } from "effect/testing"
import { Iiko, IikoClient, IikoConfig, IikoSync } from "../src/index.ts"
import { IikoEmulator, MockHttpClient } from "../src/testing/index.ts"
import { world, type World } from "./support.ts"

const stack = (options: IikoEmulator.Options = {}) =>
  IikoClient.layer({ credentials: IikoConfig.v1("sync-api-login"), baseUrl: "http://iiko.emulator" }).pipe(
    Layer.provideMerge(IikoEmulator.layer({ seed: 5, creationDelay: "1 second", ...options }))
  )


let orderNumber = 0
/** Creates a delivery and lets it settle (a change at a new revision). */
const createOrder = (w: World) =>
  Effect.gen(function*() {
    const id = `00000000-0000-4000-8000-${String(++orderNumber).padStart(12, "0")}`
    yield* Iiko.deliveriesCreate({
      organizationId: w.organizationId,
      terminalGroupId: w.terminalGroupId,
      order: { id, phone: "+79001234567", items: [{ type: "Product", productId: w.productId, price: 100, amount: 1 }] }
    })
    yield* TestClock.adjust("2 seconds")
    yield* w.emulator.settle
    return id
  })

/** Confirms a delivery: another change of the same order. */
const changeOrder = (w: World, orderId: string) =>
  Iiko.deliveriesConfirm({ organizationId: w.organizationId, orderId }).pipe(Effect.andThen(TestClock.adjust("1 second")))

const calls = (w: World, operation: string) =>
  Effect.map(w.emulator.requests, (log) => log.filter((entry) => entry.operation === operation))

/** The latest revision of every delivery, as the emulator has it. */
const revisions = (w: World) =>
  Effect.map(w.emulator.state, (state) => new Map([...state.deliveries.values()].map((d) => [d.id, d.revision])))

/** Collects a running stream's batches in the background; `handle` plays a (slow) consumer. */
const collect = <A, E, R>(stream: Stream.Stream<A, E, R>, handle: (index: number) => Effect.Effect<void> = () => Effect.void) =>
  Effect.gen(function*() {
    const seen = yield* Ref.make<ReadonlyArray<A>>([])
    const fiber = yield* Effect.forkChild(
      Stream.runForEach(stream, (a) => Ref.updateAndGet(seen, (all) => [...all, a]).pipe(Effect.flatMap((all) => handle(all.length))))
    )
    yield* Effect.yieldNow
    return { fiber, batches: Ref.get(seen) }
  })

describe("IikoSync.deliveryChanges", () => {
  it.effect("a first sync without a checkpoint seeds from the date window, never startRevision 0", () =>
    Effect.gen(function*() {
      const w = yield* world
      const first = yield* createOrder(w)
      const [batch] = yield* IikoSync.deliveryChanges({ organizationIds: [w.organizationId] }).pipe(
        Stream.take(1),
        Stream.runCollect
      )
      assert.isTrue(batch!.seeded)
      assert.deepStrictEqual(batch!.orders.map((order) => order.id), [first])
      assert.lengthOf(yield* calls(w, "deliveriesByRevision"), 0)
      assert.lengthOf(yield* calls(w, "deliveriesByDeliveryDateAndStatus"), 1)
      // The cursor it continues from is accepted by iiko (a startRevision of 0 would get a 400).
      const second = yield* createOrder(w)
      const [next] = yield* IikoSync.deliveryChanges({ organizationIds: [w.organizationId], checkpoint: batch!.checkpoint })
        .pipe(Stream.take(1), Stream.runCollect)
      assert.isFalse(next!.seeded)
      assert.deepStrictEqual(next!.orders.map((order) => order.id), [second])
      assert.deepStrictEqual((yield* calls(w, "deliveriesByRevision")).map((entry) => entry.status), [200])
    }).pipe(Effect.provide(stack())))

  it.effect("across a re-seed after 3 hours, with orders changing meanwhile, every change arrives once", () =>
    Effect.gen(function*() {
      const w = yield* world
      const a = yield* createOrder(w)
      const b = yield* createOrder(w)
      // The consumer takes 4 hours over the second batch: the stream falls behind iiko's window.
      const running = yield* collect(
        IikoSync.deliveryChanges({ organizationIds: [w.organizationId], pollInterval: "1 minute" }),
        (index) => index === 2 ? Effect.sleep("4 hours") : Effect.void
      )
      yield* changeOrder(w, a)
      yield* TestClock.adjust("1 minute") // a by_revision poll sees the change of a
      // Meanwhile b changes and c is created.
      yield* changeOrder(w, b)
      const c = yield* createOrder(w)
      yield* TestClock.adjust("4 hours")
      yield* TestClock.adjust("1 minute")
      yield* Fiber.interrupt(running.fiber)
      const batches = yield* running.batches

      assert.isTrue(batches[0]!.seeded)
      assert.isTrue(batches.at(-1)!.seeded, "the poll after 4 hours re-seeds")
      const emitted = batches.flatMap((batch) => batch.orders.map((order) => `${order.id}@${order.timestamp}`))
      assert.strictEqual(new Set(emitted).size, emitted.length, "no change emitted twice")
      const latest = yield* revisions(w)
      for (const id of [a, b, c]) assert.include(emitted, `${id}@${latest.get(id)}`)
      // The re-seed re-reads a (unchanged since the last checkpoint) but does not emit it again.
      assert.deepStrictEqual(batches.at(-1)!.orders.map((order) => order.id).sort(), [b, c].sort())
      assert.deepStrictEqual((yield* calls(w, "deliveriesByRevision")).map((entry) => entry.status), [200])
    }).pipe(Effect.provide(stack())))

  it.effect("a stored checkpoint older than 3 hours re-seeds instead of asking by_revision", () =>
    Effect.gen(function*() {
      const w = yield* world
      const a = yield* createOrder(w)
      const [seed] = yield* IikoSync.deliveryChanges({ organizationIds: [w.organizationId] }).pipe(
        Stream.take(1),
        Stream.runCollect
      )
      const b = yield* createOrder(w)
      yield* TestClock.adjust("3 hours")
      const [batch] = yield* IikoSync.deliveryChanges({ organizationIds: [w.organizationId], checkpoint: seed!.checkpoint })
        .pipe(Stream.take(1), Stream.runCollect)
      assert.isTrue(batch!.seeded)
      assert.deepStrictEqual(batch!.orders.map((order) => order.id), [b])
      assert.notInclude(batch!.orders.map((order) => order.id), a)
      assert.lengthOf(yield* calls(w, "deliveriesByRevision"), 0)
    }).pipe(Effect.provide(stack())))

  it.effect("iiko's 400 for a revision out of range re-seeds", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* TestClock.adjust("5 hours")
      const a = yield* createOrder(w)
      // A checkpoint that looks fresh but whose revision is 5 hours old: iiko refuses it.
      const [batch] = yield* IikoSync.deliveryChanges({
        organizationIds: [w.organizationId],
        checkpoint: { revision: 1, readAt: yield* Effect.clockWith((clock) => clock.currentTimeMillis) }
      }).pipe(Stream.take(1), Stream.runCollect)
      assert.isTrue(batch!.seeded)
      assert.deepStrictEqual(batch!.orders.map((order) => order.id), [a])
      assert.deepStrictEqual((yield* calls(w, "deliveriesByRevision")).map((entry) => entry.status), [400])
    }).pipe(Effect.provide(stack())))

  it.effect("a wake-up polls now instead of waiting for the interval", () =>
    Effect.gen(function*() {
      const w = yield* world
      const wakeUps = yield* Ref.make(0)
      const signal = Stream.fromEffect(Effect.sleep("10 seconds")).pipe(Stream.tap(() => Ref.update(wakeUps, (n) => n + 1)))
      const running = yield* collect(
        IikoSync.deliveryChanges({ organizationIds: [w.organizationId], pollInterval: "1 hour", wakeUp: signal })
      )
      yield* TestClock.adjust("1 second")
      assert.lengthOf(yield* calls(w, "deliveriesByRevision"), 0)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* Ref.get(wakeUps), 1)
      assert.lengthOf(yield* calls(w, "deliveriesByRevision"), 1)
      yield* Fiber.interrupt(running.fiber)
    }).pipe(Effect.provide(stack())))
})

describe("IikoSync checkpoints", () => {
  it.effect("a consumer failure mid-batch leaves the checkpoint where it was; the next run re-delivers the batch", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* createOrder(w)
      const key = "deliveries/test"
      const stream = (checkpoint: IikoSync.DeliveryCheckpoint | undefined) =>
        IikoSync.deliveryChanges({ organizationIds: [w.organizationId], checkpoint, pollInterval: "1 second" })
      const handled: Array<ReadonlyArray<string>> = []
      const store = KeyValueStore.toSchemaStore(yield* KeyValueStore.KeyValueStore, IikoSync.DeliveryCheckpoint)

      // Run 1 handles the seed, then fails on the next batch.
      yield* IikoSync.runWithCheckpoints({
        key,
        checkpoint: IikoSync.DeliveryCheckpoint,
        stream: (checkpoint) => stream(checkpoint).pipe(Stream.take(1)),
        handle: (batch) => Effect.sync(() => handled.push(batch.orders.map((order) => order.id)))
      })
      const afterSeed = Option.getOrThrow(yield* store.get(key))
      const second = yield* createOrder(w)
      const failed = yield* IikoSync.runWithCheckpoints({
        key,
        checkpoint: IikoSync.DeliveryCheckpoint,
        stream,
        handle: () => Effect.fail("consumer crashed" as const)
      }).pipe(Effect.flip)
      assert.strictEqual(failed, "consumer crashed")
      assert.deepStrictEqual(Option.getOrThrow(yield* store.get(key)), afterSeed)

      // Run 3 starts from the stored checkpoint and gets the failed batch again.
      yield* IikoSync.runWithCheckpoints({
        key,
        checkpoint: IikoSync.DeliveryCheckpoint,
        stream: (checkpoint) => stream(checkpoint).pipe(Stream.take(1)),
        handle: (batch) => Effect.sync(() => handled.push(batch.orders.map((order) => order.id)))
      })
      assert.deepStrictEqual(handled.at(-1), [second])
      assert.isAbove(Option.getOrThrow(yield* store.get(key)).revision, afterSeed.revision)
    }).pipe(Effect.provide(Layer.merge(stack(), KeyValueStore.layerMemory))))
})

describe("IikoSync organizations", () => {
  const UNKNOWN = "99999999-9999-4999-8999-999999999999"

  it.effect("one unknown organization in a batch of ten: nine results, one typed error", () =>
    Effect.gen(function*() {
      const state = yield* IikoEmulator.IikoEmulator.use((emulator) => emulator.state)
      const ids = [...state.organizations.slice(0, 4).map((o) => o.id), UNKNOWN, ...state.organizations.slice(4).map((o) => o.id)]
      const results = yield* IikoSync.forEachOrganization(ids, (organizationId) => Iiko.nomenclature({ organizationId }), {
        concurrency: 3
      })
      assert.deepStrictEqual(results.map((r) => r.organizationId), ids)
      const failures = results.filter((r) => r.result._tag === "Failure")
      assert.lengthOf(failures, 1)
      assert.strictEqual(failures[0]!.organizationId, UNKNOWN)
      const error = failures[0]!.result._tag === "Failure" ? failures[0]!.result.failure : undefined
      assert.strictEqual(error?._tag, "IikoError")
      assert.strictEqual(error?.reason._tag, "BadRequest")
      assert.lengthOf(results.filter((r) => r.result._tag === "Success"), 9)
    }).pipe(Effect.provide(stack({ sizes: { organizations: 9 } }))))

  it.effect("a multi-organization call is split until the rejected organization is isolated", () =>
    Effect.gen(function*() {
      const state = yield* IikoEmulator.IikoEmulator.use((emulator) => emulator.state)
      const ids = [...state.organizations.map((o) => o.id), UNKNOWN]
      const result = yield* IikoSync.splitOrganizations(ids, (organizationIds) =>
        Iiko.stopLists({ organizationIds: [...organizationIds] }))
      assert.deepStrictEqual(result.failed.map((f) => f.organizationId), [UNKNOWN])
      assert.strictEqual(result.failed[0]!.error.reason._tag, "BadRequest")
      assert.deepStrictEqual(result.succeeded.flatMap((s) => s.organizationIds).sort(), state.organizations.map((o) => o.id).sort())
      assert.isAtMost(result.succeeded.length, 4)
    }).pipe(Effect.provide(stack({ sizes: { organizations: 9 } }))))
})

describe("IikoSync menus and stop lists", () => {
  /** The JSON bodies the client sent, captured on the way to the emulator. */
  const capturing = (sent: Array<{ readonly url: string; readonly body: any }>) =>
    IikoClient.layer({ credentials: IikoConfig.v1("sync-api-login"), baseUrl: "http://iiko.emulator" }).pipe(
      Layer.provideMerge(Layer.effect(
        HttpClient.HttpClient,
        IikoEmulator.IikoEmulator.use((emulator) =>
          Effect.succeed(emulator.client.pipe(HttpClient.tapRequest((request) =>
            Effect.sync(() => {
              if (request.body._tag === "Uint8Array") {
                sent.push({ url: request.url, body: JSON.parse(new TextDecoder().decode(request.body.body)) })
              }
            })
          )))
        )
      )),
      Layer.provideMerge(IikoEmulator.layer({ seed: 5 }))
    )

  const sent: Array<{ readonly url: string; readonly body: any }> = []

  it.effect("the menu is downloaded only when its revision changed", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const organizationId = (yield* emulator.state).organizations[0]!.id
      const running = yield* collect(IikoSync.nomenclatureChanges({ organizationId, pollInterval: "1 minute" }))
      yield* TestClock.adjust("3 minutes")
      assert.lengthOf(yield* running.batches, 1)
      yield* emulator.simulate({ _tag: "MenuChange", organizationId })
      yield* TestClock.adjust("1 minute")
      const batches = yield* running.batches
      yield* Fiber.interrupt(running.fiber)
      assert.lengthOf(batches, 2)
      assert.isAbove(batches[1]!.checkpoint.revision, batches[0]!.checkpoint.revision)
      assert.isAbove(batches[1]!.nomenclature.products.length, 0)
      // Every poll after the first names the revision it has, so iiko sends no menu unless it changed.
      const polls = sent.filter((request) => request.url.endsWith("/api/1/nomenclature")).map((request) => request.body)
      assert.lengthOf(polls, 5)
      assert.isUndefined(polls[0].startRevision)
      const first = batches[0]!.checkpoint.revision
      assert.deepStrictEqual(polls.slice(1).map((body) => body.startRevision), [first, first, first, first])
    }).pipe(Effect.provide(capturing(sent))))

  it.effect("stop-list changes are emitted as differences", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const state = yield* emulator.state
      const organizationId = state.organizations[0]!.id
      const terminalGroupId = state.terminalGroups.find((t) => t.organizationId === organizationId)!.id
      const { products } = yield* Iiko.nomenclature({ organizationId })
      const [first, second] = products.filter((p) => p.type === "Dish")
      yield* Iiko.stopListsAdd({ organizationId, terminalGroupId, items: [{ productId: first!.id, balance: 0 }] })
      const running = yield* collect(IikoSync.stopListChanges({ organizationIds: [organizationId], pollInterval: "1 minute" }))
      yield* Iiko.stopListsAdd({ organizationId, terminalGroupId, items: [{ productId: second!.id, balance: 2 }] })
      yield* TestClock.adjust("1 minute")
      yield* TestClock.adjust("1 minute") // nothing changed: no batch
      yield* Iiko.stopListsRemove({ organizationId, terminalGroupId, items: [{ productId: first!.id }] })
      yield* TestClock.adjust("1 minute")
      const batches = yield* running.batches
      yield* Fiber.interrupt(running.fiber)
      const ids = (entries: ReadonlyArray<IikoSync.StopListEntry>) => entries.map((entry) => entry.productId)
      assert.deepStrictEqual(batches.map((batch) => [ids(batch.upserted), ids(batch.removed)]), [
        [[first!.id], []],
        [[second!.id], []],
        [[], [first!.id]]
      ])
      assert.deepStrictEqual(ids(batches[2]!.checkpoint.entries), [second!.id])
    }).pipe(Effect.provide(stack())))
})

describe("IikoSync single pass (once) and raw JSON", () => {
  /** Runs `effect` (a stream run to its end) and asserts that it ends, whatever the poll interval. */
  const ends = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.timeoutOption(effect, "1 hour"))
      yield* TestClock.adjust("1 hour")
      const result = yield* Fiber.join(fiber)
      assert.isTrue(Option.isSome(result), "the stream ended by itself")
      return Option.getOrThrow(result)
    })

  it.effect("deliveries: catches up from the checkpoint with one call and ends", () =>
    Effect.gen(function*() {
      const w = yield* world
      const first = yield* createOrder(w)
      const seed = yield* ends(Stream.runCollect(IikoSync.deliveryChanges({ organizationIds: [w.organizationId], once: true })))
      assert.deepStrictEqual(seed.map((batch) => [batch.seeded, batch.orders.map((order) => order.id)]), [[true, [first]]])
      const a = yield* createOrder(w)
      yield* changeOrder(w, a)
      const b = yield* createOrder(w)
      const caughtUp = yield* ends(Stream.runCollect(
        IikoSync.deliveryChanges({ organizationIds: [w.organizationId], checkpoint: seed[0]!.checkpoint, once: true })
      ))
      assert.lengthOf(caughtUp, 1)
      assert.isFalse(caughtUp[0]!.seeded)
      assert.deepStrictEqual(caughtUp[0]!.orders.map((order) => order.id).sort(), [a, b].sort())
      const latest = yield* revisions(w)
      assert.strictEqual(caughtUp[0]!.orders.find((order) => order.id === a)!.timestamp, latest.get(a))
      // Nothing changed since: no batch, and still it ends.
      const nothing = yield* ends(Stream.runCollect(
        IikoSync.deliveryChanges({ organizationIds: [w.organizationId], checkpoint: caughtUp[0]!.checkpoint, once: true })
      ))
      assert.lengthOf(nothing, 0)
      assert.lengthOf(yield* calls(w, "deliveriesByRevision"), 2)
      assert.lengthOf(yield* calls(w, "deliveriesByDeliveryDateAndStatus"), 1)
    }).pipe(Effect.provide(stack())))

  it.effect("menus and stop lists: one read each, a batch only when something changed, then the end", () =>
    Effect.gen(function*() {
      const w = yield* world
      const menu = yield* ends(Stream.runCollect(IikoSync.nomenclatureChanges({ organizationId: w.organizationId, once: true })))
      assert.lengthOf(menu, 1)
      const unchanged = yield* ends(Stream.runCollect(
        IikoSync.nomenclatureChanges({ organizationId: w.organizationId, checkpoint: menu[0]!.checkpoint, once: true })
      ))
      assert.lengthOf(unchanged, 0)
      yield* Iiko.stopListsAdd({
        organizationId: w.organizationId,
        terminalGroupId: w.terminalGroupId,
        items: [{ productId: w.productId, balance: 1 }]
      })
      const stops = yield* ends(Stream.runCollect(
        IikoSync.stopListChanges({ organizationIds: [w.organizationId], checkpoint: { entries: [] }, once: true })
      ))
      assert.deepStrictEqual(stops.map((batch) => batch.upserted.map((entry) => entry.productId)), [[w.productId]])
      const again = yield* ends(Stream.runCollect(
        IikoSync.stopListChanges({ organizationIds: [w.organizationId], checkpoint: stops[0]!.checkpoint, once: true })
      ))
      assert.lengthOf(again, 0)
      assert.lengthOf(yield* calls(w, "nomenclature"), 3) // world's own read, then one per stream
      assert.lengthOf(yield* calls(w, "stopLists"), 2)
    }).pipe(Effect.provide(stack())))

  /** Adds a field the schemas do not know to every entity (anything with an id) iiko sends. */
  const withUnknownField = (json: unknown): unknown => {
    if (Array.isArray(json)) return json.map(withUnknownField)
    if (typeof json !== "object" || json === null) return json
    const entries = Object.entries(json).map(([key, value]) => [key, withUnknownField(value)] as const)
    const entity = "id" in json || "productId" in json
    return Object.fromEntries(entity ? [...entries, ["somethingNew", { kept: true }]] : entries)
  }
  const newerIiko = IikoClient.layer({ credentials: IikoConfig.v1("sync-api-login"), baseUrl: "http://iiko.emulator" })
    .pipe(
      Layer.provideMerge(Layer.effect(
        HttpClient.HttpClient,
        IikoEmulator.IikoEmulator.use((emulator) =>
          Effect.succeed(emulator.client.pipe(HttpClient.transformResponse(Effect.flatMap((response) =>
            Effect.map(response.json, (json) =>
              HttpClientResponse.fromWeb(
                response.request,
                new Response(JSON.stringify(withUnknownField(json)), { status: response.status, headers: response.headers })
              ))
          ))))
        )
      )),
      Layer.provideMerge(IikoEmulator.layer({ seed: 5, creationDelay: "1 second" }))
    )

  it.effect("raw: true carries each entity's JSON as iiko sent it, unknown fields included; the default carries none", () =>
    Effect.gen(function*() {
      const w = yield* world
      const a = yield* createOrder(w)
      yield* Iiko.stopListsAdd({
        organizationId: w.organizationId,
        terminalGroupId: w.terminalGroupId,
        items: [{ productId: w.productId, balance: 3 }]
      })
      const [deliveries] = yield* IikoSync.deliveryChanges({ organizationIds: [w.organizationId], once: true, raw: true })
        .pipe(Stream.runCollect)
      assert.deepStrictEqual(deliveries!.orders.map((order) => order.id), [a])
      assert.strictEqual((deliveries!.raw[0] as any).id, a)
      assert.deepStrictEqual((deliveries!.raw[0] as any).somethingNew, { kept: true })
      assert.notProperty(deliveries!.orders[0]!, "somethingNew")

      const [menu] = yield* IikoSync.nomenclatureChanges({ organizationId: w.organizationId, once: true, raw: true })
        .pipe(Stream.runCollect)
      const sentProducts = (menu!.raw as any).products as ReadonlyArray<any>
      assert.deepStrictEqual(sentProducts.map((product) => product.id), menu!.nomenclature.products.map((product) => product.id))
      assert.deepStrictEqual(sentProducts[0].somethingNew, { kept: true })

      const [stops] = yield* IikoSync.stopListChanges({ organizationIds: [w.organizationId], once: true, raw: true })
        .pipe(Stream.runCollect)
      assert.lengthOf(stops!.raw, stops!.upserted.length)
      const i = stops!.upserted.findIndex((entry) => entry.productId === w.productId)
      assert.strictEqual((stops!.raw[i] as any).productId, w.productId)
      assert.strictEqual((stops!.raw[i] as any).balance, 3)
      assert.deepStrictEqual((stops!.raw[i] as any).somethingNew, { kept: true })

      const [plain] = yield* IikoSync.deliveryChanges({ organizationIds: [w.organizationId], once: true }).pipe(Stream.runCollect)
      assert.notProperty(plain!, "raw")
    }).pipe(Effect.provide(newerIiko)))
})

describe("emulator traffic", () => {
  it.effect("orders, status changes and stop lists change over time, and a sync follows every change", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const organizationIds = (yield* emulator.state).organizations.map((o) => o.id)
      const running = yield* collect(IikoSync.deliveryChanges({ organizationIds, pollInterval: "30 seconds" }))
      for (let minute = 0; minute < 30; minute++) yield* TestClock.adjust("1 minute")
      const state = yield* emulator.state
      const batches = yield* running.batches
      yield* Fiber.interrupt(running.fiber)
      assert.isAbove(state.deliveries.size, 20)
      assert.isAbove([...state.deliveries.values()].filter((d) => d.view["status"] !== "Unconfirmed").length, 0)
      assert.isAbove([...state.stopLists.values()].reduce((sum, entries) => sum + entries.size, 0), 0)
      const emitted = batches.flatMap((batch) => batch.orders.map((order) => `${order.id}@${order.timestamp}`))
      assert.strictEqual(new Set(emitted).size, emitted.length)
      // Every order's latest revision reached the sync (changes of the last poll interval aside).
      const lastCheckpoint = batches.at(-1)!.checkpoint.revision
      for (const delivery of state.deliveries.values()) {
        if (delivery.revision <= lastCheckpoint) assert.include(emitted, `${delivery.id}@${delivery.revision}`)
      }
    }).pipe(Effect.provide(stack({
      traffic: { ordersPerHour: 60, statusChangesPerHour: 120, stopListChangesPerHour: 12, tick: "10 seconds" }
    }))))
})

describe("IikoSync.customerTransactions", () => {
  const ORGANIZATION = "7bc05553-4b68-44e8-b7bc-37be63c6d9e9"
  const CUSTOMER = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
  const PATH = "/api/1/loyalty/iiko/customer/transactions/by_revision"
  const transaction = (n: number) => ({ id: `00000000-0000-4000-8000-00000000000${n}`, organizationId: ORGANIZATION, revision: 9 + n, sum: n })
  /** Three transactions in pages of two, keyed by (revision, lastTransactionId) as iiko pages them. */
  const pages: MockHttpClient.Handler = (request) => {
    if (request.path.endsWith("/access_token")) return { body: { correlationId: CUSTOMER, token: "token" } }
    const body = request.body as { readonly revision: number; readonly lastTransactionId?: string }
    if (body.revision === 0) return { body: { transactions: [transaction(1), transaction(2)], lastRevision: 10, lastTransactionId: transaction(2).id } }
    if (body.lastTransactionId === transaction(2).id) {
      return { body: { transactions: [transaction(3)], lastRevision: 11, lastTransactionId: transaction(3).id } }
    }
    return { body: { transactions: [], lastRevision: 11, lastTransactionId: null } }
  }

  it.effect("pages by revision and last transaction id until an empty page", () =>
    Effect.gen(function*() {
      const collected = yield* IikoSync.customerTransactions({ organizationId: ORGANIZATION, customerId: CUSTOMER, pageSize: 2 })
        .pipe(Stream.runCollect)
      assert.deepStrictEqual(collected.map((page) => page.transactions.length), [2, 1])
      assert.deepStrictEqual(collected.at(-1)!.checkpoint, { revision: 11, lastTransactionId: transaction(3).id })
      const sent = (yield* MockHttpClient.MockHttpClient.use((mock) => mock.requestsTo(PATH))).map((r) => r.body)
      assert.deepStrictEqual(sent.map((body: any) => [body.revision, body.lastTransactionId]), [
        [0, undefined],
        [10, transaction(2).id],
        [11, transaction(3).id]
      ])
      // Resuming from a stored checkpoint asks only for what came after it.
      const resumed = yield* IikoSync.customerTransactions({
        organizationId: ORGANIZATION,
        customerId: CUSTOMER,
        checkpoint: collected[0]!.checkpoint
      }).pipe(Stream.runCollect)
      assert.deepStrictEqual(resumed.flatMap((page) => page.transactions.map((t: any) => t.id)), [transaction(3).id])
    }).pipe(Effect.provide(
      IikoClient.layer({ credentials: IikoConfig.v1("login"), baseUrl: "http://127.0.0.1:9" }).pipe(
        Layer.provideMerge(MockHttpClient.layer(pages))
      )
    )))
})

describe("IikoSync metrics", () => {
  it.effect("changed orders and lag are measured per organization", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* createOrder(w)
      yield* createOrder(w)
      const running = yield* collect(IikoSync.deliveryChanges({ organizationIds: [w.organizationId], pollInterval: "30 seconds" }))
      yield* TestClock.adjust("90 seconds") // nothing changes: the revision read at the seed ages
      yield* Fiber.interrupt(running.fiber)
      const orders = yield* Metric.value(Metric.withAttributes(IikoSync.ordersTotal, { organization: w.organizationId }))
      assert.strictEqual(orders.count, 2)
      const lag = yield* Metric.value(
        Metric.withAttributes(IikoSync.lagSeconds, { stream: "deliveries", organization: w.organizationId })
      )
      assert.strictEqual(lag.value, 90)
    }).pipe(Effect.provide(stack()), Effect.provideService(Metric.MetricRegistry, new Map())))
})
