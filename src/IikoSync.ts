/**
 * Incremental sync of a restaurant chain as Effect `Stream`s: delivery changes by revision,
 * menus when their revision moves, stop-list diffs, customer transactions page by page, and
 * per-organization isolation. Every stream emits batches that carry the checkpoint to store
 * after the batch, takes the checkpoint to start from, and writes nothing itself: store the
 * checkpoint in the same transaction as the batch, or use {@link runWithCheckpoints} to keep it
 * in effect's `KeyValueStore` (memory, file system or SQL). Delivery is at least once: a batch
 * whose checkpoint was not stored is delivered again, so consumers upsert.
 *
 * Calls go through `IikoClient`, so iiko's rate limits (`IikoLimits`) apply to every poll.
 * `once: true` makes a stream catch up and end instead of polling (for jobs run from cron, or
 * `effect-iiko sync --once`); `raw: true` makes its batches carry iiko's JSON for each entity
 * (unknown fields included), for stores that keep it.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { IikoSync } from "effect-iiko"
 *
 * const follow = (organizationIds: ReadonlyArray<string>) =>
 *   IikoSync.deliveryChanges({ organizationIds, pollInterval: "15 seconds" }).pipe(
 *     Stream.runForEach((batch) => Effect.log(`${batch.orders.length} orders changed`))
 *   )
 * ```
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as KeyValueStore from "effect/persistence/KeyValueStore"
import type { Endpoint } from "./Endpoint.ts"
import type * as IikoClient from "./IikoClient.ts"
import * as IikoDate from "./IikoDate.ts"
import type { IikoError } from "./IikoError.ts"
import type { OrderInfo } from "./generated/Common.ts"
import * as Iiko from "./generated/Iiko.ts"
import type { NomenclatureResponse } from "./generated/Menu.ts"
import * as RawRead from "./internal/rawRead.ts"

// =============================================================================
// Metrics
// =============================================================================

/**
 * Changed orders emitted by {@link deliveryChanges}.
 *
 * @since 0.2.0
 * @category metrics
 */
export const ordersTotal = Metric.counter("iiko_sync_orders_total", {
  description: "Changed delivery orders emitted by IikoSync.deliveryChanges",
  incremental: true
})

/**
 * Menus downloaded by {@link nomenclatureChanges} (only when the revision moved).
 *
 * @since 0.2.0
 * @category metrics
 */
export const menusTotal = Metric.counter("iiko_sync_menus_total", {
  description: "Menus downloaded by IikoSync.nomenclatureChanges",
  incremental: true
})

/**
 * iiko calls made by the sync streams, by operation.
 *
 * @since 0.2.0
 * @category metrics
 */
export const callsTotal = Metric.counter("iiko_sync_calls_total", {
  description: "iiko calls made by IikoSync streams",
  incremental: true
})

/**
 * Seconds between now and when the checkpoint's revision was read, per stream and organization.
 *
 * @since 0.2.0
 * @category metrics
 */
export const lagSeconds = Metric.gauge("iiko_sync_lag_seconds", {
  description: "Age of the revision an IikoSync stream last read, in seconds"
})

const countBy = <A>(items: ReadonlyArray<A>, key: (item: A) => string): ReadonlyMap<string, number> => {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1)
  return counts
}

const counted = <A, E, R>(operation: string, effect: Effect.Effect<A, E, R>) =>
  Effect.tap(effect, () => Metric.update(Metric.withAttributes(callsTotal, { operation }), 1))

/** A short, bounded label for logs and metric attributes: the ids of up to 3 organizations, else the first and a count. */
const organizationsLabel = (organizationIds: ReadonlyArray<string>) =>
  organizationIds.length <= 3
    ? organizationIds.join(",")
    : `${organizationIds[0]} and ${organizationIds.length - 1} more`

// =============================================================================
// Reading: decoded, and with `raw: true` also as iiko sent it
// =============================================================================

/**
 * Calls `operation`. With `raw`, decoded and as iiko sent it (see `internal/rawRead.ts`);
 * without it, the ordinary decoded call (nothing extra is kept).
 */
const read = <E extends Endpoint>(
  operation: IikoClient.Operation<E>,
  body: E["request"]["Type"],
  raw: boolean
): Effect.Effect<RawRead.RawRead<E["response"]["Type"]>, IikoError, IikoClient.IikoClient> =>
  raw ? RawRead.read(operation, body) : Effect.map(operation(body), (decoded) => ({ decoded, raw: undefined }))

// =============================================================================
// Polling
// =============================================================================

/**
 * When a polling stream polls.
 *
 * @since 0.2.0
 * @category models
 */
