/**
 * Table orders and banquet reserves: asynchronous create (duplicate ids rejected), reads by id,
 * and the close/cancel commands. Changes emit `TableOrderUpdate`/`ReserveUpdate` webhooks, failed
 * creations `TableOrderError`/`ReserveError`.
 *
 * @since 0.1.0
 */
import type * as Domain from "../Domain.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as OrderItems from "../OrderItems.ts"
import * as R from "../Route.ts"
import { json } from "../Wire.ts"

const createTableOrder = R.post("orderCreate", "/api/1/order/create", "create", (context) => {
  const { body, state } = context
  const organizationId = R.uuid(body, "organizationId")
  R.organization(context, organizationId)
  const terminal = R.terminalGroup(context, organizationId, R.uuid(body, "terminalGroupId"))
  const order = R.object(body, "order", true)!
  const id = R.optionalUuid(order, "id") ?? context.ids.uuid()
  if (state.tableOrders.has(id)) R.reject(`Order with id '${id}' already exists.`, "DuplicatedOrderId")
  const priced = OrderItems.price(context, {
    organizationId,
    terminalGroup: terminal,
    items: R.array(order, "items", true),
    checkStopList: R.object(body, "createOrderSettings")?.["checkStopList"] === true
  })
  const orderType = state.dictionaries.get(organizationId)?.orderTypes.find((t) => t.orderServiceType === "Common")
  const record = Lifecycle.startCreation(context, {
    kind: "tableOrder",
    id,
    organizationId,
    terminalGroupId: terminal.id,
    externalNumber: R.optionalString(order, "externalNumber") ?? null,
    posId: context.ids.uuid(),
    sourceKey: R.optionalString(order, "sourceKey") ?? null,
    outcome: priced.outcome,
    view: {
      tableIds: R.uuids(order, "tableIds"),
      customer: null,
      phone: R.optionalString(order, "phone") ?? null,
      status: "New",
      whenCreated: Lifecycle.stamp(context),
      waiter: null,
      tabName: R.optionalString(order, "tabName") ?? null,
      sum: priced.sum,
      number: state.tableOrders.size + 1,
      sourceKey: R.optionalString(order, "sourceKey") ?? null,
      whenBillPrinted: null,
      whenClosed: null,
      guestsInfo: { count: 1, splitBetweenPersons: false },
      items: priced.items,
      combos: [],
      payments: [],
      tips: [],
      discounts: [],
      orderType: orderType ?? null,
      terminalGroupId: terminal.id,
      processedPaymentsSum: 0,
      externalData: []
    }
  })
  return json({ correlationId: context.correlationId, orderInfo: Lifecycle.info(record) })
})

const tableOrdersById = R.post("orderById", "/api/1/order/by_id", "read", (context) => {
  const organizations = R.organizations(context, R.uuids(context.body, "organizationIds", true)).map((o) => o.id)
  const wanted = new Set([...R.uuids(context.body, "orderIds"), ...R.uuids(context.body, "posOrderIds")])
  const orders = [...context.state.tableOrders.values()].filter((o) =>
    organizations.includes(o.organizationId) && (wanted.has(o.id) || wanted.has(o.posId))
  )
  return json({ correlationId: context.correlationId, orders: orders.map(Lifecycle.info) })
})

/** A command on an existing, created and still open entity, with its outcome for `commands/status`. */
const entityCommand = (
  name: string,
  path: string,
  sideEffect: "delete" | "irreversible",
  lookup: { readonly collection: (state: Domain.State) => Map<string, Domain.Creation>; readonly idField: string },
  apply: (context: R.Context, view: Record<string, unknown>) => string | undefined
) =>
  R.post(name, path, sideEffect, (context) => {
    const organizationId = R.uuid(context.body, "organizationId")
    R.organization(context, organizationId)
    const id = R.uuid(context.body, lookup.idField)
    const entity = lookup.collection(context.state).get(id)
    if (entity === undefined || entity.organizationId !== organizationId) R.reject(`Order '${id}' is not found.`, "OrderNotFound")
    const found = entity!
    const problem = found.creationStatus !== "Success"
      ? `'${id}' is not created (creationStatus ${found.creationStatus}).`
      : apply(context, found.view)
    if (problem === undefined) Lifecycle.touch(context, found)
    Lifecycle.startCommand(context, organizationId, problem === undefined ? undefined : { state: "Error", errorReason: problem })
    return json(R.correlationOnly(context))
  })

