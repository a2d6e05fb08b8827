/**
 * Life in the emulated restaurants, so a sync has something to follow: new deliveries, their
 * status changes, stop-list changes and menu changes, on a seeded schedule driven by effect's
 * `Clock` (so `TestClock` drives it in tests), or one event at a time. Changes go through the
 * same handlers as API calls (revisions, webhooks) without appearing in the request log. A
 * {@link Control} pauses and resumes the schedule and counts what the events changed, so a
 * benchmark can tell how many rows a sync should write.
 *
 * @since 0.2.0
 */
import { Duration, Effect, Semaphore } from "effect"
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

/**
 * What traffic changed since its counts were last cleared: the events that acted on something,
 * by kind, and the distinct records they left different. A sync that rewrites only changed rows
 * writes `deliveries + stopListItems` rows for them and downloads `menus` menus.
 *
 * @since 0.2.0
 * @category models
 */
export interface Changes {
  readonly events: { readonly [K in Event["_tag"]]: number }
  /** Delivery orders created or whose status changed (each counted once). */
  readonly deliveries: number
  /** Stop-list entries (terminal group, product, size) now added, removed or with another balance than before. */
  readonly stopListItems: number
  /** Organizations whose menu revision moved. */
  readonly menus: number
}

/**
 * Pauses and resumes the scheduled traffic and counts its {@link Changes}. Events applied
 * directly (`IikoEmulator.simulate`) are counted too and happen even while paused.
 *
 * @since 0.2.0
 * @category models
 */
export interface Control {
  /** Whether the schedule is paused. */
  readonly paused: () => boolean
  /** Stops the schedule; completes once an event being applied has finished, so nothing scheduled changes after it. */
  readonly pause: Effect.Effect<void>
  /** Lets the schedule draw events again from its next tick. */
  readonly resume: Effect.Effect<void>
  /** What changed since the last {@link Control.clear} (or the start). */
  readonly changes: () => Changes
  /** Starts counting afresh. */
  readonly clear: () => void
  /** Applies `event` (unless `scheduled` and paused) and counts what it changed. */
  readonly apply: (prng: Prng.Prng, event: Event, scheduled: boolean) => Effect.Effect<void>
}

/**
 * A {@link Control} over `engine`'s state, running.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeControl = (engine: Engine): Control => {
  const applying = Semaphore.makeUnsafe(1)
  let paused = false
  let events = { NewDelivery: 0, DeliveryStatus: 0, StopListChange: 0, MenuChange: 0 }
  let deliveries = new Set<string>()
  /** Per stop-list entry touched, its balance before the first touch (`undefined`: not listed). */
  let stopListsBefore = new Map<string, { readonly terminalGroupId: string; readonly key: string; readonly balance: number | undefined }>()
  let menus = new Set<string>()
  const balance = (terminalGroupId: string, key: string) => engine.state.stopLists.get(terminalGroupId)?.get(key)?.balance
  const record = (event: Event, touched: Touched | undefined) => {
    if (touched === undefined) return
    events[event._tag]++
    switch (touched._tag) {
      case "Delivery":
        deliveries.add(touched.id)
        break
      case "StopListEntry": {
        const id = `${touched.terminalGroupId}/${touched.key}`
        if (!stopListsBefore.has(id)) {
          stopListsBefore.set(id, { terminalGroupId: touched.terminalGroupId, key: touched.key, balance: touched.before })
        }
        break
      }
      case "Menu":
        menus.add(event.organizationId)
    }
  }
  return {
    paused: () => paused,
    pause: Effect.andThen(Effect.sync(() => (paused = true)), applying.withPermit(Effect.void)),
    resume: Effect.sync(() => (paused = false)),
    changes: () => ({
      events: { ...events },
      deliveries: deliveries.size,
      stopListItems: [...stopListsBefore.values()].filter((entry) => balance(entry.terminalGroupId, entry.key) !== entry.balance).length,
      menus: menus.size
    }),
    clear: () => {
      events = { NewDelivery: 0, DeliveryStatus: 0, StopListChange: 0, MenuChange: 0 }
      deliveries = new Set()
      stopListsBefore = new Map()
      menus = new Set()
    },
    apply: (prng, event, scheduled) =>
      applying.withPermit(Effect.suspend(() =>
        scheduled && paused ? Effect.void : Effect.map(applyEvent(engine, prng, event), (touched) => record(event, touched))
      ))
  }
}

