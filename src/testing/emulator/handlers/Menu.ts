/**
 * Menus: `nomenclature` with revisions (empty lists when nothing changed since
 * `startRevision`), the external menu list (`/api/2/menu`) and an external menu by id
 * (`/api/2/menu/by_id`, format version 2) priced from the nomenclature, and its replacement
 * `/api/menu/v3/by_id` (products, categories and groups of the same nomenclature).
 *
 * @since 0.1.0
 */
import * as Iiko from "../../../generated/Iiko.ts"
import * as Domain from "../Domain.ts"
import * as R from "../Route.ts"
import { json } from "../Wire.ts"

const productView = (product: Domain.Product): Record<string, unknown> => ({
  id: product.id,
  code: product.code,
  name: product.name,
  description: null,
  additionalInfo: null,
  tags: [],
  isDeleted: false,
  groupId: product.groupId,
  parentGroup: product.groupId,
  productCategoryId: product.productCategoryId,
  type: product.type,
  orderItemType: "Product",
  modifierSchemaId: null,
  modifierSchemaName: null,
  splittable: false,
  measureUnit: "portion",
  weight: 0.3,
  sizePrices: product.sizeIds.map((sizeId, i) => ({
    sizeId,
    price: {
      currentPrice: product.price + 50 * i,
      isIncludedInMenu: true,
      nextPrice: null,
      nextIncludedInMenu: false,
      nextDatePrice: null
    }
  })),
  modifiers: product.modifierIds.map((id) => ({ id, defaultAmount: 0, minAmount: 0, maxAmount: 3, required: false })),
  groupModifiers: [],
  imageLinks: [],
  doNotPrintInCheque: false,
  order: 0,
  useBalanceForSell: false,
  canSetOpenPrice: false
})

const nomenclature = R.handle(Iiko.nomenclature, (context) => {
  const { organizationId, startRevision } = context.body
  R.organization(context, organizationId)
  const catalog = Domain.nomenclatureOf(context.state, organizationId)
  const unchanged = startRevision === catalog.revision
  return json({
    correlationId: context.correlationId,
    groups: unchanged ? [] : catalog.groups.map((g) => ({
      id: g.id,
      name: g.name,
      code: null,
      description: null,
      order: g.order,
      parentGroup: null,
      imageLinks: [],
      isIncludedInMenu: true,
      isGroupModifier: false,
      isDeleted: false,
      tags: []
    })),
    productCategories: unchanged ? [] : catalog.productCategories.map((c) => ({ ...c, isDeleted: false })),
    products: unchanged ? [] : catalog.products.map(productView),
    sizes: unchanged ? [] : catalog.sizes,
    revision: catalog.revision
  })
})

const menus = R.handle(Iiko.menuV2, (context) =>
  json({
    correlationId: context.correlationId,
    externalMenus: context.state.externalMenus,
    priceCategories: context.state.priceCategories
  }))

const menuById = R.handle(Iiko.menuByIdV2, (context) => {
  const menuId = context.body.externalMenuId
  const menu = context.state.externalMenus.find((m) => m.id === menuId) ??
    R.reject(`External menu '${menuId}' is not found.`)
  const organizations = R.organizations(context, context.body.organizationIds)
  const first = organizations[0] ?? R.reject("Field 'organizationIds' must not be empty.")
  const catalog = Domain.nomenclatureOf(context.state, first.id)
  const sizeNames = new Map(catalog.sizes.map((s) => [s.id, s]))
  return json({
    formatVersion: 2,
    id: Number(menu.id),
    name: menu.name,
    description: null,
    revision: catalog.revision,
    productCategories: catalog.productCategories.map((c) => ({ ...c, isDeleted: false })),
    customerTagGroups: [],
    intervals: [],
    itemCategories: catalog.groups.map((group) => ({
      id: group.id,
      name: group.name,
      description: "",
      iikoGroupId: group.id,
      isHidden: false,
      items: catalog.products
        .filter((p) => p.type === "Dish" && p.groupId === group.id)
        .map((p) => ({
          sku: p.code,
          name: p.name,
          description: "",
          itemId: p.id,
          type: "DISH",
          orderItemType: "Product",
          modifierSchemaId: null,
          taxCategory: { id: "vat-20", name: "VAT 20%", percentage: 20 },
          productCategoryId: p.productCategoryId,
          measureUnit: "portion",
          isHidden: false,
          itemSizes: p.sizeIds.map((sizeId, i) => ({
            sku: `${p.code}-${i}`,
            sizeId,
            sizeCode: sizeId === null ? null : sizeNames.get(sizeId)?.name ?? null,
            sizeName: sizeId === null ? null : sizeNames.get(sizeId)?.name ?? null,
            isDefault: sizeId === null || sizeNames.get(sizeId)?.isDefault === true,
            portionWeightGrams: 300,
            itemModifierGroups: [],
            nutritionPerHundredGrams: { fats: 5, proteins: 7, carbs: 20, energy: 180 },
            prices: organizations.map((o) => ({ organizationId: o.id, organizations: [o.id], price: p.price + 50 * i })),
            isHidden: false
          }))
        }))
    })),
    comboCategories: []
  })
})

const menuByIdV3 = R.handle(Iiko.menuByIdV3, (context) => {
  const { externalMenuId: menuId, organizationId } = context.body
  const menu = context.state.externalMenus.find((m) => m.id === menuId) ??
    R.reject(`External menu '${menuId}' is not found.`)
  R.organization(context, organizationId)
  const catalog = Domain.nomenclatureOf(context.state, organizationId)
  const dishes = catalog.products.filter((p) => p.type === "Dish")
  return json({
    id: menu.id,
    name: menu.name,
    description: null,
    products: dishes.map((p) => ({
      sku: p.code,
      id: p.id,
      modifierSchemaId: null,
      measureUnit: "portion",
      productCategoryId: p.productCategoryId,
      orderItemType: "Product",
      splittable: false,
      taxCategoryId: null
    })),
    productCategories: catalog.productCategories.map((c) => ({ ...c, isDeleted: false })),
    itemsGroups: catalog.groups.map((g) => ({
      id: g.id,
      name: g.name,
      description: null,
      isHidden: false,
      items: dishes.filter((p) => p.groupId === g.id).map((p) => ({
        productId: p.id,
        name: p.name,
        isHidden: false,
        itemType: "DISH",
        sizePrices: p.sizeIds.map((sizeId, i) => ({
          sizeId,
          sizeName: sizeId === null ? null : catalog.sizes.find((s) => s.id === sizeId)?.name ?? null,
          isDefault: sizeId === null || catalog.sizes.find((s) => s.id === sizeId)?.isDefault === true,
          price: p.price + 50 * i,
          isHidden: false
        }))
      }))
    }))
  })
})

/**
 * The modelled menu operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [nomenclature, menus, menuById, menuByIdV3]
