import { assert, describe, it } from "@effect/vitest"
import { Cause, Duration, Effect, Fiber, Layer, Schedule } from "effect"
import { HttpClient, HttpClientError } from "effect/http"
import { TestClock } from "effect/testing"
import { Endpoint, Iiko, IikoClient } from "../src/index.ts"
import { MockHttpClient } from "../src/testing/index.ts"
import { Schema } from "effect"
import { IikoConfig } from "../src/index.ts"
import {
  baseOptions,
  clientLayer,
  CREATE,
  createBody,
  createdOk,
  createThing,
  CORRELATION,
  loginOk,
  ORG,
  organizationsOk,
  requestsTo,
  tokenFor,
  transportError
} from "./support.ts"

const V2 = "/api/v2/access_token"
const ORGS = "/api/1/organizations"

const withLogin = (replies: Record<string, ReadonlyArray<MockHttpClient.Reply> | MockHttpClient.Reply>) =>
  MockHttpClient.script({ [V2]: [loginOk(tokenFor(1)), loginOk(tokenFor(2)), loginOk(tokenFor(3))], ...replies })

const rateLimited = (seconds: number): MockHttpClient.Reply => ({
  ...transportError(429, "Too many requests"),
  headers: { "retry-after": String(seconds) }
})


/** An invoice-processing operation, to check the second family's headers and error envelope. */
const invoiceList = IikoClient.operation(Endpoint.make({
  name: "inventoryIncomingInvoiceList",
  path: "/api/inventory/v1/incoming_invoice/list",
  request: Schema.Struct({ dateFrom: Schema.String }),
  response: Schema.Array(Schema.Struct({ id: Schema.String })),
  sideEffect: "read"
}))

describe("IikoClient: request", () => {
  it.effect("POSTs JSON with Bearer token and the Timeout header, decodes tolerantly", () =>
    Effect.gen(function*() {
      const result = yield* Iiko.organizations({ organizationIds: [ORG], returnAdditionalInfo: true })
      assert.deepStrictEqual(result.organizations, [{ id: ORG, name: "Pizzeria", responseType: "Simple" }])
      const [call] = yield* requestsTo(ORGS)
      assert.strictEqual(call?.method, "POST")
      assert.strictEqual(call?.url, `http://127.0.0.1:9${ORGS}`)
      assert.match(call?.headers["authorization"] ?? "", /^Bearer ey/)
      assert.strictEqual(call?.headers["timeout"], "15")
      assert.deepStrictEqual(call?.body, { organizationIds: [ORG], returnAdditionalInfo: true })
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: organizationsOk })))))

  it.effect("per-call timeout overrides the Timeout header", () =>
    Effect.gen(function*() {
      yield* Iiko.organizations({}, { timeout: "42 seconds" })
      const [call] = yield* requestsTo(ORGS)
      assert.strictEqual(call?.headers["timeout"], "42")
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: organizationsOk })))))

  it.effect("raw mode returns the JSON as sent, unknown fields included", () =>
    Effect.gen(function*() {
      const raw = yield* Iiko.organizations({}, { raw: true })
      assert.deepStrictEqual(raw, (organizationsOk as { body: unknown }).body)
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: organizationsOk })))))

  it.effect("an invalid body never reaches the transport", () =>
    Effect.gen(function*() {
      const badUuid = yield* Effect.flip(Iiko.organizations({ organizationIds: ["not-a-uuid"] }))
      assert.strictEqual(badUuid.reason._tag, "InvalidRequest")
      assert.include(badUuid.message, "organizationIds")
      const excess = yield* Effect.flip(Iiko.organizations({ organizationId: ORG } as never))
      assert.strictEqual(excess.reason._tag, "InvalidRequest")
      assert.include(excess.message, "organizationId")
      const missing = yield* Effect.flip(Iiko.terminalGroups({} as never))
      assert.strictEqual(missing.reason._tag, "InvalidRequest")
      assert.strictEqual((yield* MockHttpClient.MockHttpClient.use((mock) => mock.requests)).length, 0)
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: organizationsOk })))))

  it.effect("a response that does not match the schema is an InvalidResponse naming the field", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Iiko.organizations({}))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.strictEqual(error.operation, "organizations")
      assert.include(error.message, "organizations")
      assert.strictEqual(error.correlationId, CORRELATION)
      assert.strictEqual((yield* requestsTo(ORGS)).length, 1)
    }).pipe(Effect.provide(clientLayer(withLogin({
      [ORGS]: { body: { correlationId: CORRELATION, organizations: "nope" } }
    })))))

  it.effect("an InvalidResponse lists every problem, up to ten", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(invoiceList({ dateFrom: "2026-01-01" }))
      const issue = error.reason._tag === "InvalidResponse" ? error.reason.issue : ""
      const lines = issue.split("\n")
      assert.strictEqual(lines.length, 11)
      assert.strictEqual(lines[0], "[0].id: Expected string")
      assert.strictEqual(lines[9], "[9].id: Expected string")
      assert.strictEqual(lines[10], "… and 2 more")
    }).pipe(Effect.provide(clientLayer(withLogin({
      "/api/inventory/v1/incoming_invoice/list": { body: Array.from({ length: 12 }, (_, id) => ({ id })) }
    })))))

  it.effect("a success body that is not JSON is an InvalidResponse", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Iiko.organizations({}))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message, "not valid JSON")
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: { text: "{\"organizations\": [" } })))))
})

