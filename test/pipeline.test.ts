/**
 * The request path's own building blocks, apart from the client around them: the request it
 * builds, and its HTTP timeout under the real clock (the tests in IikoClient.test.ts run it under
 * TestClock, where it is effect's own `timeoutOrElse`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber, Option, Redacted } from "effect"
import { HttpBody, HttpClient, HttpClientRequest } from "effect/http"
import { Iiko, IikoConfig, IikoError } from "../src/index.ts"
import { accessToken } from "../src/generated/Authorization.ts"
import * as Pipeline from "../src/internal/pipeline.ts"
import { MockHttpClient } from "../src/testing/index.ts"
import { clientLayer, CORRELATION, createThing, createBody, CREATE, loginOk, makeCapture, tokenFor, transportError } from "./support.ts"

const config = IikoConfig.make({ baseUrl: "http://127.0.0.1:9", credentials: IikoConfig.v1("login") })
const token = tokenFor(1)

/** What `HttpClientRequest.make` builds from the same parts: the reference `buildRequest` must match. */
const reference = (method: "GET" | "POST", url: string, headers: Record<string, string>, json: unknown) =>
  HttpClientRequest.make(method)(url, {
    acceptJson: true,
    headers,
    ...(method === "GET" ? {} : { body: HttpBody.jsonUnsafe(json) })
  })

const same = (actual: HttpClientRequest.HttpClientRequest, expected: HttpClientRequest.HttpClientRequest) => {
  assert.strictEqual(actual.method, expected.method)
  assert.strictEqual(actual.url, expected.url)
  assert.deepStrictEqual({ ...actual.headers }, { ...expected.headers })
  assert.deepStrictEqual(actual.urlParams, expected.urlParams)
  assert.isTrue(Option.isNone(actual.hash))
  assert.strictEqual(actual.body._tag, expected.body._tag)
  if (actual.body._tag === "Uint8Array" && expected.body._tag === "Uint8Array") {
    assert.deepStrictEqual([...actual.body.body], [...expected.body.body])
    assert.strictEqual(actual.body.contentType, expected.body.contentType)
  }
}

describe("pipeline: the request it builds", () => {
  it("a transport POST carries the body, Timeout, Bearer token and JSON headers, as HttpClientRequest.make builds them", () => {
    const json = { organizationIds: ["a", "б"], nested: { n: 1 } }
    const built = Pipeline.buildRequest(config, {
      endpoint: Iiko.organizations.endpoint,
      json,
      token: Redacted.make(token),
      timeout: Duration.seconds(14.2)
    })
    same(
      built,
      reference("POST", "http://127.0.0.1:9/api/1/organizations", { timeout: "15", authorization: `Bearer ${token}` }, json)
    )
    assert.strictEqual(built.headers["content-length"], String(Buffer.byteLength(JSON.stringify(json))))
    assert.strictEqual(built.headers["accept"], "application/json")
  })

  it("a GET has no body and no content headers; a call without a token has no Authorization", () => {
    const built = Pipeline.buildRequest(config, {
      endpoint: Iiko.organizationsGet.endpoint,
      json: {},
      token: undefined,
      timeout: Duration.seconds(15)
    })
    same(built, reference("GET", "http://127.0.0.1:9/api/1/organizations", { timeout: "15" }, {}))
    assert.isUndefined(built.headers["content-type"])
    assert.isUndefined(built.headers["authorization"])
  })

  it("the login call has no token", () => {
    const built = Pipeline.buildRequest(config, {
      endpoint: accessToken,
      json: { apiLogin: "x" },
      token: undefined,
      timeout: Duration.seconds(15)
    })
    same(built, reference("POST", "http://127.0.0.1:9/api/1/access_token", { timeout: "15" }, { apiLogin: "x" }))
  })
})

describe("pipeline: the HTTP timeout under the real clock", () => {
  it.live("a response in time is returned", () =>
    Effect.gen(function*() {
      const result = yield* Pipeline.timeoutOrElse(
        Effect.as(Effect.sleep("5 millis"), "reply"),
        Duration.seconds(10),
        () => Effect.succeed("late")
      )
      assert.strictEqual(result, "reply")
    }))

  it.live("a request that finishes at once is returned without waiting", () =>
    Effect.gen(function*() {
      const result = yield* Pipeline.timeoutOrElse(Effect.succeed(1), Duration.seconds(10), () => Effect.succeed(2))
      assert.strictEqual(result, 1)
      const failed = yield* Effect.flip(Pipeline.timeoutOrElse(Effect.fail("boom"), Duration.seconds(10), () => Effect.succeed(2)))
      assert.strictEqual(failed, "boom")
    }))

  it.live("when the time is up the request is interrupted and orElse runs", () =>
    Effect.gen(function*() {
      const interrupted = yield* Deferred.make<void>()
      const result = yield* Pipeline.timeoutOrElse(
        Effect.never.pipe(Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))),
        Duration.millis(20),
        () => Effect.succeed("timed out")
      )
      assert.strictEqual(result, "timed out")
      assert.isTrue(yield* Deferred.isDone(interrupted))
    }))

  it.live("interrupting the caller interrupts the request", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const request = Deferred.succeed(started, undefined).pipe(
        Effect.andThen(Effect.never),
        Effect.onInterrupt(() => Deferred.succeed(interrupted, undefined))
      )
      const caller = yield* Effect.forkChild(Pipeline.timeoutOrElse(request, Duration.seconds(10), () => Effect.void))
      yield* Deferred.await(started)
      yield* Fiber.interrupt(caller)
      yield* Deferred.await(interrupted)
      assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(caller)))
    }))

  it.live("a write slower than its httpTimeout fails with Transport and is sent once", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(createThing(createBody, { httpTimeout: "30 millis" }))
      assert.strictEqual(error.reason._tag, "Transport")
      assert.include(error.message, "no response within 30ms")
      const calls = yield* MockHttpClient.MockHttpClient.use((mock) => mock.requestsTo(CREATE))
      assert.strictEqual(calls.length, 1)
    }).pipe(Effect.provide(clientLayer((request) =>
      request.path === CREATE ? Effect.never : loginOk(tokenFor(1))
    ))))
})

