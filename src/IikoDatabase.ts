/**
 * The PostgreSQL database a chain is synced into: the connection (a real server by URL, or
 * PGlite embedded in the process with its data in a local folder), the schema (effect's SQL
 * `Migrator`), and the writes the sync makes: upserts keyed by iiko ids that leave unchanged
 * rows untouched, the raw JSON of every entity in a `jsonb` column beside typed key columns, and
 * checkpoints to be written in the same transaction as the batch they cover.
 *
 * Both connections go through `@effect/sql-pg`'s wire-protocol client: to a server over TCP, or
 * to PGlite through an in-process stream. One dialect, one driver.
 *
 * Needs the optional peers `@effect/sql-pg`, and `@electric-sql/pglite` for the embedded database.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as IikoDatabase from "effect-iiko/IikoDatabase"
 *
 * const counts = Effect.gen(function*() {
 *   yield* IikoDatabase.migrate
 *   return yield* IikoDatabase.counts
 * }).pipe(Effect.provide(IikoDatabase.layerPglite(".effect-iiko/pglite")))
 * ```
 *
 * @since 0.1.0
 */
import { PgClient } from "@effect/sql-pg"
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import type { MigrationError } from "effect/sql/Migrator"
import type { SqlError } from "effect/sql/SqlError"
import { mkdir } from "node:fs/promises"
import * as PgliteStream from "./internal/pgliteStream.ts"

// =============================================================================
// Service
// =============================================================================

/**
 * Which database is connected, for messages (never includes a password).
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** `true` for PGlite in this process. */
  readonly embedded: boolean
  /** "embedded PGlite in .effect-iiko/pglite" or "PostgreSQL at host:port/database". */
  readonly description: string
}

/**
 * @since 0.1.0
 * @category services
 */
export class IikoDatabase extends Context.Service<IikoDatabase, Service>()("effect-iiko/IikoDatabase") {}

/**
 * What every database layer provides.
 *
 * @since 0.1.0
 * @category models
 */
export type Provided = IikoDatabase | SqlClient.SqlClient | PgClient.PgClient

/**
 * The default folder of the embedded database, relative to the working directory.
 *
 * @since 0.1.0
 */
export const DEFAULT_DATA_DIR = ".effect-iiko/pglite"

// =============================================================================
// Layers
// =============================================================================

/**
 * PostgreSQL embedded in this process (PGlite), its data in `dataDir` (created when missing).
 * One session: statements and transactions are serialized through one connection.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPglite = (dataDir: string = DEFAULT_DATA_DIR): Layer.Layer<Provided, SqlError> =>
  Layer.unwrap(Effect.gen(function*() {
    const { PGlite } = yield* Effect.promise(() => import("@electric-sql/pglite"))
    const db = yield* Effect.acquireRelease(
      Effect.promise(async () => {
        await mkdir(dataDir, { recursive: true })
        return PGlite.create(dataDir)
      }),
      (db) => Effect.promise(() => db.close())
    )
    return Layer.merge(
      PgClient.layerFrom(PgClient.make({
        stream: () => PgliteStream.connect(db),
        username: "postgres",
        database: "postgres",
        maxConnections: 1,
        minConnections: 1
      })),
      Layer.succeed(IikoDatabase, { embedded: true, description: `embedded PGlite in ${dataDir}` })
    )
  }))

/**
 * A PostgreSQL server at `url` (`postgres://user:password@host:port/database`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerUrl = (url: Redacted.Redacted<string>): Layer.Layer<Provided, SqlError> =>
  Layer.merge(
    PgClient.layer({ url, maxConnections: 4 }),
    Layer.succeed(IikoDatabase, { embedded: false, description: `PostgreSQL at ${describeUrl(Redacted.value(url))}` })
  )

/** `host:port/database` of a connection URL, without user or password. */
const describeUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`
  } catch {
    return "the configured URL"
  }
}

/**
 * `DATABASE_URL` (read through `Config`, kept `Redacted`) selects a server; without it the
 * embedded database in `dataDir`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (dataDir: string = DEFAULT_DATA_DIR): Layer.Layer<Provided, SqlError | Config.ConfigError> =>
  Layer.unwrap(Effect.map(
    Config.option(Config.Redacted("DATABASE_URL")),
    (url) => Option.isSome(url) && Redacted.value(url.value) !== "" ? layerUrl(url.value) : layerPglite(dataDir)
  ))

// =============================================================================
// Schema
// =============================================================================

const TABLES = {
  organizations: "iiko_organizations",
  terminalGroups: "iiko_terminal_groups",
  productGroups: "iiko_product_groups",
  products: "iiko_products",
  stopListItems: "iiko_stop_list_items",
  deliveries: "iiko_deliveries",
  checkpoints: "iiko_checkpoints"
} as const

/**
 * The tables, by what they hold.
 *
 * @since 0.1.0
 */
export type Table = keyof typeof TABLES

const createTables = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE iiko_organizations (
    id text PRIMARY KEY,
    name text,
    raw jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`
  yield* sql`CREATE TABLE iiko_terminal_groups (
    id text PRIMARY KEY,
    organization_id text NOT NULL,
    name text,
    raw jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`
  yield* sql`CREATE TABLE iiko_product_groups (
    organization_id text NOT NULL,
    id text NOT NULL,
    name text,
    raw jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, id)
  )`
  yield* sql`CREATE TABLE iiko_products (
    organization_id text NOT NULL,
    id text NOT NULL,
    name text,
    type text,
    group_id text,
    raw jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, id)
  )`
  yield* sql`CREATE TABLE iiko_stop_list_items (
    organization_id text NOT NULL,
    terminal_group_id text NOT NULL,
    product_id text NOT NULL,
    size_id text NOT NULL,
    balance double precision,
    raw jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (terminal_group_id, product_id, size_id)
  )`
  yield* sql`CREATE INDEX iiko_stop_list_items_organization ON iiko_stop_list_items (organization_id)`
  yield* sql`CREATE TABLE iiko_deliveries (
    id text PRIMARY KEY,
    organization_id text NOT NULL,
    creation_status text,
    status text,
    number bigint,
    raw jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`
  yield* sql`CREATE INDEX iiko_deliveries_organization ON iiko_deliveries (organization_id)`
  yield* sql`CREATE TABLE iiko_checkpoints (
    organization_id text NOT NULL,
    stream text NOT NULL,
    value text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, stream)
  )`
})

