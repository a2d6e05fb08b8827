/**
 * Webhook receiver benchmark: how many events per second `IikoWebhooks.layerServer` (default
 * settings) accepts on 127.0.0.1 from 8 concurrent senders posting batches of 10
 * `DeliveryOrderUpdate` events (a spec-derived order each), the receiver's CPU per event and its
 * peak RSS. The senders run in a child process (plain node:http with keep-alive, redelivering on
 * any non-2xx like iiko would). Every event is unique; the consumer checks that it sees each
 * exactly once.
 *
 * Each configuration (default; with effect's Schema JIT enabled for the webhook schemas or
 * globally; optionally a baseline receiver from another checkout, `WEBHOOKS_BASELINE=<dir containing src/>`)
 * runs in its own long-lived receiver process, and the rounds are interleaved across them (the
 * order rotating each round), so a change in the machine's load hits every configuration alike.
 * CPU per event is `process.cpuUsage` of the receiver process over the round (warm-up excluded),
 * which depends less on the load than wall time. Writes `bench/results/webhooks.md`.
 * Run with `npm run bench:webhooks` (`EVENTS`, `ROUNDS`, `WARM_UP` to change the round size, count
 * and warm-up; V8 is still optimizing the decoders after a few thousand events).
 */
import { Effect, Fiber, Redacted, Stream } from "effect"
import { HttpServer } from "effect/http"
import { spawn } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { loadavg } from "node:os"
import { createInterface } from "node:readline"
import { fileURLToPath, pathToFileURL } from "node:url"

const SENDERS = 8
const BATCH = 10
const EVENTS_PER_ROUND = Number(process.env.EVENTS ?? 20_000)
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const WARM_UP = Number(process.env.WARM_UP ?? 20_000)
const TOKEN = "bench-webhook-token"
const now = () => performance.timeOrigin + performance.now()

const sample = JSON.parse(readFileSync(new URL("../test/fixtures/contract-samples.json", import.meta.url), "utf8"))
  .deliveriesById.response.orders[0]

/** The sender process: `SENDERS` loops, each posting its share of batches; any non-2xx is redelivered. */
const senderSource = (url: string, round: number, events: number) => `
const http = require("node:http")
const sample = ${JSON.stringify(sample)}
const agent = new http.Agent({ keepAlive: true, maxSockets: ${SENDERS} })
const target = new URL(${JSON.stringify(url)})
let redelivered = 0
const post = (body) => new Promise((resolve, reject) => {
  const request = http.request({ agent, host: target.hostname, port: target.port, path: target.pathname, method: "POST",
    headers: { authorization: ${JSON.stringify(TOKEN)}, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
    (response) => { response.resume(); response.on("end", () => resolve(response.statusCode)) })
  request.on("error", reject)
  request.end(body)
})
// Each event differs only in its correlationId (which the dedup key includes), so a batch is built
// by string concatenation and the senders spend their time sending, not serializing.
const head = '{"eventType":"DeliveryOrderUpdate","eventTime":"2026-11-28 12:00:00.000","organizationId":' +
  JSON.stringify(sample.organizationId) + ',"correlationId":"r${round}-'
const tail = '","eventInfo":' + JSON.stringify(sample) + '}'
const batch = (sender, n) => {
  const events = []
  for (let i = 0; i < ${BATCH}; i++) events.push(head + (sender * 1e6 + n * ${BATCH} + i) + tail)
  return "[" + events.join(",") + "]"
}
const loop = async (sender) => {
  const batches = ${events / BATCH / SENDERS}
  for (let n = 0; n < batches; n++) {
    const body = batch(sender, n)
    while ((await post(body)) !== 200) redelivered++
  }
}
const start = performance.timeOrigin + performance.now()
Promise.all(Array.from({ length: ${SENDERS} }, (_, s) => loop(s))).then(() => {
  process.stdout.write(JSON.stringify({ start, redelivered }) + "\\n")
  agent.destroy()
})
`

