import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { IikoCommand } from "../src/index.ts"
import { MockHttpClient } from "../src/testing/index.ts"
import { clientLayer, CORRELATION, makeCapture, loginOk, ORG, requestsTo, tokenFor, transportError } from "./support.ts"

const STATUS = "/api/1/commands/status"
const inProgress: MockHttpClient.Reply = { body: { state: "InProgress" } }
const command = { organizationId: ORG, correlationId: CORRELATION }
const withLogin = (replies: ReadonlyArray<MockHttpClient.Reply>) =>
  clientLayer(MockHttpClient.script({ "/api/v2/access_token": loginOk(tokenFor(1)), [STATUS]: replies }))

describe("IikoCommand.wait", () => {
  it.effect("polls with growing pauses until the command succeeds", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(IikoCommand.wait(command))
      yield* TestClock.adjust("999 millis")
      assert.strictEqual((yield* requestsTo(STATUS)).length, 1)
      yield* TestClock.adjust("1 milli") // first pause: 1 s
      assert.strictEqual((yield* requestsTo(STATUS)).length, 2)
      yield* TestClock.adjust("1499 millis")
      assert.strictEqual((yield* requestsTo(STATUS)).length, 2)
      yield* TestClock.adjust("1 milli") // second pause: 1.5 s
      const status = yield* Fiber.join(fiber)
      assert.strictEqual(status.state, "Success")
      assert.strictEqual((yield* requestsTo(STATUS)).length, 3)
      assert.deepStrictEqual((yield* requestsTo(STATUS))[0]?.body, command)
    }).pipe(Effect.provide(withLogin([inProgress, inProgress, { body: { state: "Success" } }]))))

  it.effect("runs in its own span, with each poll a child span", () => {
    const capture = makeCapture()
    return Effect.gen(function*() {
      yield* IikoCommand.wait(command)
      const wait = capture.spans.find((span) => span.name === "IikoCommand.wait")
      const poll = capture.spans.find((span) => span.name === "iiko.commandsStatus")
      assert.isDefined(wait)
      assert.strictEqual(poll?.parent._tag === "Some" ? poll.parent.value.spanId : undefined, wait?.spanId)
    }).pipe(capture.provide, Effect.provide(withLogin([{ body: { state: "Success" } }])))
  })

  it.effect("returns the error status with its reason", () =>
    Effect.gen(function*() {
      const status = yield* IikoCommand.wait(command)
      assert.deepStrictEqual(status, { state: "Error", errorReason: "TerminalGroupDisabled" })
    }).pipe(Effect.provide(withLogin([{ body: { state: "Error", errorReason: "TerminalGroupDisabled" } }]))))

  it.effect("returns the last InProgress status once the deadline passes", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(IikoCommand.wait(command, { deadline: "10 seconds" }))
      yield* TestClock.adjust("10 seconds")
      const status = yield* Fiber.join(fiber)
      assert.strictEqual(status.state, "InProgress")
      // polls at 0, 1, 2.5, 4.75, 8.125 and the deadline (10) s
      assert.strictEqual((yield* requestsTo(STATUS)).length, 6)
    }).pipe(Effect.provide(withLogin([inProgress]))))

  it.effect("an expired correlationId fails with Gone", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(IikoCommand.wait(command))
      assert.strictEqual(error.reason._tag, "Gone")
      assert.strictEqual(error.status, 410)
    }).pipe(Effect.provide(withLogin([transportError(410, "correlationId is no longer supported")]))))
})
