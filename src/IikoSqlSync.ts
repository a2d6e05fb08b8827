/**
 * Syncs a restaurant chain into PostgreSQL (see `IikoDatabase`): organizations, terminal
 * groups, and per organization its menu (nomenclature by revision), stop lists and delivery
 * changes (by revision). Every batch is written in one transaction together with the checkpoint
 * that follows it, so a sync stopped at any point (Ctrl-C, a crash, a lost connection) resumes
 * from the last committed checkpoint and neither loses nor duplicates a row; rows are upserted by
 * iiko id and a row whose raw JSON did not change is not rewritten. Organizations are synced
 * concurrently and in isolation: one failing does not stop the others.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { IikoClient } from "effect-iiko"
 * import * as IikoDatabase from "effect-iiko/IikoDatabase"
 * import * as IikoSqlSync from "effect-iiko/IikoSqlSync"
 *
 * // DATABASE_URL or embedded PGlite; IIKO_* credentials for iiko Cloud.
 * export const catchUp = IikoSqlSync.run({ once: true }).pipe(
 *   Effect.provide(IikoDatabase.layerConfig()),
 *   Effect.provide(IikoClient.layerConfig()),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Clock, DateTime, Duration, Effect, Option, Ref, Schedule, Schema } from "effect"
import { PgClient } from "@effect/sql-pg"
import type { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import type { Endpoint } from "./Endpoint.ts"
import * as Iiko from "./Iiko.ts"
import type * as IikoClient from "./IikoClient.ts"
import * as IikoDatabase from "./IikoDatabase.ts"
import * as IikoDate from "./IikoDate.ts"
import { IikoError, InvalidResponse } from "./IikoError.ts"

// =============================================================================
// Models
// =============================================================================

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Catch up once and return (default); `false` keeps syncing every `interval`. */
  readonly once?: boolean | undefined
  /** Pause between passes when continuous (default 30 seconds). */
  readonly interval?: Duration.Input | undefined
  /** Organizations synced at the same time (default 4). */
  readonly concurrency?: number | undefined
  /** How far back the first run loads deliveries, by delivery date (default 1 day). */
  readonly deliveriesSince?: Duration.Input | undefined
  /** Called after each organization and each pass, for progress displays. */
  readonly onProgress?: ((event: Progress) => Effect.Effect<void>) | undefined
}

/**
 * Rows inserted or changed (or deleted, for stop lists), per kind.
 *
 * @since 0.1.0
 * @category models
 */
export interface Written {
  readonly organizations: number
  readonly terminalGroups: number
  readonly productGroups: number
  readonly products: number
  readonly stopListItems: number
  readonly deliveries: number
}

/**
 * What one organization's step did.
 *
 * @since 0.1.0
 * @category models
 */
export interface OrganizationResult {
  readonly organizationId: string
  readonly name: string
  readonly written: Written
  /** `true` when the menu revision moved and the menu was downloaded and written. */
  readonly menuChanged: boolean
  readonly menuRevision: number | undefined
  readonly deliveriesRevision: number | undefined
  /** The failure that stopped this organization's step, if any (the others go on). */
  readonly error: string | undefined
}

/**
 * Progress events.
 *
 * @since 0.1.0
 * @category models
 */
export type Progress =
  | { readonly _tag: "PassStarted"; readonly pass: number; readonly organizations: number }
  | { readonly _tag: "OrganizationSynced"; readonly pass: number; readonly result: OrganizationResult }
  | { readonly _tag: "PassDone"; readonly pass: number; readonly summary: Summary }

/**
 * Totals over every pass so far.
 *
 * @since 0.1.0
 * @category models
 */
export interface Summary {
  readonly passes: number
  readonly organizations: number
  readonly written: Written
  readonly menusDownloaded: number
  /** Organizations whose last step failed, with the reason. */
  readonly failures: ReadonlyArray<{ readonly organizationId: string; readonly error: string }>
  readonly durationMillis: number
}

const noneWritten: Written = {
  organizations: 0,
  terminalGroups: 0,
  productGroups: 0,
  products: 0,
  stopListItems: 0,
  deliveries: 0
}

const addWritten = (a: Written, b: Partial<Written>): Written => ({
  organizations: a.organizations + (b.organizations ?? 0),
  terminalGroups: a.terminalGroups + (b.terminalGroups ?? 0),
  productGroups: a.productGroups + (b.productGroups ?? 0),
  products: a.products + (b.products ?? 0),
  stopListItems: a.stopListItems + (b.stopListItems ?? 0),
  deliveries: a.deliveries + (b.deliveries ?? 0)
})

/**
 * The total of rows written.
 *
 * @since 0.1.0
 * @category models
 */
export const totalWritten = (written: Written): number =>
  written.organizations + written.terminalGroups + written.productGroups + written.products +
  written.stopListItems + written.deliveries

// =============================================================================
// Fetching: raw JSON for the jsonb column, decoded values for the key columns
// =============================================================================

interface Fetched<A> {
  readonly decoded: A
  readonly raw: any
}

