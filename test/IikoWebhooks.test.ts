/**
 * The webhook receiver over real sockets on 127.0.0.1: token check, body limits, malformed
 * bodies, deduplication of redelivered batches, unknown event types, the full queue answer, the
 * broadcast for extra subscribers, and no token in spans or logs.
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, Redacted, Stream } from "effect"
import { HttpServer } from "effect/http"
import { readFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { IikoWebhooks } from "../src/index.ts"
import { makeCapture } from "./support.ts"

const TOKEN = "hook-token-SECRET-7"
const ORG = "7bc05553-4b68-44e8-b7bc-37be63c6d9e9"
const ORDER = "5d3c6a1e-2b7f-4c1d-9e8a-0f1b2c3d4e5f"

const server = (options: Partial<IikoWebhooks.ServerOptions> = {}) =>
  IikoWebhooks.layerServer({ authToken: Redacted.make(TOKEN), ...options })

interface Answer {
  readonly status: number
  readonly body: any
  readonly headers: Headers
}

/** POSTs raw text to the receiver with `fetch`. */
const post = (body: string, headers: Record<string, string> = { authorization: TOKEN }) =>
  Effect.gen(function*() {
    const http = yield* HttpServer.HttpServer
    const webhooks = yield* IikoWebhooks.IikoWebhooks
    const url = `${HttpServer.formatAddress(http.address)}${webhooks.path}`
    return yield* Effect.promise(async (): Promise<Answer> => {
      const response = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } })
      const text = await response.text()
      return { status: response.status, body: text === "" ? null : JSON.parse(text), headers: response.headers }
    })
  })

const postEvents = (events: ReadonlyArray<unknown>, headers?: Record<string, string>) => post(JSON.stringify(events), headers)

/** A delivery as iiko reports it (a spec-derived sample), to vary by status and revision. */
const sampleOrder = JSON.parse(readFileSync(new URL("./fixtures/contract-samples.json", import.meta.url), "utf8"))
  .deliveriesById.response.orders[0]

const deliveryUpdate = (status: string, revision: number, correlationId = "c-" + status) => ({
  eventType: "DeliveryOrderUpdate",
  eventTime: "2026-11-28 12:00:00.000",
  organizationId: ORG,
  correlationId,
  eventInfo: { ...sampleOrder, id: ORDER, organizationId: ORG, timestamp: revision, order: { ...sampleOrder.order, status } }
})

const stopListUpdate = {
  eventType: "StopListUpdate",
  eventTime: "2026-11-28 12:00:01.000",
  organizationId: ORG,
  correlationId: "c-stop",
  eventInfo: { terminalGroupsStopListsUpdates: [{ id: "3fa85f64-5717-4562-b3fc-2c963f66afa6", isFull: false }] }
}

/** Takes `n` events from the main stream. */
const take = (n: number) =>
  IikoWebhooks.IikoWebhooks.use((webhooks) =>
    webhooks.events.pipe(Stream.take(n), Stream.runCollect))

const stats = IikoWebhooks.IikoWebhooks.use((webhooks) => webhooks.stats)