export interface PollOptions {
  /** Pause between polls. */
  readonly pollInterval?: Duration.Input | undefined
  /**
   * Each element triggers a poll now instead of at the end of the pause (a webhook, say). Wake-ups
   * during a poll are coalesced into one more poll; a lost wake-up only costs latency.
   */
  readonly wakeUp?: Stream.Stream<unknown> | undefined
  /**
   * Catch up and end instead of following: poll once from the checkpoint, emit what changed since
   * it (nothing when nothing did) and complete, for jobs run from cron or `effect-iiko sync
   * --once`. `pollInterval` and `wakeUp` are then unused. Default `false` (poll until interrupted).
   */
  readonly once?: boolean | undefined
}

/**
 * Polls now, then after every pause or wake-up, threading `state`; emits what each poll returns.
 * Nothing runs until the consumer pulls, so a slow consumer slows the polling down. With
 * `once`, polls only now and ends.
 */
const polling = <S, A, E, R>(
  initial: S,
  poll: (state: S) => Effect.Effect<readonly [ReadonlyArray<A>, S], E, R>,
  options: PollOptions,
  defaultInterval: Duration.Input
): Stream.Stream<A, E, R> => {
  if (options.once === true) return Stream.unwrap(Effect.map(poll(initial), ([out]) => Stream.fromIterable(out)))
  return Stream.unwrap(Effect.gen(function*() {
    const interval = Duration.fromInputUnsafe(options.pollInterval ?? defaultInterval)
    const wake = yield* Queue.sliding<void>(1)
    if (options.wakeUp !== undefined) {
      yield* Effect.forkScoped(Stream.runForEach(options.wakeUp, () => Queue.offer(wake, undefined)))
    }
    const pause = Effect.raceFirst(Effect.sleep(interval), Queue.take(wake)).pipe(
      Effect.andThen(Queue.clear(wake)),
      Effect.asVoid
    )
    return Stream.paginate({ state: initial, first: true }, ({ first, state }) =>
      (first ? poll(state) : Effect.andThen(pause, poll(state))).pipe(
        Effect.map(([out, next]) => [out, Option.some({ state: next, first: false })] as const)
      ))
  }))
}

/**
 * Asks a stream to carry, beside the decoded entities, the JSON iiko sent for them.
 *
 * @since 0.2.0
 * @category models
 */
export interface RawOption {
  /**
   * Also carry each entity's JSON exactly as iiko sent it (unknown fields included) in the
   * batch's `raw`, for stores that keep the original (a `jsonb` column, say). Off by default: the
   * ordinary path decodes and keeps nothing else.
   */
  readonly raw?: boolean | undefined
}

// =============================================================================
// Delivery changes
// =============================================================================

/**
 * Where a delivery sync stands: the revision to continue from and when it was read (epoch
 * milliseconds). A Schema, so anyone can store it as JSON.
 *
 * @since 0.2.0
 * @category checkpoints
 */
export const DeliveryCheckpoint = Schema.Struct({
  revision: Schema.Number,
  readAt: Schema.Number
})

/**
 * @since 0.2.0
 * @category checkpoints
 */
export type DeliveryCheckpoint = typeof DeliveryCheckpoint.Type

/**
 * iiko's limit on how far back `deliveries/by_revision` may start.
 *
 * @since 0.2.0
 * @category constants
 */
export const REVISION_WINDOW: Duration.Duration = Duration.hours(3)

/**
 * A checkpoint older than this is not used with `by_revision` (a margin under iiko's 3 hours,
 * so a poll in flight never crosses the limit); the stream seeds again instead.
 */
const STALE_AFTER = Duration.toMillis(Duration.subtract(REVISION_WINDOW, Duration.minutes(10)))

/**
 * Options of {@link deliveryChanges}.
 *
 * @since 0.2.0
 * @category models
 */
export interface DeliveryChangesOptions extends PollOptions, RawOption {
  readonly organizationIds: ReadonlyArray<string>
  /** Where a previous run stopped; without it (or when it is older than 3 hours) the stream seeds. */
  readonly checkpoint?: DeliveryCheckpoint | undefined
  /**
   * The delivery-date window a seed reads (`deliveries/by_delivery_date_and_status`), around now:
   * by default from 2 days back to 8 days ahead, which covers pre-orders and every time zone.
   */
  readonly seedWindow?: { readonly before?: Duration.Input | undefined; readonly after?: Duration.Input | undefined }
  /** The terminals' IANA time zone for the seed window (iiko's dates are terminal-local). Default UTC. */
  readonly timeZone?: string | undefined
  /** Only orders from these sources (`sourceKeys`). */
  readonly sourceKeys?: ReadonlyArray<string> | undefined
}

