/**
 * Loyalty customers with wallets: create or update, info (by phone, card, email or id; an
 * unknown customer is a 400, as on iiko), top-up, charge-off, hold and cancel hold.
 *
 * @since 0.1.0
 */
import * as Iiko from "../../../generated/Iiko.ts"
import type * as Loyalty from "../../../generated/Loyalty.ts"
import type * as Domain from "../Domain.ts"
import * as R from "../Route.ts"
import { formatDate, json } from "../Wire.ts"

const NOT_FOUND = "Validation_IncorrectPhone"

const createOrUpdate = R.handle(
  Iiko.loyaltyIikoCustomerCreateOrUpdate,
  (context) => {
    const { body, state } = context
    const { organizationId } = body
    R.organization(context, organizationId)
    const id = body.id ?? undefined
    const phone = body.phone ?? undefined
    const existing = id !== undefined
      ? state.customers.get(id) ?? R.reject(`Customer '${id}' is not found: login entry not found.`, NOT_FOUND)
      : phone === undefined
      ? undefined
      : [...state.customers.values()].find((c) => c.organizationId === organizationId && c.phone === phone)
    const customer: Domain.Customer = existing ?? {
      id: context.ids.uuid(),
      organizationId,
      name: "",
      phone,
      email: undefined,
      cardTrack: undefined,
      cardNumber: undefined,
      whenRegistered: context.now,
      wallets: [{ id: context.ids.uuid(), name: "Bonus", type: 1, balance: 0 }]
    }
    customer.name = body.name ?? customer.name
    customer.phone = phone ?? customer.phone
    customer.email = body.email ?? customer.email
    customer.cardTrack = body.cardTrack ?? customer.cardTrack
    customer.cardNumber = body.cardNumber ?? customer.cardNumber
    state.customers.set(customer.id, customer)
    return json({ id: customer.id })
  }
)

/** The customer field a search looks at, and the value it looks for. */
const searchOf = (body: Loyalty.GetCustomerInfoRequest): readonly [keyof Domain.Customer, string | undefined] => {
  switch (body.type) {
    case "phone":
      return ["phone", body.phone]
    case "cardTrack":
      return ["cardTrack", body.cardTrack]
    case "cardNumber":
      return ["cardNumber", body.cardNumber]
    case "email":
      return ["email", body.email]
    case "id":
      return ["id", body.id]
  }
}

const info = R.handle(Iiko.loyaltyIikoCustomerInfo, (context) => {
  const [key, value] = searchOf(context.body)
  const wanted = value ?? R.reject(`Field '${key}' is required.`)
  const customer = [...context.state.customers.values()].find((c) => c[key] === wanted) ??
    R.reject("Customer is not found.", NOT_FOUND)
  return json({
    id: customer.id,
    referrerId: null,
    name: customer.name,
    surname: "",
    middleName: "",
    comment: "",
    phone: customer.phone ?? "",
    cultureName: "ru-RU",
    birthday: null,
    email: customer.email ?? "",
    sex: 0,
    consentStatus: 0,
    anonymized: false,
    cards: customer.cardNumber === undefined
      ? []
      : [{ id: customer.id, track: customer.cardTrack ?? customer.cardNumber, number: customer.cardNumber, validToDate: null }],
    categories: [],
    walletBalances: customer.wallets.map((w) => ({ id: w.id, name: w.name, type: w.type, balance: w.balance })),
    userData: "",
    isDeleted: false,
    whenRegistered: formatDate(customer.whenRegistered),
    lastProcessedOrderDate: null,
    firstOrderDate: null,
    registrationOrganizationId: customer.organizationId
  })
})

/** A wallet operation's body; iiko's spec leaves the fields optional, the emulator requires them. */
type WalletChange = {
  readonly organizationId: string
  readonly customerId?: string | null | undefined
  readonly walletId?: string | null | undefined
  readonly sum?: number | null | undefined
}

const required = <A>(value: A | null | undefined, field: string): A => value ?? R.reject(`Field '${field}' is required.`)

const walletOf = (
  context: R.Context<WalletChange>
): { readonly customer: Domain.Customer; readonly wallet: Domain.Wallet; readonly sum: number } => {
  R.organization(context, context.body.organizationId)
  const customerId = required(context.body.customerId, "customerId")
  const customer = context.state.customers.get(customerId) ?? R.reject(`Customer '${customerId}' is not found.`, NOT_FOUND)
  const walletId = required(context.body.walletId, "walletId")
  const wallet = customer.wallets.find((w) => w.id === walletId) ?? R.reject(`Wallet '${walletId}' is not found.`)
  const sum = required(context.body.sum, "sum")
  if (sum <= 0) R.reject("Field 'sum' must be positive.")
  return { customer, wallet, sum }
}

const topup = R.handle(Iiko.loyaltyIikoCustomerWalletTopup, (context) => {
  const { sum, wallet } = walletOf(context)
  wallet.balance += sum
  return json({})
})

const chargeoff = R.handle(
  Iiko.loyaltyIikoCustomerWalletChargeoff,
  (context) => {
    const { sum, wallet } = walletOf(context)
    if (wallet.balance < sum) R.reject(`Not enough money in the wallet: ${wallet.balance} < ${sum}.`)
    wallet.balance -= sum
    return json({})
  }
)

const hold = R.handle(Iiko.loyaltyIikoCustomerWalletHold, (context) => {
  const { customer, sum, wallet } = walletOf(context)
  const transactionId = context.body.transactionId ?? context.ids.uuid()
  if (context.state.holds.has(transactionId)) R.reject(`Transaction '${transactionId}' already exists.`)
  if (wallet.balance < sum) R.reject(`Not enough money in the wallet: ${wallet.balance} < ${sum}.`)
  wallet.balance -= sum
  context.state.holds.set(transactionId, { transactionId, customerId: customer.id, walletId: wallet.id, sum })
  return json({ transactionId })
})

const cancelHold = R.handle(
  Iiko.loyaltyIikoCustomerWalletCancelHold,
  (context) => {
    R.organization(context, context.body.organizationId)
    const { transactionId } = context.body
    const held = context.state.holds.get(transactionId) ?? R.reject(`Transaction '${transactionId}' is not found.`)
    const wallet = context.state.customers.get(held.customerId)?.wallets.find((w) => w.id === held.walletId)
    if (wallet !== undefined) wallet.balance += held.sum
    context.state.holds.delete(transactionId)
    return json({})
  }
)

/**
 * The modelled loyalty operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [createOrUpdate, info, topup, chargeoff, hold, cancelHold]
