/**
 * Outgoing webhooks: which events an organization's filter lets through, the loopback-only
 * rule for receiver URIs, the POST of a JSON array of events with the stored auth token in
 * `Authorization`, as iiko Cloud sends them, and the sender that delivers batches in order per
 * organization, retries on non-2xx, and can post duplicates and out-of-order batches.
 *
 * @since 0.1.0
 */
import { type Duration, Effect, Option, Queue, Schedule, Scope } from "effect"
import { type HttpClient, HttpClientRequest } from "effect/http"
import type * as Domain from "./Domain.ts"
import type { Prng } from "./Prng.ts"
import type { PendingEvent } from "./Route.ts"

/**
 * An event as delivered (`{eventType, eventTime, organizationId, correlationId, eventInfo}`).
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookEvent {
  readonly eventType: string
  /** `yyyy-MM-dd HH:mm:ss.fff`, UTC. */
  readonly eventTime: string
  readonly organizationId: string
  readonly correlationId: string
  readonly eventInfo: unknown
}

/**
 * One POST to a receiver, kept for inspection.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookDelivery {
  readonly uri: string
  readonly organizationId: string
  readonly events: ReadonlyArray<WebhookEvent>
  /** The receiver's HTTP status for the latest attempt; `undefined` while it is in flight or when the POST failed. */
  status: number | undefined
  /** Why the POST failed, when it did. */
  error: string | undefined
  /** POSTs made so far: 1, plus one per retry. */
  attempts: number
  /** `true` for the copy posted again by the `duplicate` fault. */
  readonly duplicate: boolean
}

/**
 * `true` for `http(s)` URIs on 127.0.0.0/8, `::1` or `localhost`: the emulator never sends
 * traffic anywhere else.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isLoopback = (uri: string): boolean => {
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return false
  }
  const host = url.hostname
  return (url.protocol === "http:" || url.protocol === "https:") &&
    (host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host))
}

/**
 * Whether an organization's `webHooksFilter` lets an event through. Without a filter every
 * event is sent; with one, only the kinds it names (and, for orders, only listed statuses).
 *
 * @since 0.1.0
 * @category predicates
 */
export const passes = (filter: unknown, event: PendingEvent): boolean => {
  if (typeof filter !== "object" || filter === null) return true
  const f = filter as Record<string, Record<string, unknown> | null | undefined>
  const isError = event.eventType.endsWith("Error")
  const pick = (key: string) => f[key] ?? undefined
  switch (event.eventType) {
    case "DeliveryOrderUpdate":
    case "DeliveryOrderError":
    case "TableOrderUpdate":
    case "TableOrderError": {
      const sub = pick(event.eventType.startsWith("Delivery") ? "deliveryOrderFilter" : "tableOrderFilter")
      if (sub === undefined) return false
      if (isError) return sub["errors"] === true
      const statuses = sub["orderStatuses"]
      const status = ((event.eventInfo as Record<string, any>)["order"] ?? {})["status"]
      return !Array.isArray(statuses) || statuses.length === 0 || statuses.includes(status)
    }
    case "ReserveUpdate":
    case "ReserveError": {
      const sub = pick("reserveFilter")
      return sub !== undefined && sub[isError ? "errors" : "updates"] === true
    }
    case "StopListUpdate":
      return pick("stopListUpdateFilter")?.["updates"] === true
    default:
      return false
  }
}

/**
 * POSTs events to a receiver once and records the outcome on the delivery.
 *
 * @since 0.1.0
 * @category delivery
 */
export const send = (
  client: HttpClient.HttpClient,
  settings: Domain.WebhookSettings,
  delivery: WebhookDelivery
): Effect.Effect<void> =>
  HttpClientRequest.post(settings.webHooksUri).pipe(
    HttpClientRequest.bodyJsonUnsafe(delivery.events),
    settings.authToken === null ? (r) => r : HttpClientRequest.setHeader("authorization", settings.authToken),
    client.execute,
    Effect.flatMap((response) =>
      Effect.sync(() => {
        delivery.status = response.status
      })
    ),
    Effect.catch((error) =>
      Effect.sync(() => {
        delivery.error = error.message
      })
    ),
    Effect.scoped
  )

// =============================================================================
// Sender
// =============================================================================