const runSenders = (url: string, round: number, events: number) =>
  Effect.callback<{ readonly start: number; readonly redelivered: number }>((resume) => {
    const child = spawn(process.execPath, ["-e", senderSource(url, round, events)], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
    child.once("exit", () => resume(Effect.succeed(JSON.parse(out))))
  })

interface Round {
  readonly eventsPerSecond: number
  readonly cpuMicrosPerEvent: number
  readonly load: number
  readonly received: number
  readonly duplicates: number
  readonly redelivered: number
  readonly queueFull: number
}

type Module = typeof import("../src/IikoWebhooks.ts")

const round = (IikoWebhooks: Module, index: number, events: number) =>
  Effect.gen(function*() {
    const server = yield* HttpServer.HttpServer
    const webhooks = yield* IikoWebhooks.IikoWebhooks
    const url = `${HttpServer.formatAddress(server.address)}${webhooks.path}`
    const before = yield* webhooks.stats
    const seen = new Set<string>()
    let duplicates = 0
    let last = 0
    const consumer = yield* webhooks.events.pipe(
      Stream.take(events),
      Stream.runForEach((event) =>
        Effect.sync(() => {
          last = now()
          const key = event.correlationId ?? ""
          if (seen.has(key)) duplicates++
          seen.add(key)
        })
      ),
      Effect.forkChild
    )
    const cpuBefore = process.cpuUsage()
    const senders = yield* runSenders(url, index, events)
    yield* Fiber.join(consumer)
    const cpu = process.cpuUsage(cpuBefore)
    const after = yield* webhooks.stats
    return {
      eventsPerSecond: Math.round(events / ((last - senders.start) / 1000)),
      cpuMicrosPerEvent: Math.round((cpu.user + cpu.system) / events),
      load: loadavg()[0]!,
      received: seen.size,
      duplicates,
      redelivered: senders.redelivered,
      queueFull: after.queueFull - before.queueFull
    } satisfies Round
  })

/**
 * A receiver process for one configuration: starts the server, then runs a round for each
 * `<index> <events>` line on stdin and answers with one JSON line; prints its peak RSS at the end.
 */
const child = async (options: { readonly jit: Jit; readonly source: string }) => {
  if (options.jit === "global") await import("effect/schema/SchemaJITCompiler/enable")
  const { IikoWebhooks } = await import(options.source) as { IikoWebhooks: Module }
  if (options.jit === "webhooks") (await import("effect/schema/SchemaJITCompiler")).enable(IikoWebhooks.schema.ast)
  await Effect.runPromise(Effect.gen(function*() {
    const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
    process.stdout.write("ready\n")
    while (true) {
      const line = yield* Effect.promise(() => lines.next())
      if (line.done) break
      const [index, events] = line.value.split(" ").map(Number) as [number, number]
      process.stdout.write(JSON.stringify(yield* round(IikoWebhooks, index, events)) + "\n")
    }
  }).pipe(Effect.provide(IikoWebhooks.layerServer({ authToken: Redacted.make(TOKEN) }))))
  process.stdout.write(JSON.stringify({ peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + "\n")
}

type Jit = "none" | "global" | "webhooks"

interface Configuration {
  readonly name: string
  readonly nodeFlags: ReadonlyArray<string>
  readonly jit: Jit
  readonly source: string
}

/** A running receiver process: `run` sends one round and resolves with its result. */
const startReceiver = async (configuration: Configuration) => {
  const args = [
    ...configuration.nodeFlags,
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    "--child",
    configuration.source,
    `--jit=${configuration.jit}`
  ]
  const receiver = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] })
  const lines = createInterface({ input: receiver.stdout! })[Symbol.asyncIterator]()
  const next = async () => {
    const line = await lines.next()
    if (line.done) throw new Error(`receiver ${configuration.name} exited`)
    return line.value
  }
  await next() // "ready"
  return {
    run: async (index: number, events: number): Promise<Round> => {
      receiver.stdin!.write(`${index} ${events}\n`)
      return JSON.parse(await next())
    },
    stop: async (): Promise<number> => {
      receiver.stdin!.end()
      return JSON.parse(await next()).peakRssMb
    }
  }
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const main = async () => {
  const current = pathToFileURL(fileURLToPath(new URL("../src/index.ts", import.meta.url))).href
  const baseline = process.env.WEBHOOKS_BASELINE
  const configurations: ReadonlyArray<Configuration> = [
    ...(baseline === undefined ? [] : [{
      name: `baseline (${process.env.WEBHOOKS_BASELINE_LABEL ?? baseline})`,
      nodeFlags: [],
      jit: "none",
      source: pathToFileURL(`${baseline}/src/index.ts`).href
    } satisfies Configuration]),
    { name: "default", nodeFlags: [], jit: "none", source: current },
    { name: "JIT, webhook schemas only (`SchemaJITCompiler.enable(IikoWebhooks.schema.ast)`)", nodeFlags: [], jit: "webhooks", source: current },
    { name: "JIT, global (`effect/schema/SchemaJITCompiler/enable`)", nodeFlags: [], jit: "global", source: current }
  ]
  const receivers: Array<Awaited<ReturnType<typeof startReceiver>>> = []
  for (const configuration of configurations) receivers.push(await startReceiver(configuration))
  const results = configurations.map(() => [] as Array<Round>)
  for (let r = 0; r <= ROUNDS; r++) {
    for (let k = 0; k < configurations.length; k++) {
      const c = (k + r) % configurations.length // rotate who goes first
      const result = await receivers[c]!.run(r, r === 0 ? WARM_UP : EVENTS_PER_ROUND)
      if (r > 0) results[c]!.push(result)
      process.stderr.write(`${configurations[c]!.name} round ${r}: ${JSON.stringify(result)}\n`)
    }
  }
  const peaks: Array<number> = []
  for (const receiver of receivers) peaks.push(await receiver.stop())

  const rows = configurations.flatMap((configuration, c) =>
    results[c]!.map((r, i) =>
      `| ${configuration.name} | ${i + 1} | ${r.eventsPerSecond.toLocaleString("en")} | ${r.cpuMicrosPerEvent} | ${
        r.load.toFixed(1)
      } | ${r.received.toLocaleString("en")} | ${r.duplicates} | ${r.redelivered} |`
    )
  )
  const summary = configurations.map((configuration, c) => {
    const rounds = results[c]!
    const lossless = rounds.every((r) => r.received === EVENTS_PER_ROUND && r.duplicates === 0)
    const cpu = median(rounds.map((r) => r.cpuMicrosPerEvent))
    return `| ${configuration.name} | **${median(rounds.map((r) => r.eventsPerSecond)).toLocaleString("en")}** | ${
      Math.max(...rounds.map((r) => r.eventsPerSecond)).toLocaleString("en")
    } | ${cpu} | ${Math.round(1e6 / cpu).toLocaleString("en")} | ${
      lossless ? "none" : "LOSS OR DUPLICATES (see rounds)"
    } | ${peaks[c]} MB | ${median(rounds.map((r) => r.load)).toFixed(1)} |`
  })
  const eventSize = JSON.stringify(sample).length
  const report = `# Webhook receiver benchmark

Node ${process.version}, effect 4.1.0, ${new Date().toISOString().slice(0, 10)}, 2 shared cores.
\`IikoWebhooks.layerServer\` with the default settings (1 MiB body limit, 10,000-event queue, 100,000-key dedup
window) on 127.0.0.1, one consumer draining \`events\`. ${SENDERS} concurrent senders in a second process post
batches of ${BATCH} unique \`DeliveryOrderUpdate\` events (each a full spec-derived order, ~${
    Math.round(eventSize / 100) / 10
  } kB; ~${Math.round(eventSize * BATCH / 1000)} kB per POST)
over keep-alive connections and redeliver on any non-2xx. Each configuration runs in its own receiver process
(a ${WARM_UP.toLocaleString("en")}-event warm-up, then ${ROUNDS} rounds of ${EVENTS_PER_ROUND.toLocaleString("en")} events), with the rounds interleaved across
configurations in rotating order. events/s counts from the senders' first POST to the consumer receiving the
last event; CPU is the receiver process's user + system time over the round, per event; load is the 1-minute
load average after the round. "JIT, global" enables effect's Schema JIT in the process and "JIT, webhook schemas only" for the
webhook body's schema and those it uses (application opt-ins; the library never enables it).
Run: \`npm run bench:webhooks\`.

| configuration | median events/s | best round | median CPU µs/event | ≈ events/s per core | loss / duplicates | peak RSS | median load |
|---|---|---|---|---|---|---|---|
${summary.join("\n")}

Target: at least 5,000 events/s with no loss and no duplicate delivered to the consumer.

| configuration | round | events/s | CPU µs/event | load | received | duplicates delivered | batches redelivered (503) |
|---|---|---|---|---|---|---|---|
${rows.join("\n")}
`
  writeFileSync(new URL("./results/webhooks.md", import.meta.url), report)
  process.stdout.write(report)
}

if (process.argv.includes("--child")) {
  const jit = (process.argv.find((arg) => arg.startsWith("--jit="))?.slice(6) ?? "none") as Jit
  await child({ jit, source: process.argv[process.argv.indexOf("--child") + 1]! })
} else await main()
