/**
 * Decoding the body iiko posts to a webhook receiver: a JSON array of events, each discriminated
 * by `eventType`. The 8 documented payloads are typed; `KitchenOrderUpdate`, `NomenclatureUpdate`
 * and `BusinessHoursAndMappingUpdate` (documented types without a payload schema) carry their
 * `eventInfo` as `unknown`; any other event type decodes as `UnknownWebHookEvent`, keeping every
 * key, so a new event type never fails the batch.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { type WebHookEvent, WebHookEvents } from "./generated/Webhooks.ts"

/**
 * One decoded event.
 *
 * @since 0.1.0
 * @category models
 */
export type Event = WebHookEvent

/**
 * Decodes a parsed webhook body (the JSON array).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { WebhookEvent } from "effect-iiko"
 *
 * const handle = (body: unknown) =>
 *   WebhookEvent.decode(body).pipe(
 *     Effect.tap((events) => Effect.forEach(events, (event) => Effect.log(event.eventType)))
 *   )
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode: (body: unknown) => Effect.Effect<ReadonlyArray<Event>, Schema.SchemaError> = Schema
  .decodeUnknownEffect(WebHookEvents)

const fromJson = /*#__PURE__*/ Schema.fromJsonString(WebHookEvents)

/**
 * Decodes the raw request body text.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeJson: (text: string) => Effect.Effect<ReadonlyArray<Event>, Schema.SchemaError> = Schema
  .decodeUnknownEffect(fromJson)