/**
 * One batch of changed delivery orders and the checkpoint to store once it is handled.
 *
 * @since 0.2.0
 * @category models
 */
export interface DeliveryBatch {
  readonly organizationIds: ReadonlyArray<string>
  /** Each changed order once, at its latest revision (`timestamp`). */
  readonly orders: ReadonlyArray<OrderInfo>
  readonly checkpoint: DeliveryCheckpoint
  /** `true` when the batch comes from a seed (a date-window read) rather than `by_revision`. */
  readonly seeded: boolean
  /** With `raw: true`: the JSON iiko sent for each of `orders`, at the same index. */
  readonly raw?: ReadonlyArray<unknown> | undefined
}

/**
 * A {@link DeliveryBatch} of a stream asked for `raw: true`.
 *
 * @since 0.2.0
 * @category models
 */
export interface RawDeliveryBatch extends DeliveryBatch {
  readonly raw: ReadonlyArray<unknown>
}

interface DeliveryState {
  readonly checkpoint: DeliveryCheckpoint | undefined
  /** Latest revision emitted per order id above the checkpoint: the dedupe across a re-seed. */
  readonly emitted: ReadonlyMap<string, number>
}

const revisionOf = (order: OrderInfo): number => order.timestamp

/**
 * Follows delivery orders of a set of organizations.
 *
 * The iiko rules it encodes:
 * - `deliveries/by_revision` refuses a `startRevision` older than 3 hours (HTTP 400), so a first
 *   run never sends `startRevision: 0`: without a checkpoint, with one older than 3 hours, or when
 *   iiko answers 400, it seeds from `deliveries/by_delivery_date_and_status` (a delivery-date
 *   window) and continues from that answer's `maxRevision`.
 * - `by_revision` returns orders changed after `startRevision` (not including it); the next
 *   cursor is the answer's `maxRevision`.
 * - Across a re-seed no change is emitted twice: an order is emitted only at a revision above the
 *   checkpoint and above the last revision emitted for its id. Orders changed while the stream
 *   was stopped for more than 3 hours are recovered only if their delivery date is in the seed
 *   window.
 *
 * Emits a batch when orders changed or the revision moved (a seed always emits, so its checkpoint
 * can be stored). Writes nothing: store `batch.checkpoint` after handling the batch. With
 * `once: true` it catches up (one `by_revision` call returns every change up to the current
 * revision, or one seed) and ends; with `raw: true` each batch also carries the orders' JSON.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { IikoSync } from "effect-iiko"
 *
 * // A cron job: catch up from the stored checkpoint, keep iiko's JSON, exit.
 * const catchUp = (organizationIds: ReadonlyArray<string>, checkpoint?: IikoSync.DeliveryCheckpoint) =>
 *   IikoSync.deliveryChanges({ organizationIds, checkpoint, once: true, raw: true }).pipe(
 *     Stream.runForEach((batch) =>
 *       Effect.log(`${batch.orders.length} orders; store ${JSON.stringify(batch.raw)} and ${batch.checkpoint.revision}`)
 *     )
 *   )
 * ```
 *
 * @since 0.2.0
 * @category streams
 */
