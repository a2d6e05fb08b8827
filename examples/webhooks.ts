import { Console, Effect, Layer, Redacted, Stream } from "effect"
import { HttpServer } from "effect/http"
import { Iiko, IikoClient, IikoConfig, IikoCreation, IikoWebhooks } from "effect-iiko"
import { IikoEmulator } from "effect-iiko/testing"

const authToken = Redacted.make("a-long-random-secret")

// The receiver on 127.0.0.1 (a free port), an emulated iiko Cloud that posts to it, and the client.
const Live = Layer.mergeAll(
  IikoWebhooks.layerServer({ authToken }),
  Layer.unwrap(Effect.gen(function*() {
    const emulator = yield* IikoEmulator.IikoEmulator
    return IikoClient.layer({ baseUrl: emulator.baseUrl, credentials: IikoConfig.v1("demo") })
  })).pipe(Layer.provideMerge(IikoEmulator.layer({ creationDelay: "200 millis" })))
)

export const receiveWebhooks = Effect.gen(function*() {
  const webhooks = yield* IikoWebhooks.IikoWebhooks
  const server = yield* HttpServer.HttpServer
  const { organizations } = yield* Iiko.organizations({})
  const organizationId = organizations[0]!.id
  yield* IikoWebhooks.register({
    organizationId,
    url: `${HttpServer.formatAddress(server.address)}${webhooks.path}`,
    authToken,
    filter: IikoWebhooks.filter(IikoWebhooks.deliveryOrders(), IikoWebhooks.stopLists)
  })

  // Something to hear about: a delivery is created, then confirmed.
  const { products } = yield* Iiko.nomenclature({ organizationId })
  const productId = products.find((product) => product.type === "Dish")!.id
  const created = yield* IikoCreation.createDelivery({
    organizationId,
    order: { phone: "+70000000000", items: [{ type: "Product", productId, amount: 1, price: 300 }] }
  })
  const order = yield* IikoCreation.settleDelivery(created.info)
  yield* Iiko.deliveriesConfirm({ organizationId, orderId: order.id })

  return yield* webhooks.events.pipe(
    Stream.take(2),
    Stream.map((event) =>
      IikoWebhooks.isEvent("DeliveryOrderUpdate")(event) ? `${event.eventType}: ${event.eventInfo?.order?.status}` : event.eventType
    ),
    Stream.tap((line) => Console.log(line)),
    Stream.runCollect
  )
}).pipe(Effect.provide(Live))

// npx tsx examples/webhooks.ts
if (process.argv[1]?.endsWith("webhooks.ts")) Effect.runFork(receiveWebhooks)