/** What one event acted on, `undefined` when it found nothing to act on. */
type Touched =
  | { readonly _tag: "Delivery"; readonly id: string }
  | { readonly _tag: "StopListEntry"; readonly terminalGroupId: string; readonly key: string; readonly before: number | undefined }
  | { readonly _tag: "Menu" }

const NEXT_STATUS: Record<string, string> = { Unconfirmed: "confirm", WaitCooking: "Waiting", Waiting: "OnWay", OnWay: "Delivered" }

/**
 * Applies one event with choices drawn from `prng`; an event with nothing to act on (no open
 * delivery, say) does nothing.
 *
 * @since 0.2.0
 * @category events
 */
export const apply = (engine: Engine, prng: Prng.Prng, event: Event): Effect.Effect<void> =>
  Effect.asVoid(applyEvent(engine, prng, event))

const applyEvent = (engine: Engine, prng: Prng.Prng, event: Event): Effect.Effect<Touched | undefined> =>
  Effect.suspend((): Effect.Effect<Touched | undefined> => {
    const { state } = engine
    const { organizationId } = event
    const terminals = state.terminalGroups.filter((t) => t.organizationId === organizationId)
    const terminal = terminals[prng.int(terminals.length)]
    const menu = Domain.nomenclatureOf(state, organizationId)
    const dishes = menu.products.filter((p) => p.type === "Dish")
    switch (event._tag) {
      case "NewDelivery": {
        const product = dishes[prng.int(dishes.length)]
        if (terminal === undefined || product === undefined) return Effect.succeed(undefined)
        return Effect.map(engine.apply(route("deliveriesCreate"), {
          organizationId,
          terminalGroupId: terminal.id,
          order: {
            phone: `+7900${String(1_000_000 + prng.int(8_999_999))}`,
            items: [{ type: "Product", productId: product.id, price: product.price, amount: 1 + prng.int(3) }]
          }
        }), (reply) => {
          const id = reply._tag === "Json" ? (reply.body as { orderInfo?: { id?: unknown } }).orderInfo?.id : undefined
          return typeof id === "string" ? { _tag: "Delivery", id } : undefined
        })
      }
      case "DeliveryStatus": {
        const open = [...state.deliveries.values()].filter((d) =>
          d.organizationId === organizationId && d.creationStatus === "Success" &&
          NEXT_STATUS[String(d.view["status"])] !== undefined
        )
        const delivery = open[prng.int(open.length)]
        if (delivery === undefined) return Effect.succeed(undefined)
        const next = NEXT_STATUS[String(delivery.view["status"])]!
        return Effect.as(
          next === "confirm"
            ? engine.apply(route("deliveriesConfirm"), { organizationId, orderId: delivery.id })
            : engine.apply(route("deliveriesUpdateOrderDeliveryStatus"), {
              organizationId,
              orderId: delivery.id,
              deliveryStatus: next
            }),
          { _tag: "Delivery", id: delivery.id } as const
        )
      }
      case "StopListChange": {
        const product = dishes[prng.int(dishes.length)]
        if (terminal === undefined || product === undefined) return Effect.succeed(undefined)
        const key = Domain.stopListKey(product.id, null)
        const before = state.stopLists.get(terminal.id)?.get(key)?.balance
        const body = { organizationId, terminalGroupId: terminal.id, items: [{ productId: product.id, balance: prng.int(5) }] }
        return Effect.as(
          engine.apply(route(before !== undefined && prng.next() < 0.5 ? "stopListsRemove" : "stopListsAdd"), body),
          { _tag: "StopListEntry", terminalGroupId: terminal.id, key, before } as const
        )
      }
      case "MenuChange":
        return Effect.clockWith((clock) =>
          Effect.sync(() => {
            menu.revision = Domain.nextRevision(state, clock.currentTimeMillisUnsafe())
            return { _tag: "Menu" } as const
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
 * kind happen and applies them (through `control` when given: nothing while it is paused). Fork
 * it in the emulator's scope.
 *
 * @since 0.2.0
 * @category schedules
 */
export const run = (engine: Engine, seed: number | string, options: Options, control?: Control): Effect.Effect<never> => {
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
        () => {
          const event = { _tag: tag, organizationId: organization.id }
          return control === undefined ? apply(engine, prng, event) : control.apply(prng, event, true)
        },
        { discard: true }
      ), { discard: true }), { discard: true })
  return Effect.forever(Effect.andThen(Effect.sleep(tick), Effect.suspend(() => control?.paused() === true ? Effect.void : once)))
}