describe("IikoWebhooks receiver", () => {
  it.live("accepts the token bare or as Bearer; a wrong or missing token is 401 and enqueues nothing", () =>
    Effect.gen(function*() {
      const missing = yield* postEvents([deliveryUpdate("Unconfirmed", 1)], {})
      const wrong = yield* postEvents([deliveryUpdate("Unconfirmed", 1)], { authorization: "hook-token-SECRET-8" })
      const wrongBearer = yield* postEvents([deliveryUpdate("Unconfirmed", 1)], { authorization: "Bearer nope" })
      assert.deepStrictEqual([missing.status, wrong.status, wrongBearer.status], [401, 401, 401])
      assert.strictEqual(wrong.body.error, "Unauthorized")
      assert.strictEqual((yield* stats).accepted, 0)

      const bare = yield* postEvents([deliveryUpdate("Unconfirmed", 1)], { authorization: TOKEN })
      const bearer = yield* postEvents([deliveryUpdate("WaitCooking", 2)], { authorization: `Bearer ${TOKEN}` })
      assert.deepStrictEqual([bare.status, bearer.status], [200, 200])
      const events = yield* take(2)
      assert.deepStrictEqual(events.map((e: any) => e.eventInfo.order.status), ["Unconfirmed", "WaitCooking"])
      const counted = yield* stats
      assert.strictEqual(counted.unauthorized, 3)
      assert.strictEqual(counted.accepted, 2)
    }).pipe(Effect.provide(server())))

  it("the token comparison reads every character whatever the first difference", () => {
    const reads = (expected: string, actual: string) => {
      let count = 0
      const counting = new Proxy(new String(expected), {
        get(target, key) {
          if (key === "charCodeAt") {
            return (i: number) => {
              count++
              return expected.charCodeAt(i)
            }
          }
          const value = Reflect.get(target, key)
          return typeof value === "function" ? value.bind(target) : value
        }
      }) as unknown as string
      const equal = IikoWebhooks.constantTimeEquals(counting, actual)
      return { equal, count }
    }
    const secret = "abcdefghijklmnop"
    const firstWrong = reads(secret, "Xbcdefghijklmnop")
    const lastWrong = reads(secret, "abcdefghijklmnoX")
    const short = reads(secret, "a")
    const right = reads(secret, secret)
    assert.deepStrictEqual([firstWrong.equal, lastWrong.equal, short.equal, right.equal], [false, false, false, true])
    assert.deepStrictEqual([firstWrong.count, lastWrong.count, short.count, right.count], [16, 16, 16, 16])
    assert.isFalse(IikoWebhooks.constantTimeEquals(secret, secret + "x"))
    assert.isTrue(IikoWebhooks.authorizes(Redacted.make(secret), `bearer  ${secret} `))
    assert.isFalse(IikoWebhooks.authorizes(Redacted.make(secret), undefined))
    assert.isFalse(IikoWebhooks.authorizes(Redacted.make(secret), `Basic ${secret}`))
  })

  it.live("malformed JSON, a non-array body and a schema mismatch are 400 with a clear message, counted, nothing enqueued", () =>
    Effect.gen(function*() {
      const broken = yield* post("[{\"eventType\": ")
      assert.strictEqual(broken.status, 400)
      assert.match(broken.body.message, /^The body is not valid JSON/)
      const object = yield* post(JSON.stringify(deliveryUpdate("Unconfirmed", 1)))
      assert.strictEqual(object.status, 400)
      assert.strictEqual(object.body.message, "The body must be a JSON array of events, not an object.")
      const mismatch = yield* postEvents([{ ...stopListUpdate, eventInfo: { terminalGroupsStopListsUpdates: "all" } }])
      assert.strictEqual(mismatch.status, 400)
      assert.match(mismatch.body.message, /^The events do not match iiko's webhook schemas: .*terminalGroupsStopListsUpdates/s)
      const counted = yield* stats
      assert.strictEqual(counted.malformed, 3)
      assert.strictEqual(counted.accepted, 0)
      // The receiver is unharmed.
      const ok = yield* postEvents([stopListUpdate])
      assert.strictEqual(ok.status, 200)
      assert.strictEqual((yield* take(1))[0]!.eventType, "StopListUpdate")
    }).pipe(Effect.provide(server())))

  it.live("an oversize body is 413, declared or streamed, and nothing is enqueued", () =>
    Effect.gen(function*() {
      const big = JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ ...stopListUpdate, correlationId: `c-${i}` })))
      const declared = yield* post(big)
      assert.strictEqual(declared.status, 413)
      assert.strictEqual(declared.body.error, "PayloadTooLarge")
      // Chunked, without Content-Length: the limit applies while reading.
      const http = yield* HttpServer.HttpServer
      const address = http.address as { readonly port: number }
      const streamed = yield* Effect.callback<number>((resume) => {
        const request = httpRequest({
          host: "127.0.0.1",
          port: address.port,
          method: "POST",
          path: "/iiko/webhooks",
          headers: { authorization: TOKEN, "transfer-encoding": "chunked" }
        }, (response) => {
          response.resume()
          resume(Effect.succeed(response.statusCode ?? 0))
        })
        request.on("error", (error) => resume(Effect.die(error)))
        for (let i = 0; i < 8; i++) request.write(big.slice(i * 512, (i + 1) * 512))
        request.end(big.slice(8 * 512))
      })
      assert.strictEqual(streamed, 413)
      const counted = yield* stats
      assert.strictEqual(counted.tooLarge, 2)
      assert.strictEqual(counted.accepted, 0)
      const ok = yield* postEvents([stopListUpdate])
      assert.strictEqual(ok.status, 200)
    }).pipe(Effect.provide(server({ maxBodySize: 2048 }))))

  it.live("a batch redelivered 3 times is processed once; an unknown event type arrives as such", () =>
    Effect.gen(function*() {
      const unknown = {
        eventType: "CourierLocationUpdate",
        eventTime: "2026-11-28 12:00:02.000",
        organizationId: ORG,
        correlationId: "c-new",
        eventInfo: { courierId: "x", latitude: 55.75 }
      }
      const batch = [deliveryUpdate("Unconfirmed", 1), stopListUpdate, unknown]
      const answers = []
      for (let i = 0; i < 4; i++) answers.push(yield* postEvents(batch))
      assert.deepStrictEqual(answers.map((a) => a.status), [200, 200, 200, 200])
      assert.deepStrictEqual(answers.map((a) => a.body.accepted), [3, 0, 0, 0])
      assert.deepStrictEqual(answers.map((a) => a.body.duplicates), [0, 3, 3, 3])
      // A later revision of the same order is a new event.
      yield* postEvents([deliveryUpdate("Unconfirmed", 2, "c-Unconfirmed")])
      const events = yield* take(4)
      assert.deepStrictEqual(events.map((e) => e.eventType), ["DeliveryOrderUpdate", "StopListUpdate", "CourierLocationUpdate", "DeliveryOrderUpdate"])
      assert.deepStrictEqual(events[2]!.eventInfo, unknown.eventInfo)
      const counted = yield* stats
      assert.strictEqual(counted.accepted, 4)
      assert.strictEqual(counted.duplicates, 9)
    }).pipe(Effect.provide(server())))

  it.live("duplicates are dropped by their key before decoding; a schema error names the body's index", () =>
    Effect.gen(function*() {
      const first = deliveryUpdate("Unconfirmed", 1)
      const twice = yield* postEvents([first, first])
      assert.deepStrictEqual([twice.status, twice.body.accepted, twice.body.duplicates], [200, 1, 1])
      // Same identity, unparseable elsewhere: a redelivery is recognized without being decoded.
      const redelivered = yield* postEvents([{ ...first, eventTime: 42 }])
      assert.deepStrictEqual([redelivered.status, redelivered.body.duplicates], [200, 1])
      // A new event that does not decode still rejects the batch, named by its index in the body.
      const mismatch = yield* postEvents([first, { ...stopListUpdate, eventInfo: { terminalGroupsStopListsUpdates: "all" } }])
      assert.strictEqual(mismatch.status, 400)
      assert.match(mismatch.body.message, /\[1\]/)
      const notEvents = yield* postEvents([null, 3])
      assert.strictEqual(notEvents.status, 400)
      const counted = yield* stats
      assert.deepStrictEqual([counted.accepted, counted.duplicates, counted.malformed], [1, 2, 2])
      assert.strictEqual((yield* take(1))[0]!.correlationId, first.correlationId)
    }).pipe(Effect.provide(server())))

  it.live("a full queue answers 503 with Retry-After, keeps what fit, and the redelivery completes the batch", () =>
    Effect.gen(function*() {
      const batch = [deliveryUpdate("Unconfirmed", 1), deliveryUpdate("WaitCooking", 2), deliveryUpdate("OnWay", 3)]
      const first = yield* postEvents(batch)
      assert.strictEqual(first.status, 503)
      assert.strictEqual(first.headers.get("retry-after"), "1")
      assert.strictEqual(first.body.accepted, 2)
      const drained = yield* take(2)
      const again = yield* postEvents(batch)
      assert.strictEqual(again.status, 200)
      assert.deepStrictEqual([again.body.accepted, again.body.duplicates], [1, 2])
      const rest = yield* take(1)
      assert.deepStrictEqual([...drained, ...rest].map((e: any) => e.eventInfo.order.status), ["Unconfirmed", "WaitCooking", "OnWay"])
      assert.strictEqual((yield* stats).queueFull, 1)
    }).pipe(Effect.provide(server({ capacity: 2 }))))

  it.live("subscribers get a broadcast of accepted events without taking them from the main stream", () =>
    Effect.gen(function*() {
      const webhooks = yield* IikoWebhooks.IikoWebhooks
      const deliveries = yield* webhooks.subscribe({ eventTypes: ["DeliveryOrderUpdate"], organizationIds: [ORG] }).pipe(
        Stream.take(1),
        Stream.runCollect,
        Effect.forkChild
      )
      const everything = yield* webhooks.subscribe().pipe(Stream.take(2), Stream.runCollect, Effect.forkChild)
      yield* Effect.sleep("20 millis")
      yield* postEvents([stopListUpdate, deliveryUpdate("Unconfirmed", 1)])
      const woken = yield* Fiber.join(deliveries)
      assert.deepStrictEqual(woken.map((e) => e.eventType), ["DeliveryOrderUpdate"])
      assert.lengthOf(yield* Fiber.join(everything), 2)
      const main = yield* take(2)
      assert.deepStrictEqual(main.map((e) => e.eventType), ["StopListUpdate", "DeliveryOrderUpdate"])
    }).pipe(Effect.provide(server())))

  it.live("no token in spans or logs, whatever the outcome", () => {
    const capture = makeCapture()
    return Effect.gen(function*() {
      yield* postEvents([deliveryUpdate("Unconfirmed", 1)], { authorization: `Bearer ${TOKEN}` })
      yield* postEvents([deliveryUpdate("Unconfirmed", 1)], { authorization: TOKEN + "x" })
      yield* post("not json")
      const spans = capture.spanText()
      assert.match(spans, /IikoWebhooks\.receive/)
      assert.match(spans, /"iiko\.webhooks\.outcome":"unauthorized"/)
      assert.notInclude(spans, TOKEN)
      assert.notInclude(capture.lines.join("\n"), TOKEN)
    }).pipe(Effect.provide(server()), capture.provide)
  })
})