/** Calls an operation for its raw body and decodes it with the operation's schema. */
const fetch = <E extends Endpoint>(
  operation: IikoClient.Operation<E>,
  body: E["request"]["Type"]
): Effect.Effect<Fetched<E["response"]["Type"]>, IikoError, IikoClient.IikoClient> =>
  Effect.gen(function*() {
    const raw = yield* operation(body, { raw: true })
    const decoded = yield* Schema.decodeUnknownEffect(operation.endpoint.response)(raw).pipe(
      Effect.mapError((error) =>
        new IikoError({ operation: operation.endpoint.name, reason: new InvalidResponse({ issue: error.message }) })
      )
    )
    return { decoded, raw }
  })

const text = (value: unknown): string | null => (typeof value === "string" ? value : null)

// =============================================================================
// Steps
// =============================================================================

const syncOrganizations = Effect.gen(function*() {
  const sql = yield* PgClient.PgClient
  const { decoded, raw } = yield* fetch(Iiko.organizations, { returnAdditionalInfo: true })
  const rows = decoded.organizations.map((organization, i) => ({
    columns: { id: organization.id, name: text(organization.name) },
    raw: raw.organizations[i]
  }))
  const written = yield* sql.withTransaction(IikoDatabase.upsert("organizations", rows))
  return { organizations: decoded.organizations, written }
})

const syncTerminalGroups = (organizationIds: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    if (organizationIds.length === 0) return 0
    const sql = yield* PgClient.PgClient
    const { decoded, raw } = yield* fetch(Iiko.terminalGroups, { organizationIds: [...organizationIds] })
    const rows = decoded.terminalGroups.flatMap((group, i) =>
      group.items.map((item, j) => ({
        columns: { id: item.id, organization_id: group.organizationId, name: text(item.name) },
        raw: raw.terminalGroups[i].items[j]
      }))
    )
    return yield* sql.withTransaction(IikoDatabase.upsert("terminalGroups", rows))
  })

const syncMenu = (organizationId: string) =>
  Effect.gen(function*() {
    const sql = yield* PgClient.PgClient
    const stored = yield* IikoDatabase.checkpoint(organizationId, "menu")
    const startRevision = Option.match(stored, { onNone: () => 0, onSome: Number })
    const { decoded, raw } = yield* fetch(Iiko.nomenclature, { organizationId, startRevision })
    if (Option.isSome(stored) && decoded.revision === startRevision) {
      return { revision: decoded.revision, changed: false, written: {} }
    }
    const groups = decoded.groups.map((group, i) => ({
      columns: { organization_id: organizationId, id: group.id, name: group.name },
      raw: raw.groups[i]
    }))
    const products = decoded.products.map((product, i) => ({
      columns: {
        organization_id: organizationId,
        id: product.id,
        name: product.name,
        type: text(product.type),
        group_id: text(product.groupId)
      },
      raw: raw.products[i]
    }))
    const written = yield* sql.withTransaction(Effect.gen(function*() {
      const productGroups = yield* IikoDatabase.upsert("productGroups", groups)
      const productsWritten = yield* IikoDatabase.upsert("products", products)
      yield* IikoDatabase.saveCheckpoint(organizationId, "menu", String(decoded.revision))
      return { productGroups, products: productsWritten }
    }))
    return { revision: decoded.revision, changed: true, written }
  })

const syncStopLists = (organizationId: string) =>
  Effect.gen(function*() {
    const sql = yield* PgClient.PgClient
    const { decoded, raw } = yield* fetch(Iiko.stopLists, { organizationIds: [organizationId] })
    const rows = decoded.terminalGroupStopLists.flatMap((perOrganization, i) =>
      perOrganization.items.flatMap((perTerminal, j) =>
        perTerminal.items.map((item, k) => ({
          columns: {
            organization_id: organizationId,
            terminal_group_id: perTerminal.terminalGroupId ?? "",
            product_id: item.productId,
            size_id: item.sizeId ?? "",
            balance: item.balance
          },
          raw: raw.terminalGroupStopLists[i].items[j].items[k]
        }))
      )
    )
    return yield* sql.withTransaction(IikoDatabase.replaceStopLists(organizationId, rows))
  })

const deliveryRows = (decoded: Iiko.DeliveriesSchemas.OrdersWithRevisionResponse, raw: any) =>
  decoded.ordersByOrganizations.flatMap((perOrganization, i) =>
    perOrganization.orders.map((order, j) => ({
      columns: {
        id: order.id,
        organization_id: order.organizationId,
        creation_status: order.creationStatus,
        status: text(order.order?.status),
        number: typeof order.order?.number === "number" ? order.order.number : null
      },
      raw: raw.ordersByOrganizations[i].orders[j]
    }))
  )

/** The first window by delivery date, when no revision is stored or it is older than iiko keeps. */
const seedDeliveries = (organizationId: string, since: Duration.Duration) =>
  Effect.gen(function*() {
    const now = yield* DateTime.now
    const from = IikoDate.fromDateTime(DateTime.subtractDuration(now, since), "UTC")
    return yield* fetch(Iiko.deliveriesByDeliveryDateAndStatus, {
      organizationIds: [organizationId],
      deliveryDateFrom: Option.getOrElse(from, () => "2000-01-01 00:00:00.000")
    })
  })

