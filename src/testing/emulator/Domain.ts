/**
 * The emulator's world: organizations, terminal groups, nomenclature, dictionaries, stop lists,
 * customers and the orders, reserves and commands created through the API. Everything is seeded
 * deterministically from one seed; nomenclature is built lazily per organization so that tens of
 * thousands of products cost nothing until someone asks for them.
 *
 * The records hold iiko's wire shapes (field names from the spec) so handlers can answer with
 * them directly.
 *
 * @since 0.1.0
 */
import * as Prng from "./Prng.ts"

// =============================================================================
// Models
// =============================================================================

/**
 * How big the seeded world is.
 *
 * @since 0.1.0
 * @category models
 */
export interface Sizes {
  /** Organizations (default 2). */
  readonly organizations: number
  /** Terminal groups per organization (default 2; the last one of each organization is not alive). */
  readonly terminalGroups: number
  /** Products per organization (default 40; tens of thousands are fine). */
  readonly products: number
  /** Product groups per organization (default 5). */
  readonly groups: number
  /** Loyalty customers per organization (default 5). */
  readonly customers: number
}

/**
 * The default sizes.
 *
 * @since 0.1.0
 * @category models
 */
export const defaultSizes: Sizes = { organizations: 2, terminalGroups: 2, products: 40, groups: 5, customers: 5 }

/**
 * An organization (`Organizations.OrganizationInfo`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Organization {
  readonly id: string
  readonly name: string
  readonly code: string
  readonly country: string
  readonly restaurantAddress: string
  readonly latitude: number
  readonly longitude: number
  readonly currencyIsoName: string
}

/**
 * A terminal group (`Terminals.TerminalGroup`) and whether its terminal answers.
 *
 * @since 0.1.0
 * @category models
 */
export interface TerminalGroup {
  readonly id: string
  readonly organizationId: string
  readonly name: string
  readonly address: string
  readonly timeZone: string
  readonly posVersion: string
  /** `terminal_groups/is_alive`; orders sent to a dead terminal fail creation with a timeout. */
  alive: boolean
  /** Listed under `terminalGroupsInSleep` until `terminal_groups/awake`. */
  asleep: boolean
}

/**
 * A product (`Nomenclature.ProductInfo`, the fields the emulator uses).
 *
 * @since 0.1.0
 * @category models
 */
export interface Product {
  readonly id: string
  readonly code: string
  readonly name: string
  readonly groupId: string
  readonly productCategoryId: string
  readonly price: number
  readonly sizeIds: ReadonlyArray<string | null>
  readonly modifierIds: ReadonlyArray<string>
  readonly type: "Dish" | "Modifier"
}

/**
 * One organization's nomenclature and its revision.
 *
 * @since 0.1.0
 * @category models
 */
export interface Nomenclature {
  revision: number
  readonly groups: ReadonlyArray<{ readonly id: string; readonly name: string; readonly order: number }>
  readonly productCategories: ReadonlyArray<{ readonly id: string; readonly name: string }>
  readonly sizes: ReadonlyArray<{ readonly id: string; readonly name: string; readonly priority: number; readonly isDefault: boolean }>
  readonly products: ReadonlyArray<Product>
  readonly productsById: ReadonlyMap<string, Product>
}

/**
 * Reference data of one organization: order types, payment types, cancel causes, couriers.
 *
 * @since 0.1.0
 * @category models
 */
export interface Dictionaries {
  readonly orderTypes: ReadonlyArray<{ readonly id: string; readonly name: string; readonly orderServiceType: string }>
  readonly paymentTypes: ReadonlyArray<{ readonly id: string; readonly code: string; readonly name: string; readonly paymentTypeKind: string }>
  readonly cancelCauses: ReadonlyArray<{ readonly id: string; readonly name: string }>
  readonly couriers: ReadonlyArray<{ readonly id: string; readonly firstName: string; readonly lastName: string; readonly displayName: string; readonly code: string }>
}

/**
 * One stop-list entry of a terminal group (`StopLists.StopListItem`).
 *
 * @since 0.1.0
 * @category models
 */
export interface StopListEntry {
  readonly productId: string
  readonly sizeId: string | null
  readonly balance: number
  readonly dateAdd: number
}

