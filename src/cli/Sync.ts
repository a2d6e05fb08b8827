/**
 * `effect-iiko sync`: organizations, terminal groups, menus, stop lists and delivery changes of
 * every organization into PostgreSQL (`DATABASE_URL`) or, with none set, into PostgreSQL embedded
 * in the process (PGlite, data in `--data-dir`). `--once` catches up and exits; otherwise it keeps
 * syncing. Ctrl-C stops cleanly (the batch in flight is rolled back, its checkpoint with it) and
 * the next run resumes from the checkpoints. A TTY gets a live status line, anything else one
 * plain line per organization; both end with a summary.
 *
 * The database modules (and their optional peers `@effect/sql-pg`, `@electric-sql/pglite`) are
 * loaded only when this command runs.
 *
 * @since 0.1.0
 */
import { Clock, Console, Effect, Option, Ref, References, Stdio, Stream } from "effect"
import { Command, Flag } from "effect/cli"
import type * as IikoSqlSync from "../IikoSqlSync.ts"
import * as CliFailure from "./CliFailure.ts"
import { parseDuration } from "./Emulator.ts"
import { Target } from "./Target.ts"

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : word.endsWith("s") ? "es" : "s"}`

/**
 * One plain line for an organization's step.
 *
 * @since 0.1.0
 * @category output
 */
export const organizationLine = (result: IikoSqlSync.OrganizationResult): string =>
  result.error !== undefined
    ? `${result.name}: FAILED ${result.error}`
    : `${result.name}: menu ${result.menuChanged ? `revision ${result.menuRevision} (${plural(result.written.products, "product")} written)` : "unchanged"}, ` +
      `${plural(result.written.stopListItems, "stop-list change")}, ${plural(result.written.deliveries, "delivery change")}` +
      ` (revision ${result.deliveriesRevision})`

/**
 * The final summary lines.
 *
 * @since 0.1.0
 * @category output
 */
export const summaryLines = (summary: IikoSqlSync.Summary, totalWritten: number): ReadonlyArray<string> => [
  `summary: ${plural(summary.passes, "pass")}, ${plural(summary.organizations, "organization")}, ${plural(totalWritten, "row")} written ` +
  `(${summary.written.organizations} organizations, ${summary.written.terminalGroups} terminal groups, ` +
  `${summary.written.productGroups} product groups, ${summary.written.products} products, ` +
  `${summary.written.stopListItems} stop-list items, ${summary.written.deliveries} deliveries), ` +
  `${plural(summary.menusDownloaded, "menu")} downloaded, ${(summary.durationMillis / 1000).toFixed(1)} s`,
  ...summary.failures.map((failure) => `failed: ${failure.organizationId}: ${failure.error}`)
]

/** Live status on a terminal: organizations done, deliveries written, lag. */
const terminalProgress = Effect.gen(function*() {
  const stdio = yield* Stdio.Stdio
  // `done` is a set: when following, an organization reports once per batch, not once per pass.
  const state = yield* Ref.make({ total: 0, done: new Set<string>(), deliveries: 0, failed: 0, lastSynced: new Map<string, number>() })
  const write = (text: string) => Stream.make(text).pipe(Stream.run(stdio.stdout()), Effect.ignore)
  return (event: IikoSqlSync.Progress) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const s = yield* Ref.updateAndGet(state, (s) => {
        switch (event._tag) {
          case "PassStarted":
            return { ...s, total: event.organizations, done: new Set<string>() }
          case "OrganizationSynced":
            if (event.result.error === undefined) s.lastSynced.set(event.result.organizationId, now)
            return {
              ...s,
              done: new Set(s.done).add(event.result.organizationId),
              deliveries: s.deliveries + event.result.written.deliveries,
              failed: s.failed + (event.result.error === undefined ? 0 : 1)
            }
          case "PassDone":
            return s
        }
      })
      const oldest = Math.min(...s.lastSynced.values())
      const lag = Number.isFinite(oldest) ? `${((now - oldest) / 1000).toFixed(1)} s` : "-"
      if (event._tag === "OrganizationSynced" && event.result.error !== undefined) {
        yield* write(`\r\x1b[2K${organizationLine(event.result)}\n`)
      }
      const line = `pass ${event.pass}: ${s.done.size}/${s.total} organizations, ${s.deliveries} delivery changes, ` +
        `${s.failed} failed, lag ${lag}`
      yield* write(`\r\x1b[2K${line}${event._tag === "PassDone" ? "\n" : ""}`)
    })
})

const lineProgress = (event: IikoSqlSync.Progress) => {
  switch (event._tag) {
    case "PassStarted":
      return Console.log(`pass ${event.pass}: ${plural(event.organizations, "organization")}`)
    case "OrganizationSynced":
      // When following, every pass reports each organization; print only those with news.
      return event.pass > 1 && event.result.error === undefined && Object.values(event.result.written).every((n) => n === 0)
        ? Effect.void
        : Console.log(organizationLine(event.result))
    case "PassDone":
      return Effect.void
  }
}

/**
 * The `sync` command.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make(
  "sync",
  {
    once: Flag.Boolean("once").pipe(
      Flag.withDescription("Catch up once and exit (default: keep syncing every --interval until Ctrl-C)"),
      Flag.withDefault(false)
    ),
    interval: Flag.String("interval").pipe(
      Flag.withDescription("When following: pause between polls and between re-reads of the organizations"),
      Flag.withDefault("30 seconds")
    ),
    concurrency: Flag.Int("concurrency").pipe(Flag.withDescription("Organizations synced at once"), Flag.withDefault(4)),
    dataDir: Flag.String("data-dir").pipe(
      Flag.withDescription("Folder of the embedded database when DATABASE_URL is not set (default .effect-iiko/pglite)"),
      Flag.optional
    ),
    deliveriesSince: Flag.String("deliveries-since").pipe(
      Flag.withDescription("How far back the first run loads deliveries"),
      Flag.withDefault("1 day")
    )
  },
  (flags) =>
    Effect.gen(function*() {
      const [IikoDatabase, Sync] = yield* Effect.promise(() =>
        Promise.all([import("../IikoDatabase.ts"), import("../IikoSqlSync.ts")])
      )
      const target = yield* Target
      const interval = yield* parseDuration("interval", Option.some(flags.interval))
      const deliveriesSince = yield* parseDuration("deliveries-since", Option.some(flags.deliveriesSince))
      const stdio = yield* Stdio.Stdio
      const progress = (yield* stdio.stdoutIsTerminal) ? yield* terminalProgress : lineProgress
      const last = yield* Ref.make<IikoSqlSync.Summary | undefined>(undefined)
      const printSummary = Effect.flatMap(Ref.get(last), (summary) =>
        summary === undefined
          ? Effect.void
          : Effect.forEach(summaryLines(summary, Sync.totalWritten(summary.written)), (line) => Console.log(line), { discard: true }))

      const summary = yield* Effect.gen(function*() {
        const database = yield* IikoDatabase.IikoDatabase
        yield* Console.log(`syncing ${target.description} into ${database.description}`)
        return yield* Sync.run({
          once: flags.once,
          interval,
          concurrency: flags.concurrency,
          deliveriesSince,
          onProgress: (event) =>
            Effect.andThen(
              event._tag === "PassDone" ? Ref.set(last, event.summary) : Effect.void,
              progress(event)
            )
        })
      }).pipe(
        // IikoSync's per-batch info logs would repeat (and, on a TTY, break) the progress output.
        Effect.provideService(References.MinimumLogLevel, "Warn"),
        Effect.provide(IikoDatabase.layerConfig(Option.getOrUndefined(flags.dataDir))),
        Effect.onInterrupt(() => Effect.andThen(Console.log("\nstopped; the next run resumes from the checkpoints"), printSummary)),
        Effect.catchTag("SqlError", (error) => Effect.fail(CliFailure.failed(`database: ${error.message}`))),
        Effect.catchTag("MigrationError", (error) => Effect.fail(CliFailure.failed(`database schema: ${error.message}`)))
      )
      yield* Ref.set(last, summary)
      yield* printSummary
      if (summary.failures.length > 0) {
        return yield* CliFailure.failed(`${plural(summary.failures.length, "organization")} failed to sync`)
      }
    })
).pipe(
  Command.withDescription(
    "Sync organizations, terminal groups, menus, stop lists and deliveries into PostgreSQL (DATABASE_URL) or an embedded one"
  )
)
