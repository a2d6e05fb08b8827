/**
 * `effect-iiko sync --once` benchmark: 200 organizations × 500 products with order, stop-list
 * and menu traffic, served by `effect-iiko emulator` in its own process on 127.0.0.1, synced by
 * `effect-iiko sync --once` in another process into embedded PGlite and into a real PostgreSQL
 * server (a throwaway one, started like the test suite's). The traffic runs for a warm-up, then
 * is paused (`POST /_emulator/traffic/pause`) so each run's expected work is known. Per target:
 * a first run into an empty database; a second with nothing changed, which must write 0 rows and
 * download 0 menus; then traffic resumes for a while and pauses again, and a third run must write
 * exactly the rows the emulator reports changing (`GET /_emulator/traffic`: distinct deliveries,
 * stop-list entries) and download the menus whose revision moved. A run that misses its target
 * is marked in the results and fails the benchmark (exit 1). Measures wall time, rows written
 * (from the summary) and the sync process's peak RSS. Writes `bench/results/cli-sync.md`. Run
 * with `npm run bench:cli-sync` (`-- --organizations 20` for a smaller chain).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import setupDatabases from "../test/database.setup.ts"

const { values } = parseArgs({
  options: { organizations: { type: "string", default: "200" }, products: { type: "string", default: "500" } }
})
const ORGANIZATIONS = Number(values.organizations)
const PRODUCTS = Number(values.products)
const TRAFFIC = "orders=600,status=600,stoplists=60,menus=6"
const WARM_UP_SECONDS = 10
const TRAFFIC_SECONDS = 20
/** After a pause, orders created just before it settle within the emulator's creation delay (2 s). */
const SETTLE_SECONDS = 3

const cli = (args: ReadonlyArray<string>) => [process.execPath, ["--import", "tsx", "src/cli/bin.ts", ...args]] as const

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000))

/** Starts the emulator process and resolves its base URL. */
const startEmulator = () =>
  new Promise<{ readonly url: string; readonly child: ChildProcess }>((resolve, reject) => {
    const [node, args] = cli([
      "emulator", "--port", "0", "--organizations", String(ORGANIZATIONS), "--products", String(PRODUCTS), "--traffic", TRAFFIC
    ])
    const child = spawn(node, args, { stdio: ["ignore", "pipe", "inherit"] })
    child.once("exit", (code) => reject(new Error(`the emulator exited (${code})`)))
    child.stdout!.on("data", (chunk: Buffer) => {
      const url = /listening on (http:\/\/\S+)/.exec(chunk.toString())?.[1]
      if (url !== undefined) resolve({ url, child })
    })
  })

/** What `GET /_emulator/traffic` reports changed. */
interface Changes {
  readonly events: Record<string, number>
  readonly deliveries: number
  readonly stopListItems: number
  readonly menus: number
}

/**
 * Calls the emulator's traffic control, on a fresh connection: a kept-alive one may have been
 * closed by the server while a sync ran.
 */
const traffic = (url: string, method: "GET" | "POST" | "DELETE", path = "") =>
  new Promise<{ readonly paused: boolean; readonly changes: Changes }>((resolve, reject) => {
    const request = httpRequest(`${url}/_emulator/traffic${path}`, { method, agent: false }, (response) => {
      let text = ""
      response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk)).on("end", () => {
        if (response.statusCode === 200) resolve(JSON.parse(text))
        else reject(new Error(`${method} /_emulator/traffic${path}: ${response.statusCode} ${text}`))
      })
    })
    request.on("error", reject).end()
  })

/** Pauses the traffic and waits until orders created just before have settled. */
const pause = async (url: string) => {
  await traffic(url, "POST", "/pause")
  await sleep(SETTLE_SECONDS)
}

/** What a run must do: rows written (stop-list items and deliveries) and menus downloaded. */
interface Expected {
  readonly stopListItems: number
  readonly deliveries: number
  readonly menus: number
}

interface Run {
  readonly target: string
  readonly run: string
  readonly seconds: number
  readonly rows: number
  readonly stopListItems: number
  readonly deliveries: number
  readonly menus: number
  readonly peakRssMiB: number
  readonly expected: Expected | undefined
  /** Why the run missed its expected numbers, if it did. */
  readonly missed: string | undefined
}

