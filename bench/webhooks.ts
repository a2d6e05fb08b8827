/**
 * Webhook receiver benchmark: how many events per second `IikoWebhooks.layerServer` (default
 * settings) accepts on 127.0.0.1 from 8 concurrent senders posting batches of 10
 * `DeliveryOrderUpdate` events (a spec-derived order each), and the receiver's peak RSS. The
 * senders run in a child process (plain node:http with keep-alive, redelivering on any non-2xx
 * like iiko would), so their work does not share the receiver's thread. Every event is unique;
 * the consumer checks that it sees each exactly once. Each configuration (default, and with
 * effect's Schema JIT enabled) runs in a fresh process. Writes `bench/results/webhooks.md`.
 * Run with `npm run bench:webhooks`.
 */
import { Effect, Fiber, Redacted, Stream } from "effect"
import { HttpServer } from "effect/http"
import { execFileSync, spawn } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { loadavg } from "node:os"
import { fileURLToPath } from "node:url"

const SENDERS = 8
const BATCH = 10
const EVENTS_PER_ROUND = Number(process.env.EVENTS ?? 20_000)
const ROUNDS = 3
const TOKEN = "bench-webhook-token"

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
const start = performance.now()
Promise.all(Array.from({ length: ${SENDERS} }, (_, s) => loop(s))).then(() => {
  process.stdout.write(JSON.stringify({ ms: performance.now() - start, redelivered }) + "\\n")
  agent.destroy()
})
`

const runSenders = (url: string, round: number, events: number) =>
  Effect.callback<{ readonly ms: number; readonly redelivered: number }>((resume) => {
    const child = spawn(process.execPath, ["-e", senderSource(url, round, events)], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
    child.once("exit", () => resume(Effect.succeed(JSON.parse(out))))
  })

interface Round {
  readonly eventsPerSecond: number
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
    let first = 0
    let last = 0
    const consumer = yield* webhooks.events.pipe(
      Stream.take(events),
      Stream.runForEach((event) =>
        Effect.sync(() => {
          const now = performance.now()
          if (first === 0) first = now
          last = now
          const key = event.correlationId ?? ""
          if (seen.has(key)) duplicates++
          seen.add(key)
        })
      ),
      Effect.forkChild
    )
    const started = performance.now()
    const senders = yield* runSenders(url, index, events)
    yield* Fiber.join(consumer)
    const after = yield* webhooks.stats
    return {
      eventsPerSecond: Math.round(events / ((last - started) / 1000)),
      received: seen.size,
      duplicates,
      redelivered: senders.redelivered,
      queueFull: after.queueFull - before.queueFull
    } satisfies Round
  })

/** One configuration in this process: a warm-up, then the rounds; prints the results as JSON. */
const child = async (jit: boolean) => {
  if (jit) await import("effect/schema/SchemaJITCompiler/enable")
  const { IikoWebhooks } = await import("../src/index.ts")
  const cpuBefore = process.cpuUsage()
  const rounds = await Effect.runPromise(Effect.gen(function*() {
    yield* round(IikoWebhooks, 0, 4_000) // warm-up
    const rounds: Array<Round> = []
    for (let i = 1; i <= ROUNDS; i++) rounds.push(yield* round(IikoWebhooks, i, EVENTS_PER_ROUND))
    return rounds
  }).pipe(Effect.provide(IikoWebhooks.layerServer({ authToken: Redacted.make(TOKEN) }))))
  const cpu = process.cpuUsage(cpuBefore)
  const cpuMicrosPerEvent = (cpu.user + cpu.system) / (4_000 + ROUNDS * EVENTS_PER_ROUND)
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024)
  process.stdout.write(JSON.stringify({ rounds, peakRssMb, cpuMicrosPerEvent }))
}

interface Result {
  readonly rounds: ReadonlyArray<Round>
  readonly peakRssMb: number
  readonly cpuMicrosPerEvent: number
}

const runChild = (jit: boolean): Result => {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), "--child", ...(jit ? ["--jit"] : [])]
  return JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8", env: process.env, maxBuffer: 1 << 24 }))
}

const main = () => {
  const modes = [["default", runChild(false)], ["JIT (`effect/schema/SchemaJITCompiler/enable`)", runChild(true)]] as const
  const rows = modes.flatMap(([mode, result]) =>
    result.rounds.map((r, i) =>
      `| ${mode} | ${i + 1} | ${r.eventsPerSecond.toLocaleString("en")} | ${r.received.toLocaleString("en")} | ${r.duplicates} | ${r.redelivered} | ${result.peakRssMb} MB |`
    )
  )
  const summary = modes.map(([mode, result]) => {
    const sorted = [...result.rounds].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond)
    const median = sorted[Math.floor(sorted.length / 2)]!
    const lossless = result.rounds.every((r) => r.received === EVENTS_PER_ROUND && r.duplicates === 0)
    return `- ${mode}: median **${median.eventsPerSecond.toLocaleString("en")} events/s**, ${
      lossless ? "no loss and no duplicate" : "LOSS OR DUPLICATES (see table)"
    }, receiver CPU ${Math.round(result.cpuMicrosPerEvent)} µs per event (≈ ${
      Math.round(1e6 / result.cpuMicrosPerEvent).toLocaleString("en")
    } events/s per core), peak RSS ${result.peakRssMb} MB.`
  })
  const load = loadavg()[0]!.toFixed(1)
  const report = `# Webhook receiver benchmark

Node ${process.version}, effect 4.1.0, ${new Date().toISOString().slice(0, 10)}, 1-minute load average ${load} on 2 cores when it ended.
\`IikoWebhooks.layerServer\` with the default settings (1 MiB body limit, 10,000-event queue, 100,000-key dedup
window) on 127.0.0.1, one consumer draining \`events\`. ${SENDERS} concurrent senders in a second process post
batches of ${BATCH} unique \`DeliveryOrderUpdate\` events (each a full spec-derived order, ~${
    Math.round(JSON.stringify(sample).length / 100) / 10
  } kB; ~${Math.round(JSON.stringify(sample).length * BATCH / 1000)} kB per POST)
over keep-alive connections and redeliver on any non-2xx. Per configuration, a fresh receiver process runs a
4,000-event warm-up and ${ROUNDS} rounds of ${EVENTS_PER_ROUND.toLocaleString("en")} events; events/s counts from the first POST to the
consumer receiving the last event. "JIT" is the same receiver in a process that enabled effect's Schema JIT
(an application-wide opt-in). RSS is the receiver process's peak. Run: \`npm run bench:webhooks\`.

| configuration | round | events/s | received | duplicates delivered | batches redelivered (503) | peak RSS |
|---|---|---|---|---|---|---|
${rows.join("\n")}

${summary.join("\n")}

Target: at least 5,000 events/s with no loss and no duplicate delivered to the consumer.
`
  writeFileSync(new URL("./results/webhooks.md", import.meta.url), report)
  process.stdout.write(report)
}

if (process.argv.includes("--child")) await child(process.argv.includes("--jit"))
else main()
