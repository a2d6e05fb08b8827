/**
 * The emulator's restriction-group limits seen by a client that does not limit itself
 * (`limits: false`): a 429 with `Retry-After` once a budget's tokens are spent, a token back
 * after one refill, budgets per API login, and the counters per budget. TestClock time.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { Iiko, IikoClient, IikoConfig } from "../src/index.ts"
import { IikoEmulator } from "../src/testing/index.ts"

const GROUP = "Data: dictionaries" // organizations, terminal groups, …

const unlimitedClient = (login: string) =>
  IikoClient.layer({ credentials: IikoConfig.v1(login), baseUrl: "http://iiko.emulator", limits: false, maxRetries: 0 })

const organizations = Effect.result(Iiko.organizations({}))

describe("emulator restriction-group limits", () => {
  it.effect("2 per second: the third call in a burst gets a 429 with Retry-After; a refill lets one more through", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const burst = yield* Effect.all([organizations, organizations, organizations])
      assert.deepStrictEqual(burst.map((result) => result._tag), ["Success", "Success", "Failure"])
      const rejected = burst[2]!
      if (rejected._tag === "Failure") {
        assert.strictEqual(rejected.failure.reason._tag, "RateLimited")
        assert.strictEqual(rejected.failure.status, 429)
        assert.include(rejected.failure.description ?? "", GROUP)
      }
      yield* TestClock.adjust("499 millis")
      assert.strictEqual((yield* organizations)._tag, "Failure", "no token before one refill (500 ms)")
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* organizations)._tag, "Success")
      const stats = (yield* emulator.rateLimits).find((entry) => entry.budget === GROUP)
      assert.deepStrictEqual(
        { admitted: stats?.admitted, rejectedRate: stats?.rejectedRate, login: stats?.login },
        { admitted: 3, rejectedRate: 2, login: "limited-login" }
      )
    }).pipe(Effect.provide(unlimitedClient("limited-login").pipe(
      Layer.provideMerge(IikoEmulator.layer({ seed: 4, limits: { groups: { [GROUP]: { requests: 2, window: "1 second" } } } }))
    ))))

  it.effect("in-flight limit: a call beyond it gets a 429 while the others are being answered", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      yield* emulator.injectFault({ fault: IikoEmulator.Fault.latency("1 second"), operations: ["organizations"] })
      const fiber = yield* Effect.forkChild(Effect.all([organizations, organizations, organizations], { concurrency: "unbounded" }))
      yield* TestClock.adjust("1 second")
      const results = yield* Fiber.join(fiber)
      assert.deepStrictEqual(results.map((result) => result._tag).sort(), ["Failure", "Success", "Success"])
      const stats = (yield* emulator.rateLimits).find((entry) => entry.budget === GROUP)
      assert.deepStrictEqual(
        { rejectedInFlight: stats?.rejectedInFlight, peakInFlight: stats?.peakInFlight },
        { rejectedInFlight: 1, peakInFlight: 2 }
      )
    }).pipe(Effect.provide(unlimitedClient("busy-login").pipe(
      Layer.provideMerge(IikoEmulator.layer({
        seed: 4,
        limits: { groups: { [GROUP]: { requests: 100, window: "1 second", inFlight: 2 } } }
      }))
    ))))
})
