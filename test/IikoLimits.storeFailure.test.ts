/**
 * IikoLimits when its rate limiter store fails (a shared Redis store is down): the three
 * `onStoreFailure` choices against the in-memory emulator, on TestClock. `"fail"` (the default)
 * sends nothing, `"local"` keeps to the budget within the process, `"allow"` sends unthrottled.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { HttpClient } from "effect/http"
import { CircuitBreaker, RateLimiter } from "effect/persistence"
import { TestClock } from "effect/testing"
import { Iiko, IikoClient, IikoConfig, IikoLimits } from "../src/index.ts"
import { IikoEmulator } from "../src/testing/index.ts"

const GROUP = "Data: dictionaries" // organizations, terminal groups, …

/** A rate limiter store that is down: every command fails. */
const storeDown = Layer.succeed(RateLimiter.RateLimiterStore, (() => {
  const down = Effect.fail(
    new RateLimiter.RateLimiterError({
      reason: new RateLimiter.RateLimitStoreError({ message: "connection refused (test store is down)" })
    })
  )
  return { fixedWindow: () => down, tokenBucket: () => down, adaptiveConsume: () => down, adaptiveFeedback: () => down }
})())

/** Four concurrent `organizations` calls (2 per second allowed) over a client whose limiter store is down. */
const fourCalls = (onStoreFailure: IikoLimits.StoreFailurePolicy | undefined) =>
  Effect.gen(function*() {
    const emulator = yield* IikoEmulator.IikoEmulator
    const client = yield* Layer.build(IikoClient.layerWith(
      IikoConfig.layer({
        credentials: IikoConfig.v1("store-failure-login"),
        baseUrl: emulator.baseUrl,
        maxRetries: 0,
        limits: { groups: { [GROUP]: { requests: 2, window: "1 second" } }, onStoreFailure }
      }),
      IikoLimits.layerStore
    ).pipe(
      Layer.provide([storeDown, CircuitBreaker.layerStoreMemory()]),
      Layer.provide(Layer.succeed(HttpClient.HttpClient, emulator.client))
    ))
    const fiber = yield* Effect.forkChild(
      Effect.all(Array.from({ length: 4 }, () => Effect.result(Iiko.organizations({}))), { concurrency: "unbounded" })
        .pipe(Effect.provide(client))
    )
    for (let i = 0; i < 100 && fiber.pollUnsafe() === undefined; i++) yield* TestClock.adjust("100 millis")
    const results = yield* Fiber.join(fiber)
    const starts = (yield* emulator.requests).filter((entry) => entry.operation === "organizations")
      .map((entry) => entry.startedAt)
    return { results, starts }
  }).pipe(Effect.provide(IikoEmulator.layer({ seed: 3 })))

describe("IikoLimits: rate limiter store down", () => {
  it.effect("by default a call is not sent and fails with CircuitOpen, naming the store failure", () =>
    Effect.gen(function*() {
      const { results, starts } = yield* fourCalls(undefined)
      assert.lengthOf(starts, 0)
      for (const result of results) {
        assert.strictEqual(result._tag, "Failure")
        if (result._tag !== "Failure") continue
        assert.strictEqual(result.failure.reason._tag, "CircuitOpen")
        assert.include(result.failure.description ?? "", "rate limiter store failed")
      }
    }))

  it.effect("\"local\": calls go through within this process's own budget", () =>
    Effect.gen(function*() {
      const { results, starts } = yield* fourCalls("local")
      assert.deepStrictEqual(results.map((result) => result._tag), ["Success", "Success", "Success", "Success"])
      assert.lengthOf(starts, 4)
      assert.lengthOf(starts.filter((at) => at === starts[0]), 2, "two at once, two wait for tokens")
      assert.isAtLeast(Math.max(...starts) - Math.min(...starts), 500)
    }))

  it.effect("\"allow\": calls go through at once, unthrottled", () =>
    Effect.gen(function*() {
      const { results, starts } = yield* fourCalls("allow")
      assert.deepStrictEqual(results.map((result) => result._tag), ["Success", "Success", "Success", "Success"])
      assert.lengthOf(starts, 4)
      assert.lengthOf(starts.filter((at) => at === starts[0]), 4)
    }))
})
