/**
 * IikoLimits against the in-memory emulator with restriction-group limits: the client keeps to
 * a group's budget (measured at the emulator), a 429 slows every caller of the group, the
 * group's breaker opens after repeated 429s and closes after its reset, and the login has its
 * own breaker. All time is TestClock time.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Redacted } from "effect"
import { HttpClient } from "effect/http"
import { CircuitBreaker, RateLimiter } from "effect/persistence"
import { TestClock } from "effect/testing"
import { Iiko, IikoClient, IikoConfig, IikoLimits } from "../src/index.ts"
import { IikoEmulator, MockHttpClient } from "../src/testing/index.ts"

const GROUP = "Data: dictionaries" // organizations, terminal groups, …
const budget = { requests: 5, window: "1 second", inFlight: 2 } as const

const stack = (
  emulatorOptions: IikoEmulator.Options,
  clientOptions: Partial<IikoConfig.Options> = {}
) =>
  IikoClient.layer({
    credentials: IikoConfig.v1("limits-api-login"),
    baseUrl: "http://iiko.emulator",
    maxRetries: 0,
    ...clientOptions
  }).pipe(Layer.provideMerge(IikoEmulator.layer({ seed: 3, ...emulatorOptions })))

/** Runs `effect` in the background and moves TestClock forward in small steps until it is done. */
const driveClock = <A, E, R>(effect: Effect.Effect<A, E, R>, step: Duration.Input = "100 millis", maxSteps = 600) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    for (let i = 0; i < maxSteps && fiber.pollUnsafe() === undefined; i++) yield* TestClock.adjust(step)
    return yield* Fiber.join(fiber)
  })

const calls = (operation: string) =>
  IikoEmulator.IikoEmulator.use((emulator) =>
    Effect.map(emulator.requests, (log) => log.filter((entry) => entry.operation === operation))
  )

const statsOf = (name: string) =>
  IikoEmulator.IikoEmulator.use((emulator) =>
    Effect.map(emulator.rateLimits, (stats) => stats.find((entry) => entry.budget === name))
  )

const slowOrganizations = { fault: IikoEmulator.Fault.latency("300 millis"), operations: ["organizations"] }

