/**
 * Outgoing webhooks: which events an organization's filter lets through, the loopback-only
 * rule for receiver URIs, and the POST of a JSON array of events with the stored auth token in
 * `Authorization`, as iiko Cloud sends them.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import type * as Domain from "./Domain.ts"
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
  /** The receiver's HTTP status, or `undefined` when the POST failed. */
  status: number | undefined
  /** Why the POST failed, when it did. */
  error: string | undefined
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
 * POSTs events to a receiver and records the outcome on the delivery.
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
