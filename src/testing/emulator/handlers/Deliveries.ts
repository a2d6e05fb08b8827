/**
 * Delivery orders: create (asynchronous, with `DuplicatedOrderId` for a reused id), reads by id,
 * by revision (3-hour offset rule) and by delivery date, and the status commands (confirm,
 * delivery status, courier, cancel, close).
 *
 * @since 0.1.0
 */
import type * as Schema from "effect/Schema"
import type { Endpoint } from "../../../Endpoint.ts"
import type * as Deliveries from "../../../generated/Deliveries.ts"
import * as Iiko from "../../../generated/Iiko.ts"
import type * as Domain from "../Domain.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as OrderItems from "../OrderItems.ts"
import * as R from "../Route.ts"
import { json, parseDate } from "../Wire.ts"

/** iiko's limit on how far back `deliveries/by_revision` may start. */
const MAX_REVISION_OFFSET = 3 * 60 * 60 * 1000

/** The `OrdersWithRevisionResponse` body: each organization's deliveries that pass `keep`. */
const ordersByOrganizations = (
  context: R.Context<unknown>,
  organizations: ReadonlyArray<{ readonly id: string }>,
  keep: (delivery: Domain.Creation) => boolean
) =>
  json({
    correlationId: context.correlationId,
    maxRevision: context.state.revision,
    ordersByOrganizations: organizations.map((organization) => ({
      organizationId: organization.id,
      orders: [...context.state.deliveries.values()]
        .filter((d) => d.organizationId === organization.id && keep(d))
        .map(Lifecycle.info)
    }))
  })

const create = R.handle(Iiko.deliveriesCreate, (context) => {
  const { body, state } = context
  const { order, organizationId } = body
  R.organization(context, organizationId)
  const terminal = R.terminalGroup(context, organizationId, body.terminalGroupId ?? defaultTerminal(context, organizationId))
  const id = order.id ?? context.ids.uuid()
  if (state.deliveries.has(id)) R.reject(`Order with id '${id}' already exists.`, "DuplicatedOrderId")
  const phone = order.phone
  const priced = OrderItems.price(context, {
    organizationId,
    terminalGroup: terminal,
    items: order.items,
    checkStopList: body.createOrderSettings?.checkStopList === true
  })
  const orderType = orderTypeOf(context, organizationId, order)
  const completeBefore = order.completeBefore ?? Lifecycle.stamp({ ...context, now: context.now + 3_600_000 })
  const view: Record<string, unknown> = {
    parentDeliveryId: null,
    customer: customerView(context, order),
    phone,
    deliveryPoint: order.deliveryPoint ?? null,
    status: "Unconfirmed",
    cancelInfo: null,
    courierInfo: null,
    completeBefore,
    whenCreated: Lifecycle.stamp(context),
    whenConfirmed: null,
    whenSended: null,
    whenDelivered: null,
    whenClosed: null,
    comment: order.comment ?? null,
    problem: null,
    operator: null,
    cookingStartTime: Lifecycle.stamp(context),
    isDeleted: false,
    sourceKey: order.sourceKey ?? null,
    sum: priced.sum,
    number: nextNumber(state, organizationId),
    guestsInfo: { count: 1, splitBetweenPersons: false },
    items: priced.items,
    combos: [],
    payments: order.payments ?? [],
    tips: [],
    discounts: [],
    orderType,
    terminalGroupId: terminal.id,
    processedPaymentsSum: 0,
    externalData: order.externalData ?? []
  }
  const record = Lifecycle.startCreation(context, {
    kind: "delivery",
    id,
    organizationId,
    terminalGroupId: terminal.id,
    externalNumber: order.externalNumber ?? null,
    posId: context.ids.uuid(),
    sourceKey: view["sourceKey"] as string | null,
    outcome: priced.outcome,
    view
  })
  return json({ correlationId: context.correlationId, orderInfo: Lifecycle.info(record) })
})

