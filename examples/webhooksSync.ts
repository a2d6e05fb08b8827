import { Effect, Stream } from "effect"
import { IikoSync, IikoWebhooks } from "effect-iiko"

// Webhooks as triggers, polling as truth: a delivery webhook runs the poll now instead of at the
// end of its interval; a lost webhook only costs latency. `subscribe` takes nothing from `events`.
export const deliveriesWokenByWebhooks = (organizationIds: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const webhooks = yield* IikoWebhooks.IikoWebhooks
    return IikoSync.deliveryChanges({
      organizationIds,
      pollInterval: "5 minutes",
      wakeUp: webhooks.subscribe({ eventTypes: ["DeliveryOrderUpdate", "DeliveryOrderError"], organizationIds })
    })
  }).pipe(Stream.unwrap)