const isRevisionTooOld = (error: IikoError) =>
  error.reason._tag === "BadRequest" && /revision/i.test(error.description ?? "")

const syncDeliveries = (organizationId: string, since: Duration.Duration) =>
  Effect.gen(function*() {
    const sql = yield* PgClient.PgClient
    const stored = yield* IikoDatabase.checkpoint(organizationId, "deliveries")
    const { decoded, raw } = yield* Option.match(stored, {
      onNone: () => seedDeliveries(organizationId, since),
      onSome: (revision) =>
        fetch(Iiko.deliveriesByRevision, { organizationIds: [organizationId], startRevision: Number(revision) }).pipe(
          Effect.catchIf(isRevisionTooOld, () => seedDeliveries(organizationId, since))
        )
    })
    const revision = Math.max(decoded.maxRevision, Option.match(stored, { onNone: () => 0, onSome: Number }))
    const deliveries = yield* sql.withTransaction(Effect.gen(function*() {
      const written = yield* IikoDatabase.upsert("deliveries", deliveryRows(decoded, raw))
      yield* IikoDatabase.saveCheckpoint(organizationId, "deliveries", String(revision))
      return written
    }))
    return { revision, written: { deliveries } }
  })

const syncOrganization = (organization: { readonly id: string; readonly name?: string | null | undefined }, since: Duration.Duration) =>
  Effect.gen(function*() {
    const menu = yield* syncMenu(organization.id)
    const stopListItems = yield* syncStopLists(organization.id)
    const deliveries = yield* syncDeliveries(organization.id, since)
    return {
      organizationId: organization.id,
      name: organization.name ?? organization.id,
      written: addWritten(addWritten(noneWritten, menu.written), { stopListItems, ...deliveries.written }),
      menuChanged: menu.changed,
      menuRevision: menu.revision,
      deliveriesRevision: deliveries.revision,
      error: undefined
    } satisfies OrganizationResult
  }).pipe(
    Effect.catchTag("IikoError", (error) =>
      Effect.succeed({
        organizationId: organization.id,
        name: organization.name ?? organization.id,
        written: noneWritten,
        menuChanged: false,
        menuRevision: undefined,
        deliveriesRevision: undefined,
        error: error.message
      } satisfies OrganizationResult))
  )

// =============================================================================
// Running
// =============================================================================

/**
 * Migrates the schema, then syncs every organization the client reaches: once (default) or
 * every `interval` until interrupted. Returns the totals of every pass. Interrupting it rolls
 * back the transaction in flight; what was committed stays, with its checkpoint.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (
  options: Options = {}
): Effect.Effect<Summary, IikoError | SqlError | IikoDatabase.MigrationError, IikoClient.IikoClient | PgClient.PgClient | SqlClient.SqlClient> =>
  Effect.gen(function*() {
    yield* IikoDatabase.migrate
    const startedAt = yield* Clock.currentTimeMillis
    const since = Duration.fromInputUnsafe(options.deliveriesSince ?? "1 day")
    const progress = options.onProgress ?? (() => Effect.void)
    const totals = yield* Ref.make<Summary>({
      passes: 0,
      organizations: 0,
      written: noneWritten,
      menusDownloaded: 0,
      failures: [],
      durationMillis: 0
    })

    const pass = Effect.gen(function*() {
      const number = (yield* Ref.get(totals)).passes + 1
      const { organizations, written } = yield* syncOrganizations
      yield* progress({ _tag: "PassStarted", pass: number, organizations: organizations.length })
      const terminalGroups = yield* syncTerminalGroups(organizations.map((organization) => organization.id))
      const results = yield* Effect.forEach(
        organizations,
        (organization) =>
          Effect.tap(
            syncOrganization(organization, since),
            (result) => progress({ _tag: "OrganizationSynced", pass: number, result })
          ),
        { concurrency: options.concurrency ?? 4 }
      )
      const now = yield* Clock.currentTimeMillis
      const summary = yield* Ref.updateAndGet(totals, (before) => ({
        passes: number,
        organizations: organizations.length,
        written: results.reduce(
          (sum, result) => addWritten(sum, result.written),
          addWritten(before.written, { organizations: written, terminalGroups })
        ),
        menusDownloaded: before.menusDownloaded + results.filter((result) => result.menuChanged).length,
        failures: results.flatMap((result) =>
          result.error === undefined ? [] : [{ organizationId: result.organizationId, error: result.error }]
        ),
        durationMillis: now - startedAt
      }))
      yield* progress({ _tag: "PassDone", pass: number, summary })
      return summary
    })

    if (options.once ?? true) return yield* pass
    yield* Effect.repeat(pass, Schedule.spaced(Duration.fromInputUnsafe(options.interval ?? "30 seconds")))
    return yield* Ref.get(totals)
  })
