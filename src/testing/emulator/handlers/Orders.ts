/**
 * Table orders and banquet reserves: asynchronous create (duplicate ids rejected), reads by id,
 * and the close/cancel commands. Changes emit `TableOrderUpdate`/`ReserveUpdate` webhooks, failed
 * creations `TableOrderError`/`ReserveError`.
 *
 * @since 0.1.0
 */
import type * as Schema from "effect/Schema"
import type { Endpoint } from "../../../Endpoint.ts"
import * as Iiko from "../../../generated/Iiko.ts"
import type * as Domain from "../Domain.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as OrderItems from "../OrderItems.ts"
import * as R from "../Route.ts"
import { json } from "../Wire.ts"

const createTableOrder = R.handle(Iiko.orderCreate, (context) => {
  const { body, state } = context
  const { organizationId } = body
  R.organization(context, organizationId)
  const terminal = R.terminalGroup(context, organizationId, body.terminalGroupId)
  const order = body.order ?? R.reject("Field 'order' is required.")
  const id = order.id ?? context.ids.uuid()
  if (state.tableOrders.has(id)) R.reject(`Order with id '${id}' already exists.`, "DuplicatedOrderId")
  const priced = OrderItems.price(context, {
    organizationId,
    terminalGroup: terminal,
    items: order.items,
    checkStopList: body.createOrderSettings?.checkStopList === true
  })
  const orderType = state.dictionaries.get(organizationId)?.orderTypes.find((t) => t.orderServiceType === "Common")
  const record = Lifecycle.startCreation(context, {
    kind: "tableOrder",
    id,
    organizationId,
    terminalGroupId: terminal.id,
    externalNumber: order.externalNumber ?? null,
    posId: context.ids.uuid(),
    sourceKey: order.sourceKey ?? null,
    outcome: priced.outcome,
    view: {
      tableIds: order.tableIds ?? [],
      customer: null,
      phone: order.phone ?? null,
      status: "New",
      whenCreated: Lifecycle.stamp(context),
      waiter: null,
      tabName: order.tabName ?? null,
      sum: priced.sum,
      number: state.tableOrders.size + 1,
      sourceKey: order.sourceKey ?? null,
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

const tableOrdersById = R.handle(Iiko.orderById, (context) => {
  const organizations = R.organizations(context, context.body.organizationIds).map((o) => o.id)
  const wanted = new Set([...context.body.orderIds ?? [], ...context.body.posOrderIds ?? []])
  const orders = [...context.state.tableOrders.values()].filter((o) =>
    organizations.includes(o.organizationId) && (wanted.has(o.id) || wanted.has(o.posId))
  )
  return json({ correlationId: context.correlationId, orders: orders.map(Lifecycle.info) })
})

/** The body every entity command shares. */
type EntityCommandBody = { readonly organizationId: string }

/** A command on an existing, created and still open entity, with its outcome for `commands/status`. */
const entityCommand = <Body extends EntityCommandBody>(
  operation: { readonly endpoint: Endpoint<Schema.Codec<Body, any>> },
  lookup: { readonly collection: (state: Domain.State) => Map<string, Domain.Creation>; readonly idOf: (body: Body) => string },
  apply: (context: R.Context<Body>, view: Record<string, unknown>) => string | undefined
) =>
  R.handle(operation, (context) => {
    const { organizationId } = context.body
    R.organization(context, organizationId)
    const id = lookup.idOf(context.body)
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

const tableOrder = {
  collection: (state: Domain.State) => state.tableOrders,
  idOf: (body: { readonly orderId: string }) => body.orderId
}

const closeTableOrder = entityCommand(Iiko.orderClose, tableOrder, (context, view) => {
  if (view["status"] === "Closed" || view["status"] === "Deleted") return `Order is already ${view["status"]}.`
  view["status"] = "Closed"
  view["whenClosed"] = Lifecycle.stamp(context)
  return undefined
})

const cancelTableOrder = entityCommand(Iiko.orderCancel, tableOrder, (_, view) => {
  if (view["status"] === "Closed" || view["status"] === "Deleted") return `Order is already ${view["status"]}.`
  view["status"] = "Deleted"
  return undefined
})

const createReserve = R.handle(Iiko.reserveCreate, (context) => {
  const { body, state } = context
  const { organizationId } = body
  R.organization(context, organizationId)
  const terminal = R.terminalGroup(context, organizationId, body.terminalGroupId ?? R.reject("Field 'terminalGroupId' is required."))
  const id = body.id ?? context.ids.uuid()
  if (state.reserves.has(id)) R.reject(`Reserve with id '${id}' already exists.`, "DuplicatedReserveId")
  const priced = OrderItems.price(context, {
    organizationId,
    terminalGroup: terminal,
    items: body.order?.items ?? [],
    checkStopList: false
  })
  const record = Lifecycle.startCreation(context, {
    kind: "reserve",
    id,
    organizationId,
    terminalGroupId: terminal.id,
    externalNumber: body.externalNumber ?? null,
    posId: context.ids.uuid(),
    sourceKey: null,
    outcome: priced.outcome,
    view: {
      customer: {
        type: "regular",
        id: body.customer.id ?? context.ids.uuid(),
        name: body.customer.name ?? "Guest",
        surname: null,
        comment: null,
        gender: "NotSpecified",
        inBlacklist: false,
        blacklistReason: null,
        birthdate: null
      },
      guestsCount: body.guestsCount ?? 1,
      comment: body.comment ?? null,
      durationInMinutes: body.durationInMinutes,
      shouldRemind: body.shouldRemind,
      status: "New",
      cancelReason: null,
      tableIds: body.tableIds,
      estimatedStartTime: body.estimatedStartTime,
      guestsComingTime: null,
      phone: body.phone,
      eventType: body.eventType ?? null,
      order: null
    }
  })
  return json({ correlationId: context.correlationId, reserveInfo: Lifecycle.info(record) })
})

const reservesById = R.handle(Iiko.reserveStatusById, (context) => {
  const { organizationId } = context.body
  R.organization(context, organizationId)
  const reserves = context.body.reserveIds.flatMap((id) => {
    const reserve = context.state.reserves.get(id)
    return reserve !== undefined && reserve.organizationId === organizationId ? [Lifecycle.info(reserve)] : []
  })
  return json({ correlationId: context.correlationId, reserves })
})

const cancelReserve = entityCommand(
  Iiko.reserveCancel,
  { collection: (state) => state.reserves, idOf: (body) => body.reserveId },
  (context, view) => {
    if (view["status"] === "Closed") return "Reserve is already closed."
    view["status"] = "Closed"
    view["cancelReason"] = context.body.cancelReason
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