export const deliveryChanges: {
  (options: DeliveryChangesOptions & { readonly raw: true }): Stream.Stream<RawDeliveryBatch, IikoError, IikoClient.IikoClient>
  (options: DeliveryChangesOptions): Stream.Stream<DeliveryBatch, IikoError, IikoClient.IikoClient>
} = (options: DeliveryChangesOptions): Stream.Stream<any /* a RawDeliveryBatch when options.raw */, IikoError, IikoClient.IikoClient> => {
  const raw = options.raw === true
  const organizationIds = [...options.organizationIds]
  const label = organizationsLabel(organizationIds)
  const sourceKeys = options.sourceKeys === undefined ? {} : { sourceKeys: [...options.sourceKeys] }
  const before = Duration.fromInputUnsafe(options.seedWindow?.before ?? "2 days")
  const after = Duration.fromInputUnsafe(options.seedWindow?.after ?? "8 days")
  const timeZone = options.timeZone ?? "UTC"

  const localDate = (millis: number) =>
    Option.getOrElse(
      IikoDate.fromDateTime(DateTime.makeUnsafe(millis), timeZone),
      () => IikoDate.fromDateTime(DateTime.makeUnsafe(millis), "UTC").pipe(Option.getOrThrow)
    )

  /** The orders of an answer and, when asked for, their JSON as sent (same index). */
  const ordersOf = ({ decoded, raw: json }: RawRead.RawRead<Iiko.DeliveriesSchemas.OrdersWithRevisionResponse>) => ({
    orders: decoded.ordersByOrganizations.flatMap((group) => group.orders),
    sent: raw ? RawRead.items(json, "ordersByOrganizations").flatMap((group) => RawRead.items(group, "orders")) : undefined
  })

  /** Keeps the orders not yet emitted at their revision (with their JSON), and remembers them. */
  const fresh = (state: DeliveryState, answer: ReturnType<typeof ordersOf>, next: DeliveryCheckpoint) => {
    const floor = state.checkpoint?.revision ?? -Infinity
    const emitted = new Map(state.emitted)
    const out: Array<OrderInfo> = []
    const sent: Array<unknown> = []
    answer.orders.forEach((order, i) => {
      const revision = revisionOf(order)
      if (revision <= floor || revision <= (emitted.get(order.id) ?? -Infinity)) return
      emitted.set(order.id, revision)
      out.push(order)
      if (answer.sent !== undefined) sent.push(answer.sent[i])
    })
    // Ids at or below the new checkpoint can never come back above it: forget them (bounded memory).
    for (const [id, revision] of emitted) if (revision <= next.revision) emitted.delete(id)
    return { out, emitted, ...(raw ? { raw: sent } : {}) }
  }

  const seed = (state: DeliveryState, now: number, why: string) =>
    Effect.gen(function*() {
      const answer = yield* counted(
        "deliveriesByDeliveryDateAndStatus",
        read(Iiko.deliveriesByDeliveryDateAndStatus, {
          organizationIds,
          deliveryDateFrom: localDate(now - Duration.toMillis(before)),
          deliveryDateTo: localDate(now + Duration.toMillis(after)),
          ...sourceKeys
        }, raw)
      )
      const checkpoint = { revision: answer.decoded.maxRevision, readAt: now }
      const { emitted, out, ...sent } = fresh(state, ordersOf(answer), checkpoint)
      yield* Effect.logInfo(
        `iiko sync: seeded deliveries of ${organizationIds.length} organization(s) (${why}): ${out.length} orders, revision ${checkpoint.revision}`
      ).pipe(Effect.annotateLogs({ organizations: label }))
      const batch: DeliveryBatch = { organizationIds, orders: out, checkpoint, seeded: true, ...sent }
      return [[batch], { checkpoint, emitted }] as const
    })

  const follow = (state: DeliveryState, checkpoint: DeliveryCheckpoint, now: number) =>
    counted(
      "deliveriesByRevision",
      read(Iiko.deliveriesByRevision, { startRevision: checkpoint.revision, organizationIds, ...sourceKeys }, raw)
    ).pipe(
      Effect.map((answer) => {
        const moved = answer.decoded.maxRevision !== checkpoint.revision
        const next = moved ? { revision: answer.decoded.maxRevision, readAt: now } : checkpoint
        const { emitted, out, ...sent } = fresh(state, ordersOf(answer), next)
        const batches: ReadonlyArray<DeliveryBatch> = out.length > 0 || moved
          ? [{ organizationIds, orders: out, checkpoint: next, seeded: false, ...sent }]
          : []
        return [batches, { checkpoint: next, emitted }] as const
      }),
      Effect.catchReason("IikoError", "BadRequest", () => seed(state, now, "iiko refused the revision"))
    )

  const poll = (state: DeliveryState) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const checkpoint = state.checkpoint
      const result = checkpoint === undefined
        ? yield* seed(state, now, "no checkpoint")
        : now - checkpoint.readAt > STALE_AFTER
        ? yield* seed(state, now, "checkpoint older than 3 hours")
        : yield* follow(state, checkpoint, now)
      const [batches, next] = result
      const orders = batches.flatMap((batch) => batch.orders)
      if (orders.length > 0) {
        yield* Effect.forEach(countBy(orders, (order) => order.organizationId), ([organization, count]) =>
          Metric.update(Metric.withAttributes(ordersTotal, { organization }), count), { discard: true })
        yield* Effect.logInfo(`iiko sync: ${orders.length} delivery order(s) changed`).pipe(
          Effect.annotateLogs({ organizations: label })
        )
      }
      const readAt = next.checkpoint?.readAt
      if (readAt !== undefined) {
        yield* Effect.forEach(organizationIds, (organization) =>
          Metric.update(
            Metric.withAttributes(lagSeconds, { stream: "deliveries", organization }),
            (now - readAt) / 1000
          ), { discard: true })
      }
      return result
    })

  return polling<DeliveryState, DeliveryBatch, IikoError, IikoClient.IikoClient>(
    { checkpoint: options.checkpoint, emitted: new Map() },
    poll,
    options,
    "10 seconds"
  )
}

