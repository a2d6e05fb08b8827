/**
 * Life in the emulated restaurants, so a sync has something to follow: new deliveries, their
 * status changes, stop-list changes and menu changes, on a seeded schedule driven by effect's
 * `Clock` (so `TestClock` drives it in tests), or one event at a time. Changes go through the
 * same handlers as API calls (revisions, webhooks) without appearing in the request log.
 *
 * @since 0.2.0
 */
import { Duration, Effect } from "effect"
import * as Catalog from "./Catalog.ts"
import * as Domain from "./Domain.ts"
import type { Engine } from "./Engine.ts"
import * as Modelled from "./Modelled.ts"
import * as Prng from "./Prng.ts"
import type { Route } from "./Route.ts"

/**
 * How busy the restaurants are, per organization per hour. Every rate defaults to 0.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** New delivery orders. */
  readonly ordersPerHour?: number | undefined
  /** Status changes of open deliveries (confirm, on the way, delivered). */
  readonly statusChangesPerHour?: number | undefined
  /** Products put on or taken off a terminal group's stop list. */
  readonly stopListChangesPerHour?: number | undefined
  /** Menu (nomenclature) revisions. */
  readonly menuChangesPerHour?: number | undefined
  /** How often the schedule draws events (default 10 seconds of `Clock` time). */
  readonly tick?: Duration.Input | undefined
}

/**
 * One change in one organization.
 *
 * @since 0.2.0
 * @category models
 */
export type Event =
  | { readonly _tag: "NewDelivery"; readonly organizationId: string }
  | { readonly _tag: "DeliveryStatus"; readonly organizationId: string }
  | { readonly _tag: "StopListChange"; readonly organizationId: string }
  | { readonly _tag: "MenuChange"; readonly organizationId: string }

const routes = new Map(Catalog.routes(Modelled.all, []).map((route) => [route.name, route] as const))

const route = (name: string): Route => {
  const found = routes.get(name)
  if (found === undefined) throw new Error(`the emulator has no modelled operation '${name}'`)
  return found
}

const NEXT_STATUS: Record<string, string> = { Unconfirmed: "confirm", WaitCooking: "Waiting", Waiting: "OnWay", OnWay: "Delivered" }

/**
 * Applies one event with choices drawn from `prng`; an event with nothing to act on (no open
 * delivery, say) does nothing.
 *
 * @since 0.2.0
 * @category events
 */
export const apply = (engine: Engine, prng: Prng.Prng, event: Event): Effect.Effect<void> =>
  Effect.suspend(() => {
    const { state } = engine
    const { organizationId } = event
    const terminals = state.terminalGroups.filter((t) => t.organizationId === organizationId)
    const terminal = terminals[prng.int(terminals.length)]
    const menu = Domain.nomenclatureOf(state, organizationId)
    const dishes = menu.products.filter((p) => p.type === "Dish")
    switch (event._tag) {
      case "NewDelivery": {
        const product = dishes[prng.int(dishes.length)]
        if (terminal === undefined || product === undefined) return Effect.void
        return Effect.asVoid(engine.apply(route("deliveriesCreate"), {
          organizationId,
          terminalGroupId: terminal.id,
          order: {
            phone: `+7900${String(1_000_000 + prng.int(8_999_999))}`,
            items: [{ type: "Product", productId: product.id, price: product.price, amount: 1 + prng.int(3) }]
          }
        }))
      }
      case "DeliveryStatus": {
        const open = [...state.deliveries.values()].filter((d) =>
          d.organizationId === organizationId && d.creationStatus === "Success" &&
          NEXT_STATUS[String(d.view["status"])] !== undefined
        )
        const delivery = open[prng.int(open.length)]
        if (delivery === undefined) return Effect.void
        const next = NEXT_STATUS[String(delivery.view["status"])]!
        return Effect.asVoid(
          next === "confirm"
            ? engine.apply(route("deliveriesConfirm"), { organizationId, orderId: delivery.id })
            : engine.apply(route("deliveriesUpdateOrderDeliveryStatus"), {
              organizationId,
              orderId: delivery.id,
              deliveryStatus: next
            })
        )
      }
      case "StopListChange": {
        const product = dishes[prng.int(dishes.length)]
        if (terminal === undefined || product === undefined) return Effect.void
        const listed = state.stopLists.get(terminal.id)?.has(Domain.stopListKey(product.id, null)) === true
        const body = { organizationId, terminalGroupId: terminal.id, items: [{ productId: product.id, balance: prng.int(5) }] }
        return Effect.asVoid(engine.apply(route(listed && prng.next() < 0.5 ? "stopListsRemove" : "stopListsAdd"), body))
      }
      case "MenuChange":
        return Effect.clockWith((clock) =>
          Effect.sync(() => {
            menu.revision = Domain.nextRevision(state, clock.currentTimeMillisUnsafe())
          })
        )
    }
  })

/** How many events of a rate fall in one tick: the whole part, plus one with the remainder's chance. */
const draw = (prng: Prng.Prng, perHour: number, tickMillis: number): number => {
  const expected = perHour * tickMillis / 3_600_000
  return Math.floor(expected) + (prng.next() < expected % 1 ? 1 : 0)
}

/**
 * Runs the schedule forever: every tick, for every organization, draws how many events of each
 * kind happen and applies them. Fork it in the emulator's scope.
 *
 * @since 0.2.0
 * @category schedules
 */
export const run = (engine: Engine, seed: number | string, options: Options): Effect.Effect<never> => {
  const prng = Prng.fork(seed, "traffic")
  const tick = Duration.fromInputUnsafe(options.tick ?? "10 seconds")
  const tickMillis = Duration.toMillis(tick)
  const rates: ReadonlyArray<readonly [Event["_tag"], number]> = [
    ["NewDelivery", options.ordersPerHour ?? 0],
    ["DeliveryStatus", options.statusChangesPerHour ?? 0],
    ["StopListChange", options.stopListChangesPerHour ?? 0],
    ["MenuChange", options.menuChangesPerHour ?? 0]
  ]
  const once = Effect.forEach(engine.state.organizations, (organization) =>
    Effect.forEach(rates, ([tag, perHour]) =>
      Effect.forEach(
        Array.from({ length: draw(prng, perHour, tickMillis) }),
        () => apply(engine, prng, { _tag: tag, organizationId: organization.id }),
        { discard: true }
      ), { discard: true }), { discard: true })
  return Effect.forever(Effect.andThen(Effect.sleep(tick), once))
}
