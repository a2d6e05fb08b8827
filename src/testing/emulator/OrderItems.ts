/**
 * Turns the items of a create request (deliveries, table orders, reserves) into response items
 * priced from the nomenclature, and decides whether creation will succeed: unknown products,
 * stop-listed products (with `checkStopList`) and dead terminals end in `creationStatus: Error`
 * just as they do on a real terminal.
 *
 * @since 0.1.0
 */
import * as Domain from "./Domain.ts"
import type { Context } from "./Route.ts"
import { reject } from "./Route.ts"

/**
 * The response items and totals of an order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Priced {
  readonly items: ReadonlyArray<Record<string, unknown>>
  readonly sum: number
  readonly outcome: Domain.Outcome
}

/**
 * Prices request items against an organization's nomenclature and decides the outcome.
 *
 * @since 0.1.0
 * @category pricing
 */
export const price = (
  context: Context<unknown>,
  options: {
    readonly organizationId: string
    readonly terminalGroup: Domain.TerminalGroup | undefined
    readonly items: ReadonlyArray<RequestItem>
    readonly checkStopList: boolean
  }
): Priced => {
  const nomenclature = Domain.nomenclatureOf(context.state, options.organizationId)
  const stopList = options.terminalGroup === undefined ? undefined : context.state.stopLists.get(options.terminalGroup.id)
  const errors: Array<Domain.ErrorInfo> = []
  const items = options.items.map((raw, index) => {
    const item = checked(raw, index)
    const product = nomenclature.productsById.get(item.productId)
    if (product === undefined) {
      errors.push(error("ProductNotFound", `Product '${item.productId}' is not found in the nomenclature.`))
    } else if (options.checkStopList && stopList?.has(Domain.stopListKey(product.id, item.productSizeId)) === true) {
      errors.push(error("Common", `Product '${product.name}' is in the stop list.`))
    }
    const unit = item.price ?? product?.price ?? 0
    return {
      type: item.type,
      status: "Added",
      amount: item.amount,
      comment: item.comment,
      product: { id: item.productId, name: product?.name ?? "Unknown product" },
      size: null,
      modifiers: [],
      price: unit,
      cost: unit * item.amount,
      resultSum: unit * item.amount,
      pricePredefined: item.price !== undefined,
      positionId: item.positionId,
      deleted: null,
      whenPrinted: null,
      comboInformation: null
    }
  })
  if (options.terminalGroup !== undefined && !options.terminalGroup.alive) {
    errors.unshift(error(
      "Common",
      "Creation timeout expired, order automatically transited to error creation status"
    ))
  }
  return {
    items,
    sum: items.reduce((total, item) => total + item.cost, 0),
    outcome: errors[0] === undefined ? { _tag: "Success" } : { _tag: "Error", error: errors[0] }
  }
}

const error = (code: string, message: string): Domain.ErrorInfo => ({ code, message, description: message })

/**
 * An item of a create request as the generated request schemas decode it: a product, or a
 * compound (which names no `productId` and is refused, as before).
 *
 * @since 0.2.0
 * @category models
 */
export interface RequestItem {
  readonly type: string
  readonly amount: number
  readonly productId?: string
  readonly productSizeId?: string | null | undefined
  readonly price?: number | undefined
  readonly comment?: string | null | undefined
  readonly positionId?: string | null | undefined
}

const checked = (item: RequestItem, index: number) => {
  if (item.productId === undefined) return reject(`Field 'items[${index}].productId' is required.`)
  if (item.amount <= 0) return reject(`Field 'items[${index}].amount' must be positive.`)
  return {
    type: item.type,
    productId: item.productId.toLowerCase(),
    productSizeId: item.productSizeId ?? null,
    amount: item.amount,
    price: item.price,
    comment: item.comment ?? null,
    positionId: item.positionId ?? null
  }
}