// =============================================================================
// Menus
// =============================================================================

/**
 * Where a menu sync stands: the nomenclature revision last delivered.
 *
 * @since 0.2.0
 * @category checkpoints
 */
export const NomenclatureCheckpoint = Schema.Struct({ revision: Schema.Number })

/**
 * @since 0.2.0
 * @category checkpoints
 */
export type NomenclatureCheckpoint = typeof NomenclatureCheckpoint.Type

/**
 * A menu whose revision moved, with the checkpoint to store once it is handled.
 *
 * @since 0.2.0
 * @category models
 */
export interface NomenclatureBatch {
  readonly organizationId: string
  readonly nomenclature: NomenclatureResponse
  readonly checkpoint: NomenclatureCheckpoint
  /**
   * With `raw: true`: the answer exactly as iiko sent it; its arrays (`groups`, `products`, …)
   * are index-aligned with `nomenclature`'s.
   */
  readonly raw?: unknown
}

/**
 * A {@link NomenclatureBatch} of a stream asked for `raw: true`.
 *
 * @since 0.2.0
 * @category models
 */
export interface RawNomenclatureBatch extends NomenclatureBatch {
  readonly raw: unknown
}

/**
 * Options of {@link nomenclatureChanges}.
 *
 * @since 0.2.0
 * @category models
 */
export interface NomenclatureChangesOptions extends PollOptions, RawOption {
  readonly organizationId: string
  readonly checkpoint?: NomenclatureCheckpoint | undefined
}

/**
 * Follows one organization's menu (`/api/1/nomenclature`).
 *
 * The iiko rule it encodes: called with `startRevision` equal to the current revision, iiko
 * answers the same revision and empty lists, so each poll sends the last revision and the menu
 * is only downloaded (and emitted) when its revision changed. Memory stays bounded by one menu
 * per organization: nothing is kept between polls but the revision.
 *
 * @since 0.2.0
 * @category streams
 */
export const nomenclatureChanges: {
  (options: NomenclatureChangesOptions & { readonly raw: true }): Stream.Stream<RawNomenclatureBatch, IikoError, IikoClient.IikoClient>
  (options: NomenclatureChangesOptions): Stream.Stream<NomenclatureBatch, IikoError, IikoClient.IikoClient>
} = (options: NomenclatureChangesOptions): Stream.Stream<any /* a RawNomenclatureBatch when options.raw */, IikoError, IikoClient.IikoClient> => {
  const { organizationId } = options
  const raw = options.raw === true
  const poll = (revision: number | undefined) =>
    Effect.gen(function*() {
      const { decoded: nomenclature, raw: sent } = yield* counted(
        "nomenclature",
        read(Iiko.nomenclature, { organizationId, ...(revision === undefined ? {} : { startRevision: revision }) }, raw)
      )
      if (nomenclature.revision === revision) return [[], revision] as const
      yield* Metric.update(Metric.withAttributes(menusTotal, { organization: organizationId }), 1)
      yield* Effect.logInfo(
        `iiko sync: menu revision ${nomenclature.revision}, ${nomenclature.products.length} products`
      ).pipe(Effect.annotateLogs({ organization: organizationId }))
      const checkpoint = { revision: nomenclature.revision }
      const batch: NomenclatureBatch = { organizationId, nomenclature, checkpoint, ...(raw ? { raw: sent } : {}) }
      return [[batch], nomenclature.revision] as const
    })
  return polling(options.checkpoint?.revision, poll, options, "5 minutes")
}

// =============================================================================
// Stop lists
// =============================================================================

/**
 * One stop-list entry: a product (and size) that is limited or out of stock on a terminal group.
 *
 * @since 0.2.0
 * @category models
 */
export const StopListEntry = Schema.Struct({
  organizationId: Schema.String,
  terminalGroupId: Schema.String,
  productId: Schema.String,
  sizeId: Schema.NullOr(Schema.String),
  balance: Schema.Number
})

/**
 * @since 0.2.0
 * @category models
 */
export type StopListEntry = typeof StopListEntry.Type

/**
 * Where a stop-list sync stands: the entries last delivered.
 *
 * @since 0.2.0
 * @category checkpoints
 */
export const StopListCheckpoint = Schema.Struct({ entries: Schema.Array(StopListEntry) })

/**
 * @since 0.2.0
 * @category checkpoints
 */
export type StopListCheckpoint = typeof StopListCheckpoint.Type

/**
 * What changed in the stop lists since the last batch.
 *
 * @since 0.2.0
 * @category models
 */
