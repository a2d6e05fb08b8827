/**
 * Stop lists per terminal group: read, add (set balances), remove, clear and check an order's
 * items against them. Every change emits a `StopListUpdate` webhook.
 *
 * @since 0.1.0
 */
import type * as Schema from "effect/Schema"
import type { Endpoint } from "../../../Endpoint.ts"
import * as Iiko from "../../../generated/Iiko.ts"
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

const list = R.handle(Iiko.stopLists, (context) => {
  const organizations = R.organizations(context, context.body.organizationIds)
  const only: ReadonlyArray<string> = context.body.terminalGroupsIds ?? []
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

/** The body every stop-list change shares. */
type StopListChange = { readonly organizationId: string; readonly terminalGroupId: string }

/** Resolves the organization and terminal group of a stop-list change, applies it and announces it. */
const change = <Body extends StopListChange>(
  operation: { readonly endpoint: Endpoint<Schema.Codec<Body, any>> },
  apply: (body: Body, entries: Map<string, Domain.StopListEntry>, catalog: Domain.Nomenclature, now: number) => void
) =>
  R.handle(operation, (context) => {
    const { organizationId, terminalGroupId } = context.body
    R.organization(context, organizationId)
    const terminal = R.terminalGroup(context, organizationId, terminalGroupId)
    const entries = context.state.stopLists.get(terminal.id) ?? new Map<string, Domain.StopListEntry>()
    context.state.stopLists.set(terminal.id, entries)
    apply(context.body, entries, Domain.nomenclatureOf(context.state, organizationId), context.now)
    context.emit({
      eventType: "StopListUpdate",
      organizationId,
      eventInfo: { terminalGroupsStopListsUpdates: [{ id: terminal.id, isFull: true }] }
    })
    Lifecycle.startCommand(context, organizationId)
    return json(R.correlationOnly(context))
  })

/** The items of a change, each of a known product. */
const known = <Item extends { readonly productId: string }>(items: ReadonlyArray<Item>, catalog: Domain.Nomenclature) =>
  items.map((item) =>
    catalog.productsById.has(item.productId) ? item : R.reject(`Product '${item.productId}' is not found.`, "ProductNotFound")
  )

const add = change(Iiko.stopListsAdd, (body, entries, catalog, now) => {
  for (const { balance, productId, sizeId } of known(body.items, catalog)) {
    entries.set(Domain.stopListKey(productId, sizeId ?? null), { productId, sizeId: sizeId ?? null, balance, dateAdd: now })
  }
})

const remove = change(Iiko.stopListsRemove, (body, entries, catalog) => {
  for (const { productId, sizeId } of known(body.items, catalog)) entries.delete(Domain.stopListKey(productId, sizeId ?? null))
})

const clear = change(Iiko.stopListsClear, (_, entries) => entries.clear())

const check = R.handle(Iiko.stopListsCheck, (context) => {
  const { organizationId, terminalGroupId } = context.body
  R.organization(context, organizationId)
  const terminal = R.terminalGroup(context, organizationId, terminalGroupId)
  const entries = context.state.stopLists.get(terminal.id)
  const products = Domain.nomenclatureOf(context.state, organizationId).productsById
  const rejectedItems = context.body.items.flatMap((item) => {
    const productId = "productId" in item ? item.productId : undefined
    const sizeId = "productSizeId" in item ? item.productSizeId : undefined
    const entry = productId === undefined
      ? undefined
      : entries?.get(Domain.stopListKey(productId, sizeId))
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
