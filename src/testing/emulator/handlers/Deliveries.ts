/**
 * Delivery orders: create (asynchronous, with `DuplicatedOrderId` for a reused id), reads by id,
 * by revision (3-hour offset rule) and by delivery date, and the status commands (confirm,
 * delivery status, courier, cancel, close).
 *
 * @since 0.1.0
 */
import type * as Domain from "../Domain.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as OrderItems from "../OrderItems.ts"
import * as R from "../Route.ts"
import { json, parseDate } from "../Wire.ts"

/** iiko's limit on how far back `deliveries/by_revision` may start. */
const MAX_REVISION_OFFSET = 3 * 60 * 60 * 1000

/** The `OrdersWithRevisionResponse` body: each organization's deliveries that pass `keep`. */
const ordersByOrganizations = (
  context: R.Context,
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

const create = R.post("deliveriesCreate", "/api/1/deliveries/create", "create", (context) => {
  const { body, state } = context
  const organizationId = R.uuid(body, "organizationId")
  R.organization(context, organizationId)
  const order = R.object(body, "order", true)!
  const terminal = R.terminalGroup(context, organizationId, R.optionalUuid(body, "terminalGroupId") ?? defaultTerminal(context, organizationId))
  const id = R.optionalUuid(order, "id") ?? context.ids.uuid()
  if (state.deliveries.has(id)) R.reject(`Order with id '${id}' already exists.`, "DuplicatedOrderId")
  const phone = R.string(order, "phone")
  const priced = OrderItems.price(context, {
    organizationId,
    terminalGroup: terminal,
    items: R.array(order, "items", true),
    checkStopList: R.object(body, "createOrderSettings")?.["checkStopList"] === true
  })
  const orderType = orderTypeOf(context, organizationId, order)
  const completeBefore = R.optionalString(order, "completeBefore") ?? Lifecycle.stamp({ ...context, now: context.now + 3_600_000 })
  const view: Record<string, unknown> = {
    parentDeliveryId: null,
    customer: customerView(context, order),
    phone,
    deliveryPoint: R.object(order, "deliveryPoint") ?? null,
    status: "Unconfirmed",
    cancelInfo: null,
    courierInfo: null,
    completeBefore,
    whenCreated: Lifecycle.stamp(context),
    whenConfirmed: null,
    whenSended: null,
    whenDelivered: null,
    whenClosed: null,
    comment: R.optionalString(order, "comment") ?? null,
    problem: null,
    operator: null,
    cookingStartTime: Lifecycle.stamp(context),
    isDeleted: false,
    sourceKey: R.optionalString(order, "sourceKey") ?? null,
    sum: priced.sum,
    number: nextNumber(state, organizationId),
    guestsInfo: { count: 1, splitBetweenPersons: false },
    items: priced.items,
    combos: [],
    payments: R.array(order, "payments"),
    tips: [],
    discounts: [],
    orderType,
    terminalGroupId: terminal.id,
    processedPaymentsSum: 0,
    externalData: R.array(order, "externalData")
  }
  const record = Lifecycle.startCreation(context, {
    kind: "delivery",
    id,
    organizationId,
    terminalGroupId: terminal.id,
    externalNumber: R.optionalString(order, "externalNumber") ?? null,
    posId: context.ids.uuid(),
    sourceKey: view["sourceKey"] as string | null,
    outcome: priced.outcome,
    view
  })
  return json({ correlationId: context.correlationId, orderInfo: Lifecycle.info(record) })
})

const byId = R.post("deliveriesById", "/api/1/deliveries/by_id", "read", (context) => {
  const { body, state } = context
  const organizationId = R.uuid(body, "organizationId")
  R.organization(context, organizationId)
  const orderIds = R.uuids(body, "orderIds")
  const posOrderIds = R.uuids(body, "posOrderIds")
  if (orderIds.length > 0 && posOrderIds.length > 0) R.reject("Use either 'orderIds' or 'posOrderIds', not both.")
  if (orderIds.length + posOrderIds.length > 200) R.reject("At most 200 order ids may be requested.")
  const wanted = new Set([...orderIds, ...posOrderIds])
  const sourceKeys = R.array(body, "sourceKeys")
  const orders = [...state.deliveries.values()].filter((d) =>
    d.organizationId === organizationId &&
    (wanted.has(d.id) || wanted.has(d.posId) || (wanted.size === 0 && sourceKeys.includes(d.sourceKey)))
  )
  return json({ correlationId: context.correlationId, orders: orders.map(Lifecycle.info) })
})

const byRevision = R.post("deliveriesByRevision", "/api/1/deliveries/by_revision", "read", (context) => {
  const { body } = context
  const startRevision = R.number(body, "startRevision")
  const organizations = R.organizations(context, R.uuids(body, "organizationIds", true))
  if (startRevision < context.now - MAX_REVISION_OFFSET) {
    R.reject("Maximum revision offset to request is 3 hours. Load older orders by delivery date.")
  }
  const sourceKeys = R.array(body, "sourceKeys")
  return ordersByOrganizations(context, organizations, (d) =>
    d.revision > startRevision && (sourceKeys.length === 0 || sourceKeys.includes(d.sourceKey)))
})

const byDeliveryDateAndStatus = R.post(
  "deliveriesByDeliveryDateAndStatus",
  "/api/1/deliveries/by_delivery_date_and_status",
  "read",
  (context) => {
    const { body } = context
    const organizations = R.organizations(context, R.uuids(body, "organizationIds", true))
    const from = parseDate(R.string(body, "deliveryDateFrom")) ?? R.reject("Field 'deliveryDateFrom' must be a date.")
    const toText = R.optionalString(body, "deliveryDateTo")
    const to = toText === undefined ? Infinity : parseDate(toText) ?? R.reject("Field 'deliveryDateTo' must be a date.")
    const statuses = R.array(body, "statuses")
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
const statusCommand = (
  name: string,
  path: string,
  change: (context: R.Context, view: Record<string, unknown>) => string | undefined
) =>
  R.post(name, path, "update", (context) => {
    const organizationId = R.uuid(context.body, "organizationId")
    R.organization(context, organizationId)
    const delivery = findDelivery(context, organizationId, R.uuid(context.body, "orderId"))
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
  "deliveriesUpdateOrderDeliveryStatus",
  "/api/1/deliveries/update_order_delivery_status",
  (context, view) => {
    const status = R.string(context.body, "deliveryStatus")
    if (!["Waiting", "OnWay", "Delivered"].includes(status)) {
      return R.reject(`Field 'deliveryStatus' must be Waiting, OnWay or Delivered.`)
    }
    view["status"] = status
    if (status === "OnWay") view["whenSended"] = Lifecycle.stamp(context)
    if (status === "Delivered") view["whenDelivered"] = Lifecycle.stamp(context)
    return undefined
  }
)

const confirm = statusCommand("deliveriesConfirm", "/api/1/deliveries/confirm", (context, view) => {
  if (view["status"] !== "Unconfirmed") return `Order is ${view["status"]}, not Unconfirmed.`
  view["status"] = "WaitCooking"
  view["whenConfirmed"] = Lifecycle.stamp(context)
  return undefined
})

const cancelConfirmation = statusCommand(
  "deliveriesCancelConfirmation",
  "/api/1/deliveries/cancel_confirmation",
  (_, view) => {
    view["status"] = "Unconfirmed"
    view["whenConfirmed"] = null
    return undefined
  }
)

const updateCourier = statusCommand(
  "deliveriesUpdateOrderCourier",
  "/api/1/deliveries/update_order_courier",
  (context, view) => {
    const employeeId = R.uuid(context.body, "employeeId")
    const couriers = context.state.dictionaries.get(String(context.body["organizationId"]))?.couriers ?? []
    const courier = couriers.find((c) => c.id === employeeId)
    if (courier === undefined) return `Courier '${employeeId}' does not exist.`
    view["courierInfo"] = { courier: { id: courier.id, name: courier.displayName, phone: null }, isCourierSelectedManually: true }
    return undefined
  }
)

const cancel = statusCommand("deliveriesCancel", "/api/1/deliveries/cancel", (context, view) => {
  const causeId = R.optionalUuid(context.body, "cancelCauseId")
  const causes = context.state.dictionaries.get(String(context.body["organizationId"]))?.cancelCauses ?? []
  const cause = causeId === undefined ? causes[0] : causes.find((c) => c.id === causeId)
  if (cause === undefined) return `Cancel cause '${causeId}' is not found.`
  view["status"] = "Cancelled"
  view["cancelInfo"] = {
    whenCancelled: Lifecycle.stamp(context),
    cause: { id: cause.id, name: cause.name },
    comment: R.optionalString(context.body, "cancelComment") ?? null
  }
  return undefined
})

const close = statusCommand("deliveriesClose", "/api/1/deliveries/close", (context, view) => {
  view["status"] = "Closed"
  view["whenClosed"] = R.optionalString(context.body, "deliveryDate") ?? Lifecycle.stamp(context)
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

const findDelivery = (context: R.Context, organizationId: string, orderId: string): Domain.Creation => {
  const delivery = context.state.deliveries.get(orderId)
  return delivery !== undefined && delivery.organizationId === organizationId
    ? delivery
    : R.reject(`Order '${orderId}' is not found.`, "OrderNotFound")
}

const defaultTerminal = (context: R.Context, organizationId: string): string =>
  context.state.terminalGroups.find((t) => t.organizationId === organizationId)?.id ??
    R.reject("Terminal group cannot be determined.", "TerminalGroupIdNotDetermined")

const nextNumber = (state: Domain.State, organizationId: string): number => {
  const number = (state.orderNumbers.get(organizationId) ?? 0) + 1
  state.orderNumbers.set(organizationId, number)
  return number
}

const orderTypeOf = (context: R.Context, organizationId: string, order: Record<string, unknown>) => {
  const types = context.state.dictionaries.get(organizationId)?.orderTypes ?? []
  const id = R.optionalUuid(order, "orderTypeId")
  const serviceType = R.optionalString(order, "orderServiceType") ?? "DeliveryByCourier"
  // A create request says `DeliveryByClient` for pickup; the order types dictionary calls it `DeliveryPickUp`.
  const dictionaryServiceType = serviceType === "DeliveryByClient" ? "DeliveryPickUp" : serviceType
  const type = id === undefined
    ? types.find((t) => t.orderServiceType === dictionaryServiceType)
    : types.find((t) => t.id === id)
  return type ?? R.reject(`Order type '${id ?? serviceType}' is not found.`, "OrderTypeNotFound")
}

const customerView = (context: R.Context, order: Record<string, unknown>): Record<string, unknown> | null => {
  const customer = R.object(order, "customer")
  if (customer === undefined) return null
  return {
    type: "regular",
    id: R.optionalUuid(customer, "id") ?? context.ids.uuid(),
    name: R.optionalString(customer, "name") ?? "Guest",
    surname: R.optionalString(customer, "surname") ?? null,
    comment: R.optionalString(customer, "comment") ?? null,
    gender: "NotSpecified",
    inBlacklist: false,
    blacklistReason: null,
    birthdate: null
  }
}
