/**
 * The chain sync into PostgreSQL, against embedded PGlite and against the real server started by
 * test/database.setup.ts: what is written, that a rerun changes nothing, that changes arrive,
 * that organizations fail in isolation, that a sync killed mid-run and restarted loses and
 * duplicates nothing, the continuous mode, and the checkpoint migration.
 */
import { PgClient } from "@effect/sql-pg"
import { assert, describe, inject, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option, Queue, Redacted, References } from "effect"
import { SqlClient } from "effect/sql"
import { cpSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Iiko, IikoClient, IikoConfig, IikoCreation, IikoSync } from "../src/index.ts"
import * as IikoDatabase from "../src/IikoDatabase.ts"
import * as IikoSqlSync from "../src/IikoSqlSync.ts"
import { IikoEmulator } from "../src/testing/index.ts"

/** A client on an in-memory emulator (IikoSync's per-batch info logs left out of the test output). */
const iiko = (options: IikoEmulator.Options = {}) =>
  Layer.unwrap(Effect.gen(function*() {
    const emulator = yield* IikoEmulator.IikoEmulator
    return IikoClient.layer({ baseUrl: emulator.baseUrl, credentials: IikoConfig.v1("sync-test") })
  })).pipe(
    Layer.provideMerge(IikoEmulator.layer({ seed: 11, creationDelay: "0 millis", ...options })),
    Layer.merge(Layer.succeed(References.MinimumLogLevel, "Warn"))
  )

/** The server database of each store key, created on first use. */
const serverDatabases = new Map<string, string>()

/** A database on the real server, new for a new `key`, the same one when `key` is used again. */
const serverDatabase = (key: string) =>
  Layer.unwrap(Effect.gen(function*() {
    const url = new URL(inject("postgresUrl"))
    let name = serverDatabases.get(key)
    if (name === undefined) {
      name = `iiko_sync_${process.pid}_${serverDatabases.size + 1}`
      serverDatabases.set(key, name)
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`DROP DATABASE IF EXISTS ${sql(name!)}`
        yield* sql`CREATE DATABASE ${sql(name!)}`
      }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url.toString()), maxConnections: 1 })))
    }
    url.pathname = `/${name}`
    return IikoDatabase.layerUrl(Redacted.make(url.toString()))
  }))

/** A key for one store: an embedded data folder (a copy of the initialized template), removed at the end. */
const store = Effect.acquireRelease(
  Effect.sync(() => {
    const dir = mkdtempSync(join(tmpdir(), "effect-iiko-pglite-"))
    cpSync(inject("pgliteTemplate"), dir, { recursive: true })
    return dir
  }),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const backends = [
  {
    name: "embedded PGlite",
    /** Each call opens the database in `dir` anew, as a restarted process would. */
    database: (dir: string) => IikoDatabase.layerPglite(dir)
  },
  { name: "PostgreSQL server", database: serverDatabase }
] as const

/** Every synced row, keys and raw JSON, in a stable order (no timestamps, so no delivery checkpoint's `readAt`). */
const snapshot = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  return {
    organizations: yield* sql`SELECT id, name, raw::text FROM iiko_organizations ORDER BY id`,
    terminalGroups: yield* sql`SELECT id, organization_id, raw::text FROM iiko_terminal_groups ORDER BY id`,
    groups: yield* sql`SELECT organization_id, id, raw::text FROM iiko_product_groups ORDER BY 1, 2`,
    products: yield* sql`SELECT organization_id, id, type, raw::text FROM iiko_products ORDER BY 1, 2`,
    stopLists: yield* sql`SELECT terminal_group_id, product_id, size_id, balance, raw::text FROM iiko_stop_list_items ORDER BY 1, 2, 3`,
    deliveries: yield* sql`SELECT id, organization_id, status, raw::text FROM iiko_deliveries ORDER BY id`,
    checkpoints: yield* sql`SELECT organization_id, stream, (value - 'readAt')::text AS value FROM iiko_checkpoints ORDER BY 1, 2`
  }
})

/** A delivery per organization through the client, settled, so the sync has orders to carry and the world stays still. */
const someDeliveries = Effect.gen(function*() {
  const { organizations } = yield* Iiko.organizations({})
  for (const organization of organizations) {
    const menu = yield* Iiko.nomenclature({ organizationId: organization.id })
    const product = menu.products.find((p) => (p.sizePrices?.[0]?.price.currentPrice ?? 0) > 0)!
    yield* IikoCreation.createDelivery({
      organizationId: organization.id,
      order: {
        phone: "+70000000000",
        orderServiceType: "DeliveryByClient",
        items: [{ type: "Product", productId: product.id, amount: 1, price: product.sizePrices![0]!.price.currentPrice }]
      }
    })
  }
  yield* (yield* IikoEmulator.IikoEmulator).settle
  return organizations
})

