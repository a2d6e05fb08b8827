/**
 * Syncs a restaurant chain into PostgreSQL (see `IikoDatabase`): organizations, terminal
 * groups, and per organization its menu, stop lists and delivery changes through `IikoSync`'s
 * streams (`nomenclatureChanges`, `stopListChanges`, `deliveryChanges`, with `raw: true` for the
 * `jsonb` column; single-pass with `once`, polling otherwise). Every batch is written in one
 * transaction together with the checkpoint that follows it (the stream's checkpoint Schema as
 * JSON in `iiko_checkpoints`; the stop-list table is its own checkpoint), so a sync stopped at any point (Ctrl-C, a crash, a lost connection) resumes
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
import { Clock, Duration, Effect, FiberMap, Option, Ref, Stream } from "effect"
import { PgClient } from "@effect/sql-pg"
import type { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import * as Iiko from "./Iiko.ts"
import type * as IikoClient from "./IikoClient.ts"
import * as IikoDatabase from "./IikoDatabase.ts"
import type { IikoError } from "./IikoError.ts"
import * as IikoSync from "./IikoSync.ts"
import * as RawRead from "./internal/rawRead.ts"

// =============================================================================
// Models
// =============================================================================

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Catch up once and return (default); `false` then follows every organization until interrupted. */
  readonly once?: boolean | undefined
  /** When following: the pause between polls, and between re-reads of organizations (default 30 seconds). */
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

const text = (value: unknown): string | null => (typeof value === "string" ? value : null)

// =============================================================================
// Directory: organizations and terminal groups, read whole each pass
// =============================================================================

const syncOrganizations = Effect.gen(function*() {
  const sql = yield* PgClient.PgClient
  const { decoded, raw } = yield* RawRead.read(Iiko.organizations, { returnAdditionalInfo: true })
  const sent = RawRead.items(raw, "organizations")
  const rows = decoded.organizations.map((organization, i) => ({
    columns: { id: organization.id, name: text(organization.name) },
    raw: sent[i]
  }))
  const written = yield* sql.withTransaction(IikoDatabase.upsert("organizations", rows))
  return { organizations: decoded.organizations, written }
})

const syncTerminalGroups = (organizationIds: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    if (organizationIds.length === 0) return 0
    const sql = yield* PgClient.PgClient
    const { decoded, raw } = yield* RawRead.read(Iiko.terminalGroups, { organizationIds: [...organizationIds] })
    const sent = RawRead.items(raw, "terminalGroups")
    const rows = decoded.terminalGroups.flatMap((group, i) => {
      const sentItems = RawRead.items(sent[i], "items")
      return group.items.map((item, j) => ({
        columns: { id: item.id, organization_id: group.organizationId, name: text(item.name) },
        raw: sentItems[j]
      }))
    })
    return yield* sql.withTransaction(IikoDatabase.upsert("terminalGroups", rows))
  })

// =============================================================================
// Per organization: IikoSync's streams, each batch written with its checkpoint
// =============================================================================

type Services = IikoClient.IikoClient | PgClient.PgClient | SqlClient.SqlClient

/** What one written batch changed. */
interface Step {
  readonly written: Partial<Written>
  readonly menuRevision?: number | undefined
  readonly deliveriesRevision?: number | undefined
}

/** Catch up and end (`--once`), or poll every `pollInterval` until interrupted. */
type Mode = { readonly once: true } | { readonly once: false; readonly pollInterval: Duration.Duration }