const byId = R.handle(Iiko.deliveriesById, (context) => {
  const { body, state } = context
  const { organizationId } = body
  R.organization(context, organizationId)
  const orderIds = body.orderIds ?? []
  const posOrderIds = body.posOrderIds ?? []
  if (orderIds.length > 0 && posOrderIds.length > 0) R.reject("Use either 'orderIds' or 'posOrderIds', not both.")
  if (orderIds.length + posOrderIds.length > 200) R.reject("At most 200 order ids may be requested.")
  const wanted = new Set([...orderIds, ...posOrderIds])
  const sourceKeys: ReadonlyArray<string | null> = body.sourceKeys ?? []
  const orders = [...state.deliveries.values()].filter((d) =>
    d.organizationId === organizationId &&
    (wanted.has(d.id) || wanted.has(d.posId) || (wanted.size === 0 && sourceKeys.includes(d.sourceKey)))
  )
  return json({ correlationId: context.correlationId, orders: orders.map(Lifecycle.info) })
})

const byRevision = R.handle(Iiko.deliveriesByRevision, (context) => {
  const { body } = context
  const { startRevision } = body
  const organizations = R.organizations(context, body.organizationIds)
  if (startRevision < context.now - MAX_REVISION_OFFSET) {
    R.reject("Maximum revision offset to request is 3 hours. Load older orders by delivery date.")
  }
  const sourceKeys: ReadonlyArray<string | null> = body.sourceKeys ?? []
  return ordersByOrganizations(context, organizations, (d) =>
    d.revision > startRevision && (sourceKeys.length === 0 || sourceKeys.includes(d.sourceKey)))
})

const byDeliveryDateAndStatus = R.handle(
  Iiko.deliveriesByDeliveryDateAndStatus,
  (context) => {
    const { body } = context
    const organizations = R.organizations(context, body.organizationIds)
    const from = parseDate(body.deliveryDateFrom) ?? R.reject("Field 'deliveryDateFrom' must be a date.")
    const toText = body.deliveryDateTo ?? undefined
    const to = toText === undefined ? Infinity : parseDate(toText) ?? R.reject("Field 'deliveryDateTo' must be a date.")
    const statuses: ReadonlyArray<unknown> = body.statuses ?? []
    const inWindow = (d: Domain.Creation) => {
      const when = parseDate(String(d.view["completeBefore"])) ?? 0
      return when >= from && when <= to && (statuses.length === 0 || statuses.includes(d.view["status"]))
    }
    return ordersByOrganizations(context, organizations, inWindow)
  }
)

/**
 * A status command on an existing delivery: validates the order, applies `change` when the
 * order is created and still open, and records the command's outcome for `commands/status`.
 */
const statusCommand = <Body extends { readonly organizationId: string; readonly orderId: string }>(
  operation: { readonly endpoint: Endpoint<Schema.Codec<Body, any>> },
  change: (context: R.Context<Body>, view: Record<string, unknown>) => string | undefined
) =>
  R.handle(operation, (context) => {
    const { organizationId, orderId } = context.body
    R.organization(context, organizationId)
    const delivery = findDelivery(context, organizationId, orderId)
    const problem = delivery.creationStatus !== "Success"
      ? `Order '${delivery.id}' is not created (creationStatus ${delivery.creationStatus}).`
      : CLOSED.has(String(delivery.view["status"]))
      ? `Order '${delivery.id}' is already ${delivery.view["status"]}.`
      : change(context, delivery.view)
    if (problem === undefined) Lifecycle.touch(context, delivery)
    Lifecycle.startCommand(context, organizationId, problem === undefined ? undefined : { state: "Error", errorReason: problem })
    return json(R.correlationOnly(context))
  })

const CLOSED = new Set(["Closed", "Cancelled"])

const updateDeliveryStatus = statusCommand(
  Iiko.deliveriesUpdateOrderDeliveryStatus,
  (context, view) => {
    const status = context.body.deliveryStatus
    view["status"] = status
    if (status === "OnWay") view["whenSended"] = Lifecycle.stamp(context)
    if (status === "Delivered") view["whenDelivered"] = Lifecycle.stamp(context)
    return undefined
  }
)

const confirm = statusCommand(Iiko.deliveriesConfirm, (context, view) => {
  if (view["status"] !== "Unconfirmed") return `Order is ${view["status"]}, not Unconfirmed.`
  view["status"] = "WaitCooking"
  view["whenConfirmed"] = Lifecycle.stamp(context)
  return undefined
})

