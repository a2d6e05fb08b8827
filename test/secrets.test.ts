import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { Iiko, IikoConfig } from "../src/index.ts"
import { MockHttpClient } from "../src/testing/index.ts"
import {
  clientLayer,
  CREATE,
  createBody,
  createThing,
  CORRELATION,
  loginOk,
  makeCapture,
  ORG,
  organizationsOk,
  secrets,
  tokenFor,
  transportError
} from "./support.ts"

const V2 = "/api/v2/access_token"
const V1 = "/api/1/access_token"
const ORGS = "/api/1/organizations"
const issuedTokens = [tokenFor(1), tokenFor(2), tokenFor(3)]
const forbidden = [...Object.values(secrets), ...issuedTokens, "ready-token-SECRET-5"]

/** Every way a call can end, each run with capture on; returns all text a user could see. */
const scenarios: ReadonlyArray<{ readonly name: string; readonly run: Effect.Effect<unknown, unknown> }> = [
  {
    name: "success, then 401 replay, then a second 401",
    run: Effect.gen(function*() {
      yield* Iiko.organizations({ organizationIds: [ORG] })
      return yield* Iiko.organizations({})
    }).pipe(Effect.provide(clientLayer(MockHttpClient.script({
      [V2]: issuedTokens.map(loginOk),
      [ORGS]: [organizationsOk, transportError(401, "Token expired")]
    }))))
  },
  {
    name: "login rejected with a description echoing the credentials",
    run: Iiko.organizations({}).pipe(Effect.provide(clientLayer(MockHttpClient.script({
      [V2]: transportError(401, `apiKey ${secrets.apiKey} of app ${secrets.appId} is not valid (${secrets.clientSecret})`)
    }))))
  },
  {
    name: "v1 login rejected with a description echoing apiLogin",
    run: Iiko.organizations({}).pipe(Effect.provide(clientLayer(MockHttpClient.script({
      [V1]: { status: 400, text: `Unknown apiLogin ${secrets.apiLogin}` }
    }), { credentials: IikoConfig.v1(secrets.apiLogin) })))
  },
  {
    name: "a ready token rejected",
    run: Iiko.organizations({}).pipe(Effect.provide(clientLayer(MockHttpClient.script({
      [ORGS]: transportError(401, "Token ready-token-SECRET-5 expired")
    }), { credentials: IikoConfig.token("ready-token-SECRET-5") })))
  },
  {
    name: "a malformed login response",
    run: Iiko.organizations({}).pipe(Effect.provide(clientLayer(MockHttpClient.script({
      [V2]: { body: { token: issuedTokens[0], correlationId: 42 } }
    }))))
  },
  {
    name: "retries with logging: 500s then transport errors",
    run: Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Iiko.organizations({}))
      yield* TestClock.adjust("5 minutes")
      return yield* Fiber.join(fiber)
    }).pipe(Effect.provide(clientLayer(MockHttpClient.script({
      [V2]: loginOk(issuedTokens[0]!),
      [ORGS]: [transportError(500, "a"), { transportError: "reset" }, transportError(503, "b"), transportError(500, "c")]
    }))))
  },
  {
    name: "a write failing with 500",
    run: createThing(createBody).pipe(Effect.provide(clientLayer(MockHttpClient.script({
      [V2]: loginOk(issuedTokens[0]!),
      [CREATE]: transportError(500, "boom")
    }))))
  }
]

describe("secrets", () => {
  for (const scenario of scenarios) {
    it.effect(`no credential or token in errors, logs or spans: ${scenario.name}`, () =>
      Effect.gen(function*() {
        const capture = makeCapture()
        const exit = yield* Effect.exit(capture.provide(scenario.run))
        const errorText = Exit.isFailure(exit)
          ? [String(exit.cause), JSON.stringify(exit.cause), ...exit.cause.reasons.map((reason) => String(reason))]
            .join("\n")
          : ""
        const visible = [errorText, capture.lines.join("\n"), capture.spanText()].join("\n")
        assert.isAbove(capture.spans.length, 0)
        for (const secret of forbidden) assert.notInclude(visible, secret)
      }))
  }

  it.effect("the capture sees what a leak would look like (the check can fail)", () =>
    Effect.gen(function*() {
      const capture = makeCapture()
      yield* capture.provide(
        Effect.logDebug(`oops ${secrets.apiKey}`).pipe(
          Effect.andThen(Effect.annotateCurrentSpan("leak", issuedTokens[0])),
          Effect.withSpan("leaky")
        )
      )
      assert.include(capture.lines.join("\n"), secrets.apiKey)
      assert.include(capture.spanText(), issuedTokens[0]!)
    }))

  it.effect("an undecodable response is recorded on the operation's span, with its correlationId", () =>
    Effect.gen(function*() {
      const capture = makeCapture()
      yield* Effect.flip(capture.provide(Iiko.organizations({}))).pipe(
        Effect.provide(clientLayer(MockHttpClient.script({
          [V2]: loginOk(issuedTokens[0]!),
          [ORGS]: { body: { correlationId: CORRELATION, organizations: "not a list" } }
        })))
      )
      const span = capture.spans.find((span) => span.name === "iiko.organizations")
      assert.strictEqual(span?.attributes.get("iiko.correlation_id"), CORRELATION)
      assert.strictEqual(span?.status._tag, "Ended")
      const exit = span?.status._tag === "Ended" ? span.status.exit : undefined
      assert.isTrue(exit !== undefined && Exit.isFailure(exit))
    }))

  it.effect("spans name the operation, organization and correlationId", () =>
    Effect.gen(function*() {
      const capture = makeCapture()
      yield* capture.provide(Iiko.organizations({ organizationIds: [ORG] })).pipe(
        Effect.provide(clientLayer(MockHttpClient.script({ [V2]: loginOk(issuedTokens[0]!), [ORGS]: organizationsOk })))
      )
      const span = capture.spans.find((span) => span.name === "iiko.organizations")
      assert.isDefined(span)
      assert.strictEqual(span?.attributes.get("iiko.organization_id"), ORG)
      assert.strictEqual(span?.attributes.get("iiko.correlation_id"), CORRELATION)
      assert.strictEqual(span?.attributes.get("iiko.operation"), "organizations")
    }))
})