const writeMenu = (organizationId: string, batch: IikoSync.RawNomenclatureBatch) =>
  Effect.gen(function*() {
    const sql = yield* PgClient.PgClient
    const { groups, products } = batch.nomenclature
    const sentGroups = RawRead.items(batch.raw, "groups")
    const sentProducts = RawRead.items(batch.raw, "products")
    const groupRows = groups.map((group, i) => ({
      columns: { organization_id: organizationId, id: group.id, name: group.name },
      raw: sentGroups[i]
    }))
    const productRows = products.map((product, i) => ({
      columns: {
        organization_id: organizationId,
        id: product.id,
        name: product.name,
        type: text(product.type),
        group_id: text(product.groupId)
      },
      raw: sentProducts[i]
    }))
    return yield* sql.withTransaction(Effect.gen(function*() {
      const productGroups = yield* IikoDatabase.upsert("productGroups", groupRows)
      const productsWritten = yield* IikoDatabase.upsert("products", productRows)
      yield* IikoDatabase.saveCheckpoint(organizationId, "menu", IikoSync.NomenclatureCheckpoint, batch.checkpoint)
      return { written: { productGroups, products: productsWritten }, menuRevision: batch.checkpoint.revision } satisfies Step
    }))
  })

/** The stop-list table is the stop-list checkpoint: no copy of it is kept elsewhere. */
const writeStopLists = (organizationId: string, batch: IikoSync.RawStopListBatch) =>
  Effect.gen(function*() {
    const sql = yield* PgClient.PgClient
    const key = (entry: IikoSync.StopListEntry) => ({
      terminal_group_id: entry.terminalGroupId,
      product_id: entry.productId,
      size_id: entry.sizeId ?? ""
    })
    const upserted = batch.upserted.map((entry, i) => ({
      columns: { organization_id: organizationId, ...key(entry), balance: entry.balance },
      raw: batch.raw[i]
    }))
    const stopListItems = yield* sql.withTransaction(
      IikoDatabase.updateStopLists(organizationId, { upserted, removed: batch.removed.map(key) })
    )
    return { written: { stopListItems } } satisfies Step
  })

const writeDeliveries = (organizationId: string, batch: IikoSync.RawDeliveryBatch) =>
  Effect.gen(function*() {
    const sql = yield* PgClient.PgClient
    const rows = batch.orders.map((order, i) => ({
      columns: {
        id: order.id,
        organization_id: order.organizationId,
        creation_status: order.creationStatus,
        status: text(order.order?.status),
        number: typeof order.order?.number === "number" ? order.order.number : null
      },
      raw: batch.raw[i]
    }))
    return yield* sql.withTransaction(Effect.gen(function*() {
      const deliveries = yield* IikoDatabase.upsert("deliveries", rows)
      yield* IikoDatabase.saveCheckpoint(organizationId, "deliveries", IikoSync.DeliveryCheckpoint, batch.checkpoint)
      return { written: { deliveries }, deliveriesRevision: batch.checkpoint.revision } satisfies Step
    }))
  })

/**
 * An organization's menu, stop-list and delivery streams from its stored checkpoints, each batch
 * written in one transaction with the checkpoint after it; and the revisions stored so far.
 */
const organizationStreams = (organizationId: string, mode: Mode, since: Duration.Duration) =>
  Effect.gen(function*() {
    const menu = yield* IikoDatabase.checkpoint(organizationId, "menu", IikoSync.NomenclatureCheckpoint)
    const deliveries = yield* IikoDatabase.checkpoint(organizationId, "deliveries", IikoSync.DeliveryCheckpoint)
    const stopLists = yield* IikoDatabase.stopListItems(organizationId)
    const entries = stopLists.map((row) => ({
      organizationId,
      terminalGroupId: row.terminal_group_id,
      productId: row.product_id,
      sizeId: row.size_id === "" ? null : row.size_id,
      balance: row.balance
    }))
    const streams: ReadonlyArray<Stream.Stream<Step, IikoError | SqlError, Services>> = [
      IikoSync.nomenclatureChanges({ ...mode, organizationId, checkpoint: Option.getOrUndefined(menu), raw: true })
        .pipe(Stream.mapEffect((batch) => writeMenu(organizationId, batch))),
      IikoSync.stopListChanges({ ...mode, organizationIds: [organizationId], checkpoint: { entries }, raw: true })
        .pipe(Stream.mapEffect((batch) => writeStopLists(organizationId, batch))),
      IikoSync.deliveryChanges({
        ...mode,
        organizationIds: [organizationId],
        checkpoint: Option.getOrUndefined(deliveries),
        seedWindow: { before: since },
        raw: true
      }).pipe(Stream.mapEffect((batch) => writeDeliveries(organizationId, batch)))
    ]
    return {
      streams,
      menuRevision: Option.getOrUndefined(Option.map(menu, (checkpoint) => checkpoint.revision)),
      deliveriesRevision: Option.getOrUndefined(Option.map(deliveries, (checkpoint) => checkpoint.revision))
    }
  })

