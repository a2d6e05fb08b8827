/**
 * A scripted `HttpClient` for tests: answers requests from a handler or a per-path script,
 * records every request it received, and never opens a socket.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientResponse from "effect/http/HttpClientResponse"

/**
 * A request as the mock saw it, with the JSON body already parsed.
 *
 * @since 0.1.0
 * @category models
 */
export interface CapturedRequest {
  readonly method: string
  readonly url: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  /** Parsed JSON body; `undefined` when there was none. */
  readonly body: unknown
}

/**
 * A scripted answer: a JSON `body` (or raw `text`) with a status and headers, or a transport
 * failure (connection refused or reset before any response).
 *
 * @since 0.1.0
 * @category models
 */
export type Reply =
  | {
    readonly status?: number | undefined
    readonly body?: unknown
    readonly text?: string | undefined
    readonly headers?: Readonly<Record<string, string>> | undefined
  }
  | { readonly transportError: string }

/**
 * Computes the reply for a request; may use effects (for example `Effect.sleep` under `TestClock`).
 *
 * @since 0.1.0
 * @category models
 */
export type Handler = (request: CapturedRequest) => Reply | Effect.Effect<Reply>

/**
 * What a test can inspect.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Every request received so far, in order. */
  readonly requests: Effect.Effect<ReadonlyArray<CapturedRequest>>
  /** Requests received for one path. */
  readonly requestsTo: (path: string) => Effect.Effect<ReadonlyArray<CapturedRequest>>
}

/**
 * @since 0.1.0
 * @category services
 */
export class MockHttpClient extends Context.Service<MockHttpClient, Service>()("effect-iiko/testing/MockHttpClient") {}

const decoder = new TextDecoder()

const bodyOf = (request: { readonly body: { readonly _tag: string } }): unknown => {
  const body = request.body as { readonly _tag: string; readonly body?: Uint8Array }
  if (body._tag !== "Uint8Array" || body.body === undefined) return undefined
  const text = decoder.decode(body.body)
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

const toResponse = (request: Parameters<Parameters<typeof HttpClient.make>[0]>[0], reply: Reply) => {
  if ("transportError" in reply) {
    return Effect.fail(
      new HttpClientError.HttpClientError({
        reason: new HttpClientError.TransportError({ request, description: reply.transportError })
      })
    )
  }
  const headers = { "content-type": "application/json", ...reply.headers }
  const text = reply.text ?? (reply.body === undefined ? "" : JSON.stringify(reply.body))
  return Effect.succeed(
    HttpClientResponse.fromWeb(request, new Response(text, { status: reply.status ?? 200, headers }))
  )
}

/**
 * An `HttpClient` answering with `handler`, plus the `MockHttpClient` inspection service.
 *
 * @example
 * ```ts
 * import { MockHttpClient } from "effect-iiko/testing"
 *
 * const Http = MockHttpClient.layer((request) =>
 *   request.path === "/api/v2/access_token"
 *     ? { body: { correlationId: "c", token: "t" } }
 *     : { body: { correlationId: "c", organizations: [] } }
 * )
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (handler: Handler): Layer.Layer<HttpClient.HttpClient | MockHttpClient> =>
  Layer.effectContext(Effect.gen(function*() {
    const log = yield* Ref.make<ReadonlyArray<CapturedRequest>>([])
    const client = HttpClient.make((request, url) => {
      const captured: CapturedRequest = {
        method: request.method,
        url: url.toString(),
        path: url.pathname,
        headers: { ...request.headers },
        body: bodyOf(request)
      }
      return Ref.update(log, (all) => [...all, captured]).pipe(
        Effect.andThen(Effect.suspend(() => {
          const reply = handler(captured)
          return Effect.isEffect(reply) ? reply : Effect.succeed(reply)
        })),
        Effect.flatMap((reply) => toResponse(request, reply))
      )
    })
    const requests = Ref.get(log)
    const inspection: Service = {
      requests,
      requestsTo: (path) => Effect.map(requests, (all) => all.filter((request) => request.path === path))
    }
    return Context.make(HttpClient.HttpClient, client).pipe(Context.add(MockHttpClient, inspection))
  }))

/**
 * A handler from a script: for each path, the replies in order (the last one repeats). Paths
 * without a script get a 404 in iiko's envelope.
 *
 * @example
 * ```ts
 * import { MockHttpClient } from "effect-iiko/testing"
 *
 * const Http = MockHttpClient.layer(MockHttpClient.script({
 *   "/api/1/organizations": [{ status: 500 }, { body: { correlationId: "c", organizations: [] } }]
 * }))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const script = (replies: Readonly<Record<string, ReadonlyArray<Reply> | Reply>>): Handler => {
  const served = new Map<string, number>()
  return (request) => {
    const entry = replies[request.path]
    if (entry === undefined) {
      return { status: 404, body: { correlationId: "00000000-0000-0000-0000-000000000000", errorDescription: "No route" } }
    }
    const list: ReadonlyArray<Reply> = Array.isArray(entry) ? entry : [entry as Reply]
    const index = served.get(request.path) ?? 0
    served.set(request.path, index + 1)
    return list[Math.min(index, list.length - 1)] ?? { status: 500 }
  }
}

/**
 * A JWT whose only meaningful claim is `exp` (seconds since the epoch); the signature is fake.
 * For tests of token lifetime handling.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fakeJwt = (claims: Readonly<Record<string, unknown>>): string => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
  return `${encode({ alg: "HS256", typ: "JWT" })}.${encode(claims)}.c2lnbmF0dXJl`
}
