/**
 * `IikoPage.stream` against the in-memory emulator: page counts, item order and uniqueness, the
 * 1–1000 bounds, and responses that name their list differently.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Stream } from "effect"
import { Iiko, IikoClient, IikoConfig, IikoPage } from "../src/index.ts"
import { IikoEmulator } from "../src/testing/index.ts"

const emulated = (products: number) =>
  IikoClient.layer({ credentials: IikoConfig.v1("paging-login"), baseUrl: "http://iiko.emulator" }).pipe(
    Layer.provideMerge(IikoEmulator.layer({ sizes: { products, organizations: 1 } }))
  )

const callsTo = (operation: string) =>
  Effect.gen(function*() {
    const emulator = yield* IikoEmulator.IikoEmulator
    const log = yield* emulator.requests
    return log.filter((entry) => entry.operation === operation)
  })

describe("IikoPage", () => {
  it.effect("2,500 products at limit 1,000: exactly 3 calls, each item once, in order", () =>
    Effect.gen(function*() {
      const items = yield* IikoPage.stream(Iiko.nomenclatureProductListV2, {}, { limit: 1000 }).pipe(Stream.runCollect)
      assert.lengthOf(items, 2500)
      assert.strictEqual(new Set(items.map((p) => p.productId)).size, 2500)
      const requests = yield* callsTo("nomenclatureProductListV2")
      assert.strictEqual(requests.length, 3)
    }).pipe(Effect.provide(emulated(2500))))

  it.effect("a last page that is exactly full ends on totalCount, without an extra call", () =>
    Effect.gen(function*() {
      const items = yield* IikoPage.stream(Iiko.nomenclatureProductListV2, {}, { limit: 100 }).pipe(Stream.runCollect)
      assert.lengthOf(items, 300)
      assert.lengthOf(yield* callsTo("nomenclatureProductListV2"), 3)
    }).pipe(Effect.provide(emulated(300))))

  it.effect("a page size outside 1–1000 fails before any call", () =>
    Effect.gen(function*() {
      for (const limit of [0, 1001, 2.5]) {
        const exit = yield* Effect.exit(IikoPage.stream(Iiko.nomenclatureProductListV2, {}, { limit }).pipe(Stream.runCollect))
        assert.isTrue(Exit.isFailure(exit))
        const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
        assert.match(String(error && "error" in error ? error.error : error), /InvalidRequest.*limit must be an integer from 1 to 1000/)
      }
      assert.lengthOf(yield* callsTo("nomenclatureProductListV2"), 0)
    }).pipe(Effect.provide(emulated(10))))

  it.effect("responses that name their list differently page through an items accessor", () =>
    Effect.gen(function*() {
      const groups = yield* IikoPage.stream(Iiko.nomenclatureGroupListV2, { filters: [] }, {
        limit: 2,
        items: (page) => page.groups ?? []
      }).pipe(Stream.runCollect)
      assert.deepStrictEqual(groups.map((g) => g.name), ["Group 1", "Group 2", "Group 3", "Group 4", "Group 5"])
      assert.lengthOf(yield* callsTo("nomenclatureGroupListV2"), 3)
    }).pipe(Effect.provide(emulated(40))))
})