describe("pipeline: no trace context leaves for iiko", () => {
  const sentHeaders = Effect.gen(function*() {
    yield* createThing(createBody)
    const [call] = yield* MockHttpClient.MockHttpClient.use((mock) => mock.requestsTo(CREATE))
    return call?.headers ?? {}
  }).pipe(
    Effect.withSpan("caller"),
    Effect.provide(clientLayer((request) => request.path === CREATE ? { body: { correlationId: CORRELATION } } : loginOk(tokenFor(1))))
  )

  it.live("the real clock's path sends no traceparent", () =>
    Effect.gen(function*() {
      const headers = yield* sentHeaders
      assert.strictEqual(headers["authorization"], `Bearer ${tokenFor(1)}`)
      assert.isUndefined(headers["traceparent"])
      assert.isUndefined(headers["b3"])
    }))

  it.effect("TestClock's path sends no traceparent", () =>
    Effect.gen(function*() {
      const headers = yield* sentHeaders
      assert.isUndefined(headers["traceparent"])
      assert.isUndefined(headers["b3"])
    }))

  it.live("the caller's own HttpClient calls keep propagating", () =>
    Effect.gen(function*() {
      const http = yield* HttpClient.HttpClient
      yield* createThing(createBody)
      yield* http.execute(HttpClientRequest.get("http://127.0.0.1:9/mine"))
      const [mine] = yield* MockHttpClient.MockHttpClient.use((mock) => mock.requestsTo("/mine"))
      assert.isDefined(mine?.headers["traceparent"])
    }).pipe(
      Effect.withSpan("caller"),
      Effect.provide(clientLayer((request) =>
        request.path === CREATE || request.path === "/mine" ? { body: { correlationId: CORRELATION } } : loginOk(tokenFor(1))
      ))
    ))
})

describe("pipeline: spans", () => {
  const spansOf = (options: Partial<IikoConfig.Options>) =>
    Effect.gen(function*() {
      const capture = makeCapture()
      yield* capture.provide(createThing(createBody)).pipe(
        Effect.provide(clientLayer((request) => request.path === CREATE ? { body: { correlationId: CORRELATION } } : loginOk(tokenFor(1)), options))
      )
      return capture.spans
    })

  it.live("by default a call is one client span with the HTTP attributes, and effect's http.client span is off", () =>
    Effect.gen(function*() {
      const spans = yield* spansOf({})
      const call = spans.find((span) => span.name === "iiko.thingCreate")
      assert.strictEqual(call?.kind, "client")
      assert.strictEqual(call?.attributes.get("http.request.method"), "POST")
      assert.strictEqual(call?.attributes.get("url.full"), "http://127.0.0.1:9/api/1/thing/create")
      assert.strictEqual(call?.attributes.get("http.response.status_code"), 200)
      // The login is a call of its own with its own span; no other span is made.
      assert.deepStrictEqual(spans.map((span) => span.name).sort(), ["iiko.accessTokenV2", "iiko.thingCreate"])
    }))

  it.live("httpSpans: true adds effect's http.client span under the call's span", () =>
    Effect.gen(function*() {
      const spans = yield* spansOf({ httpSpans: true })
      const call = spans.find((span) => span.name === "iiko.thingCreate")
      // Under it: the login's own call span (the token is fetched within the call) and the HTTP span.
      const http = spans.filter((span) =>
        !span.name.startsWith("iiko.") && Option.isSome(span.parent) && span.parent.value.spanId === call?.spanId
      )
      assert.strictEqual(http.length, 1)
      assert.strictEqual(http[0]?.attributes.get("http.request.method"), "POST")
      assert.strictEqual(http[0]?.attributes.get("http.response.status_code"), 200)
    }))

  it("url.full never carries credentials written into the base URL", () =>
    Effect.gen(function*() {
      const capture = makeCapture()
      yield* capture.provide(createThing(createBody)).pipe(
        Effect.provide(clientLayer(() => ({ body: { correlationId: CORRELATION } }), {
          baseUrl: "http://user:secret@127.0.0.1:9/",
          credentials: IikoConfig.token(Redacted.make("fixed"))
        }))
      )
      assert.strictEqual(capture.spans[0]?.attributes.get("url.full"), "http://127.0.0.1:9/api/1/thing/create")
      assert.notInclude(capture.spanText(), "secret")
    }))

  it.effect("an error response's correlationId is recorded on the operation's span", () =>
    Effect.gen(function*() {
      const capture = makeCapture()
      const error = yield* Effect.flip(capture.provide(createThing(createBody))).pipe(
        Effect.provide(clientLayer((request) =>
          request.path === CREATE ? transportError(400, "bad organization") : loginOk(tokenFor(1))
        ))
      )
      assert.instanceOf(error, IikoError.IikoError)
      assert.strictEqual(error.correlationId, CORRELATION)
      const span = capture.spans.find((span) => span.name === "iiko.thingCreate")
      assert.strictEqual(span?.attributes.get("iiko.correlation_id"), CORRELATION)
      assert.strictEqual(span?.status._tag, "Ended")
    }))
})
