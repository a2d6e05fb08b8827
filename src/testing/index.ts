/**
 * effect-iiko/testing: test doubles for applications built on effect-iiko.
 *
 * @since 0.1.0
 */

/** A scripted `HttpClient` that records requests. @since 0.1.0 */
export * as MockHttpClient from "./MockHttpClient.ts"

/** A stateful local iiko Cloud: in-memory Layer or a real server on 127.0.0.1. @since 0.1.0 */
export * as IikoEmulator from "./IikoEmulator.ts"
