/**
 * Loyalty customers with wallets: create or update, info (by phone, card, email or id; an
 * unknown customer is a 400, as on iiko), top-up, charge-off, hold and cancel hold.
 *
 * @since 0.1.0
 */
import type * as Domain from "../Domain.ts"
import * as R from "../Route.ts"
import { formatDate, json } from "../Wire.ts"

const NOT_FOUND = "Validation_IncorrectPhone"

const createOrUpdate = R.post(
  "loyaltyIikoCustomerCreateOrUpdate",
  "/api/1/loyalty/iiko/customer/create_or_update",
  "create",
  (context) => {
    const { body, state } = context
    const organizationId = R.uuid(body, "organizationId")
    R.organization(context, organizationId)
    const id = R.optionalUuid(body, "id")
    const phone = R.optionalString(body, "phone")
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
    customer.name = R.optionalString(body, "name") ?? customer.name
    customer.phone = phone ?? customer.phone
    customer.email = R.optionalString(body, "email") ?? customer.email
    customer.cardTrack = R.optionalString(body, "cardTrack") ?? customer.cardTrack
    customer.cardNumber = R.optionalString(body, "cardNumber") ?? customer.cardNumber
    state.customers.set(customer.id, customer)
    return json({ id: customer.id })
  }
)

const info = R.post("loyaltyIikoCustomerInfo", "/api/1/loyalty/iiko/customer/info", "read", (context) => {
  const type = R.string(context.body, "type")
  const field: Record<string, keyof Domain.Customer> = {
    phone: "phone",
    cardTrack: "cardTrack",
    cardNumber: "cardNumber",
    email: "email",
    id: "id"
  }
  const key = field[type] ?? R.reject(`Unknown search type '${type}'.`)
  const wanted = R.string(context.body, key)
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

const walletOf = (context: R.Context): { readonly customer: Domain.Customer; readonly wallet: Domain.Wallet; readonly sum: number } => {
  R.organization(context, R.uuid(context.body, "organizationId"))
  const customerId = R.uuid(context.body, "customerId")
  const customer = context.state.customers.get(customerId) ?? R.reject(`Customer '${customerId}' is not found.`, NOT_FOUND)
  const walletId = R.uuid(context.body, "walletId")
  const wallet = customer.wallets.find((w) => w.id === walletId) ?? R.reject(`Wallet '${walletId}' is not found.`)
  const sum = R.number(context.body, "sum")
  if (sum <= 0) R.reject("Field 'sum' must be positive.")
  return { customer, wallet, sum }
}

const topup = R.post("loyaltyIikoCustomerWalletTopup", "/api/1/loyalty/iiko/customer/wallet/topup", "irreversible", (context) => {
  const { sum, wallet } = walletOf(context)
  wallet.balance += sum
  return json({})
})

const chargeoff = R.post(
  "loyaltyIikoCustomerWalletChargeoff",
  "/api/1/loyalty/iiko/customer/wallet/chargeoff",
  "irreversible",
  (context) => {
    const { sum, wallet } = walletOf(context)
    if (wallet.balance < sum) R.reject(`Not enough money in the wallet: ${wallet.balance} < ${sum}.`)
    wallet.balance -= sum
    return json({})
  }
)

const hold = R.post("loyaltyIikoCustomerWalletHold", "/api/1/loyalty/iiko/customer/wallet/hold", "action", (context) => {
  const { customer, sum, wallet } = walletOf(context)
  const transactionId = R.optionalUuid(context.body, "transactionId") ?? context.ids.uuid()
  if (context.state.holds.has(transactionId)) R.reject(`Transaction '${transactionId}' already exists.`)
  if (wallet.balance < sum) R.reject(`Not enough money in the wallet: ${wallet.balance} < ${sum}.`)
  wallet.balance -= sum
  context.state.holds.set(transactionId, { transactionId, customerId: customer.id, walletId: wallet.id, sum })
  return json({ transactionId })
})

const cancelHold = R.post(
  "loyaltyIikoCustomerWalletCancelHold",
  "/api/1/loyalty/iiko/customer/wallet/cancel_hold",
  "action",
  (context) => {
    R.organization(context, R.uuid(context.body, "organizationId"))
    const transactionId = R.uuid(context.body, "transactionId")
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
