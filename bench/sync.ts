/**
 * Sync benchmark: a chain of 200 organizations × 500 products with delivery traffic, served by
 * `npm run emulator` in its own process (127.0.0.1), followed for 60 s by `IikoSync` (menus,
 * stop lists, delivery changes, checkpoints in memory) and, for comparison, by a naive loop that
 * refetches everything every 10 s. Both use the default `IikoLimits`; the emulator enforces iiko's
 * published limits.
 *
 * Each client run is its own process, `bench/syncClient.mjs` under plain `node` on the built
 * library (`dist/`), as an application runs it; a third process with the same imports and no calls
 * gives the idle baseline. Counts iiko calls, 429s, bytes received, wall time, peak RSS (kernel
 * high-water mark) and peak heap used of each client process. Writes `bench/results/sync.md`.
 * Run with `npm run bench:sync` (builds first; `-- --seconds 20` for a shorter run,
 * `-- --heap-cap 128` to run the clients with `--max-old-space-size=128`, written to
 * `bench/results/sync-128mb-heap.md`).
 */
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { writeFileSync } from "node:fs"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "60" }, "heap-cap": { type: "string" } }
})
const SECONDS = Number(values.seconds)
const HEAP_CAP = values["heap-cap"]
const ORGANIZATIONS = 200
const PRODUCTS = 500
const TRAFFIC = "orders=60,status=120,stoplists=6,menus=1"
const IDLE_SECONDS = 10

interface Row {
  readonly mode: string
  readonly calls: number
  readonly rateLimited: number
  readonly bytes: number
  readonly wallSeconds: number
  readonly peakRssMb: number
  readonly peakHeapMb: number
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

/** Runs one client process (plain node, built library) and reads its JSON result line. */
const client = (mode: string, url: string, seconds: number) =>
  Effect.callback<Row, Error>((resume) => {
    const flags = HEAP_CAP === undefined ? [] : [`--max-old-space-size=${HEAP_CAP}`]
    const child = spawn(process.execPath, [
      ...flags,
      "bench/syncClient.mjs",
      "--mode",
      mode,
      "--url",
      url,
      "--login",
      `bench-${mode}`,
      "--seconds",
      String(seconds)
    ], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NODE_OPTIONS: "" } })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.on("exit", (code) =>
      resume(
        code === 0
          ? Effect.try({ try: () => JSON.parse(output.trim().split("\n").at(-1) ?? "") as Row, catch: (e) => new Error(String(e)) })
          : Effect.fail(new Error(`${mode} client exited with ${code}`))
      )
    )
  })

const main = Effect.gen(function*() {
  const emulator = yield* startEmulator
  const idle = yield* client("idle", emulator.url, IDLE_SECONDS)
  const sync = yield* client("sync", emulator.url, SECONDS)
  const naive = yield* client("naive", emulator.url, SECONDS)
  return [idle, sync, naive]
}).pipe(Effect.scoped)

const names: Record<string, string> = {
  idle: `idle (same imports, no calls, ${IDLE_SECONDS} s)`,
  sync: "IikoSync",
  naive: "naive loop"
}

Effect.runPromise(main).then((rows) => {
  const table = [
    "| client process | iiko calls | 429s | MB received | wall time (s) | peak RSS (MB) | peak heap used (MB) |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((r) =>
      `| ${names[r.mode]} | ${r.calls} | ${r.rateLimited} | ${(r.bytes / 2 ** 20).toFixed(1)} | ${r.wallSeconds.toFixed(1)} | ${r.peakRssMb.toFixed(0)} | ${r.peakHeapMb.toFixed(0)} |`
    )
  ].join("\n")
  const report = `# Sync benchmark

${ORGANIZATIONS} organizations × ${PRODUCTS} products, emulator traffic \`${TRAFFIC}\` (per organization per hour),
${SECONDS} s each, default IikoLimits, \`npm run emulator\` in its own process on 127.0.0.1.
Each client is its own process: plain \`node\` ${process.version}${HEAP_CAP === undefined ? " (default V8 heap sizing)" : ` --max-old-space-size=${HEAP_CAP}`}
running \`bench/syncClient.mjs\` on the built library (\`dist/\`, no tsx). Peak RSS is the kernel's
high-water mark of that process (\`process.resourceUsage().maxRSS\`); peak heap is sampled every 100 ms.

${table}
`
  writeFileSync(new URL(HEAP_CAP === undefined ? "results/sync.md" : `results/sync-${HEAP_CAP}mb-heap.md`, import.meta.url), report)
  process.stdout.write(report)
}, (error: unknown) => {
  process.stderr.write(`bench failed: ${String(error)}\n`)
  process.exitCode = 1
})
