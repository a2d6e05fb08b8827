/**
 * effect-iiko: an Effect 4 client for the iiko Cloud API.
 *
 * For the smallest bundles import modules by path (`effect-iiko/Iiko`, `effect-iiko/IikoClient`):
 * bundlers cannot drop unused members of a namespace re-exported from this barrel.
 *
 * @since 0.1.0
 */

/** Operation descriptors. @since 0.1.0 */
export * as Endpoint from "./Endpoint.ts"

/** The endpoint functions, one per operation, the runtime catalog and the schemas per area. @since 0.1.0 */
export * as Iiko from "./Iiko.ts"

/** The access token service. @since 0.1.0 */
export * as IikoAuth from "./IikoAuth.ts"

/** The request pipeline service and its layers. @since 0.1.0 */
export * as IikoClient from "./IikoClient.ts"

/** Following asynchronous commands to their end. @since 0.1.0 */
export * as IikoCommand from "./IikoCommand.ts"

/** Creating deliveries, table orders and reserves exactly once, and following their creation. @since 0.1.0 */
export * as IikoCreation from "./IikoCreation.ts"

/** Configuration: base URL, credentials, timeouts, retry limits. @since 0.1.0 */
export * as IikoConfig from "./IikoConfig.ts"

/** iiko's zone-less local date-times and their conversion with an explicit time zone. @since 0.1.0 */
export * as IikoDate from "./IikoDate.ts"

/** The error type and its reasons. @since 0.1.0 */
export * as IikoError from "./IikoError.ts"

/** iiko's rate limits on the client side: budgets per restriction group, 429 feedback, breakers. @since 0.2.0 */
export * as IikoLimits from "./IikoLimits.ts"

/** Streaming the items of the `limit`/`offset` paged operations. @since 0.1.0 */
export * as IikoPage from "./IikoPage.ts"

/** Incremental sync as Streams: delivery changes by revision, menus, stop lists, per-organization isolation, checkpoints. @since 0.2.0 */
export * as IikoSync from "./IikoSync.ts"

/** Schema building blocks shared by the generated code (GUIDs, open enums, unknown variants). @since 0.1.0 */
export * as IikoSchema from "./IikoSchema.ts"

/** The webhook receiver (verified, deduplicated, as a Stream) and its registration. @since 0.1.0 */
export * as IikoWebhooks from "./IikoWebhooks.ts"

/** Decoding the event arrays iiko posts to webhook receivers. @since 0.1.0 */
export * as WebhookEvent from "./WebhookEvent.ts"
