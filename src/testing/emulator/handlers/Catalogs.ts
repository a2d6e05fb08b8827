/**
 * The October 2026 catalog families a sync reads, paged with `limit`/`offset` (1–1000):
 * nomenclature v2 products and groups (the organization's nomenclature, so their number follows
 * the world's `products` and `groups` sizes), inventory stores per organization and employee
 * positions. Lists answer `{ items, limit, offset, totalCount }` where the spec says so.
 *
 * @since 0.1.0
 */
import * as Iiko from "../../../generated/Iiko.ts"
import * as Domain from "../Domain.ts"
import * as Prng from "../Prng.ts"
import * as R from "../Route.ts"
import { json } from "../Wire.ts"

const MAX_LIMIT = 1000

/** A paged request's `limit` and `offset`. */
type Paging = { readonly limit?: number | null | undefined; readonly offset?: number | null | undefined }

/** Checks `limit` (1–1000, default 1000) and `offset` (≥ 0, default 0). */
const paging = (body: Paging): { readonly limit: number; readonly offset: number } => {
  const limit = body.limit ?? MAX_LIMIT
  const offset = body.offset ?? 0
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) R.reject(`limit must be from 1 to ${MAX_LIMIT}.`)
  if (!Number.isInteger(offset) || offset < 0) R.reject("offset must not be negative.")
  return { limit, offset }
}

const page = <A>(all: ReadonlyArray<A>, body: Paging) => {
  const { limit, offset } = paging(body)
  return { items: all.slice(offset, offset + limit), limit, offset, totalCount: all.length }
}

/** The v2 families serve the API login's organization: the first one of the world. */
const homeNomenclature = (context: R.Context<unknown>): Domain.Nomenclature => {
  const home = context.state.organizations[0] ?? R.reject("No organization is available for this API login.")
  return Domain.nomenclatureOf(context.state, home.id)
}

const productView = (product: Domain.Product) => ({
  productId: product.id,
  code: product.code,
  productArticle: product.code,
  name: product.name,
  type: product.type === "Dish" ? "DISH" : "MODIFIER",
  parentGroupId: product.groupId,
  categoryId: product.productCategoryId,
  defaultSalePrice: product.price,
  isDeleted: false
})

const productList = R.handle(Iiko.nomenclatureProductListV2, (context) =>
  json(page(homeNomenclature(context).products.map(productView), context.body)))

const groupList = R.handle(Iiko.nomenclatureGroupListV2, (context) => {
  const { items } = page(
    homeNomenclature(context).groups.map((g) => ({ groupId: g.id, name: g.name, groupArticle: `G${g.order + 1}`, isDeleted: false })),
    context.body
  )
  return json({ groups: items })
})

interface Staff {
  readonly stores: ReadonlyArray<{ readonly id: string; readonly organizationId: string; readonly code: string; readonly name: string }>
  readonly positions: ReadonlyArray<{ readonly id: string; readonly code: string; readonly name: string; readonly scheduleType: string }>
}

/** Stores and positions, seeded once per world from its seed. */
const staffOf = (() => {
  const cache = new WeakMap<Domain.State, Staff>()
  return (state: Domain.State): Staff => {
    const known = cache.get(state)
    if (known !== undefined) return known
    const prng = Prng.fork(state.seed, "catalogs")
    const staff: Staff = {
      stores: state.organizations.flatMap((o, i) =>
        ["Main store", "Bar"].map((name, j) => ({ id: prng.uuid(), organizationId: o.id, code: `S${i + 1}${j + 1}`, name }))
      ),
      positions: ["Cook", "Waiter", "Cashier", "Courier", "Manager"].map((name, i) => ({
        id: prng.uuid(),
        code: `P${i + 1}`,
        name,
        scheduleType: i === 4 ? "MONTHLY" : "HOURLY"
      }))
    }
    cache.set(state, staff)
    return staff
  }
})()

const stores = R.handle(Iiko.inventoryStoresList, (context) => {
  const { items } = page(staffOf(context.state).stores.map((s) => ({ ...s, type: "STORE", deleted: false })), context.body)
  return json({ stores: items })
})

const positionView = (p: Staff["positions"][number]) => ({ ...p, isDeleted: false, canWorkBySubstitutedCard: false })

const positions = R.handle(Iiko.employeesPositionsList, (context) =>
  json(page(staffOf(context.state).positions.map(positionView), context.body)))

const position = R.handle(Iiko.employeesPositionsGet, (context) => {
  const { id } = context.body
  const found = staffOf(context.state).positions.find((p) => p.id === id) ?? R.reject(`Position '${id}' is not found.`)
  return json(positionView(found))
})

/**
 * The modelled catalog operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [productList, groupList, stores, positions, position]
