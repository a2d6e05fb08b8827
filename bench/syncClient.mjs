/**
 * The client side of the sync benchmark, run by `bench/sync.ts` as its own process with plain
 * `node` (no tsx) on the built library in `dist/` (`npm run build` first), as an application
 * would run it. One mode per process:
 *
 * - `idle`: the same imports, no calls; waits `--seconds` (the cost of loading node, effect and
 *   the library).
 * - `sync`: IikoSync follows the chain (menus on revision change, stop-list diffs, delivery
 *   changes by revision, checkpoints in memory) for `--seconds`.
 * - `naive`: every 10 s, every menu, every stop list and every order in the date window.
 *
 * Prints one JSON line: iiko calls, 429s, bytes received, wall time, peak RSS (the kernel's
 * high-water mark, `process.resourceUsage().maxRSS`) and peak heap used (sampled every 100 ms).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Fiber, Layer, Stream } from "effect"
import { HttpClient } from "effect/http"
import { KeyValueStore } from "effect/persistence"
import { parseArgs } from "node:util"
import { Iiko, IikoClient, IikoConfig, IikoSync } from "../dist/index.js"

const { values } = parseArgs({
  options: {
    mode: { type: "string" },
    url: { type: "string", default: "" },
    login: { type: "string", default: "bench-sync" },
    seconds: { type: "string", default: "60" }
  }
})
const SECONDS = Number(values.seconds)
const counters = { calls: 0, rateLimited: 0, bytes: 0 }

/** A client whose transport counts calls, 429s and response bytes. */
const countingClient = IikoClient.layer({ baseUrl: values.url, credentials: IikoConfig.v1(values.login), timeout: "30 seconds" }).pipe(
  Layer.provide(Layer.effect(
    HttpClient.HttpClient,
    HttpClient.HttpClient.use((client) =>
      Effect.succeed(client.pipe(HttpClient.transformResponse(Effect.tap((response) =>
        Effect.sync(() => {
          counters.calls++
          if (response.status === 429) counters.rateLimited++
          counters.bytes += Number(response.headers["content-length"] ?? 0)
        })
      ))))
    )
  )),
  Layer.provide(NodeHttpClient.layerNodeHttp)
)

/** IikoSync: menus on revision change, stop-list diffs, delivery changes by revision. */
const sync = Effect.gen(function*() {
  const { organizations } = yield* Iiko.organizations({})
  const organizationIds = organizations.map((o) => o.id)
  const menus = Effect.forEach(
    organizationIds,
    (organizationId) => IikoSync.nomenclatureChanges({ organizationId }).pipe(Stream.runDrain),
    { concurrency: "unbounded", discard: true }
  )
  const stopLists = IikoSync.stopListChanges({ organizationIds }).pipe(Stream.runDrain)
  const deliveries = IikoSync.runWithCheckpoints({
    key: "deliveries",
    checkpoint: IikoSync.DeliveryCheckpoint,
    stream: (checkpoint) => IikoSync.deliveryChanges({ organizationIds, checkpoint, pollInterval: "10 seconds" }),
    handle: () => Effect.void
  })
  yield* Effect.all([menus, stopLists, deliveries], { concurrency: "unbounded", discard: true })
}).pipe(Effect.provide(KeyValueStore.layerMemory), Effect.provide(countingClient))

/** The naive loop: every 10 s, every menu, every stop list and every order in the date window. */
const naive = Effect.gen(function*() {
  const { organizations } = yield* Iiko.organizations({})
  const organizationIds = organizations.map((o) => o.id)
  const now = new Date()
  const day = (offset) => new Date(now.getTime() + offset * 86_400_000).toISOString().replace("T", " ").slice(0, 23)
  const round = Effect.all([
    Effect.forEach(organizationIds, (organizationId) => Iiko.nomenclature({ organizationId }), { concurrency: 10, discard: true }),
    Iiko.stopLists({ organizationIds }),
    Iiko.deliveriesByDeliveryDateAndStatus({ organizationIds, deliveryDateFrom: day(-2), deliveryDateTo: day(8) })
  ], { concurrency: "unbounded", discard: true })
  yield* Effect.forever(Effect.andThen(round, Effect.sleep("10 seconds")))
}).pipe(Effect.provide(countingClient))

const runs = { idle: Effect.never, sync, naive }
const run = runs[values.mode]
if (run === undefined) throw new Error(`--mode must be one of ${Object.keys(runs).join(", ")}`)

let peakHeap = process.memoryUsage().heapUsed
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
}, 100)
const started = performance.now()

Effect.runPromise(Effect.gen(function*() {
  const fiber = yield* Effect.forkChild(run)
  yield* Effect.sleep(`${SECONDS} seconds`)
  yield* Fiber.interrupt(fiber)
})).then(() => {
  clearInterval(sampler)
  process.stdout.write(JSON.stringify({
    mode: values.mode,
    wallSeconds: (performance.now() - started) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    peakHeapMb: peakHeap / 2 ** 20,
    ...counters
  }) + "\n")
}, (error) => {
  process.stderr.write(`${values.mode} failed: ${String(error)}\n`)
  process.exitCode = 1
})
