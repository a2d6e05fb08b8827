import { Effect } from "effect"
import { IikoCreation } from "effect-iiko"

export const order = (organizationId: string, productId: string) =>
  IikoCreation.createDelivery({
    organizationId,
    order: { phone: "+79001234567", items: [{ type: "Product", productId, amount: 1, price: 300 }] }
  }).pipe(Effect.flatMap(({ info }) => IikoCreation.settleDelivery(info)))
