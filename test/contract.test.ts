/**
 * Contract tests for every operation, through the real `IikoClient` over the mock transport.
 * Bodies come from `test/fixtures/contract-samples.json`, which the generator synthesizes from
 * the patched spec, so these tests check the generated schemas against the spec:
 *
 * - the request reaches the operation's path with the encoded body;
 * - a spec-shaped response decodes to exactly itself;
 * - a response with undeclared keys and unknown enum values still decodes (keys dropped, values kept);
 * - a request with an undeclared key is rejected before the transport;
 * - an error status becomes an `IikoError`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Result, Schema } from "effect"
import { readFileSync } from "node:fs"
import { type Endpoint, Iiko, IikoClient, IikoConfig } from "../src/index.ts"
import { MockHttpClient } from "../src/testing/index.ts"
import type { OperationSamples } from "../scripts/codegen/Samples.ts"

/** The generator's samples; every operation's request body is an object. */
type Samples = OperationSamples & { readonly request: Record<string, unknown> }

const samples: Record<string, Samples> = JSON.parse(
  readFileSync(new URL("./fixtures/contract-samples.json", import.meta.url), "utf8")
)

const EXTRA_KEY = "fieldFromTheFuture"
const UNKNOWN_ENUM = "ValueFromTheFuture"
const LOGIN = "/api/v2/access_token"
const CORRELATION = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

type AnyOperation = ((body: unknown) => Effect.Effect<unknown, import("../src/IikoError.ts").IikoError, IikoClient.IikoClient>) & {
  readonly endpoint: Endpoint.Endpoint
}

const functionOf = (name: string): AnyOperation => (Iiko as unknown as Record<string, AnyOperation>)[name]!

/** The client stack with a transport that logs in and answers `path` with `reply`. */
const stack = (path: string, reply: MockHttpClient.Reply) =>
  IikoClient.layer({
    baseUrl: "http://127.0.0.1:9",
    credentials: IikoConfig.v2({ appId: "app", clientSecret: "secret", apiKey: "key" })
  }).pipe(Layer.provideMerge(MockHttpClient.layer((request) =>
    request.path === path
      ? reply
      : request.path === LOGIN
      ? { body: { correlationId: CORRELATION, token: MockHttpClient.fakeJwt({ exp: 4_000_000_000 }) } }
      : { status: 599, body: { correlationId: CORRELATION, errorDescription: `unexpected ${request.path}` } }
  )))

const requestsTo = (path: string) => MockHttpClient.MockHttpClient.use((mock) => mock.requestsTo(path))

const okReply = (body: unknown): MockHttpClient.Reply => body === null ? { text: "" } : { body }

const countOccurrences = (json: string, needle: string): number => json.split(needle).length - 1

describe("contract: all operations", () => {
  it("covers every operation of the catalog", () => {
    assert.strictEqual(Iiko.operations.length, 343)
    assert.strictEqual(Object.keys(samples).length, 343)
    assert.strictEqual(new Set(Iiko.operations.map((info) => info.name)).size, 343, "operation names are unique")
    for (const info of Iiko.operations) {
      const endpoint = functionOf(info.name).endpoint
      assert.deepStrictEqual(
        [endpoint.name, endpoint.method, endpoint.path, endpoint.sideEffect, endpoint.asyncKind, endpoint.restrictionGroup],
        [info.name, info.method, info.path, info.sideEffect, info.asyncKind, info.restrictionGroup],
        `catalog and descriptor agree on ${info.name}`
      )
    }
  })

  it("every optional response field of every operation accepts null", () => {
    let nulls = 0
    for (const info of Iiko.operations) {
      const sample = samples[info.name]!
      if (sample.nullResponse === null) continue
      const decoded = Schema.decodeUnknownResult(functionOf(info.name).endpoint.response)(sample.nullResponse)
      if (Result.isFailure(decoded)) return assert.fail(`${info.name}: ${decoded.failure.message}`)
      assert.isAtLeast(countOccurrences(JSON.stringify(decoded.success), "null"), sample.nullCount, info.name)
      nulls += sample.nullCount
    }
    assert.isAbove(nulls, 3000)
  })

  it("every int32/int64 request integer of every operation is range-checked before sending", () => {
    const checked = Iiko.operations.filter((info) => samples[info.name]!.overflowRequests.length > 0)
    assert.strictEqual(checked.length, 23)
    let fields = 0
    for (const info of checked) {
      const encode = Schema.encodeUnknownResult(functionOf(info.name).endpoint.request)
      assert.isTrue(Result.isSuccess(encode(samples[info.name]!.request)), `${info.name}: the in-range sample encodes`)
      samples[info.name]!.overflowRequests.forEach((request, i) => {
        assert.isTrue(Result.isFailure(encode(request)), `${info.name}: integer #${i} out of range is rejected`)
        fields++
      })
    }
    assert.isAbove(fields, 23)
  })

  for (const info of Iiko.operations) {
    const sample = samples[info.name]!
    const call = functionOf(info.name)
    describe(info.name, () => {
      it.effect("sends the encoded body to its path and decodes a spec-shaped response", () =>
        Effect.gen(function*() {
          const result = yield* call(sample.request)
          const [request, ...more] = yield* requestsTo(info.path)
          assert.strictEqual(more.length, 0)
          assert.strictEqual(request?.method, info.method)
          if (info.method === "POST") assert.deepStrictEqual(request?.body, sample.request)
          if (sample.response !== null) assert.deepStrictEqual(result, sample.response)
        }).pipe(Effect.provide(stack(info.path, okReply(sample.response)))))

      it.effect("keeps unknown enum values and drops undeclared keys in responses", () =>
        Effect.gen(function*() {
          const result = yield* call(sample.request)
          const json = JSON.stringify(result) ?? ""
          assert.strictEqual(countOccurrences(json, EXTRA_KEY), 0)
          if (sample.response !== null) assert.strictEqual(countOccurrences(json, UNKNOWN_ENUM), sample.enumCount)
        }).pipe(Effect.provide(stack(info.path, okReply(sample.tolerantResponse)))))

      it.effect("rejects an invalid request before the transport", () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(call({ ...sample.request, notAField: 1 }))
          assert.strictEqual(error._tag, "IikoError")
          assert.strictEqual(error.reason._tag, "InvalidRequest")
          assert.strictEqual(error.operation, info.name)
          assert.strictEqual((yield* requestsTo(info.path)).length, 0)
        }).pipe(Effect.provide(stack(info.path, okReply(sample.response)))))

      it.effect("turns an error status into an IikoError", () =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(call(sample.request))
          assert.strictEqual(error.reason._tag, "BadRequest")
          assert.strictEqual(error.status, 400)
          assert.strictEqual(error.operation, info.name)
        }).pipe(Effect.provide(stack(info.path, {
          status: 400,
          body: info.path.startsWith("/api/inventory/") || info.path.startsWith("/api/finance/")
            ? { message: "bad input" }
            : { correlationId: CORRELATION, errorDescription: "bad input", error: "Common" }
        }))))
    })
  }
})
