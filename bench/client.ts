/**
 * Client overhead benchmark: the same `organizations` call through `IikoClient` (encode, token,
 * retry policy, classify, decode, span) and as a bare `HttpClient` POST (built for each call, and
 * once more with one prebuilt request reused), against a local 127.0.0.1 server. 2,000 sequential calls and 2,000 calls at concurrency 32, per transport, plus the same
 * against an in-process transport without sockets. Measures the CPU time of this process per call
 * (`process.cpuUsage`, the server runs in another process) and the latency per call. The client
 * runs without rate limits (`limits: false`, so the limiter does not pace the run); a third
 * variant runs with `IikoLimits` on and a budget too large to wait, to show the limiter's own CPU
 * cost. Writes `bench/results/client.md` (or the file named by `--out`). Run with
 * `npm run bench:client`, which builds the library first and measures the built `dist/`, as an
 * application runs it (`--src` measures `src/` through tsx instead).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { writeFileSync } from "node:fs"
import * as os from "node:os"
import { bareCall, bareRequest, inProcess, libraryLabel, loadLibrary, median, ORG, startServer, unpaced } from "./clientFixtures.ts"

const { Iiko, IikoClient, IikoConfig } = await loadLibrary()

const CONCURRENCY = 32
/**
 * Blocks per variant and calls per block, per transport. Variants alternate block by block, so
 * load changes on a shared machine hit each alike. Over sockets a block takes about a third of a
 * second; in process blocks are short and many, so that the garbage collector's pauses, which
 * fall on whichever block is running, are spread evenly over the variants.
 */
const PLAN: Record<string, { readonly rounds: number; readonly block: number }> = {
  "node:http": { rounds: 16, block: 300 },
  fetch: { rounds: 16, block: 300 },
  "in-process (no socket)": { rounds: 64, block: 500 }
}

/** One variant's blocks put together. */
interface Tally {
  readonly durations: Array<number>
  calls: number
  /** CPU time of this process (user + system), in microseconds. */
  cpuUs: number
  wallMs: number
}

const tally = (): Tally => ({ durations: [], calls: 0, cpuUs: 0, wallMs: 0 })

/** Runs `calls` calls into `into`: the latency of each, the CPU time and wall time of the block. */
const measure = <R>(call: Effect.Effect<unknown, unknown, R>, concurrency: number, calls: number, into: Tally) =>
  Effect.gen(function*() {
    const timed = Effect.suspend(() => {
      const start = performance.now()
      return call.pipe(Effect.tap(() => Effect.sync(() => into.durations.push(performance.now() - start))))
    })
    const start = performance.now()
    const cpu = process.cpuUsage()
    yield* Effect.forEach(Array.from({ length: calls }), () => timed, { concurrency, discard: true })
    const used = process.cpuUsage(cpu)
    into.wallMs += performance.now() - start
    into.cpuUs += used.user + used.system
    into.calls += calls
  })

const scenario = (url: string, { block, rounds }: { readonly rounds: number; readonly block: number }) =>
  Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    // As a caller of HttpClient alone writes it: the request (headers, JSON body) built for each call.
    const bare = bareCall(http, url)
    // The same request object sent again and again: HttpClient's own cost without building requests.
    const prebuilt = bareRequest(url)
    const reused = Effect.suspend(() => http.execute(prebuilt)).pipe(Effect.flatMap((response) => response.json))
    const call = Iiko.organizations({ organizationIds: [ORG] })
    const unlimited = yield* clientFor(url, { limits: false })
    const client = Effect.provideService(call, IikoClient.IikoClient, unlimited)
    const raw = Effect.provideService(Iiko.organizations({ organizationIds: [ORG] }, { raw: true }), IikoClient.IikoClient, unlimited)
    const limited = Effect.provideService(call, IikoClient.IikoClient, yield* clientFor(url, { limits: unpaced }))
    const twoSpans = Effect.provideService(call, IikoClient.IikoClient, yield* clientFor(url, { limits: false, httpSpans: true }))
    const variants = { bare, reused, client, raw, limited, twoSpans }
    const names = Object.keys(variants) as Array<keyof typeof variants>
    const results: Record<string, Tally> = {}
    for (const concurrency of [1, CONCURRENCY]) {
      for (const name of names) yield* measure(variants[name], concurrency, block, tally()) // warm-up
      for (let round = 0; round < rounds; round++) {
        // Each round starts with another variant, so none always runs first or last.
        for (let i = 0; i < names.length; i++) {
          const name = names[(round + i) % names.length]!
          yield* measure(variants[name], concurrency, block, results[`${name}/${concurrency}`] ??= tally())
        }
      }
    }
    return results
  }).pipe(Effect.scoped)