describe("IikoClient: error envelopes", () => {
  it.effect("transport envelope: status, description, code and correlationId", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Iiko.organizations({}))
      assert.strictEqual(error.reason._tag, "BadRequest")
      assert.strictEqual(error.status, 400)
      assert.strictEqual(error.description, "Organization not found")
      assert.strictEqual(error.code, "Common_OrganizationNotFound")
      assert.strictEqual(error.correlationId, CORRELATION)
      for (const part of ["organizations", "400", "Organization not found", "Common_OrganizationNotFound", CORRELATION]) {
        assert.include(error.message, part)
      }
    }).pipe(Effect.provide(clientLayer(withLogin({
      [ORGS]: transportError(400, "Organization not found", "Common_OrganizationNotFound")
    })))))

  it.effect("invoice-processing envelope {message, details}, and no Timeout header", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(invoiceList({ dateFrom: "2026-01-01" }))
      assert.strictEqual(error.reason._tag, "Forbidden")
      assert.strictEqual(error.status, 403)
      assert.strictEqual(error.description, "No access to store")
      assert.include(error.message, "No access to store")
      const [call] = yield* requestsTo("/api/inventory/v1/incoming_invoice/list")
      assert.isUndefined(call?.headers["timeout"])
    }).pipe(Effect.provide(clientLayer(withLogin({
      "/api/inventory/v1/incoming_invoice/list": { status: 403, body: { message: "No access to store", details: null } }
    })))))

  it.effect("a non-JSON error body keeps its text as the description", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(createThing(createBody))
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual(error.status, 502)
      assert.include(error.description ?? "", "Bad Gateway")
    }).pipe(Effect.provide(clientLayer(withLogin({
      [CREATE]: { status: 502, text: "<html>502 Bad Gateway</html>", headers: { "content-type": "text/html" } }
    })))))

  it.effect("each status maps to its reason", () =>
    Effect.gen(function*() {
      const expected: ReadonlyArray<readonly [number, string]> = [
        [403, "Forbidden"],
        [404, "NotFound"],
        [405, "BadRequest"],
        [408, "TerminalTimeout"],
        [409, "BadRequest"],
        [410, "Gone"],
        [429, "RateLimited"],
        [503, "ServerError"]
      ]
      for (const [status, reason] of expected) {
        const error = yield* Effect.flip(
          createThing(createBody).pipe(
            Effect.provide(clientLayer(withLogin({ [CREATE]: transportError(status, "x") })))
          )
        )
        assert.strictEqual(error.reason._tag, reason, `status ${status}`)
        assert.strictEqual(error.status, status)
      }
    }))
})

describe("IikoClient: transport failures", () => {
  const failing = (cause: Error) =>
    Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.fail(new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) }))
      )
    )
  const dns = Object.assign(new Error("getaddrinfo ENOTFOUND iiko.example"), { code: "ENOTFOUND" })

  it.effect("name the method, URL and system error, and keep the error as the cause", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Iiko.organizations({}, { maxRetries: 0 }))
      assert.strictEqual(error.reason._tag, "Transport")
      assert.include(error.message, "POST http://127.0.0.1:9/api/1/organizations: getaddrinfo ENOTFOUND iiko.example")
      assert.strictEqual(error.reason._tag === "Transport" ? error.reason.systemCode : undefined, "ENOTFOUND")
      assert.include(Cause.pretty(Cause.fail(error)), "getaddrinfo ENOTFOUND iiko.example")
    }).pipe(Effect.provide(
      IikoClient.layer({ ...baseOptions, credentials: IikoConfig.token("t") }).pipe(
        Layer.provide(failing(new TypeError("fetch failed", { cause: dns })))
      )
    )))

  it.effect("never name a password in the base URL or the system error's code when it is in the message", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Iiko.organizations({}, { maxRetries: 0 }))
      assert.notInclude(error.message, "hunter2")
      assert.include(error.message, "POST http://127.0.0.1:9/api/1/organizations: getaddrinfo ENOTFOUND iiko.example")
      assert.notInclude(error.message, "(ENOTFOUND)")
    }).pipe(Effect.provide(
      IikoClient.layer({ ...baseOptions, baseUrl: "http://user:hunter2@127.0.0.1:9", credentials: IikoConfig.token("t") })
        .pipe(Layer.provide(failing(dns)))
    )))
})