describe("IikoLimits", () => {
  it.effect("20 concurrent callers in one group keep to its rate and in-flight limits at the emulator", () =>
    Effect.gen(function*() {
      const results = yield* driveClock(
        Effect.all(Array.from({ length: 20 }, () => Iiko.organizations({})), { concurrency: "unbounded" })
      )
      assert.lengthOf(results, 20)
      const stats = yield* statsOf(GROUP)
      assert.deepStrictEqual(
        { admitted: stats?.admitted, rejectedRate: stats?.rejectedRate, rejectedInFlight: stats?.rejectedInFlight },
        { admitted: 20, rejectedRate: 0, rejectedInFlight: 0 }
      )
      assert.isAtMost(stats?.peakInFlight ?? Infinity, budget.inFlight)
      // 5 at once, then one every 200 ms: the last of 20 cannot start before 3 s.
      const starts = (yield* calls("organizations")).map((entry) => entry.startedAt)
      assert.isAtLeast(Math.max(...starts) - Math.min(...starts), 3000)
    }).pipe(Effect.provide(stack(
      { limits: { groups: { [GROUP]: budget } }, faults: [slowOrganizations] },
      { limits: { groups: { [GROUP]: budget } } }
    ))))

  it.effect("the same burst without the client's limits gets 429s (the emulator measures)", () =>
    Effect.gen(function*() {
      const results = yield* driveClock(
        Effect.all(Array.from({ length: 20 }, () => Effect.result(Iiko.organizations({}))), { concurrency: "unbounded" })
      )
      assert.isAbove(results.filter((result) => result._tag === "Failure").length, 0)
      const stats = yield* statsOf(GROUP)
      assert.isAbove((stats?.rejectedRate ?? 0) + (stats?.rejectedInFlight ?? 0), 0)
    }).pipe(Effect.provide(stack(
      { limits: { groups: { [GROUP]: budget } }, faults: [slowOrganizations] },
      { limits: false }
    ))))

  it.effect("a 429 slows every caller of the group, not only the one that got it", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      yield* Iiko.organizations({})
      yield* emulator.injectFault({
        fault: IikoEmulator.Fault.rateLimited("10 seconds"),
        operations: ["organizations"],
        times: 1
      })
      const first = yield* Effect.flip(Iiko.organizations({}))
      assert.strictEqual(first.reason._tag, "RateLimited")
      const limitedAt = (yield* calls("organizations"))[1]!.startedAt
      // Another caller of the same group (terminal groups) waits out the pause …
      const other = yield* Effect.forkChild(Iiko.terminalGroups({ organizationIds: [] }))
      yield* TestClock.adjust("9 seconds")
      assert.isUndefined(other.pollUnsafe())
      assert.lengthOf(yield* calls("terminalGroups"), 0)
      // … while a caller of another group is not slowed.
      yield* Iiko.stopLists({ organizationIds: [] })
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(other)
      const [sent] = yield* calls("terminalGroups")
      assert.isAtLeast(sent!.startedAt - limitedAt, 10_000)
    }).pipe(Effect.provide(stack({}))))

  it.effect("a 429 without Retry-After pauses the group for pauseWithoutRetryAfter", () =>
    Effect.gen(function*() {
      yield* Iiko.organizations({})
      // The emulator's own budget is tighter than the client's: the next call gets a bare 429.
      const first = yield* Effect.flip(Iiko.organizations({}))
      assert.strictEqual(first.reason._tag, "RateLimited")
      assert.isUndefined(first.reason._tag === "RateLimited" ? first.reason.retryAfter : "set")
      const next = yield* Effect.forkChild(Iiko.organizations({}))
      yield* TestClock.adjust("9 seconds")
      assert.isUndefined(next.pollUnsafe())
      assert.lengthOf(yield* calls("organizations"), 2)
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(next)
      assert.lengthOf(yield* calls("organizations"), 3)
    }).pipe(Effect.provide(stack(
      { limits: { groups: { [GROUP]: { requests: 1, window: "5 seconds" } }, retryAfterHeader: false } },
      { limits: { groups: { [GROUP]: { requests: 10, window: "1 second" } }, pauseWithoutRetryAfter: "10 seconds" } }
    ))))

  it.effect("the group's breaker opens after repeated 429s, fails fast, and closes after its reset", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      yield* Iiko.organizations({})
      yield* emulator.injectFault({ fault: IikoEmulator.Fault.rateLimited("1 second"), operations: ["organizations"] })
      for (let i = 0; i < 3; i++) {
        const error = yield* driveClock(Effect.flip(Iiko.organizations({})))
        assert.strictEqual(error.reason._tag, "RateLimited")
      }
      const sentBefore = (yield* calls("organizations")).length
      const refused = yield* driveClock(Effect.flip(Iiko.terminalGroups({ organizationIds: [] })))
      assert.strictEqual(refused.reason._tag, "CircuitOpen")
      assert.include(refused.message, GROUP)
      assert.lengthOf(yield* calls("organizations"), sentBefore)
      assert.lengthOf(yield* calls("terminalGroups"), 0)
      // Another group is not affected.
      yield* Iiko.stopLists({ organizationIds: [] })
      // After the open time, one probe goes through; it succeeds, and the circuit is closed again.
      yield* emulator.clearFaults
      yield* TestClock.adjust("30 seconds")
      yield* driveClock(Iiko.organizations({}))
      yield* driveClock(Iiko.terminalGroups({ organizationIds: [] }))
      assert.lengthOf(yield* calls("terminalGroups"), 1)
    }).pipe(Effect.provide(stack({}, { limits: { breakerFailures: 3, breakerOpenFor: "30 seconds" } }))))

  it.effect("a success between 429s restarts the count: the breaker opens on consecutive 429s only", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const rateLimitedOnce = { fault: IikoEmulator.Fault.rateLimited("1 second"), operations: ["organizations"], times: 1 }
      const failOnce = Effect.gen(function*() {
        yield* emulator.injectFault(rateLimitedOnce)
        const error = yield* driveClock(Effect.flip(Iiko.organizations({})))
        assert.strictEqual(error.reason._tag, "RateLimited")
      })
      yield* failOnce
      yield* failOnce
      yield* driveClock(Iiko.organizations({}))
      yield* failOnce
      yield* failOnce
      // Two in a row since the success: still closed, so the next call is sent and succeeds.
      yield* driveClock(Iiko.organizations({}))
      for (let i = 0; i < 3; i++) yield* failOnce
      const sent = (yield* calls("organizations")).length
      const refused = yield* driveClock(Effect.flip(Iiko.organizations({})))
      assert.strictEqual(refused.reason._tag, "CircuitOpen")
      assert.lengthOf(yield* calls("organizations"), sent)
    }).pipe(Effect.provide(stack({}, { limits: { breakerFailures: 3, breakerOpenFor: "30 seconds" } }))))

  it.effect("a call that was under way when the group's first 429s came is counted too when it ends", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      yield* emulator.injectFault({ fault: IikoEmulator.Fault.latency("20 seconds"), operations: ["terminalGroups"] })
      const slow = yield* Effect.forkChild(Iiko.terminalGroups({ organizationIds: [] }))
      const failOnce = Effect.gen(function*() {
        yield* emulator.injectFault({ fault: IikoEmulator.Fault.rateLimited("1 second"), operations: ["organizations"], times: 1 })
        const error = yield* driveClock(Effect.flip(Iiko.organizations({})))
        assert.strictEqual(error.reason._tag, "RateLimited")
      })
      yield* failOnce
      yield* failOnce
      // The slow call, started before any failure, succeeds now: the count starts again.
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(slow)
      yield* failOnce
      yield* failOnce
      yield* driveClock(Iiko.organizations({}))
    }).pipe(Effect.provide(stack({}, { limits: { breakerFailures: 3, breakerOpenFor: "30 seconds" } }))))

  it.effect("the login has its own breaker: failing logins stop being sent", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 2; i++) {
        const error = yield* Effect.flip(Iiko.organizations({}))
        assert.strictEqual(error.reason._tag, "Unauthorized")
      }
      const refused = yield* Effect.flip(Iiko.organizations({}))
      assert.strictEqual(refused.reason._tag, "CircuitOpen")
      assert.strictEqual(refused.operation, "accessToken")
      assert.lengthOf(yield* calls("accessToken"), 2)
      assert.lengthOf(yield* calls("organizations"), 0)
    }).pipe(Effect.provide(stack(
      { credentials: { apiLogins: ["some-other-login"] } },
      { limits: { breakerFailures: 2 } }
    ))))

  it.effect("the credential id is stable, distinct per login and does not contain the secret", () =>
    Effect.gen(function*() {
      const a = yield* IikoLimits.credentialId(IikoConfig.v1(Redacted.make("secret-login-A")))
      const again = yield* IikoLimits.credentialId(IikoConfig.v1("secret-login-A"))
      const b = yield* IikoLimits.credentialId(IikoConfig.v1("secret-login-B"))
      assert.match(a, /^[0-9a-f]{16}$/)
      assert.strictEqual(a, again)
      assert.notStrictEqual(a, b)
      assert.notInclude(a, "secret")
    }))
})