/** A client built once for the whole scenario, over the scenario's transport. */
const clientFor = (url: string, options: { readonly limits: false | typeof unpaced; readonly httpSpans?: boolean }) =>
  Layer.build(IikoClient.layer({ baseUrl: url, credentials: IikoConfig.v1("bench"), ...options })).pipe(
    Effect.map((context) => Context.get(context, IikoClient.IikoClient))
  )

const transports = {
  "node:http": NodeHttpClient.layerNodeHttp,
  fetch: FetchHttpClient.layer,
  "in-process (no socket)": inProcess
} as const satisfies Record<string, Layer.Layer<HttpClient.HttpClient>>

const out = process.argv.includes("--out") ? process.argv[process.argv.indexOf("--out") + 1]! : "results/client.md"

const load = { start: "" }

interface Run {
  readonly medianMs: number
  /** CPU time per call, in microseconds. */
  readonly cpuUs: number
  readonly perSecond: number
}

const summary = (tally: Tally): Run => ({
  medianMs: median(tally.durations),
  cpuUs: tally.cpuUs / tally.calls,
  perSecond: tally.calls / (tally.wallMs / 1000)
})

const percent = (value: number, base: number) => `${(((value - base) / base) * 100).toFixed(1)} %`

const main = async () => {
  load.start = os.loadavg()[0]!.toFixed(2)
  const server = await startServer()
  const rows: Array<string> = []
  for (const [name, transport] of Object.entries(transports)) {
    const results = await Effect.runPromise(scenario(server.url, PLAN[name]!).pipe(Effect.provide(transport)))
    for (const concurrency of [1, CONCURRENCY]) {
      const [bare, reused, client, raw, limited, twoSpans] = ["bare", "reused", "client", "raw", "limited", "twoSpans"].map(
        (variant) => summary(results[`${variant}/${concurrency}`]!)
      ) as [Run, Run, Run, Run, Run, Run]
      rows.push(
        `| ${name} | ${concurrency} | ${bare.cpuUs.toFixed(1)} | ${reused.cpuUs.toFixed(1)} | ${client.cpuUs.toFixed(1)} | ` +
          `**${percent(client.cpuUs, bare.cpuUs)}** | ${raw.cpuUs.toFixed(1)} | ${limited.cpuUs.toFixed(1)} | ` +
          `${twoSpans.cpuUs.toFixed(1)} | ` +
          `${bare.medianMs.toFixed(3)} | ${client.medianMs.toFixed(3)} | ${percent(client.medianMs, bare.medianMs)} | ` +
          `${Math.round(bare.perSecond)} | ${Math.round(client.perSecond)} |`
      )
    }
  }
  server.close()
  const report = [
    "# Client overhead (organizations calls, interleaved blocks per variant, 127.0.0.1)",
    "",
    `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, the library as ${libraryLabel()}, server in a separate process. Variants run in alternating blocks (${PLAN["node:http"]!.rounds} blocks of ${PLAN["node:http"]!.block} calls per variant and concurrency over sockets, ${PLAN["in-process (no socket)"]!.rounds} of ${PLAN["in-process (no socket)"]!.block} in process, after one warm-up block each; each round of blocks starts with a different variant); each cell adds up all blocks of its variant. CPU per call = all CPU time / all calls. CPU = user + system time of the client process per call (µs); latency in ms; throughput in requests/s. Overhead = (client − bare) / bare. "bare" is \`HttpClient\` alone as a caller writes the same call: it builds the request (headers, JSON body) and reads the JSON for each call; "bare, request reused" sends one request object built once (the bare variant of runs before 2026-11-29). Each call makes one span: bare, effect's \`http.client\` span; the client, its \`iiko.organizations\` span (effect's own is off by default); "two spans" is the client with \`httpSpans: true\`, which makes both. "client" runs without rate limits; "raw" also skips decoding (\`{ raw: true }\`); "limited" runs with \`IikoLimits\` on and a budget no run reaches. The in-process rows answer from memory without a socket. node:http (\`layerNodeHttp\`, no keep-alive) opens a connection per call, fetch reuses them. Load average (1 min) at start ${load.start}, at end ${os.loadavg()[0]!.toFixed(2)}, on ${os.cpus().length} CPUs: compare rows of one run, not runs.`,
    "",
    "| transport | concurrency | bare CPU/call | bare, request reused | client CPU/call | CPU overhead | raw CPU/call | limited CPU/call | two spans CPU/call | bare latency | client latency | latency overhead | bare req/s | client req/s |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
    ""
  ].join("\n")
  writeFileSync(new URL(out, import.meta.url), report)
  process.stdout.write(report)
}

main()
