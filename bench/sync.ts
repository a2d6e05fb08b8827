/**
 * Sync benchmark: a chain of 200 organizations × 500 products with delivery traffic, served by
 * `npm run emulator` in its own process (127.0.0.1), followed for 60 s by `IikoSync` (menus,
 * stop lists, delivery changes, checkpoints in memory) and, for comparison, by a naive loop that
 * refetches everything every 10 s. Both use the default `IikoLimits`; the emulator enforces iiko's
 * published limits. Counts iiko calls, 429s, bytes received, wall time and peak RSS of this
 * process (the client side only). Writes `bench/results/sync.md`. Run with `npm run bench:sync`
 * (`-- --seconds 20` for a shorter run). Run with `node --max-old-space-size=128 --import tsx
 * bench/sync.ts` to see the live set rather than garbage V8 has not collected yet; that run writes
 * `bench/results/sync-128mb-heap.md`.
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Duration, Effect, Fiber, Layer, Stream } from "effect"
import { HttpClient } from "effect/http"
import { KeyValueStore } from "effect/persistence"
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { parseArgs } from "node:util"
import { Iiko, IikoClient, IikoConfig, IikoSync } from "../src/index.ts"

const { values } = parseArgs({ options: { seconds: { type: "string", default: "60" } } })
const SECONDS = Number(values.seconds)
const ORGANIZATIONS = 200
const PRODUCTS = 500
const TRAFFIC = "orders=60,status=120,stoplists=6,menus=1"

interface Counters {
  calls: number
  rateLimited: number
  bytes: number
}

/** Starts `npm run emulator` on a free port and resolves its base URL. */
const startEmulator = Effect.acquireRelease(
  Effect.callback<{ readonly url: string; readonly kill: () => void }>((resume) => {
    const child = spawn(process.execPath, [
      "--import",
      "tsx",
      "src/cli/bin.ts",
      "emulator",
      "--port",
      "0",
      "--organizations",
      String(ORGANIZATIONS),
      "--products",
      String(PRODUCTS),
      "--traffic",
      TRAFFIC
    ], { stdio: ["ignore", "pipe", "inherit"] })
    child.stdout.on("data", (chunk: Buffer) => {
      const url = /listening on (http:\/\/\S+)/.exec(chunk.toString())?.[1]
      if (url !== undefined) resume(Effect.succeed({ url, kill: () => child.kill() }))
    })
  }),
  (emulator) => Effect.sync(() => emulator.kill())
)

/** A client whose transport counts calls, 429s and response bytes. */
const countingClient = (baseUrl: string, login: string, counters: Counters) =>
  IikoClient.layer({ baseUrl, credentials: IikoConfig.v1(login), timeout: "30 seconds" }).pipe(
    Layer.provide(Layer.effect(
      HttpClient.HttpClient,
      HttpClient.HttpClient.use((client) => Effect.succeed(
        client.pipe(HttpClient.transformResponse(Effect.tap((response) =>
          Effect.sync(() => {
            counters.calls++
            if (response.status === 429) counters.rateLimited++
            counters.bytes += Number(response.headers["content-length"] ?? 0)
          })
        )))))
    )),
    Layer.provide(NodeHttpClient.layerNodeHttp)
  )

/** IikoSync: menus on revision change, stop-list diffs, delivery changes by revision. */
const smart = Effect.gen(function*() {
  const { organizations } = yield* Iiko.organizations({})
  const organizationIds = organizations.map((o) => o.id)
  let orders = 0
  const menus = Effect.forEach(organizationIds, (organizationId) =>
    IikoSync.nomenclatureChanges({ organizationId }).pipe(Stream.runDrain), { concurrency: "unbounded", discard: true })
  const stopLists = IikoSync.stopListChanges({ organizationIds }).pipe(Stream.runDrain)
  const deliveries = IikoSync.runWithCheckpoints({
    key: "deliveries",
    checkpoint: IikoSync.DeliveryCheckpoint,
    stream: (checkpoint) => IikoSync.deliveryChanges({ organizationIds, checkpoint, pollInterval: "10 seconds" }),
    handle: (batch) => Effect.sync(() => (orders += batch.orders.length))
  })
  yield* Effect.all([menus, stopLists, deliveries], { concurrency: "unbounded", discard: true })
  return orders
}).pipe(Effect.provide(KeyValueStore.layerMemory))

