/**
 * The in-process cells of the client benchmark, repeated in fresh processes: a bare call answered
 * from memory costs only 60–90 µs of CPU, so where the garbage collector and the JIT happen to
 * strike moves one run's overhead by ±20 points. Each child process alternates bare `HttpClient`,
 * `IikoClient` (`limits: false`) and `IikoClient` with `IikoLimits` on (a budget no run reaches) in
 * blocks, as `bench/client.ts` does; the parent reports every run and the median. Runs the built
 * `dist/` (`--src` for `src/`). Writes `bench/results/client-in-process.md`:
 *
 *   npm run build && npx tsx bench/clientInProcess.ts [runs]
 */
import { Context, Effect, Layer } from "effect"
import { HttpClient } from "effect/http"
import { execFileSync } from "node:child_process"
import { writeFileSync } from "node:fs"
import * as os from "node:os"
import { fileURLToPath } from "node:url"
import { bareCall, inProcess, libraryLabel, loadLibrary, median, ORG, unpaced } from "./clientFixtures.ts"

const ROUNDS = 30
const BLOCK = 1_000
const CONCURRENCY = [1, 32] as const
const VARIANTS = ["bare", "client", "limited"] as const
type Variant = typeof VARIANTS[number]

/** One child: CPU µs per call of each variant at `concurrency`. */
const child = async (concurrency: number): Promise<Record<Variant, number>> => {
  const { Iiko, IikoClient, IikoConfig } = await loadLibrary()
  const program = Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const url = "http://127.0.0.1:9"
    const clientWith = (limits: false | typeof unpaced) =>
      Effect.map(
        Layer.build(IikoClient.layer({ baseUrl: url, credentials: IikoConfig.v1("bench"), limits })),
        (context) =>
          Effect.provideService(Iiko.organizations({ organizationIds: [ORG] }), IikoClient.IikoClient, Context.get(context, IikoClient.IikoClient))
      )
    const calls: Record<Variant, Effect.Effect<unknown, unknown>> = {
      bare: bareCall(http, url),
      client: yield* clientWith(false),
      limited: yield* clientWith(unpaced)
    }
    const cpu: Record<Variant, number> = { bare: 0, client: 0, limited: 0 }
    for (let round = -1; round < ROUNDS; round++) {
      for (let i = 0; i < VARIANTS.length; i++) {
        const variant = VARIANTS[(round + 1 + i) % VARIANTS.length]!
        const start = process.cpuUsage()
        yield* Effect.forEach(Array.from({ length: BLOCK }), () => calls[variant], { concurrency, discard: true })
        const used = process.cpuUsage(start)
        if (round >= 0) cpu[variant] += used.user + used.system
      }
    }
    return { bare: cpu.bare / (ROUNDS * BLOCK), client: cpu.client / (ROUNDS * BLOCK), limited: cpu.limited / (ROUNDS * BLOCK) }
  })
  return Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(inProcess)))
}

const percent = (value: number) => `${value >= 0 ? "+" : ""}${value.toFixed(1)} %`

const parent = (runs: number) => {
  const self = fileURLToPath(import.meta.url)
  const loadStart = os.loadavg()[0]!.toFixed(2)
  const lines: Array<string> = []
  for (const concurrency of CONCURRENCY) {
    const results: Array<Record<Variant, number>> = []
    for (let run = 0; run < runs; run++) {
      const output = execFileSync(process.execPath, [...process.execArgv, self, "--child", String(concurrency), ...process.argv.filter((arg) => arg === "--src")], { encoding: "utf8" })
      results.push(JSON.parse(output.trim().split("\n").at(-1)!))
      process.stderr.write(".")
    }
    const overhead = (variant: Variant) => results.map((result) => ((result[variant] - result.bare) / result.bare) * 100)
    const client = overhead("client")
    const limited = overhead("limited")
    lines.push(
      `| ${concurrency} | ${median(results.map((r) => r.bare)).toFixed(1)} | ${median(results.map((r) => r.client)).toFixed(1)} | ` +
        `**${percent(median(client))}** | ${client.map((value) => percent(value).replace(" ", "")).join(", ")} | ` +
        `${median(results.map((r) => r.limited)).toFixed(1)} | **${percent(median(limited))}** |`
    )
  }
  const report = [
    "# Client overhead in process, repeated in fresh processes",
    "",
    `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, the library as ${libraryLabel()}. ${runs} runs per concurrency, each a fresh process alternating bare \`HttpClient\`, \`IikoClient\` (\`limits: false\`) and \`IikoClient\` with \`IikoLimits\` on (a budget no run reaches) in ${ROUNDS} blocks of ${BLOCK} calls per variant after one warm-up block; the transport answers the \`organizations\` call from memory (no socket). CPU = user + system time per call (µs), the median over the runs; overhead per run = (variant − bare) / bare, its median in bold and every run listed. Load average (1 min) at start ${loadStart}, at end ${os.loadavg()[0]!.toFixed(2)}, on ${os.cpus().length} CPUs.`,
    "",
    "| concurrency | bare CPU/call | client CPU/call | client overhead | each run | limited CPU/call | limited overhead |",
    "|---|---|---|---|---|---|---|",
    ...lines,
    ""
  ].join("\n")
  writeFileSync(new URL("results/client-in-process.md", import.meta.url), report)
  process.stdout.write("\n" + report)
}

const childAt = process.argv.indexOf("--child")
if (childAt >= 0) {
  process.stdout.write(JSON.stringify(await child(Number(process.argv[childAt + 1]))) + "\n")
} else {
  parent(Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 9))
}