for (const backend of backends) {
  describe(`IikoSqlSync into ${backend.name}`, () => {
    it.live("writes the chain, keeps raw JSON beside key columns, and a rerun changes nothing", () =>
      Effect.gen(function*() {
        const organizations = yield* someDeliveries
        const emulator = yield* IikoEmulator.IikoEmulator
        const state = yield* emulator.state
        const dir = yield* store
        yield* Effect.gen(function*() {
          const first = yield* IikoSqlSync.run({ once: true })
          assert.deepStrictEqual(first.failures, [])
          assert.strictEqual(first.organizations, organizations.length)
          assert.strictEqual(first.menusDownloaded, organizations.length)
          const counts = yield* IikoDatabase.counts
          assert.strictEqual(counts.organizations, state.organizations.length)
          assert.strictEqual(counts.terminalGroups, state.terminalGroups.length)
          assert.strictEqual(counts.products, organizations.length * state.sizes.products)
          assert.strictEqual(counts.deliveries, organizations.length)
          assert.strictEqual(counts.checkpoints, organizations.length * 2)
          assert.strictEqual(IikoSqlSync.totalWritten(first.written), counts.organizations + counts.terminalGroups +
            counts.productGroups + counts.products + counts.stopListItems + counts.deliveries)

          const sql = yield* SqlClient.SqlClient
          const [product] = yield* sql<{ name: string; raw_name: string; kind: string }>`
            SELECT name, raw->>'name' AS raw_name, jsonb_typeof(raw) AS kind FROM iiko_products LIMIT 1`
          assert.strictEqual(product!.raw_name, product!.name)
          assert.strictEqual(product!.kind, "object")

          const before = yield* snapshot
          const stamps = yield* sql`SELECT max(updated_at)::text AS at FROM iiko_products`
          const second = yield* IikoSqlSync.run({ once: true })
          assert.strictEqual(IikoSqlSync.totalWritten(second.written), 0)
          assert.strictEqual(second.menusDownloaded, 0)
          assert.deepStrictEqual(yield* snapshot, before)
          assert.deepStrictEqual(yield* sql`SELECT max(updated_at)::text AS at FROM iiko_products`, stamps)
        }).pipe(Effect.provide(backend.database(dir)))
      }).pipe(Effect.scoped, Effect.provide(iiko())), 120_000)

    it.live("a second run carries exactly what changed: stop-list entries and deliveries", () =>
      Effect.gen(function*() {
        const dir = yield* store
        yield* Effect.gen(function*() {
          yield* IikoSqlSync.run({ once: true })
          const organizations = yield* someDeliveries
          const organizationId = organizations[0]!.id
          const { terminalGroups } = yield* Iiko.terminalGroups({ organizationIds: [organizationId] })
          const terminalGroupId = terminalGroups[0]!.items[0]!.id
          const menu = yield* Iiko.nomenclature({ organizationId })
          yield* Iiko.stopListsAdd({
            organizationId,
            terminalGroupId,
            items: [{ productId: menu.products[0]!.id, balance: 0 }]
          })
          const next = yield* IikoSqlSync.run({ once: true })
          assert.deepStrictEqual(next.failures, [])
          assert.strictEqual(next.written.deliveries, organizations.length)
          assert.strictEqual(next.written.stopListItems, 1)
          assert.strictEqual(next.written.products, 0)
          const sql = yield* SqlClient.SqlClient
          const rows = yield* sql<{ balance: number }>`SELECT balance FROM iiko_stop_list_items
            WHERE terminal_group_id = ${terminalGroupId} AND product_id = ${menu.products[0]!.id}`
          assert.deepStrictEqual(rows.map((row) => Number(row.balance)), [0])
        }).pipe(Effect.provide(backend.database(dir)))
      }).pipe(Effect.scoped, Effect.provide(iiko())), 120_000)

    it.live("one organization failing does not stop the others", () =>
      Effect.gen(function*() {
        const emulator = yield* IikoEmulator.IikoEmulator
        const [broken] = (yield* emulator.state).organizations
        const dir = yield* store
        yield* emulator.injectFault({ fault: IikoEmulator.Fault.serverError({ status: 400 }), operations: ["stopLists"], times: 1 })
        yield* Effect.gen(function*() {
          const summary = yield* IikoSqlSync.run({ once: true, concurrency: 1 })
          assert.strictEqual(summary.failures.length, 1)
          assert.strictEqual(summary.failures[0]!.organizationId, broken!.id)
          const sql = yield* SqlClient.SqlClient
          const healthy = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM iiko_checkpoints
            WHERE organization_id <> ${broken!.id} AND stream = 'deliveries'`
          assert.strictEqual(Number(healthy[0]!.n), 1)
        }).pipe(Effect.provide(backend.database(dir)))
      }).pipe(Effect.scoped, Effect.provide(iiko())), 120_000)

    it.live("a sync killed mid-run and restarted ends with exactly what an uninterrupted sync writes", () =>
      Effect.gen(function*() {
        yield* someDeliveries // settled: nothing changes between the runs
        const reference = yield* IikoSqlSync.run({ once: true }).pipe(
          Effect.andThen(snapshot),
          Effect.provide(backend.database(yield* store))
        )
        const dir = yield* store
        const firstDone = yield* Deferred.make<void>()
        const killed = yield* IikoSqlSync.run({
          once: true,
          concurrency: 1,
          onProgress: (event) => event._tag === "OrganizationSynced" ? Deferred.succeed(firstDone, undefined) : Effect.void
        }).pipe(Effect.provide(backend.database(dir)), Effect.forkChild)
        yield* Deferred.await(firstDone)
        yield* Fiber.interrupt(killed)

        const resumed = yield* Effect.gen(function*() {
          const partial = yield* IikoDatabase.counts
          assert.isBelow(partial.checkpoints, reference.checkpoints.length, "the first run was stopped part-way")
          const summary = yield* IikoSqlSync.run({ once: true })
          assert.deepStrictEqual(summary.failures, [])
          return yield* snapshot
        }).pipe(Effect.provide(backend.database(dir)))
        assert.deepStrictEqual(resumed, reference)
      }).pipe(Effect.scoped, Effect.provide(iiko({ sizes: { organizations: 3 } }))), 120_000)

    it.live("continuous: the polling streams carry new deliveries; a follower iiko failed is restarted and then counts as healthy", () =>
      Effect.gen(function*() {
        const emulator = yield* IikoEmulator.IikoEmulator
        const dir = yield* store
        yield* Effect.gen(function*() {
          const events = yield* Queue.unbounded<IikoSqlSync.Progress>()
          const running = yield* IikoSqlSync.run({
            once: false,
            interval: "100 millis",
            onProgress: (event) => Queue.offer(events, event)
          }).pipe(Effect.forkChild)
          /** Takes progress events until `done` says so (within 30 s), returning them. */
          const until = (done: (seen: ReadonlyArray<IikoSqlSync.Progress>) => boolean) =>
            Effect.gen(function*() {
              const seen: Array<IikoSqlSync.Progress> = []
              while (!done(seen)) seen.push(yield* Queue.take(events))
              return seen
            }).pipe(Effect.timeout("30 seconds"))
          yield* until((seen) => seen.some((event) => event._tag === "PassDone"))
          const organizations = yield* someDeliveries
          const delivered = (seen: ReadonlyArray<IikoSqlSync.Progress>) =>
            seen.reduce((sum, event) => sum + (event._tag === "OrganizationSynced" ? event.result.written.deliveries : 0), 0)
          const carried = yield* until((seen) => delivered(seen) >= organizations.length)
          assert.isAbove(carried.filter((event) => event._tag === "PassStarted").length, 0, "organizations are re-read")

          // iiko refuses the next by_revision poll once: that follower ends, the next pass restarts
          // it, and once it has polled through a pass without failing it is no longer listed as failed.
          yield* emulator.injectFault({
            fault: IikoEmulator.Fault.serverError({ status: 403 }),
            operations: ["deliveriesByRevision"],
            times: 1
          })
          yield* until((seen) => seen.some((event) => event._tag === "OrganizationSynced" && event.result.error !== undefined))
          const recovered = yield* until((seen) =>
            seen.some((event) => event._tag === "PassDone" && event.summary.failures.length === 0)
          )
          yield* Fiber.interrupt(running)
          assert.strictEqual(delivered(recovered), 0, "nothing changed meanwhile")
          const counts = yield* IikoDatabase.counts
          assert.strictEqual(counts.deliveries, organizations.length)
        }).pipe(Effect.provide(backend.database(dir)))
      }).pipe(Effect.scoped, Effect.provide(iiko())), 120_000)

    it.live("migration 0002 turns the plain revisions of 0001 into IikoSync checkpoints", () =>
      Effect.gen(function*() {
        const dir = yield* store
        yield* Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          yield* IikoDatabase.migrate
          // Back to the schema and values of 0001.
          yield* sql`DELETE FROM effect_sql_migrations WHERE migration_id = 2`
          yield* sql`ALTER TABLE iiko_checkpoints ALTER COLUMN value TYPE text USING value::text`
          yield* sql`INSERT INTO iiko_checkpoints (organization_id, stream, value, updated_at) VALUES
            ('org', 'menu', '42', now()), ('org', 'deliveries', '1795000000000', '2026-11-28T10:00:00Z')`
          assert.deepStrictEqual(yield* IikoDatabase.migrate, [[2, "checkpoints_as_json"]])
          assert.deepStrictEqual(
            yield* IikoDatabase.checkpoint("org", "menu", IikoSync.NomenclatureCheckpoint),
            Option.some({ revision: 42 })
          )
          assert.deepStrictEqual(
            yield* IikoDatabase.checkpoint("org", "deliveries", IikoSync.DeliveryCheckpoint),
            Option.some({ revision: 1795000000000, readAt: Date.parse("2026-11-28T10:00:00Z") })
          )
        }).pipe(Effect.provide(backend.database(dir)))
      }).pipe(Effect.scoped), 120_000)
  })
}