/**
 * A loyalty wallet with its balance and the holds placed on it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Wallet {
  readonly id: string
  readonly name: string
  readonly type: number
  balance: number
}

/**
 * A loyalty customer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Customer {
  readonly id: string
  readonly organizationId: string
  name: string
  phone: string | undefined
  email: string | undefined
  cardTrack: string | undefined
  cardNumber: string | undefined
  readonly whenRegistered: number
  readonly wallets: Array<Wallet>
}

/**
 * A wallet hold placed by `wallet/hold`, released by `wallet/cancel_hold`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hold {
  readonly transactionId: string
  readonly customerId: string
  readonly walletId: string
  readonly sum: number
}

/**
 * iiko's creation lifecycle: `InProgress` until `readyAt`, then `Success` or `Error`.
 *
 * @since 0.1.0
 * @category models
 */
export type CreationStatus = "InProgress" | "Success" | "Error"

/**
 * An `Errors.ErrorInfo`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorInfo {
  readonly code: string
  readonly message: string
  readonly description: string
}

/**
 * What becomes of a creation once its delay has passed.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = { readonly _tag: "Success" } | { readonly _tag: "Error"; readonly error: ErrorInfo }

/**
 * An entity created asynchronously: a delivery, a table order or a reserve. `view` is the wire
 * object returned under `order`/`reserve` once creation succeeded; handlers mutate it as the
 * entity changes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Creation {
  readonly kind: "delivery" | "tableOrder" | "reserve"
  readonly id: string
  readonly organizationId: string
  readonly terminalGroupId: string | undefined
  readonly externalNumber: string | null
  readonly posId: string
  readonly sourceKey: string | null
  readonly correlationId: string
  readonly readyAt: number
  readonly outcome: Outcome
  creationStatus: CreationStatus
  /** Revision of the last change (`timestamp` on the wire and the `by_revision` cursor). */
  revision: number
  readonly view: Record<string, unknown>
}

/**
 * A command's state for `commands/status`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Command {
  readonly correlationId: string
  readonly organizationId: string
  readonly createdAt: number
  readonly readyAt: number
  readonly outcome: { readonly state: "Success" } | { readonly state: "Error"; readonly errorReason: string }
}

/**
 * Webhook settings of one organization.
 *
 * @since 0.1.0
 * @category models
 */
export interface WebhookSettings {
  readonly webHooksUri: string
  readonly authToken: string | null
  readonly webHooksFilter: unknown
  readonly apiLoginName: string
}

/**
 * The whole mutable state of an emulator. Tests read it through `IikoEmulator.state`; only the
 * emulator's handlers write to it.
 *
 * @since 0.1.0
 * @category models
 */
export interface State {
  readonly seed: number | string
  readonly sizes: Sizes
  readonly organizations: ReadonlyArray<Organization>
  readonly organizationsById: ReadonlyMap<string, Organization>
  readonly terminalGroups: ReadonlyArray<TerminalGroup>
  readonly terminalGroupsById: ReadonlyMap<string, TerminalGroup>
  readonly dictionaries: ReadonlyMap<string, Dictionaries>
  readonly externalMenus: ReadonlyArray<{ readonly id: string; readonly name: string }>
  readonly priceCategories: ReadonlyArray<{ readonly id: string; readonly name: string }>
  /** Terminal group id → `productId/sizeId` → entry. */
  readonly stopLists: Map<string, Map<string, StopListEntry>>
  readonly customers: Map<string, Customer>
  readonly holds: Map<string, Hold>
  readonly deliveries: Map<string, Creation>
  readonly tableOrders: Map<string, Creation>
  readonly reserves: Map<string, Creation>
  readonly commands: Map<string, Command>
  /** Creations still `InProgress`, settled once their `readyAt` has passed. */
  readonly pending: Set<Creation>
  readonly webhooks: Map<string, WebhookSettings>
  /** The last revision handed out; revisions are epoch milliseconds, strictly increasing. */
  revision: number
  /** Delivery numbers per organization. */
  readonly orderNumbers: Map<string, number>
  readonly nomenclatures: Map<string, Nomenclature>
}

// =============================================================================
// Seeding
// =============================================================================

/**
 * Seeds a world. The same seed and sizes always give the same ids and names.
 *
 * @since 0.1.0
 * @category constructors
 */