const cancelConfirmation = statusCommand(
  Iiko.deliveriesCancelConfirmation,
  (_, view) => {
    view["status"] = "Unconfirmed"
    view["whenConfirmed"] = null
    return undefined
  }
)

const updateCourier = statusCommand(
  Iiko.deliveriesUpdateOrderCourier,
  (context, view) => {
    const { employeeId } = context.body
    const couriers = context.state.dictionaries.get(context.body.organizationId)?.couriers ?? []
    const courier = couriers.find((c) => c.id === employeeId)
    if (courier === undefined) return `Courier '${employeeId}' does not exist.`
    view["courierInfo"] = { courier: { id: courier.id, name: courier.displayName, phone: null }, isCourierSelectedManually: true }
    return undefined
  }
)

const cancel = statusCommand(Iiko.deliveriesCancel, (context, view) => {
  const causeId = context.body.cancelCauseId ?? undefined
  const causes = context.state.dictionaries.get(context.body.organizationId)?.cancelCauses ?? []
  const cause = causeId === undefined ? causes[0] : causes.find((c) => c.id === causeId)
  if (cause === undefined) return `Cancel cause '${causeId}' is not found.`
  view["status"] = "Cancelled"
  view["cancelInfo"] = {
    whenCancelled: Lifecycle.stamp(context),
    cause: { id: cause.id, name: cause.name },
    comment: context.body.cancelComment ?? null
  }
  return undefined
})

const close = statusCommand(Iiko.deliveriesClose, (context, view) => {
  view["status"] = "Closed"
  view["whenClosed"] = context.body.deliveryDate ?? Lifecycle.stamp(context)
  return undefined
})

/**
 * The modelled delivery operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [
  create,
  byId,
  byRevision,
  byDeliveryDateAndStatus,
  updateDeliveryStatus,
  confirm,
  cancelConfirmation,
  updateCourier,
  cancel,
  close
]

const findDelivery = (context: R.Context<unknown>, organizationId: string, orderId: string): Domain.Creation => {
  const delivery = context.state.deliveries.get(orderId)
  return delivery !== undefined && delivery.organizationId === organizationId
    ? delivery
    : R.reject(`Order '${orderId}' is not found.`, "OrderNotFound")
}

const defaultTerminal = (context: R.Context<unknown>, organizationId: string): string =>
  context.state.terminalGroups.find((t) => t.organizationId === organizationId)?.id ??
    R.reject("Terminal group cannot be determined.", "TerminalGroupIdNotDetermined")

const nextNumber = (state: Domain.State, organizationId: string): number => {
  const number = (state.orderNumbers.get(organizationId) ?? 0) + 1
  state.orderNumbers.set(organizationId, number)
  return number
}

/** The delivery order of a create request. */
type DeliveryOrder = Deliveries.CreateOrderRequest["order"]

const orderTypeOf = (context: R.Context<unknown>, organizationId: string, order: DeliveryOrder) => {
  const types = context.state.dictionaries.get(organizationId)?.orderTypes ?? []
  const id = order.orderTypeId ?? undefined
  const serviceType: string = order.orderServiceType ?? "DeliveryByCourier"
  // A create request says `DeliveryByClient` for pickup; the order types dictionary calls it `DeliveryPickUp`.
  const dictionaryServiceType = serviceType === "DeliveryByClient" ? "DeliveryPickUp" : serviceType
  const type = id === undefined
    ? types.find((t) => t.orderServiceType === dictionaryServiceType)
    : types.find((t) => t.id === id)
  return type ?? R.reject(`Order type '${id ?? serviceType}' is not found.`, "OrderTypeNotFound")
}

const customerView = (context: R.Context<unknown>, order: DeliveryOrder): Record<string, unknown> | null => {
  const customer = order.customer
  if (customer === undefined || customer === null) return null
  const regular = customer.type === "regular" ? customer : undefined
  return {
    type: "regular",
    id: regular?.id ?? context.ids.uuid(),
    name: customer.name ?? "Guest",
    surname: regular?.surname ?? null,
    comment: regular?.comment ?? null,
    gender: "NotSpecified",
    inBlacklist: false,
    blacklistReason: null,
    birthdate: null
  }
}