describe("IikoClient: 401", () => {
  it.effect("refreshes the token once and replays the call", () =>
    Effect.gen(function*() {
      const result = yield* Iiko.organizations({})
      assert.strictEqual(result.organizations.length, 1)
      const calls = yield* requestsTo(ORGS)
      assert.strictEqual(calls.length, 2)
      assert.notStrictEqual(calls[0]?.headers["authorization"], calls[1]?.headers["authorization"])
      assert.strictEqual((yield* requestsTo(V2)).length, 2)
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: [transportError(401, "Token expired"), organizationsOk] })))))

  it.effect("a second 401 is Unauthorized: no loop", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Iiko.organizations({}))
      assert.strictEqual(error.reason._tag, "Unauthorized")
      assert.strictEqual(error.isRetryable, false)
      assert.strictEqual((yield* requestsTo(ORGS)).length, 2)
      assert.strictEqual((yield* requestsTo(V2)).length, 2)
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: transportError(401, "Token expired") })))))

  it.effect("a write is replayed after 401 too (iiko acted on nothing)", () =>
    Effect.gen(function*() {
      yield* createThing(createBody)
      assert.strictEqual((yield* requestsTo(CREATE)).length, 2)
    }).pipe(Effect.provide(clientLayer(withLogin({
      [CREATE]: [transportError(401, "Token expired"), createdOk]
    })))))

  it.effect("a burst of 401s on one token causes one new login", () => {
    let logins = 0
    let firstTokenUses = 0
    const handler: MockHttpClient.Handler = (request) => {
      if (request.path === V2) return loginOk(tokenFor(++logins))
      const usesFirstToken = request.headers["authorization"] === `Bearer ${tokenFor(1)}`
      return usesFirstToken && ++firstTokenUses > 1 ? transportError(401, "Token expired") : organizationsOk
    }
    return Effect.gen(function*() {
      yield* Iiko.organizations({}) // warm: the first token works once, then iiko rejects it
      yield* Effect.all(Array.from({ length: 20 }, () => Iiko.organizations({})), { concurrency: "unbounded" })
      assert.strictEqual(firstTokenUses, 21)
      assert.strictEqual((yield* requestsTo(V2)).length, 2)
      // The burst is what is tested here; the client's own rate limits would spread it over time.
    }).pipe(Effect.provide(clientLayer(handler, { limits: false })))
  })
})