export interface StopListBatch {
  readonly organizationIds: ReadonlyArray<string>
  /** Entries that appeared or whose balance changed. */
  readonly upserted: ReadonlyArray<StopListEntry>
  /** Entries that left the stop list (back on sale). */
  readonly removed: ReadonlyArray<StopListEntry>
  readonly checkpoint: StopListCheckpoint
  /** With `raw: true`: the JSON iiko sent for each of `upserted` (its stop-list item), at the same index. */
  readonly raw?: ReadonlyArray<unknown> | undefined
}

/**
 * A {@link StopListBatch} of a stream asked for `raw: true`.
 *
 * @since 0.2.0
 * @category models
 */
export interface RawStopListBatch extends StopListBatch {
  readonly raw: ReadonlyArray<unknown>
}

/**
 * Options of {@link stopListChanges}.
 *
 * @since 0.2.0
 * @category models
 */
export interface StopListChangesOptions extends PollOptions, RawOption {
  readonly organizationIds: ReadonlyArray<string>
  readonly checkpoint?: StopListCheckpoint | undefined
}

const entryKey = (entry: StopListEntry) =>
  `${entry.organizationId}/${entry.terminalGroupId}/${entry.productId}/${entry.sizeId ?? ""}`

/**
 * The difference between two stop-list snapshots.
 *
 * @since 0.2.0
 * @category stop lists
 */
export const diffStopLists = (
  previous: ReadonlyArray<StopListEntry>,
  current: ReadonlyArray<StopListEntry>
): { readonly upserted: ReadonlyArray<StopListEntry>; readonly removed: ReadonlyArray<StopListEntry> } => {
  const before = new Map(previous.map((entry) => [entryKey(entry), entry]))
  const now = new Set(current.map(entryKey))
  return {
    upserted: current.filter((entry) => before.get(entryKey(entry))?.balance !== entry.balance),
    removed: previous.filter((entry) => !now.has(entryKey(entry)))
  }
}

/**
 * Follows the stop lists of a set of organizations and emits only what changed.
 *
 * The iiko rule it encodes: `/api/1/stop_lists` has no revision or cursor (the change signal is
 * the `StopListUpdate` webhook, which can feed `wakeUp`), so each poll reads the whole list and
 * compares it with the checkpoint. The first poll without a checkpoint emits every entry.
 *
 * @since 0.2.0
 * @category streams
 */
export const stopListChanges: {
  (options: StopListChangesOptions & { readonly raw: true }): Stream.Stream<RawStopListBatch, IikoError, IikoClient.IikoClient>
  (options: StopListChangesOptions): Stream.Stream<StopListBatch, IikoError, IikoClient.IikoClient>
} = (options: StopListChangesOptions): Stream.Stream<any /* a RawStopListBatch when options.raw */, IikoError, IikoClient.IikoClient> => {
  const organizationIds = [...options.organizationIds]
  const raw = options.raw === true
  const poll = (previous: ReadonlyArray<StopListEntry> | undefined) =>
    Effect.gen(function*() {
      const answer = yield* counted("stopLists", read(Iiko.stopLists, { organizationIds, returnSize: true }, raw))
      const entries: Array<StopListEntry> = []
      const sent = new Map<string, unknown>()
      answer.decoded.terminalGroupStopLists.forEach((organization, i) => {
        const sentOrganization = raw ? RawRead.items(RawRead.items(answer.raw, "terminalGroupStopLists")[i], "items") : []
        organization.items.forEach((terminalGroup, j) => {
          const sentItems = raw ? RawRead.items(sentOrganization[j], "items") : []
          terminalGroup.items.forEach((item, k) => {
            const entry: StopListEntry = {
              organizationId: organization.organizationId,
              terminalGroupId: terminalGroup.terminalGroupId ?? "",
              productId: item.productId,
              sizeId: item.sizeId ?? null,
              balance: item.balance
            }
            entries.push(entry)
            if (raw) sent.set(entryKey(entry), sentItems[k])
          })
        })
      })
      const { removed, upserted } = diffStopLists(previous ?? [], entries)
      if (previous !== undefined && upserted.length === 0 && removed.length === 0) return [[], previous] as const
      yield* Effect.logInfo(`iiko sync: stop lists changed: ${upserted.length} upserted, ${removed.length} removed`)
        .pipe(Effect.annotateLogs({ organizations: organizationsLabel(organizationIds) }))
      const batch: StopListBatch = {
        organizationIds,
        upserted,
        removed,
        checkpoint: { entries },
        ...(raw ? { raw: upserted.map((entry) => sent.get(entryKey(entry))) } : {})
      }
      return [[batch], entries] as const
    })
  return polling(options.checkpoint?.entries, poll, options, "1 minute")
}

