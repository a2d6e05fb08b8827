/**
 * The emulator on a real socket: a node:http server on 127.0.0.1 serving the emulator's routes,
 * where a connection reset really destroys the socket. Loaded on demand by
 * `IikoEmulator.layerServer`, so `@effect/platform-node` (an optional peer) is needed only by
 * those who serve the emulator.
 *
 * @since 0.1.0
 */
import { NodeHttpServer, NodeHttpServerRequest } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter, type HttpServer, type HttpServerError, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import type * as Engine from "./Engine.ts"

/** Drops the socket under a request: the client sees the connection reset with no response. */
const nodeTransport: Engine.Transport = {
  reset: (request) =>
    Effect.sync(() => {
      NodeHttpServerRequest.toIncomingMessage(request).socket.destroy()
      return HttpServerResponse.empty({ status: 500 })
    })
}

/**
 * Serves `routes` (built for the socket transport) on `host:port` (127.0.0.1 and a free port by
 * default). Open keep-alive connections are closed on shutdown so they cannot hold it open.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  routes: (transport: Engine.Transport) => Layer.Layer<never, never, HttpRouter.HttpRouter>,
  options: { readonly port?: number | undefined; readonly host?: string | undefined }
): Layer.Layer<HttpServer.HttpServer, HttpServerError.ServeError> => {
  const node = createServer()
  const server = HttpRouter.serve(routes(nodeTransport), { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(() => node, { port: options.port ?? 0, host: options.host ?? "127.0.0.1" }))
  )
  const closeConnections = Layer.effectDiscard(
    Effect.addFinalizer(() => Effect.sync(() => node.closeAllConnections()))
  )
  return closeConnections.pipe(Layer.provideMerge(server))
}
