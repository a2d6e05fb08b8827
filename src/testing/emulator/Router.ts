/**
 * The emulator as an effect `HttpRouter` application, and the two ways to reach it: an
 * in-memory `HttpClient` that runs the router in the caller's fiber (so `TestClock` drives the
 * emulator's time) and a transport that drops real sockets for the connection-reset fault.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import {
  HttpClient,
  HttpClientError,
  HttpRouter,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse
} from "effect/http"
import type { Engine, Transport } from "./Engine.ts"
import type { Route } from "./Route.ts"

/**
 * Registers every route (and a catch-all that answers 404 in iiko's envelope) on the router.
 * Routes are uninterruptible: a write whose client gave up (HTTP timeout) is still applied.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  engine: Engine,
  routes: ReadonlyArray<Route>,
  transport: Transport
): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  Layer.mergeAll(
    HttpRouter.add("*", "*", (request) => engine.handle(undefined, request, transport)),
    ...routes.map((route) =>
      HttpRouter.add(
        route.method,
        route.path as HttpRouter.PathInput,
        (request) => engine.handle(route, request, transport),
        // Like a real server, a request that started is finished even if the client hangs up.
        { uninterruptible: true }
      )
    )
  )

const RESET_HEADER = "x-iiko-emulator-reset"

/**
 * The in-memory transport: a dropped connection becomes a marker response that
 * {@link client} turns into a transport error.
 *
 * @since 0.1.0
 * @category transports
 */
export const inMemoryTransport: Transport = {
  reset: () => Effect.succeed(HttpServerResponse.empty({ status: 599, headers: { [RESET_HEADER]: "1" } }))
}

/**
 * An `HttpClient` that answers every request by running the router application in the calling
 * fiber: no sockets, any host name, and the caller's `Clock`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const client = (
  app: Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    unknown,
    HttpServerRequest.HttpServerRequest | import("effect").Scope.Scope
  >
): HttpClient.HttpClient =>
  HttpClient.make((request) =>
    app.pipe(
      Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromClientRequest(request)),
      Effect.scoped,
      Effect.catchCause((cause) => Effect.map(HttpServerError.causeResponse(cause), ([response]) => response)),
      Effect.flatMap((response) =>
        response.headers[RESET_HEADER] === undefined
          ? Effect.succeed(HttpServerResponse.toClientResponse(response, { request }))
          : Effect.fail(
            new HttpClientError.HttpClientError({
              reason: new HttpClientError.TransportError({
                request,
                description: "connection reset by the iiko emulator (fault injection)"
              })
            })
          )
      )
    )
  )
