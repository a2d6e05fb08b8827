/**
 * Following an asynchronous iiko command to its end. Commands (`deliveriesCreate`,
 * `orderAddItems`, `stopListsAdd`, …) answer with a `correlationId` at once and finish later on
 * the restaurant terminal; `commands/status` tells how it went.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Commands from "./generated/Commands.ts"
import { commandsStatus } from "./generated/Iiko.ts"
import type { IikoClient } from "./IikoClient.ts"
import type { IikoError } from "./IikoError.ts"

/**
 * How patiently to poll.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** First pause between polls. Default 1 second. */
  readonly interval?: Duration.Input | undefined
  /** Each pause is the previous one times this. Default 1.5. */
  readonly factor?: number | undefined
  /** The longest pause. Default 5 seconds. */
  readonly maxInterval?: Duration.Input | undefined
  /** Stop polling after this long and return the last (`InProgress`) status. Default 60 seconds. */
  readonly deadline?: Duration.Input | undefined
}

/**
 * Polls `commands/status` until the command leaves `InProgress`, or the deadline passes.
 * Returns the final status (`Success`, `Error` with `errorReason`, or a state this library does
 * not know yet), or the last `InProgress` status when the deadline passed first. Fails with
 * `IikoError` (for example `Gone` when iiko no longer knows the `correlationId`). Time comes from
 * `Clock`, so `TestClock` drives it in tests.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Iiko, IikoCommand } from "effect-iiko"
 *
 * const closeAndWait = (organizationId: string, orderId: string) =>
 *   Effect.gen(function*() {
 *     const { correlationId } = yield* Iiko.deliveriesClose({ organizationId, orderId })
 *     const status = yield* IikoCommand.wait({ organizationId, correlationId })
 *     return status.state === "Success"
 *   })
 * ```
 *
 * @since 0.1.0
 * @category polling
 */
export const wait: (
  command: { readonly organizationId: string; readonly correlationId: string },
  options?: WaitOptions
) => Effect.Effect<Commands.CommandStatus, IikoError, IikoClient> = Effect.fn("IikoCommand.wait")(
  function*(command: { readonly organizationId: string; readonly correlationId: string }, options: WaitOptions = {}) {
    const deadline = (yield* Clock.currentTimeMillis) + millis(options.deadline, "60 seconds")
    return yield* commandsStatus(command).pipe(Effect.repeat(pollSchedule(options, deadline)))
  }
)

const millis = (input: Duration.Input | undefined, fallback: Duration.Input) =>
  Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))

/**
 * Growing pauses (`interval` × `factor`, at most `maxInterval`, the last one cut at the
 * deadline) while the command is `InProgress` and the deadline has not passed; the output is
 * the last status.
 */
const pollSchedule = (options: WaitOptions, deadline: number) => {
  const longest = millis(options.maxInterval, "5 seconds")
  return Schedule.exponential(options.interval ?? "1 second", options.factor ?? 1.5).pipe(
    Schedule.setInputType<Commands.CommandStatus>(),
    Schedule.while(({ input, now }) => input.state === "InProgress" && now < deadline),
    Schedule.modifyDelay(({ duration, now }) =>
      Effect.succeed(Duration.millis(Math.min(Duration.toMillis(duration), longest, deadline - now)))
    ),
    Schedule.passthrough
  )
}
