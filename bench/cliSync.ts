/**
 * `effect-iiko sync --once` benchmark: 200 organizations × 500 products with delivery traffic,
 * served by `effect-iiko emulator` in its own process on 127.0.0.1, synced by `effect-iiko sync
 * --once` in another process into embedded PGlite and into a real PostgreSQL server (a throwaway
 * one, started like the test suite's). Each target is synced twice: a first run into an empty
 * database, then a second with nothing changed (target: no menu downloaded, no row rewritten).
 * Measures wall time, rows written (from the summary) and the sync process's peak RSS. Writes
 * `bench/results/cli-sync.md`. Run with `npm run bench:cli-sync` (`-- --organizations 20` for a
 * smaller chain).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import setupDatabases from "../test/database.setup.ts"

const { values } = parseArgs({
  options: { organizations: { type: "string", default: "200" }, products: { type: "string", default: "500" } }
})
const ORGANIZATIONS = Number(values.organizations)
const PRODUCTS = Number(values.products)
const TRAFFIC = "orders=600,status=600"
const WARM_UP_SECONDS = 10

const cli = (args: ReadonlyArray<string>) => [process.execPath, ["--import", "tsx", "src/cli/bin.ts", ...args]] as const

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

interface Run {
  readonly target: string
  readonly run: string
  readonly seconds: number
  readonly rows: number
  readonly menus: number
  readonly peakRssMiB: number
}

/** One `effect-iiko sync --once` in its own process, under /usr/bin/time for the peak RSS. */
const sync = (target: string, run: string, env: Record<string, string>, args: ReadonlyArray<string>): Run => {
  const [node, nodeArgs] = cli(["sync", "--once", "--concurrency", "8", ...args])
  const started = performance.now()
  const result = spawnSync("/usr/bin/time", ["-f", "maxrss-kib=%M", node, ...nodeArgs], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
  const seconds = (performance.now() - started) / 1000
  const summary = /summary: .*?, (\d+) rows written .*?, (\d+) menus? downloaded/.exec(result.stdout)
  const rss = /maxrss-kib=(\d+)/.exec(result.stderr)
  if (result.status !== 0 || summary === null || rss === null) {
    throw new Error(`sync into ${target} failed (${result.status}):\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`)
  }
  const line = { target, run, seconds, rows: Number(summary[1]), menus: Number(summary[2]), peakRssMiB: Number(rss[1]) / 1024 }
  process.stdout.write(`${JSON.stringify(line)}\n`)
  return line
}

const main = async () => {
  const provided: Record<string, string> = {}
  const stopDatabase = await setupDatabases({ provide: (key: string, value: string) => void (provided[key] = value) } as never)
  const emulator = await startEmulator()
  try {
    await new Promise((resolve) => setTimeout(resolve, WARM_UP_SECONDS * 1000)) // let orders arrive
    const iiko = { IIKO_API_LOGIN: "bench", IIKO_BASE_URL: emulator.url }
    const dataDir = mkdtempSync(join(tmpdir(), "effect-iiko-bench-"))
    cpSync(provided["pgliteTemplate"]!, dataDir, { recursive: true })
    const runs = [
      sync("embedded PGlite", "first", iiko, ["--data-dir", dataDir]),
      sync("embedded PGlite", "second, nothing changed", iiko, ["--data-dir", dataDir]),
      sync("PostgreSQL 127.0.0.1", "first", { ...iiko, DATABASE_URL: provided["postgresUrl"]! }, []),
      sync("PostgreSQL 127.0.0.1", "second, nothing changed", { ...iiko, DATABASE_URL: provided["postgresUrl"]! }, [])
    ]
    rmSync(dataDir, { recursive: true, force: true })
    const table = runs.map((r) =>
      `| ${r.target} | ${r.run} | ${r.seconds.toFixed(1)} s | ${r.rows.toLocaleString("en")} | ${r.menus} | ${r.peakRssMiB.toFixed(0)} MiB |`
    )
    writeFileSync(
      "bench/results/cli-sync.md",
      `# effect-iiko sync --once\n\n${ORGANIZATIONS} organizations × ${PRODUCTS} products, emulator traffic ` +
        `${TRAFFIC} (per organization per hour) for ${WARM_UP_SECONDS} s before the first run; ` +
        `\`effect-iiko emulator\` and \`effect-iiko sync --once --concurrency 8\` in their own processes, ` +
        `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. The emulator keeps its traffic ` +
        `running, so a second run may carry the few orders and stop-list changes of the seconds in between.\n\n` +
        `| database | run | wall time | rows written | menus downloaded | peak RSS (sync process) |\n|---|---|---|---|---|---|\n` +
        `${table.join("\n")}\n`
    )
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