/** One `effect-iiko sync --once` in its own process, under /usr/bin/time for the peak RSS. */
const sync = (
  target: string,
  run: string,
  env: Record<string, string>,
  args: ReadonlyArray<string>,
  expected?: Expected
): Run => {
  const [node, nodeArgs] = cli(["sync", "--once", "--concurrency", "8", ...args])
  const started = performance.now()
  const result = spawnSync("/usr/bin/time", ["-f", "maxrss-kib=%M", node, ...nodeArgs], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
  const seconds = (performance.now() - started) / 1000
  const summary = /summary: .*?, (\d+) rows? written \(.*?(\d+) stop-list items, (\d+) deliveries\), (\d+) menus? downloaded/
    .exec(result.stdout)
  const rss = /maxrss-kib=(\d+)/.exec(result.stderr)
  if (result.status !== 0 || summary === null || rss === null) {
    throw new Error(`sync into ${target} failed (${result.status}):\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`)
  }
  const [rows, stopListItems, deliveries, menus] = summary.slice(1, 5).map(Number) as [number, number, number, number]
  const missed = expected === undefined
    ? undefined
    : rows !== expected.stopListItems + expected.deliveries || stopListItems !== expected.stopListItems ||
        deliveries !== expected.deliveries || menus !== expected.menus
    ? `expected ${expected.stopListItems + expected.deliveries} rows (${expected.stopListItems} stop-list items, ` +
      `${expected.deliveries} deliveries) and ${expected.menus} menus`
    : undefined
  const line: Run = {
    target, run, seconds, rows, stopListItems, deliveries, menus, peakRssMiB: Number(rss[1]) / 1024, expected, missed
  }
  process.stdout.write(`${JSON.stringify(line)}\n`)
  return line
}

/** The three runs into one database: first, nothing changed, after TRAFFIC_SECONDS of traffic. */
const runsInto = async (target: string, emulatorUrl: string, env: Record<string, string>, args: ReadonlyArray<string>) => {
  const first = sync(target, "first", env, args)
  const unchanged = sync(target, "second, nothing changed", env, args, { stopListItems: 0, deliveries: 0, menus: 0 })
  await traffic(emulatorUrl, "DELETE", "/changes")
  await traffic(emulatorUrl, "POST", "/resume")
  await sleep(TRAFFIC_SECONDS)
  await pause(emulatorUrl)
  const { changes } = await traffic(emulatorUrl, "GET")
  const third = sync(target, `third, after ${TRAFFIC_SECONDS} s of traffic`, env, args, changes)
  return [first, unchanged, third]
}

const main = async () => {
  const provided: Record<string, string> = {}
  const stopDatabase = await setupDatabases({ provide: (key: string, value: string) => void (provided[key] = value) } as never)
  const emulator = await startEmulator()
  try {
    await sleep(WARM_UP_SECONDS) // let orders arrive
    await pause(emulator.url)
    const load = execFileSync("uptime", { encoding: "utf8" }).trim().replace(/^.*load average/, "load average")
    const iiko = { IIKO_API_LOGIN: "bench", IIKO_BASE_URL: emulator.url }
    const dataDir = mkdtempSync(join(tmpdir(), "effect-iiko-bench-"))
    cpSync(provided["pgliteTemplate"]!, dataDir, { recursive: true })
    const runs = [
      ...await runsInto("embedded PGlite", emulator.url, iiko, ["--data-dir", dataDir]),
      ...await runsInto("PostgreSQL 127.0.0.1", emulator.url, { ...iiko, DATABASE_URL: provided["postgresUrl"]! }, [])
    ]
    rmSync(dataDir, { recursive: true, force: true })
    const loadAfter = execFileSync("uptime", { encoding: "utf8" }).trim().replace(/^.*load average/, "load average")
    const table = runs.map((r) =>
      `| ${r.target} | ${r.run} | ${r.seconds.toFixed(1)} s | ${r.rows.toLocaleString("en")} | ${r.menus} | ` +
      `${r.expected === undefined ? "" : r.missed === undefined ? "met" : `**MISSED**: ${r.missed}`} | ${r.peakRssMiB.toFixed(0)} MiB |`
    )
    const changes = runs.filter((r) => r.run.startsWith("third")).map((r) =>
      `- ${r.target}: the emulator changed ${r.expected!.deliveries} deliveries and ${r.expected!.stopListItems} ` +
      `stop-list entries and moved ${r.expected!.menus} menus; the sync wrote ${r.deliveries} deliveries and ` +
      `${r.stopListItems} stop-list items and downloaded ${r.menus} menus.`
    )
    writeFileSync(
      "bench/results/cli-sync.md",
      `# effect-iiko sync --once\n\n${ORGANIZATIONS} organizations × ${PRODUCTS} products, emulator traffic ` +
        `${TRAFFIC} (per organization per hour); \`effect-iiko emulator\` and ` +
        `\`effect-iiko sync --once --concurrency 8\` in their own processes, Node ${process.version}, ` +
        `${new Date().toISOString().slice(0, 10)}, 2 shared cores (${load} before, ${loadAfter} after). ` +
        `Traffic runs ${WARM_UP_SECONDS} s before the first run, then is paused (\`POST /_emulator/traffic/pause\`) ` +
        `during every run, so what each run must write is known: the second run nothing, the third what the ` +
        `emulator reports changing (\`GET /_emulator/traffic\`) while it ran ${TRAFFIC_SECONDS} s between the ` +
        `second and third runs. "target" says whether a run wrote exactly that.\n\n` +
        `| database | run | wall time | rows written | menus downloaded | target | peak RSS (sync process) |\n` +
        `|---|---|---|---|---|---|---|\n${table.join("\n")}\n\n${changes.join("\n")}\n`
    )
    const missed = runs.filter((r) => r.missed !== undefined)
    if (missed.length > 0) {
      throw new Error(`missed: ${missed.map((r) => `${r.target} ${r.run}: ${r.missed}`).join("; ")}`)
    }
  } finally {
    emulator.child.removeAllListeners("exit")
    emulator.child.kill()
    await (stopDatabase as (() => Promise<void>) | undefined)?.()
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})