describe("IikoClient: retries by side effect", () => {
  it.effect("429 with Retry-After waits at least that long, then succeeds", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Iiko.organizations({}))
      yield* TestClock.adjust("29 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      assert.strictEqual((yield* requestsTo(ORGS)).length, 1)
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.organizations.length, 1)
      assert.strictEqual((yield* requestsTo(ORGS)).length, 2)
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: [rateLimited(30), organizationsOk] })))))

  it.effect("Retry-After as an HTTP date is honoured too", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Iiko.organizations({}))
      yield* TestClock.adjust("19 seconds")
      assert.strictEqual((yield* requestsTo(ORGS)).length, 1)
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual((yield* requestsTo(ORGS)).length, 2)
    }).pipe(Effect.provide(clientLayer(withLogin({
      // TestClock starts at the epoch, so this date is 20 seconds ahead.
      [ORGS]: [
        { ...transportError(429, "Too many requests"), headers: { "retry-after": "Thu, 01 Jan 1970 00:00:20 GMT" } },
        organizationsOk
      ]
    })))))

  it.effect("429 gives up after the retry bound with a RateLimited reason", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(Iiko.organizations({})))
      yield* TestClock.adjust("10 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "RateLimited")
      assert.deepStrictEqual(
        error.reason._tag === "RateLimited" ? error.reason.retryAfter : undefined,
        Duration.seconds(5)
      )
      assert.strictEqual((yield* requestsTo(ORGS)).length, 4) // 1 + maxRetries (3)
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: rateLimited(5) })))))

  it.effect("a Retry-After beyond the cap fails at once instead of waiting", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Iiko.organizations({}))
      assert.strictEqual(error.reason._tag, "RateLimited")
      assert.strictEqual((yield* requestsTo(ORGS)).length, 1)
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: rateLimited(3600) })))))

  it.effect("500 on a read is retried with backoff", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Iiko.organizations({}))
      yield* TestClock.adjust("1 minute")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.organizations.length, 1)
      assert.strictEqual((yield* requestsTo(ORGS)).length, 3)
    }).pipe(Effect.provide(clientLayer(withLogin({
      [ORGS]: [transportError(500, "a"), transportError(503, "b"), organizationsOk]
    })))))

  it.effect("transport errors and 408 on a read are retried", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Iiko.organizations({}))
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      assert.strictEqual((yield* requestsTo(ORGS)).length, 3)
    }).pipe(Effect.provide(clientLayer(withLogin({
      [ORGS]: [{ transportError: "connection reset" }, transportError(408, "terminal"), organizationsOk]
    })))))

  it.effect("a configured retrySchedule sets the pauses; Retry-After still sets the shortest", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Iiko.organizations({}))
      yield* TestClock.adjust("6999 millis")
      assert.strictEqual((yield* requestsTo(ORGS)).length, 1)
      yield* TestClock.adjust("1 milli") // spaced 7 s
      assert.strictEqual((yield* requestsTo(ORGS)).length, 2)
      yield* TestClock.adjust("19 seconds")
      assert.strictEqual((yield* requestsTo(ORGS)).length, 2) // Retry-After 20 s beats 7 s
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual((yield* requestsTo(ORGS)).length, 3)
    }).pipe(Effect.provide(clientLayer(
      withLogin({ [ORGS]: [transportError(500, "a"), rateLimited(20), organizationsOk] }),
      { retrySchedule: Schedule.spaced("7 seconds") }
    ))))

  it.effect("a per-call retrySchedule stops when it stops, and never retries a write", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(
        Effect.flip(Iiko.organizations({}, { retrySchedule: Schedule.spaced("1 second").pipe(Schedule.upTo({ times: 1 })) }))
      )
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(fiber)).reason._tag, "ServerError")
      assert.strictEqual((yield* requestsTo(ORGS)).length, 2)
      yield* Effect.flip(createThing(createBody, { retrySchedule: Schedule.spaced("1 second") }))
      assert.strictEqual((yield* requestsTo(CREATE)).length, 1)
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: transportError(500, "a"), [CREATE]: transportError(500, "b") })))))

  it.effect("per-call maxRetries: 0 disables retries", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Iiko.organizations({}, { maxRetries: 0 }))
      assert.strictEqual(error.reason._tag, "ServerError")
      assert.strictEqual((yield* requestsTo(ORGS)).length, 1)
    }).pipe(Effect.provide(clientLayer(withLogin({ [ORGS]: transportError(500, "a") })))))

  it.effect("500, 408, 429 and transport errors on a write are never retried", () =>
    Effect.gen(function*() {
      const replies: ReadonlyArray<MockHttpClient.Reply> = [
        transportError(500, "boom"),
        transportError(408, "terminal did not answer"),
        rateLimited(1),
        { transportError: "connection reset" }
      ]
      for (const reply of replies) {
        const layer = clientLayer(withLogin({ [CREATE]: [reply, createdOk] }))
        const count = yield* Effect.gen(function*() {
          const fiber = yield* Effect.forkChild(Effect.flip(createThing(createBody)))
          yield* TestClock.adjust("1 minute")
          const error = yield* Fiber.join(fiber)
          assert.isTrue(error.isRetryable) // transient in general, yet not repeated for a write
          return (yield* requestsTo(CREATE)).length
        }).pipe(Effect.provide(layer))
        assert.strictEqual(count, 1)
      }
    }))

  it("the generated catalog marks creates and commands as writes", () => {
    for (const fn of [Iiko.deliveriesCreate, Iiko.orderCreate, Iiko.reserveCreate, Iiko.deliveriesClose]) {
      assert.notInclude(["read", "auth"], fn.endpoint.sideEffect, fn.endpoint.name)
    }
    assert.strictEqual(Iiko.organizations.endpoint.sideEffect, "read")
  })

  it.effect("a per-call httpTimeout replaces the computed one", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(createThing(createBody, { httpTimeout: "3 seconds" })))
      yield* TestClock.adjust("2999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 milli")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "Transport")
      const [call] = yield* requestsTo(CREATE)
      assert.strictEqual(call?.headers["timeout"], "15")
    }).pipe(Effect.provide(clientLayer((request) =>
      request.path === V2
        ? loginOk(tokenFor(1))
        : Effect.sleep("1 hour").pipe(Effect.as(createdOk))
    ))))

  it.effect("the HTTP timeout is the server Timeout plus the margin", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(createThing(createBody, { timeout: "10 seconds" })))
      yield* TestClock.adjust("14 seconds")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "Transport")
      assert.include(error.message, "POST http://127.0.0.1:9/api/1/thing/create: no response within 15s")
    }).pipe(Effect.provide(clientLayer((request) =>
      request.path === V2
        ? loginOk(tokenFor(1))
        : Effect.sleep("1 hour").pipe(Effect.as(createdOk))
    ))))
})