interface Organization {
  readonly id: string
  readonly name?: string | null | undefined
}

const resultOf = (organization: Organization, fields: Partial<OrganizationResult>): OrganizationResult => ({
  organizationId: organization.id,
  name: organization.name ?? organization.id,
  written: noneWritten,
  menuChanged: false,
  menuRevision: undefined,
  deliveriesRevision: undefined,
  error: undefined,
  ...fields
})

const failed = (organization: Organization) => (error: IikoError) =>
  Effect.succeed(resultOf(organization, { error: error.message }))

/** Catches an organization up: its three streams once, one after the other. */
const catchUp = (organization: Organization, since: Duration.Duration) =>
  Effect.gen(function*() {
    const { deliveriesRevision, menuRevision, streams } = yield* organizationStreams(organization.id, { once: true }, since)
    const steps = yield* Stream.runCollect(Stream.mergeAll(streams, { concurrency: 1 }))
    return resultOf(organization, {
      written: steps.reduce((sum, step) => addWritten(sum, step.written), noneWritten),
      menuChanged: steps.some((step) => step.menuRevision !== undefined),
      menuRevision: steps.reduce((revision, step) => step.menuRevision ?? revision, menuRevision),
      deliveriesRevision: steps.reduce((revision, step) => step.deliveriesRevision ?? revision, deliveriesRevision)
    })
  }).pipe(Effect.catchTag("IikoError", failed(organization)))

/**
 * Follows an organization with the polling streams; `report` gets one result per written batch.
 * Ends (reporting the failure) when iiko fails it; the next directory pass restarts it.
 */
const follow = (
  organization: Organization,
  mode: Mode,
  since: Duration.Duration,
  report: (result: OrganizationResult) => Effect.Effect<void>
) =>
  Effect.gen(function*() {
    const started = yield* organizationStreams(organization.id, mode, since)
    let { deliveriesRevision, menuRevision } = started
    yield* Stream.mergeAll(started.streams, { concurrency: "unbounded" }).pipe(
      Stream.runForEach((step) => {
        menuRevision = step.menuRevision ?? menuRevision
        deliveriesRevision = step.deliveriesRevision ?? deliveriesRevision
        return report(resultOf(organization, {
          written: addWritten(noneWritten, step.written),
          menuChanged: step.menuRevision !== undefined,
          menuRevision,
          deliveriesRevision
        }))
      })
    )
  }).pipe(Effect.catchTag("IikoError", (error) => Effect.flatMap(failed(organization)(error), report)))

// =============================================================================
// Running
// =============================================================================

/**
 * Migrates the schema and catches every organization the client reaches up from its checkpoints
 * (IikoSync's streams in their single-pass mode); with `once: false` it then follows them with
 * the polling streams (polling every `interval`) and re-reads organizations and terminal groups
 * every `interval`, starting streams for new organizations and restarting failed ones, until
 * interrupted. Returns the totals. Interrupting it rolls back the transaction in flight; what was
 * committed stays, with its checkpoint.
 *
 * @since 0.1.0
 * @category running
 */