/**
 * Checkpoints become JSON (the Schema-encoded checkpoint of an `IikoSync` stream): the plain
 * revisions of 0001 are converted, a delivery checkpoint taking its row's `updated_at` as the time
 * its revision was read.
 */
const checkpointsAsJson = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE iiko_checkpoints ALTER COLUMN value TYPE jsonb USING CASE
    WHEN stream = 'deliveries'
      THEN jsonb_build_object('revision', value::numeric, 'readAt', floor(extract(epoch FROM updated_at) * 1000))
    ELSE jsonb_build_object('revision', value::numeric)
  END`
})

/**
 * Creates or upgrades the schema with effect's SQL `Migrator` (migrations recorded in
 * `effect_sql_migrations`); returns the migrations applied now.
 *
 * @since 0.1.0
 * @category schema
 */
export const migrate: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  MigrationError | SqlError,
  SqlClient.SqlClient
> = Migrator.make({})({
  loader: Migrator.fromRecord({ "0001_create_tables": createTables, "0002_checkpoints_as_json": checkpointsAsJson })
})

export type { MigrationError } from "effect/sql/Migrator"

// =============================================================================
// Writes
// =============================================================================

/**
 * One entity to store: its typed key columns and the raw JSON iiko sent for it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row {
  readonly [column: string]: string | number | boolean | null
}

const KEYS: Record<Exclude<Table, "checkpoints">, ReadonlyArray<string>> = {
  organizations: ["id"],
  terminalGroups: ["id"],
  productGroups: ["organization_id", "id"],
  products: ["organization_id", "id"],
  stopListItems: ["terminal_group_id", "product_id", "size_id"],
  deliveries: ["id"]
}

const CHUNK = 1000

/**
 * Inserts or updates `rows` (each with a `raw` JSON value) keyed by their iiko ids. A row whose
 * raw JSON is unchanged is not rewritten; returns how many rows were inserted or changed.
 *
 * @since 0.1.0
 * @category writes
 */
export const upsert = (
  table: Exclude<Table, "checkpoints">,
  rows: ReadonlyArray<{ readonly columns: Row; readonly raw: unknown }>
): Effect.Effect<number, SqlError, PgClient.PgClient> =>
  Effect.gen(function*() {
    if (rows.length === 0) return 0
    const sql = yield* PgClient.PgClient
    const name = TABLES[table]
    const keys = KEYS[table]
    const columns = Object.keys(rows[0]!.columns)
    const updates = [...columns.filter((column) => !keys.includes(column)), "raw"]
      .map((column) => `${column} = EXCLUDED.${column}`)
      .concat("updated_at = now()")
      .join(", ")
    let written = 0
    for (let start = 0; start < rows.length; start += CHUNK) {
      const values = rows.slice(start, start + CHUNK).map(({ columns, raw }) => ({ ...columns, raw: sql.json(raw) }))
      const result = yield* sql<{ readonly written: number }>`INSERT INTO ${sql(name)} ${sql.insert(values as any)}
        ON CONFLICT (${sql.literal(keys.join(", "))}) DO UPDATE SET ${sql.literal(updates)}
        WHERE ${sql(name)}.raw IS DISTINCT FROM EXCLUDED.raw
        RETURNING 1 AS written`
      written += result.length
    }
    return written
  })

/**
 * The key of one stop-list row.
 *
 * @since 0.1.0
 * @category models
 */
export interface StopListKey {
  readonly terminal_group_id: string
  readonly product_id: string
  readonly size_id: string
}

/**
 * Applies a stop-list change of one organization: upserts `upserted` and deletes the `removed`
 * entries. Returns how many rows were inserted, changed or deleted.
 *
 * @since 0.1.0
 * @category writes
 */
export const updateStopLists = (
  organizationId: string,
  changes: {
    readonly upserted: ReadonlyArray<{ readonly columns: Row; readonly raw: unknown }>
    readonly removed: ReadonlyArray<StopListKey>
  }
): Effect.Effect<number, SqlError, PgClient.PgClient> =>
  Effect.gen(function*() {
    const sql = yield* PgClient.PgClient
    const written = yield* upsert("stopListItems", changes.upserted)
    if (changes.removed.length === 0) return written
    const removed = changes.removed.map((key) => `${key.terminal_group_id}/${key.product_id}/${key.size_id}`)
    const deleted = yield* sql`DELETE FROM iiko_stop_list_items WHERE organization_id = ${organizationId}
      AND (terminal_group_id || '/' || product_id || '/' || size_id) IN ${sql.in(removed)}
      RETURNING 1`
    return written + deleted.length
  })

/**
 * The stop-list rows stored for one organization.
 *
 * @since 0.1.0
 * @category reads
 */
export const stopListItems = (
  organizationId: string
): Effect.Effect<ReadonlyArray<StopListKey & { readonly balance: number }>, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<StopListKey & { readonly balance: number | string | null }>`
      SELECT terminal_group_id, product_id, size_id, balance FROM iiko_stop_list_items
      WHERE organization_id = ${organizationId}`
    return rows.map((row) => ({ ...row, balance: Number(row.balance) }))
  })

/**
 * The stored checkpoint of one stream (`"menu"`, `"deliveries"`, …) of an organization, decoded
 * with `schema`. A value that no longer decodes is logged and treated as absent: the stream then
 * starts over, which the upserts make safe.
 *
 * @since 0.1.0
 * @category checkpoints
 */
export const checkpoint = <A, I>(
  organizationId: string,
  stream: string,
  schema: Schema.Codec<A, I>
): Effect.Effect<Option.Option<A>, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly value: string }>`SELECT value::text AS value FROM iiko_checkpoints
      WHERE organization_id = ${organizationId} AND stream = ${stream}`
    if (rows[0] === undefined) return Option.none()
    const decoded = Schema.decodeUnknownOption(Schema.fromJsonString(schema))(rows[0].value)
    if (Option.isNone(decoded)) {
      yield* Effect.logWarning(`iiko sync: the stored ${stream} checkpoint does not decode; starting over`).pipe(
        Effect.annotateLogs({ organization: organizationId })
      )
    }
    return decoded
  })

/**
 * Stores a checkpoint (as JSON, encoded with `schema`); run it in the same `sql.withTransaction`
 * as the batch it covers.
 *
 * @since 0.1.0
 * @category checkpoints
 */
export const saveCheckpoint = <A, I>(
  organizationId: string,
  stream: string,
  schema: Schema.Codec<A, I>,
  value: A
): Effect.Effect<void, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const json = Schema.encodeSync(Schema.fromJsonString(schema))(value)
    yield* sql`INSERT INTO iiko_checkpoints (organization_id, stream, value) VALUES (${organizationId}, ${stream}, ${json}::jsonb)
      ON CONFLICT (organization_id, stream) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
      WHERE iiko_checkpoints.value IS DISTINCT FROM EXCLUDED.value`
  })

/**
 * Row counts of every table.
 *
 * @since 0.1.0
 * @category reads
 */
export const counts: Effect.Effect<Record<Table, number>, SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const entries = yield* Effect.forEach(Object.entries(TABLES), ([key, table]) =>
    Effect.map(
      sql<{ readonly count: string | number }>`SELECT count(*)::int AS count FROM ${sql(table)}`,
      (rows) => [key, Number(rows[0]?.count ?? 0)] as const
    ))
  return Object.fromEntries(entries) as Record<Table, number>
})