describe("IikoLimits: blocked logins", () => {
  it.effect("\"blocked\" login answers keep the login breaker open for blockedOpenFor", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 2; i++) {
        const error = yield* Effect.flip(Iiko.organizations({}))
        assert.strictEqual(error.reason._tag, "BadRequest")
      }
      const refused = yield* Effect.flip(Iiko.organizations({}))
      assert.strictEqual(refused.reason._tag, "CircuitOpen")
      yield* TestClock.adjust("31 seconds") // past breakerOpenFor, but a block lasts longer
      assert.strictEqual((yield* Effect.flip(Iiko.organizations({}))).reason._tag, "CircuitOpen")
      yield* TestClock.adjust("1 hour")
      assert.strictEqual((yield* Effect.flip(Iiko.organizations({}))).reason._tag, "BadRequest")
      assert.lengthOf(yield* MockHttpClient.MockHttpClient.use((mock) => mock.requestsTo("/api/1/access_token")), 3)
    }).pipe(Effect.provide(
      IikoClient.layer({
        credentials: IikoConfig.v1("blocked-login"),
        baseUrl: "http://127.0.0.1:9",
        limits: { breakerFailures: 2, breakerOpenFor: "30 seconds", blockedOpenFor: "1 hour" }
      }).pipe(Layer.provideMerge(MockHttpClient.layer(() => ({
        status: 400,
        body: { correlationId: "3fa85f64-5717-4562-b3fc-2c963f66afa6", errorDescription: "Apilogin has been blocked." }
      }))))
    )))
})

