/**
 * One variant of the client benchmark (`bench/client.ts`) in a loop, to see where its CPU goes:
 *
 *   npx tsx bench/clientProfile.ts <node:http|fetch|in-process> <bare|client|raw|limited> [calls] [concurrency] [--ops] [--heap] [--cpu-prof FILE] [--src]
 *
 * It runs the built `dist/` (`npm run build` first), or `src/` through tsx with `--src`.
 *
 * Prints CPU µs per call. `--ops` counts the Effect primitives every fiber evaluates per call, by
 * kind (through a tracer's `context` hook): a measure of work that does not move with the load of a
 * shared machine. `--heap` samples allocations (V8's sampling heap profiler, collected objects
 * included) and prints bytes per call by allocation site. `--cpu-prof FILE` writes a V8 CPU
 * profile of the measured calls only (open it in Chrome DevTools or VS Code).
 */
import { NodeHttpClient } from "@effect/platform-node"
import { Context, Effect, Layer, type Scope, Tracer } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { writeFileSync } from "node:fs"
import { Session } from "node:inspector"
import { bareCall, inProcess, libraryLabel, loadLibrary, ORG, startServer, unpaced } from "./clientFixtures.ts"

const { Iiko, IikoClient, IikoConfig } = await loadLibrary()

const transports: Record<string, Layer.Layer<HttpClient.HttpClient>> = {
  "node:http": NodeHttpClient.layerNodeHttp,
  fetch: FetchHttpClient.layer,
  "in-process": inProcess
}

const flags = process.argv.slice(2)
const positional = flags.filter((arg, i) => !arg.startsWith("--") && flags[i - 1] !== "--cpu-prof")
const [transport = "node:http", variant = "client", callsArg = "5000", concurrencyArg = "1"] = positional
const calls = Number(callsArg)
const concurrency = Number(concurrencyArg)
const cpuProfile = flags.includes("--cpu-prof") ? flags[flags.indexOf("--cpu-prof") + 1] : undefined
const WARM_UP = 500

const post = (session: Session, method: string, params?: object) =>
  Effect.promise(() =>
    new Promise<any>((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result)))
    )
  )

/** The calls under test, as `bench/client.ts` makes them. */
const callFor = (url: string): Effect.Effect<Effect.Effect<unknown, unknown>, never, HttpClient.HttpClient | Scope.Scope> =>
  Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    if (variant === "bare") {
      return bareCall(http, url)
    }
    const limits = variant === "limited" ? unpaced : false
    const context = yield* Layer.build(IikoClient.layer({ baseUrl: url, credentials: IikoConfig.v1("bench"), limits }))
    return Effect.provideService(
      Iiko.organizations({ organizationIds: [ORG] }, variant === "raw" ? { raw: true } : undefined),
      IikoClient.IikoClient,
      Context.get(context, IikoClient.IikoClient)
    )
  })

/** Primitives evaluated by every fiber, by kind (`--ops`). */
const opCounts = new Map<string, number>()
const countingTracer = Tracer.make({
  span: (options) => Tracer.nativeTracer.span(options),
  context: (primitive, fiber) => {
    const op = String((primitive as any)["~effect/Effect/identifier"])
    opCounts.set(op, (opCounts.get(op) ?? 0) + 1)
    return (primitive as any)["~effect/Effect/evaluate"](fiber)
  }
})

const siteOf = (frame: { functionName: string; url: string; lineNumber: number; columnNumber: number }) =>
  `${frame.functionName || "(anonymous)"} ${frame.url.replace(/.*node_modules\//, "").replace(/.*\/src\//, "src/")}` +
  `:${frame.lineNumber + 1}:${frame.columnNumber}`

const heapReport = (profile: any) => {
  const bySite = new Map<string, number>()
  let total = 0
  const walk = (node: any) => {
    total += node.selfSize
    if (node.selfSize > 0) bySite.set(siteOf(node.callFrame), (bySite.get(siteOf(node.callFrame)) ?? 0) + node.selfSize)
    for (const child of node.children) walk(child)
  }
  walk(profile.head)
  return [
    `allocated ${(total / calls).toFixed(0)} B/call; largest sites:`,
    ...[...bySite].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([site, bytes]) =>
      `${(bytes / calls).toFixed(0).padStart(7)} B  ${site}`
    )
  ].join("\n")
}

const program = (url: string) =>
  Effect.gen(function*() {
    const call = yield* callFor(url)
    yield* Effect.forEach(Array.from({ length: WARM_UP }), () => call, { concurrency, discard: true })
    opCounts.clear()
    const session = new Session()
    session.connect()
    if (cpuProfile !== undefined) {
      yield* post(session, "Profiler.enable")
      yield* post(session, "Profiler.start")
    }
    if (flags.includes("--heap")) {
      yield* post(session, "HeapProfiler.startSampling", {
        samplingInterval: 256,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true
      })
    }
    const cpu = process.cpuUsage()
    yield* Effect.forEach(Array.from({ length: calls }), () => call, { concurrency, discard: true })
    const used = process.cpuUsage(cpu)
    const lines = [`${transport} ${variant} c=${concurrency} (${libraryLabel()}): ${((used.user + used.system) / calls).toFixed(1)} µs CPU per call`]
    if (flags.includes("--ops")) {
      const total = [...opCounts.values()].reduce((a, b) => a + b, 0)
      lines.push(
        `${(total / calls).toFixed(1)} primitives per call: ` +
          [...opCounts].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} ${(n / calls).toFixed(1)}`).join(", ")
      )
    }
    if (flags.includes("--heap")) {
      const { profile } = yield* post(session, "HeapProfiler.getSamplingProfile")
      yield* post(session, "HeapProfiler.stopSampling")
      lines.push(heapReport(profile))
    }
    if (cpuProfile !== undefined) {
      const { profile } = yield* post(session, "Profiler.stop")
      writeFileSync(cpuProfile, JSON.stringify(profile))
      lines.push(`CPU profile written to ${cpuProfile}`)
    }
    session.disconnect()
    process.stdout.write(lines.join("\n") + "\n")
  }).pipe(Effect.scoped)

const main = async () => {
  const server = await startServer()
  const tracing = flags.includes("--ops") ? Layer.succeed(Tracer.Tracer, countingTracer) : Layer.empty
  await Effect.runPromise(program(server.url).pipe(Effect.provide(Layer.merge(transports[transport]!, tracing))))
  server.close()
}

main()