// =============================================================================
// Customer transactions
// =============================================================================

/**
 * Where a transaction sync stands: iiko's keyset cursor (`revision` plus the last transaction id).
 *
 * @since 0.2.0
 * @category checkpoints
 */
export const TransactionCheckpoint = Schema.Struct({
  revision: Schema.Number,
  lastTransactionId: Schema.NullOr(Schema.String)
})

/**
 * @since 0.2.0
 * @category checkpoints
 */
export type TransactionCheckpoint = typeof TransactionCheckpoint.Type

type TransactionsAnswer = typeof Iiko.loyaltyIikoCustomerTransactionsByRevision.endpoint.response.Type

/**
 * One page of a customer's loyalty transactions and the cursor after it.
 *
 * @since 0.2.0
 * @category models
 */
export interface TransactionPage {
  readonly organizationId: string
  readonly customerId: string
  readonly transactions: NonNullable<TransactionsAnswer["transactions"]>
  readonly checkpoint: TransactionCheckpoint
}

/**
 * Pages through a customer's loyalty transactions by revision
 * (`loyalty/iiko/customer/transactions/by_revision`) until a page comes back empty.
 *
 * The iiko rule it encodes: the cursor is keyset pagination, `revision` plus `lastTransactionId`
 * (exclusive, and only valid together with a revision); a page's `lastRevision` and its last
 * transaction's id are the next cursor. `pageSize` is capped by iiko. The limiter keeps this
 * operation to iiko's published 5 requests per second.
 *
 * @since 0.2.0
 * @category streams
 */
export const customerTransactions = (options: {
  readonly organizationId: string
  readonly customerId: string
  readonly checkpoint?: TransactionCheckpoint | undefined
  readonly pageSize?: number | undefined
}): Stream.Stream<TransactionPage, IikoError, IikoClient.IikoClient> => {
  const { customerId, organizationId } = options
  const pageSize = options.pageSize ?? 100
  const start: TransactionCheckpoint = options.checkpoint ?? { revision: 0, lastTransactionId: null }
  return Stream.paginate(start, (cursor) =>
    counted(
      "loyaltyIikoCustomerTransactionsByRevision",
      Iiko.loyaltyIikoCustomerTransactionsByRevision({
        organizationId,
        customerId,
        pageSize,
        revision: cursor.revision,
        ...(cursor.lastTransactionId === null ? {} : { lastTransactionId: cursor.lastTransactionId })
      })
    ).pipe(Effect.map((answer): readonly [ReadonlyArray<TransactionPage>, Option.Option<TransactionCheckpoint>] => {
      const transactions = answer.transactions ?? []
      const checkpoint: TransactionCheckpoint = {
        revision: answer.lastRevision ?? cursor.revision,
        lastTransactionId: answer.lastTransactionId ?? cursor.lastTransactionId
      }
      if (transactions.length === 0) return [[], Option.none()]
      const page: TransactionPage = { organizationId, customerId, transactions, checkpoint }
      // A cursor that did not move would ask for the same page forever.
      const moved = checkpoint.revision !== cursor.revision || checkpoint.lastTransactionId !== cursor.lastTransactionId
      return [[page], moved ? Option.some(checkpoint) : Option.none()]
    })))
}

// =============================================================================
// Organizations
// =============================================================================

/**
 * The outcome for one organization.
 *
 * @since 0.2.0
 * @category models
 */
export interface OrganizationResult<A, E> {
  readonly organizationId: string
  readonly result: Result.Result<A, E>
}

/**
 * Runs `f` for every organization, at most `concurrency` at once (default 4), and returns one
 * result per organization in input order: a failure (an `IikoError` for a rejected
 * organization, say) never stops the others.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Iiko, IikoSync } from "effect-iiko"
 *
 * const menus = (organizationIds: ReadonlyArray<string>) =>
 *   IikoSync.forEachOrganization(organizationIds, (organizationId) => Iiko.nomenclature({ organizationId }))
 * ```
 *
 * @since 0.2.0
 * @category organizations
 */
export const forEachOrganization = <A, E, R>(
  organizationIds: Iterable<string>,
  f: (organizationId: string) => Effect.Effect<A, E, R>,
  options?: { readonly concurrency?: number | undefined }
): Effect.Effect<ReadonlyArray<OrganizationResult<A, E>>, never, R> =>
  Effect.forEach(
    organizationIds,
    (organizationId) => Effect.map(Effect.result(f(organizationId)), (result) => ({ organizationId, result })),
    { concurrency: options?.concurrency ?? 4 }
  )