export const seed = (seedValue: number | string, sizes: Sizes, now: number): State => {
  const prng = Prng.fork(seedValue, "world")
  const organizations = Array.from({ length: sizes.organizations }, (_, i) => makeOrganization(prng, i))
  const terminalGroups = organizations.flatMap((organization) =>
    Array.from({ length: sizes.terminalGroups }, (_, i) =>
      makeTerminalGroup(prng, organization, i, sizes.terminalGroups))
  )
  const dictionaries = new Map(organizations.map((o) => [o.id, makeDictionaries(prng)] as const))
  const customers = new Map<string, Customer>()
  for (const organization of organizations) {
    for (let i = 0; i < sizes.customers; i++) {
      const customer = makeCustomer(prng, organization.id, i, now)
      customers.set(customer.id, customer)
    }
  }
  return {
    seed: seedValue,
    sizes,
    organizations,
    organizationsById: new Map(organizations.map((o) => [o.id, o])),
    terminalGroups,
    terminalGroupsById: new Map(terminalGroups.map((t) => [t.id, t])),
    dictionaries,
    externalMenus: [{ id: String(1000 + prng.int(9000)), name: "Delivery menu" }, {
      id: String(10000 + prng.int(9000)),
      name: "Kiosk menu"
    }],
    priceCategories: [{ id: prng.uuid(), name: "Base" }, { id: prng.uuid(), name: "Aggregators" }],
    stopLists: new Map(),
    customers,
    holds: new Map(),
    deliveries: new Map(),
    tableOrders: new Map(),
    reserves: new Map(),
    commands: new Map(),
    pending: new Set(),
    webhooks: new Map(),
    revision: now,
    orderNumbers: new Map(),
    nomenclatures: new Map()
  }
}

/**
 * The nomenclature of an organization, built on first use.
 *
 * @since 0.1.0
 * @category accessors
 */
export const nomenclatureOf = (state: State, organizationId: string): Nomenclature => {
  const existing = state.nomenclatures.get(organizationId)
  if (existing !== undefined) return existing
  const built = makeNomenclature(Prng.fork(state.seed, `nomenclature/${organizationId}`), state.sizes, state.revision)
  state.nomenclatures.set(organizationId, built)
  return built
}

/**
 * Hands out the next revision: the current time in milliseconds, or one more than the last
 * revision if the clock has not moved on.
 *
 * @since 0.1.0
 * @category mutations
 */
export const nextRevision = (state: State, now: number): number => {
  state.revision = Math.max(state.revision + 1, now)
  return state.revision
}

/**
 * The key of a stop-list entry.
 *
 * @since 0.1.0
 * @category accessors
 */
export const stopListKey = (productId: string, sizeId: string | null | undefined): string => `${productId}/${sizeId ?? ""}`

const CITIES = ["Moscow", "Kazan", "Yerevan", "Almaty", "Berlin", "Riga", "Tbilisi", "Dubai"]
const DISHES = ["Margherita", "Pepperoni", "Caesar", "Borscht", "Pelmeni", "Khachapuri", "Ramen", "Burger", "Shawarma",
  "Plov", "Tom Yum", "Lasagna", "Falafel", "Pho", "Syrniki"]
const FIRST_NAMES = ["Ivan", "Anna", "Oleg", "Maria", "Timur", "Elena", "Artem", "Olga"]
const LAST_NAMES = ["Petrov", "Smirnova", "Ivanov", "Kuznetsova", "Sokolov", "Popova"]

const makeOrganization = (prng: Prng.Prng, index: number): Organization => {
  const city = CITIES[index % CITIES.length]!
  return {
    id: prng.uuid(),
    name: `Pizzeria ${city} #${index + 1}`,
    code: `ORG-${index + 1}`,
    country: "Russia",
    restaurantAddress: `${city}, Main street ${1 + prng.int(200)}`,
    latitude: 40 + prng.int(20_000) / 1000,
    longitude: 30 + prng.int(20_000) / 1000,
    currencyIsoName: "RUB"
  }
}

