/**
 * IikoLimits over effect/persistence's Redis stores against a real Redis server (started by
 * test/redis.setup.ts): two clients of one API login, each with its own Redis connection as two
 * processes would have, keep together to the restriction group's limit measured at the emulator.
 * The Redis stores run on real time (Redis keeps the buckets), so these tests use live time and
 * take about two seconds.
 */
import { NodeRedis } from "@effect/platform-node"
import { assert, describe, inject, it } from "@effect/vitest"
import { Context, Effect, Exit, Layer } from "effect"
import { HttpClient } from "effect/http"
import { CircuitBreaker, RateLimiter } from "effect/persistence"
import { randomUUID } from "node:crypto"
import { Iiko, IikoClient, IikoConfig, IikoLimits } from "../src/index.ts"
import { IikoEmulator } from "../src/testing/index.ts"

const GROUP = "Data: dictionaries" // organizations, terminal groups, …
/** What the emulator (iiko) allows for the group. */
const groupLimit = { requests: 10, window: "1 second" } as const
/** What the clients are configured with: the group's limit with a 10% margin for network jitter. */
const clientLimit = { requests: 9, window: "1 second" } as const
const CALLS_PER_CLIENT = 12

/** The stores of one process: its own Redis connection, keys under a prefix unique to the test. */
const redisStores = (prefix: string) =>
  Layer.mergeAll(
    RateLimiter.layerStoreRedis({ prefix: `${prefix}:ratelimiter:` }),
    CircuitBreaker.layerStoreRedis({ prefix: `${prefix}:circuitbreaker:` })
  ).pipe(Layer.provide(NodeRedis.layer({ url: inject("redisUrl") })))

const memoryStores = () => Layer.mergeAll(RateLimiter.layerStoreMemory, CircuitBreaker.layerStoreMemory())

/** One client "process" of the login `shared` over the given stores, talking to the emulator. */
const client = <E>(emulator: IikoEmulator.Service, stores: Layer.Layer<RateLimiter.RateLimiterStore | CircuitBreaker.CircuitBreakerStore, E>) =>
  Layer.build(IikoClient.layerWith(
    IikoConfig.layer({
      credentials: IikoConfig.v1("shared"),
      baseUrl: emulator.baseUrl,
      maxRetries: 0,
      limits: { groups: { [GROUP]: clientLimit } }
    }),
    IikoLimits.layerStore
  ).pipe(Layer.provide(stores), Layer.provide(Layer.succeed(HttpClient.HttpClient, emulator.client))))

/** Both clients call `organizations` CALLS_PER_CLIENT times at once; returns the exits. */
const burst = (clients: ReadonlyArray<Context.Context<IikoClient.IikoClient>>) =>
  Effect.all(
    clients.flatMap((context) =>
      Array.from({ length: CALLS_PER_CLIENT }, () => Effect.exit(Effect.provide(Iiko.organizations({}), context)))
    ),
    { concurrency: "unbounded" }
  )

const groupStats = IikoEmulator.IikoEmulator.use((emulator) =>
  Effect.map(emulator.rateLimits, (stats) => stats.find((entry) => entry.budget === GROUP && entry.login === "shared"))
)

const emulatorLayer = IikoEmulator.layer({ seed: 7, limits: { groups: { [GROUP]: groupLimit } } })

describe("IikoLimits over Redis stores (real redis-server)", () => {
  it.live("two clients (as two processes) of one login share one budget and never exceed the group's limit", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const prefix = `effect-iiko-test-${randomUUID()}`
      const clients = [yield* client(emulator, redisStores(prefix)), yield* client(emulator, redisStores(prefix))]
      const started = Date.now()
      const exits = yield* burst(clients)
      const elapsed = Date.now() - started
      assert.deepStrictEqual(exits.filter(Exit.isFailure), [])
      const stats = yield* groupStats
      assert.deepStrictEqual(
        { admitted: stats?.admitted, rejectedRate: stats?.rejectedRate, rejectedInFlight: stats?.rejectedInFlight },
        { admitted: 2 * CALLS_PER_CLIENT, rejectedRate: 0, rejectedInFlight: 0 }
      )
      // 24 calls from one bucket of 9 refilled at 9/s: the last starts after about 15/9 s. Two
      // separate budgets of 9 would finish both bursts of 12 in about 3/9 s.
      assert.isAtLeast(elapsed, 1400)
    }).pipe(Effect.provide(emulatorLayer)))

  it.live("control: the same burst with a store per client exceeds the group's limit at the emulator", () =>
    Effect.gen(function*() {
      const emulator = yield* IikoEmulator.IikoEmulator
      const clients = [yield* client(emulator, memoryStores()), yield* client(emulator, memoryStores())]
      const exits = yield* burst(clients)
      const stats = yield* groupStats
      assert.isAbove(stats?.rejectedRate ?? 0, 0)
      assert.isAbove(exits.filter(Exit.isFailure).length, 0)
    }).pipe(Effect.provide(emulatorLayer)))
})