export const run = (
  options: Options = {}
): Effect.Effect<Summary, IikoError | SqlError | IikoDatabase.MigrationError, Services> =>
  Effect.scoped(Effect.gen(function*() {
    yield* IikoDatabase.migrate
    const startedAt = yield* Clock.currentTimeMillis
    const since = Duration.fromInputUnsafe(options.deliveriesSince ?? "1 day")
    const interval = Duration.fromInputUnsafe(options.interval ?? "30 seconds")
    const progress = options.onProgress ?? (() => Effect.void)
    const totals = yield* Ref.make({ passes: 0, organizations: 0, written: noneWritten, menusDownloaded: 0 })
    const failures = new Map<string, string>()

    const summary = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const { menusDownloaded, organizations, passes, written } = yield* Ref.get(totals)
      const failed = [...failures].map(([organizationId, error]) => ({ organizationId, error }))
      return { passes, organizations, written, menusDownloaded, failures: failed, durationMillis: now - startedAt }
    })

    /** Counts what an organization's batch wrote and tells the progress display. */
    const record = (pass: number) => (result: OrganizationResult) =>
      Effect.andThen(
        Ref.update(totals, (before) => ({
          ...before,
          written: addWritten(before.written, result.written),
          menusDownloaded: before.menusDownloaded + (result.menuChanged ? 1 : 0)
        })),
        Effect.suspend(() => {
          if (result.error === undefined) failures.delete(result.organizationId)
          else failures.set(result.organizationId, result.error)
          return progress({ _tag: "OrganizationSynced", pass, result })
        })
      )

    /** The revisions last reported per organization, for the reports of organizations followed without changes. */
    const latest = new Map<string, OrganizationResult>()
    const remember = (pass: number) => (result: OrganizationResult) =>
      Effect.andThen(
        Effect.sync(() => {
          if (result.error === undefined) latest.set(result.organizationId, result)
        }),
        record(pass)(result)
      )

    /** Organizations and terminal groups; then `each` for every organization. */
    const pass = <A>(each: (organization: Organization, pass: number) => Effect.Effect<A, SqlError, Services>) =>
      Effect.gen(function*() {
        const number = (yield* Ref.get(totals)).passes + 1
        const { organizations, written } = yield* syncOrganizations
        yield* progress({ _tag: "PassStarted", pass: number, organizations: organizations.length })
        const terminalGroups = yield* syncTerminalGroups(organizations.map((organization) => organization.id))
        yield* Ref.update(totals, (before) => ({
          ...before,
          passes: number,
          organizations: organizations.length,
          written: addWritten(before.written, { organizations: written, terminalGroups })
        }))
        yield* Effect.forEach(organizations, (organization) => each(organization, number), {
          concurrency: options.concurrency ?? 4,
          discard: true
        })
        const done = yield* summary
        yield* progress({ _tag: "PassDone", pass: number, summary: done })
        return done
      })

    const caughtUp = yield* pass((organization, number) =>
      Effect.flatMap(catchUp(organization, since), remember(number))
    )
    if (options.once ?? true) return caughtUp

    const followers = yield* FiberMap.make<string, void, SqlError>()
    const mode: Mode = { once: false, pollInterval: interval }
    const refresh = pass((organization, number) =>
      Effect.gen(function*() {
        // A follower ends when iiko fails it, so one still running since the last pass has polled
        // without failing: report it (nothing written), which clears an earlier failure.
        if (yield* FiberMap.has(followers, organization.id)) {
          const last = latest.get(organization.id)
          return yield* record(number)(resultOf(organization, {
            menuRevision: last?.menuRevision,
            deliveriesRevision: last?.deliveriesRevision
          }))
        }
        yield* FiberMap.run(followers, organization.id, follow(organization, mode, since, remember(number)))
      })
    )
    // Everything was just caught up: the first re-read and the followers' first polls are one interval away.
    yield* Effect.raceFirst(
      FiberMap.join(followers),
      Effect.sleep(interval).pipe(Effect.andThen(refresh), Effect.forever)
    )
    return yield* summary
  }))