const makeTerminalGroup = (prng: Prng.Prng, organization: Organization, index: number, count: number): TerminalGroup => ({
  id: prng.uuid(),
  organizationId: organization.id,
  name: `${organization.name} / terminal ${index + 1}`,
  address: organization.restaurantAddress,
  timeZone: "03:00:00",
  posVersion: "9.7.5002.0",
  alive: count === 1 || index < count - 1,
  asleep: false
})

const makeDictionaries = (prng: Prng.Prng): Dictionaries => ({
  orderTypes: [
    { id: prng.uuid(), name: "Delivery by courier", orderServiceType: "DeliveryByCourier" },
    { id: prng.uuid(), name: "Pickup", orderServiceType: "DeliveryPickUp" },
    { id: prng.uuid(), name: "Dine in", orderServiceType: "Common" }
  ],
  paymentTypes: [
    { id: prng.uuid(), code: "CASH", name: "Cash", paymentTypeKind: "Cash" },
    { id: prng.uuid(), code: "CARD", name: "Card", paymentTypeKind: "Card" },
    { id: prng.uuid(), code: "ONLN", name: "Online", paymentTypeKind: "External" }
  ],
  cancelCauses: [
    { id: prng.uuid(), name: "Customer refused" },
    { id: prng.uuid(), name: "Out of stock" }
  ],
  couriers: Array.from({ length: 3 }, (_, i) => {
    const firstName = prng.pick(FIRST_NAMES)
    const lastName = prng.pick(LAST_NAMES)
    return { id: prng.uuid(), firstName, lastName, displayName: `${firstName} ${lastName}`, code: `C${i + 1}` }
  })
})

const makeCustomer = (prng: Prng.Prng, organizationId: string, index: number, now: number): Customer => {
  const name = prng.pick(FIRST_NAMES)
  return {
    id: prng.uuid(),
    organizationId,
    name,
    phone: `+7900${String(1_000_000 + prng.int(8_999_999))}`,
    email: `${name.toLowerCase()}${index}@example.com`,
    cardTrack: undefined,
    cardNumber: String(100_000 + prng.int(899_999)),
    whenRegistered: now,
    wallets: [{ id: prng.uuid(), name: "Bonus", type: 1, balance: 100 * prng.int(10) }]
  }
}

const makeNomenclature = (prng: Prng.Prng, sizes: Sizes, revision: number): Nomenclature => {
  const groups = Array.from({ length: sizes.groups }, (_, i) => ({ id: prng.uuid(), name: `Group ${i + 1}`, order: i }))
  const productCategories = [{ id: prng.uuid(), name: "Kitchen" }, { id: prng.uuid(), name: "Bar" }]
  const productSizes = [
    { id: prng.uuid(), name: "S", priority: 0, isDefault: false },
    { id: prng.uuid(), name: "M", priority: 1, isDefault: true },
    { id: prng.uuid(), name: "L", priority: 2, isDefault: false }
  ]
  const modifierCount = Math.min(5, Math.max(1, Math.floor(sizes.products / 10)))
  const modifiers = Array.from({ length: modifierCount }, (_, i): Product => ({
    id: prng.uuid(),
    code: `M${i + 1}`,
    name: `Extra ${i + 1}`,
    groupId: groups[0]?.id ?? prng.uuid(),
    productCategoryId: productCategories[0]!.id,
    price: 10 * (1 + prng.int(10)),
    sizeIds: [null],
    modifierIds: [],
    type: "Modifier"
  }))
  const dishes = Array.from({ length: Math.max(0, sizes.products - modifierCount) }, (_, i): Product => ({
    id: prng.uuid(),
    code: String(i + 1).padStart(5, "0"),
    name: `${DISHES[i % DISHES.length]} ${Math.floor(i / DISHES.length) + 1}`,
    groupId: groups[i % Math.max(1, groups.length)]?.id ?? prng.uuid(),
    productCategoryId: productCategories[i % 2]!.id,
    price: 50 * (2 + prng.int(20)),
    sizeIds: i % 4 === 0 ? productSizes.map((s) => s.id) : [null],
    modifierIds: i % 3 === 0 ? modifiers.map((m) => m.id) : [],
    type: "Dish"
  }))
  const products = [...dishes, ...modifiers]
  return {
    revision,
    groups,
    productCategories,
    sizes: productSizes,
    products,
    productsById: new Map(products.map((p) => [p.id, p]))
  }
}
