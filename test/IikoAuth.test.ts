import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { Iiko, IikoAuth, IikoConfig } from "../src/index.ts"
import { jwtExpiry } from "../src/internal/jwt.ts"
import { MockHttpClient } from "../src/testing/index.ts"
import { clientLayer, CORRELATION, loginOk, makeCapture, organizationsOk, requestsTo, secrets, tokenFor, transportError } from "./support.ts"

const V2 = "/api/v2/access_token"
const V1 = "/api/1/access_token"
const ORGS = "/api/1/organizations"

/** Issues a new token (valid one hour from the mock's current TestClock time) on every login. */
const countingLogins = () => {
  let issued = 0
  return (nowSeconds: () => number): MockHttpClient.Handler => (request) =>
    request.path === V2 || request.path === V1
      ? loginOk(tokenFor(++issued, nowSeconds()))
      : organizationsOk
}

describe("IikoAuth", () => {
  it.effect("100 concurrent calls on a cold client make exactly one login", () =>
    Effect.gen(function*() {
      const results = yield* Effect.all(Array.from({ length: 100 }, () => Iiko.organizations({})), {
        concurrency: "unbounded"
      })
      assert.strictEqual(results.length, 100)
      assert.strictEqual((yield* requestsTo(V2)).length, 1)
      const authorizations = new Set((yield* requestsTo(ORGS)).map((request) => request.headers["authorization"]))
      assert.strictEqual(authorizations.size, 1)
      // The burst is what is tested here; the client's own rate limits would spread it over time.
    }).pipe(Effect.provide(clientLayer(countingLogins()(() => 0), { limits: false }))))

  it.effect("reuses the token until shortly before exp, then logs in again", () => {
    let now = 0
    return Effect.gen(function*() {
      const auth = yield* IikoAuth.IikoAuth
      const first = Redacted.value(yield* auth.token)
      yield* TestClock.adjust("3539 seconds") // exp is at 3600 s, refresh 60 s ahead
      assert.strictEqual(Redacted.value(yield* auth.token), first)
      assert.strictEqual((yield* requestsTo(V2)).length, 1)
      yield* TestClock.adjust("2 seconds")
      now = 3541
      const second = Redacted.value(yield* auth.token)
      assert.notStrictEqual(second, first)
      assert.strictEqual((yield* requestsTo(V2)).length, 2)
      assert.strictEqual(jwtExpiry(second)?.getTime(), (3541 + 3600) * 1000)
    }).pipe(Effect.provide(clientLayer(countingLogins()(() => now))))
  })

  it.effect("falls back to one hour when the token is not a JWT", () =>
    Effect.gen(function*() {
      const auth = yield* IikoAuth.IikoAuth
      yield* auth.token
      yield* TestClock.adjust("3539 seconds")
      yield* auth.token
      assert.strictEqual((yield* requestsTo(V2)).length, 1)
      yield* TestClock.adjust("2 seconds")
      yield* auth.token
      assert.strictEqual((yield* requestsTo(V2)).length, 2)
    }).pipe(Effect.provide(clientLayer(MockHttpClient.script({ [V2]: loginOk("opaque-token") })))))

  it.effect("a failed login is not cached: the next call logs in again", () =>
    Effect.gen(function*() {
      const failure = yield* Effect.flip(Iiko.organizations({}))
      assert.strictEqual(failure.reason._tag, "Unauthorized")
      assert.strictEqual(failure.operation, "accessTokenV2")
      const ok = yield* Iiko.organizations({})
      assert.strictEqual(ok.organizations.length, 1)
      assert.strictEqual((yield* requestsTo(V2)).length, 2)
    }).pipe(Effect.provide(clientLayer(MockHttpClient.script({
      [V2]: [transportError(401, "Wrong apiKey"), loginOk(tokenFor(1))],
      [ORGS]: organizationsOk
    })))))

  it.effect("a login failing with 500 is retried like any read", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Iiko.organizations({}))
      yield* TestClock.adjust("1 minute")
      const ok = yield* Fiber.join(fiber)
      assert.strictEqual(ok.organizations.length, 1)
      assert.strictEqual((yield* requestsTo(V2)).length, 2)
    }).pipe(Effect.provide(clientLayer(MockHttpClient.script({
      [V2]: [transportError(500, "boom"), loginOk(tokenFor(1))],
      [ORGS]: organizationsOk
    })))))

  it.effect("the login takes the common request path: a client span, Retry-After honoured", () => {
    const capture = makeCapture()
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Iiko.organizations({}))
      yield* TestClock.adjust("11 seconds")
      assert.strictEqual((yield* requestsTo(V2)).length, 1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual((yield* requestsTo(V2)).length, 2)
      const login = capture.spans.find((span) => span.name === "iiko.accessTokenV2")
      assert.strictEqual(login?.kind, "client")
      assert.strictEqual(login?.attributes.get("iiko.correlation_id"), CORRELATION)
    }).pipe(capture.provide, Effect.provide(clientLayer(MockHttpClient.script({
      [V2]: [{ ...transportError(429, "slow down"), headers: { "retry-after": "12" } }, loginOk(tokenFor(1))],
      [ORGS]: organizationsOk
    }))))
  })

  it.effect("v1 credentials log in through /api/1/access_token with apiLogin", () =>
    Effect.gen(function*() {
      yield* Iiko.organizations({})
      const [login] = yield* requestsTo(V1)
      assert.deepStrictEqual(login?.body, { apiLogin: secrets.apiLogin })
      assert.strictEqual((yield* requestsTo(V2)).length, 0)
    }).pipe(Effect.provide(clientLayer(countingLogins()(() => 0), { credentials: IikoConfig.v1(secrets.apiLogin) }))))

  it.effect("a ready token is sent as is and never refreshed", () =>
    Effect.gen(function*() {
      const failure = yield* Effect.flip(Iiko.organizations({}))
      assert.strictEqual(failure.reason._tag, "Unauthorized")
      const calls = yield* requestsTo(ORGS)
      assert.strictEqual(calls.length, 1)
      assert.strictEqual(calls[0]?.headers["authorization"], "Bearer ready-token")
      assert.strictEqual((yield* MockHttpClient.MockHttpClient.use((mock) => mock.requests)).length, 1)
    }).pipe(Effect.provide(clientLayer(MockHttpClient.script({ [ORGS]: transportError(401, "expired") }), {
      credentials: IikoConfig.token("ready-token")
    }))))

  it("jwtExpiry reads exp and ignores garbage", () => {
    assert.strictEqual(jwtExpiry(MockHttpClient.fakeJwt({ exp: 10 }))?.getTime(), 10_000)
    assert.isUndefined(jwtExpiry("not-a-jwt"))
    assert.isUndefined(jwtExpiry("a.%%%.c"))
    assert.isUndefined(jwtExpiry(MockHttpClient.fakeJwt({ exp: "soon" })))
  })
})
