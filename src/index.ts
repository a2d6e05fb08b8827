/**
 * effect-iiko: an Effect 4 client for the iiko Cloud API.
 *
 * @since 0.1.0
 */

/** Operation descriptors. @since 0.1.0 */
export * as Endpoint from "./Endpoint.ts"

/** Following asynchronous commands to their end. @since 0.1.0 */
export * as IikoCommand from "./IikoCommand.ts"

/** The endpoint functions, one per operation. @since 0.1.0 */
export * as Iiko from "./Iiko.ts"

/** The access token service. @since 0.1.0 */
export * as IikoAuth from "./IikoAuth.ts"

/** The request pipeline service and its layers. @since 0.1.0 */
export * as IikoClient from "./IikoClient.ts"

/** Configuration: base URL, credentials, timeouts, retry limits. @since 0.1.0 */
export * as IikoConfig from "./IikoConfig.ts"

/** The error type and its reasons. @since 0.1.0 */
export * as IikoError from "./IikoError.ts"