describe("IikoLimits: shared stores", () => {
  const tight = { [GROUP]: { requests: 2, window: "1 second" } } as const

  it.effect("clients of one API login share a budget through shared stores; another login has its own", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      // One store pair, as a Redis store would be shared by several processes.
      const stores = yield* Layer.build(Layer.mergeAll(RateLimiter.layerStoreMemory, CircuitBreaker.layerStoreMemory()))
      const client = (login: string) =>
        Layer.build(IikoClient.layerWith(
          IikoConfig.layer({ credentials: IikoConfig.v1(login), baseUrl: emulator.baseUrl, limits: { groups: tight } }),
          IikoLimits.layerStore
        ).pipe(Layer.provide(Layer.succeedContext(stores)), Layer.provide(Layer.succeed(HttpClient.HttpClient, emulator.client))))
      const [first, second, other] = [yield* client("shared"), yield* client("shared"), yield* client("other")]
      const twice = (context: typeof first) =>
        Effect.all([Iiko.organizations({}), Iiko.organizations({})], { concurrency: "unbounded" }).pipe(Effect.provide(context))
      yield* driveClock(Effect.all([twice(first), twice(second), twice(other)], { concurrency: "unbounded" }))
      const starts = (yield* calls("organizations")).map((entry) => entry.startedAt)
      // Four calls of "shared" at 2 per second: two wait; the two of "other" do not.
      assert.lengthOf(starts, 6)
      assert.lengthOf(starts.filter((at) => at === starts[0]), 4)
      assert.isAtLeast(Math.max(...starts) - Math.min(...starts), 500)
    }).pipe(Effect.provide(IikoEmulator.layer({ seed: 3 }))))

  it.effect("a 429 one client got through shared stores pauses the group for another client of the login", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const stores = yield* Layer.build(Layer.mergeAll(RateLimiter.layerStoreMemory, CircuitBreaker.layerStoreMemory()))
      const client = Layer.build(IikoClient.layerWith(
        IikoConfig.layer({ credentials: IikoConfig.v1("shared"), baseUrl: emulator.baseUrl, maxRetries: 0 }),
        IikoLimits.layerStore
      ).pipe(Layer.provide(Layer.succeedContext(stores)), Layer.provide(Layer.succeed(HttpClient.HttpClient, emulator.client))))
      const [first, second] = [yield* client, yield* client]
      // The second client has called the group before: it holds a token, and its own limiter has
      // seen no 429 in the group.
      yield* Iiko.organizations({}).pipe(Effect.provide(second))
      yield* emulator.injectFault({ fault: IikoEmulator.Fault.rateLimited("10 seconds"), operations: ["organizations"], times: 1 })
      const limited = yield* Effect.flip(Iiko.organizations({}).pipe(Effect.provide(first)))
      assert.strictEqual(limited.reason._tag, "RateLimited")
      const limitedAt = (yield* calls("organizations")).at(-1)!.startedAt
      const next = yield* Effect.forkChild(Iiko.terminalGroups({ organizationIds: [] }).pipe(Effect.provide(second)))
      yield* TestClock.adjust("9 seconds")
      assert.isUndefined(next.pollUnsafe())
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(next)
      const [sent] = yield* calls("terminalGroups")
      assert.isAtLeast(sent!.startedAt - limitedAt, 10_000)
    }).pipe(Effect.provide(IikoEmulator.layer({ seed: 3 }))))
})