/**
 * Faults of the webhook sender, as seen from a receiver: probabilities drawn from the
 * emulator's seeded generator.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeliveryFaults {
  /** Chance that a delivered batch is posted once more (same events, same `correlationId`s). */
  readonly duplicate?: number | undefined
  /**
   * Chance that a batch is held back (up to `reorderHold`) and posted after the next batch for
   * the same organization, so the receiver sees them out of order.
   */
  readonly reorder?: number | undefined
}

/**
 * How the sender delivers.
 *
 * @since 0.1.0
 * @category models
 */
export interface SenderOptions {
  readonly client: HttpClient.HttpClient
  /** Retries after a non-2xx answer or a failed POST. */
  readonly retries: number
  /** First retry delay; each next one doubles. */
  readonly retryDelay: Duration.Duration
  /** How long a batch picked for reordering waits for the next one. */
  readonly reorderHold: Duration.Duration
  readonly faults: DeliveryFaults
  readonly dice: Prng
  /** Where every POST (including duplicates) is recorded. */
  readonly outbox: Array<WebhookDelivery>
}

/**
 * Posts batches like iiko's sender: one queue per organization, batches in order, each retried
 * with exponential backoff until the receiver answers 2xx or the retries run out (a later batch
 * waits for an earlier one), plus the configured faults.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sender {
  readonly enqueue: (settings: Domain.WebhookSettings, delivery: WebhookDelivery) => Effect.Effect<void>
  /** The faults in force; replaced by `setFaults`. */
  readonly setFaults: (faults: DeliveryFaults) => void
}

interface Item {
  readonly settings: Domain.WebhookSettings
  readonly delivery: WebhookDelivery
}

/**
 * Starts a sender; its workers live in the current scope.
 *
 * @since 0.1.0
 * @category delivery
 */
export const makeSender = Effect.fnUntraced(function*(options: SenderOptions) {
  const scope = yield* Scope.Scope
  const queues = new Map<string, Queue.Queue<Item>>()
  let faults = options.faults
  const roll = (chance: number | undefined) => chance !== undefined && chance > 0 && options.dice.next() < chance

  const post = (item: Item): Effect.Effect<void> => {
    const attempt = Effect.suspend(() => {
      item.delivery.attempts++
      item.delivery.status = undefined
      item.delivery.error = undefined
      return send(options.client, item.settings, item.delivery)
    }).pipe(Effect.flatMap(() => isDelivered(item.delivery) ? Effect.void : Effect.fail("not delivered" as const)))
    return attempt.pipe(
      Effect.retry({ schedule: Schedule.exponential(options.retryDelay), times: options.retries }),
      Effect.ignore
    )
  }

  const duplicateOf = (item: Item): Item => {
    const copy: WebhookDelivery = { ...item.delivery, status: undefined, error: undefined, attempts: 0, duplicate: true }
    options.outbox.push(copy)
    return { settings: item.settings, delivery: copy }
  }

  const deliver = (item: Item) =>
    Effect.andThen(post(item), Effect.suspend(() => roll(faults.duplicate) ? post(duplicateOf(item)) : Effect.void))

  const work = (queue: Queue.Queue<Item>) =>
    Effect.forever(Effect.gen(function*() {
      const item = yield* Queue.take(queue)
      if (roll(faults.reorder)) {
        const next = yield* Effect.timeoutOption(Queue.take(queue), options.reorderHold)
        if (Option.isSome(next)) yield* deliver(next.value)
      }
      yield* deliver(item)
    }))

  const enqueue = (settings: Domain.WebhookSettings, delivery: WebhookDelivery): Effect.Effect<void> =>
    Effect.gen(function*() {
      let queue = queues.get(delivery.organizationId)
      if (queue === undefined) {
        queue = yield* Queue.unbounded<Item>()
        queues.set(delivery.organizationId, queue)
        yield* Effect.forkIn(work(queue), scope)
      }
      Queue.offerUnsafe(queue, { settings, delivery })
    })

  return {
    enqueue,
    setFaults: (next: DeliveryFaults) => {
      faults = next
    }
  } satisfies Sender
})

const isDelivered = (delivery: WebhookDelivery): boolean =>
  delivery.status !== undefined && delivery.status >= 200 && delivery.status < 300