/** The naive loop: every 10 s, every menu, every stop list and every order in the date window. */
const naive = Effect.gen(function*() {
  const { organizations } = yield* Iiko.organizations({})
  const organizationIds = organizations.map((o) => o.id)
  const now = new Date()
  const day = (offset: number) => new Date(now.getTime() + offset * 86_400_000).toISOString().replace("T", " ").slice(0, 23)
  const round = Effect.all([
    Effect.forEach(organizationIds, (organizationId) => Iiko.nomenclature({ organizationId }), { concurrency: 10, discard: true }),
    Iiko.stopLists({ organizationIds }),
    Iiko.deliveriesByDeliveryDateAndStatus({ organizationIds, deliveryDateFrom: day(-2), deliveryDateTo: day(8) })
  ], { concurrency: "unbounded", discard: true })
  yield* Effect.forever(Effect.andThen(round, Effect.sleep("10 seconds")))
})

const measure = <A, E, R>(name: string, run: Effect.Effect<A, E, R>, counters: Counters) =>
  Effect.gen(function*() {
    let peak = process.memoryUsage().rss
    let peakHeap = process.memoryUsage().heapUsed
    const sampler = setInterval(() => {
      const usage = process.memoryUsage()
      peak = Math.max(peak, usage.rss)
      peakHeap = Math.max(peakHeap, usage.heapUsed)
    }, 100)
    const started = performance.now()
    const fiber = yield* Effect.forkChild(run)
    yield* Effect.sleep(Duration.seconds(SECONDS))
    yield* Fiber.interrupt(fiber)
    clearInterval(sampler)
    return {
      name,
      wallSeconds: (performance.now() - started) / 1000,
      peakRssMb: peak / 2 ** 20,
      peakHeapMb: peakHeap / 2 ** 20,
      ...counters
    }
  })

const baselineRssMb = process.memoryUsage().rss / 2 ** 20
const heapCap = process.execArgv.find((flag) => flag.startsWith("--max-old-space-size="))?.split("=")[1]

const main = Effect.gen(function*() {
  const emulator = yield* startEmulator
  const smartCounters: Counters = { calls: 0, rateLimited: 0, bytes: 0 }
  const naiveCounters: Counters = { calls: 0, rateLimited: 0, bytes: 0 }
  const a = yield* measure("IikoSync", smart.pipe(Effect.provide(countingClient(emulator.url, "bench-sync", smartCounters))), smartCounters)
  const b = yield* measure("naive loop", naive.pipe(Effect.provide(countingClient(emulator.url, "bench-naive", naiveCounters))), naiveCounters)
  return [a, b]
}).pipe(Effect.scoped)

Effect.runPromise(main).then((rows) => {
  const table = [
    "| sync | iiko calls | 429s | MB received | wall time (s) | peak RSS (MB) | peak heap used (MB) |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${r.name} | ${r.calls} | ${r.rateLimited} | ${(r.bytes / 2 ** 20).toFixed(1)} | ${r.wallSeconds.toFixed(1)} | ${r.peakRssMb.toFixed(0)} | ${r.peakHeapMb.toFixed(0)} |`
    )
  ].join("\n")
  const report = `# Sync benchmark

${ORGANIZATIONS} organizations × ${PRODUCTS} products, emulator traffic \`${TRAFFIC}\` (per organization per hour),
${SECONDS} s each, default IikoLimits, Node ${process.version}${heapCap === undefined ? "" : ` --max-old-space-size=${heapCap}`}, \`npm run emulator\` in its own process on 127.0.0.1.
Peak RSS is this (client) process; the naive loop runs after IikoSync in the same process. RSS after
loading the library through tsx, before any call: ${baselineRssMb.toFixed(0)} MB.

${table}
`
  writeFileSync(new URL(heapCap === undefined ? "results/sync.md" : `results/sync-${heapCap}mb-heap.md`, import.meta.url), report)
  process.stdout.write(report)
}, (error: unknown) => {
  process.stderr.write(`bench failed: ${String(error)}\n`)
  process.exitCode = 1
})
