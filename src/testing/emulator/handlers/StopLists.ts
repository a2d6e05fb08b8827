/**
 * Stop lists per terminal group: read, add (set balances), remove, clear and check an order's
 * items against them. Every change emits a `StopListUpdate` webhook.
 *
 * @since 0.1.0
 */
import * as Domain from "../Domain.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as R from "../Route.ts"
import { formatDate, json } from "../Wire.ts"

const entryView = (entry: Domain.StopListEntry, product: Domain.Product | undefined) => ({
  balance: entry.balance,
  productId: entry.productId,
  sizeId: entry.sizeId,
  sku: product?.code ?? null,
  dateAdd: formatDate(entry.dateAdd)
})

const list = R.post("stopLists", "/api/1/stop_lists", "read", (context) => {
  const organizations = R.organizations(context, R.uuids(context.body, "organizationIds", true))
  const only = R.uuids(context.body, "terminalGroupsIds")
  return json({
    correlationId: context.correlationId,
    terminalGroupStopLists: organizations.map((organization) => {
      const products = Domain.nomenclatureOf(context.state, organization.id).productsById
      return {
        organizationId: organization.id,
        items: context.state.terminalGroups
          .filter((t) => t.organizationId === organization.id && (only.length === 0 || only.includes(t.id)))
          .map((t) => ({
            terminalGroupId: t.id,
            items: [...(context.state.stopLists.get(t.id)?.values() ?? [])].map((e) =>
              entryView(e, products.get(e.productId))
            )
          }))
      }
    })
  })
})

/** Resolves the organization and terminal group of a stop-list change, applies it and announces it. */
const change = (
  name: string,
  path: string,
  sideEffect: "update" | "delete" | "irreversible",
  apply: (context: R.Context, entries: Map<string, Domain.StopListEntry>, products: Domain.Nomenclature) => void
) =>
  R.post(name, path, sideEffect, (context) => {
    const organizationId = R.uuid(context.body, "organizationId")
    R.organization(context, organizationId)
    const terminal = R.terminalGroup(context, organizationId, R.uuid(context.body, "terminalGroupId"))
    const entries = context.state.stopLists.get(terminal.id) ?? new Map<string, Domain.StopListEntry>()
    context.state.stopLists.set(terminal.id, entries)
    apply(context, entries, Domain.nomenclatureOf(context.state, organizationId))
    context.emit({
      eventType: "StopListUpdate",
      organizationId,
      eventInfo: { terminalGroupsStopListsUpdates: [{ id: terminal.id, isFull: true }] }
    })
    Lifecycle.startCommand(context, organizationId)
    return json(R.correlationOnly(context))
  })

const itemsOf = (context: R.Context, catalog: Domain.Nomenclature) =>
  R.array(context.body, "items", true).map((raw, i) => {
    const item = R.object({ item: raw }, "item", true)!
    const productId = R.uuid(item, "productId")
    if (!catalog.productsById.has(productId)) R.reject(`Product '${productId}' is not found.`, "ProductNotFound")
    return { productId, sizeId: R.optionalUuid(item, "sizeId") ?? null, item, index: i }
  })

const add = change("stopListsAdd", "/api/1/stop_lists/add", "update", (context, entries, catalog) => {
  for (const { productId, sizeId, item } of itemsOf(context, catalog)) {
    entries.set(Domain.stopListKey(productId, sizeId), { productId, sizeId, balance: R.number(item, "balance"), dateAdd: context.now })
  }
})

const remove = change("stopListsRemove", "/api/1/stop_lists/remove", "delete", (context, entries, catalog) => {
  for (const { productId, sizeId } of itemsOf(context, catalog)) entries.delete(Domain.stopListKey(productId, sizeId))
})

const clear = change("stopListsClear", "/api/1/stop_lists/clear", "irreversible", (_, entries) => entries.clear())

const check = R.post("stopListsCheck", "/api/1/stop_lists/check", "read", (context) => {
  const organizationId = R.uuid(context.body, "organizationId")
  R.organization(context, organizationId)
  const terminal = R.terminalGroup(context, organizationId, R.uuid(context.body, "terminalGroupId"))
  const entries = context.state.stopLists.get(terminal.id)
  const products = Domain.nomenclatureOf(context.state, organizationId).productsById
  const rejectedItems = R.array(context.body, "items", true).flatMap((raw) => {
    const item = R.object({ item: raw }, "item", true)!
    const productId = R.optionalUuid(item, "productId")
    const entry = productId === undefined
      ? undefined
      : entries?.get(Domain.stopListKey(productId, R.optionalUuid(item, "productSizeId")))
    return entry === undefined ? [] : [entryView(entry, products.get(entry.productId))]
  })
  return json({ correlationId: context.correlationId, rejectedItems })
})

/**
 * The modelled stop-list operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [list, add, remove, clear, check]