/**
 * What {@link splitOrganizations} got: answers for the organizations iiko accepted, in as few calls
 * as it could, and the error for each organization it rejected.
 *
 * @since 0.2.0
 * @category models
 */
export interface SplitResult<A> {
  readonly succeeded: ReadonlyArray<{ readonly organizationIds: ReadonlyArray<string>; readonly value: A }>
  readonly failed: ReadonlyArray<{ readonly organizationId: string; readonly error: IikoError }>
}

const rejectsOrganization = (error: IikoError): boolean =>
  error.reason._tag === "BadRequest" || error.reason._tag === "Forbidden" || error.reason._tag === "NotFound"

/**
 * Calls a multi-organization operation (`organizationIds`), and when iiko rejects the whole call
 * because of one organization (400/403/404 — iiko's multi-organization calls are all or
 * nothing), splits the set in halves until the rejected organizations are isolated. Other errors
 * (transport, 5xx, rate limits) fail the whole call as usual.
 *
 * @example
 * ```ts
 * import { Iiko, IikoSync } from "effect-iiko"
 *
 * const stopLists = (organizationIds: ReadonlyArray<string>) =>
 *   IikoSync.splitOrganizations(organizationIds, (ids) => Iiko.stopLists({ organizationIds: [...ids] }))
 * ```
 *
 * @since 0.2.0
 * @category organizations
 */
export const splitOrganizations = <A, R>(
  organizationIds: ReadonlyArray<string>,
  call: (organizationIds: ReadonlyArray<string>) => Effect.Effect<A, IikoError, R>
): Effect.Effect<SplitResult<A>, IikoError, R> => {
  const attempt = (ids: ReadonlyArray<string>): Effect.Effect<SplitResult<A>, IikoError, R> =>
    call(ids).pipe(
      Effect.map((value): SplitResult<A> => ({ succeeded: [{ organizationIds: ids, value }], failed: [] })),
      Effect.catch((error) => {
        if (!rejectsOrganization(error)) return Effect.fail(error)
        if (ids.length === 1) return Effect.succeed<SplitResult<A>>({ succeeded: [], failed: [{ organizationId: ids[0]!, error }] })
        const middle = Math.ceil(ids.length / 2)
        return Effect.map(
          Effect.all([attempt(ids.slice(0, middle)), attempt(ids.slice(middle))]),
          ([left, right]): SplitResult<A> => ({
            succeeded: [...left.succeeded, ...right.succeeded],
            failed: [...left.failed, ...right.failed]
          })
        )
      })
    )
  return organizationIds.length === 0 ? Effect.succeed({ succeeded: [], failed: [] }) : attempt(organizationIds)
}

// =============================================================================
// Checkpoints
// =============================================================================

/**
 * Runs a sync stream from the checkpoint stored under `key` in the `KeyValueStore` and stores each
 * batch's checkpoint only after `handle` has succeeded for that batch. A failing `handle` stops
 * the run with the checkpoint where it was, so the next run delivers that batch again (at least
 * once: make `handle` an upsert).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KeyValueStore } from "effect/persistence"
 * import { IikoSync } from "effect-iiko"
 *
 * const run = IikoSync.runWithCheckpoints({
 *   key: "deliveries/chain",
 *   checkpoint: IikoSync.DeliveryCheckpoint,
 *   stream: (checkpoint) => IikoSync.deliveryChanges({ organizationIds: ["…"], checkpoint }),
 *   handle: (batch) => Effect.log(`${batch.orders.length} orders`)
 * }).pipe(Effect.provide(KeyValueStore.layerMemory))
 * ```
 *
 * @since 0.2.0
 * @category checkpoints
 */
export const runWithCheckpoints = <
  C extends Schema.Top & { readonly DecodingServices: never; readonly EncodingServices: never },
  B extends { readonly checkpoint: C["Type"] },
  E,
  R,
  E2,
  R2
>(options: {
  readonly key: string
  readonly checkpoint: C
  readonly stream: (checkpoint: C["Type"] | undefined) => Stream.Stream<B, E, R>
  readonly handle: (batch: B) => Effect.Effect<void, E2, R2>
}): Effect.Effect<
  void,
  E | E2 | KeyValueStore.KeyValueStoreError | Schema.SchemaError,
  R | R2 | KeyValueStore.KeyValueStore
> =>
  Effect.gen(function*() {
    const store = KeyValueStore.toSchemaStore(yield* KeyValueStore.KeyValueStore, options.checkpoint)
    const stored = yield* store.get(options.key)
    yield* options.stream(Option.getOrUndefined(stored)).pipe(
      Stream.runForEach((batch) => Effect.andThen(options.handle(batch), store.set(options.key, batch.checkpoint)))
    )
  })