const tableOrder = { collection: (state: Domain.State) => state.tableOrders, idField: "orderId" }

const closeTableOrder = entityCommand("orderClose", "/api/1/order/close", "irreversible", tableOrder, (context, view) => {
  if (view["status"] === "Closed" || view["status"] === "Deleted") return `Order is already ${view["status"]}.`
  view["status"] = "Closed"
  view["whenClosed"] = Lifecycle.stamp(context)
  return undefined
})

const cancelTableOrder = entityCommand("orderCancel", "/api/1/order/cancel", "delete", tableOrder, (_, view) => {
  if (view["status"] === "Closed" || view["status"] === "Deleted") return `Order is already ${view["status"]}.`
  view["status"] = "Deleted"
  return undefined
})

const createReserve = R.post("reserveCreate", "/api/1/reserve/create", "create", (context) => {
  const { body, state } = context
  const organizationId = R.uuid(body, "organizationId")
  R.organization(context, organizationId)
  const terminal = R.terminalGroup(context, organizationId, R.uuid(body, "terminalGroupId"))
  const id = R.optionalUuid(body, "id") ?? context.ids.uuid()
  if (state.reserves.has(id)) R.reject(`Reserve with id '${id}' already exists.`, "DuplicatedReserveId")
  const customer = R.object(body, "customer", true)!
  const order = R.object(body, "order")
  const priced = OrderItems.price(context, {
    organizationId,
    terminalGroup: terminal,
    items: order === undefined ? [] : R.array(order, "items"),
    checkStopList: false
  })
  const record = Lifecycle.startCreation(context, {
    kind: "reserve",
    id,
    organizationId,
    terminalGroupId: terminal.id,
    externalNumber: R.optionalString(body, "externalNumber") ?? null,
    posId: context.ids.uuid(),
    sourceKey: null,
    outcome: priced.outcome,
    view: {
      customer: {
        type: "regular",
        id: R.optionalUuid(customer, "id") ?? context.ids.uuid(),
        name: R.optionalString(customer, "name") ?? "Guest",
        surname: null,
        comment: null,
        gender: "NotSpecified",
        inBlacklist: false,
        blacklistReason: null,
        birthdate: null
      },
      guestsCount: typeof body["guestsCount"] === "number" ? body["guestsCount"] : 1,
      comment: R.optionalString(body, "comment") ?? null,
      durationInMinutes: R.number(body, "durationInMinutes"),
      shouldRemind: body["shouldRemind"] === true,
      status: "New",
      cancelReason: null,
      tableIds: R.uuids(body, "tableIds", true),
      estimatedStartTime: R.string(body, "estimatedStartTime"),
      guestsComingTime: null,
      phone: R.string(body, "phone"),
      eventType: R.optionalString(body, "eventType") ?? null,
      order: null
    }
  })
  return json({ correlationId: context.correlationId, reserveInfo: Lifecycle.info(record) })
})

const reservesById = R.post("reserveStatusById", "/api/1/reserve/status_by_id", "read", (context) => {
  const organizationId = R.uuid(context.body, "organizationId")
  R.organization(context, organizationId)
  const wanted = R.uuids(context.body, "reserveIds", true)
  const reserves = wanted.flatMap((id) => {
    const reserve = context.state.reserves.get(id)
    return reserve !== undefined && reserve.organizationId === organizationId ? [Lifecycle.info(reserve)] : []
  })
  return json({ correlationId: context.correlationId, reserves })
})

const cancelReserve = entityCommand(
  "reserveCancel",
  "/api/1/reserve/cancel",
  "delete",
  { collection: (state) => state.reserves, idField: "reserveId" },
  (context, view) => {
    const reason = R.string(context.body, "cancelReason")
    if (!["ClientNotAppeared", "ClientRefused", "Other"].includes(reason)) R.reject(`Unknown cancel reason '${reason}'.`)
    if (view["status"] === "Closed") return "Reserve is already closed."
    view["status"] = "Closed"
    view["cancelReason"] = reason
    return undefined
  }
)

/**
 * The modelled table-order and reserve operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [
  createTableOrder,
  tableOrdersById,
  closeTableOrder,
  cancelTableOrder,
  createReserve,
  reservesById,
  cancelReserve
]