describe("IikoWebhooks.dedupKey", () => {
  it("identifies an order event by id, revision and status, and keeps keys of large payloads short", () => {
    const key = (event: unknown) => IikoWebhooks.dedupKey(event as IikoWebhooks.Event)
    const update = deliveryUpdate("OnWay", 7, "c-1")
    assert.strictEqual(key(update), key(structuredClone(update)))
    assert.notStrictEqual(key(update), key(deliveryUpdate("OnWay", 8, "c-1")))
    assert.notStrictEqual(key(update), key(deliveryUpdate("Delivered", 7, "c-1")))
    assert.notStrictEqual(key(update), key({ ...update, organizationId: "another" }))
    const big = (n: number) => ({ eventType: "MenuPublished", correlationId: "c", eventInfo: { items: Array.from({ length: 500 }, (_, i) => i + n) } })
    assert.strictEqual(key(big(0)), key(big(0)))
    assert.notStrictEqual(key(big(0)), key(big(1)))
    assert.isBelow(key(big(0)).length, 100)
  })
})

describe("IikoWebhooks.layerRoute", () => {
  it.live("mounts the receiver on an existing router at the configured path", () =>
    Effect.gen(function*() {
      const answer = yield* postEvents([stopListUpdate])
      assert.strictEqual(answer.status, 200)
      assert.strictEqual((yield* take(1))[0]!.eventType, "StopListUpdate")
    }).pipe(Effect.provide(server({ path: "/hooks/iiko" }))))
})

describe("IikoWebhooks.serverConfig", () => {
  it.effect("reads the token as a secret, with defaults for port, host and path", () =>
    Effect.gen(function*() {
      const config = yield* Effect.gen(function*() {
        return yield* IikoWebhooks.serverConfig
      }).pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ IIKO_WEBHOOKS_TOKEN: TOKEN })))
      )
      assert.strictEqual(Redacted.value(config.authToken), TOKEN)
      assert.strictEqual(String(config.authToken), "<redacted>")
      assert.deepStrictEqual([config.port, config.host, config.path], [8080, "127.0.0.1", "/iiko/webhooks"])
    }))
})
