/**
 * Creating deliveries, table orders and reserves without ever creating one twice.
 *
 * iiko has no idempotency key, but it lets the client choose the new entity's id and rejects a
 * reused one (`DuplicatedOrderId`, `DuplicatedReserveId`). So these functions give every create a
 * client-chosen id (yours, or a fresh UUID), send it once, and when the answer is ambiguous (the
 * connection dropped, the HTTP timeout ran out, iiko answered 5xx or 408, or the success body was
 * unreadable) or says the id already exists, they read the entity back by that id instead of
 * sending the create again.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Common from "./generated/Common.ts"
import type * as Deliveries from "./generated/Deliveries.ts"
import { deliveriesById, deliveriesCreate, orderById, orderCreate, reserveCreate, reserveStatusById } from "./generated/Iiko.ts"
import type * as Orders from "./generated/Orders.ts"
import type * as Reserves from "./generated/Reserves.ts"
import type { IikoClient } from "./IikoClient.ts"
import type { IikoError } from "./IikoError.ts"

/**
 * The outcome of a create.
 *
 * @since 0.1.0
 * @category models
 */
export interface Created<Info> {
  /** The entity as iiko reported it; `creationStatus` may still be `InProgress` (see {@link settle}). */
  readonly info: Info
  /** The create call's `correlationId`; absent when the entity was recovered by reading it back. */
  readonly correlationId: string | undefined
  /** `true` when the create call failed ambiguously or hit a duplicate id and the entity was found by id. */
  readonly recovered: boolean
}

/**
 * How long to look for an entity after an ambiguous create.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReadBackOptions {
  /** Reads by id before giving up. Default 5. */
  readonly attempts?: number | undefined
  /** Pause between reads. Default 2 seconds. */
  readonly interval?: Duration.Input | undefined
}

/** The generated id helper: a version 4 UUID from the platform's crypto. */
const newId = Effect.sync(() => globalThis.crypto.randomUUID())

/**
 * Whether a failed create may nevertheless have been applied: the request may have reached iiko
 * and nothing proves it was refused.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isAmbiguous = (error: IikoError): boolean => {
  switch (error.reason._tag) {
    case "Transport":
    case "ServerError":
    case "TerminalTimeout":
    case "InvalidResponse":
      return true
    default:
      return false
  }
}

interface Kind<Request, Info> {
  readonly duplicateCode: string
  readonly idOf: (request: Request) => string | null | undefined
  readonly withId: (request: Request, id: string) => Request
  readonly create: (request: Request) => Effect.Effect<{ readonly correlationId: string; readonly info: Info }, IikoError, IikoClient>
  readonly find: (organizationId: string, id: string) => Effect.Effect<Info | undefined, IikoError, IikoClient>
}

/** Reads the entity by id, `attempts` times at most, `interval` apart, until it is found. */
const readBack = <Request extends { readonly organizationId: string }, Info>(
  kind: Kind<Request, Info>,
  request: Request,
  id: string,
  options: ReadBackOptions
): Effect.Effect<Info | undefined, IikoError, IikoClient> =>
  kind.find(request.organizationId, id).pipe(Effect.repeat({
    schedule: Schedule.spaced(options.interval ?? "2 seconds"),
    while: (info) => info === undefined,
    times: Math.max(1, options.attempts ?? 5) - 1
  }))

const createOnce = <Request extends { readonly organizationId: string }, Info>(
  name: string,
  kind: Kind<Request, Info>
): (request: Request, options?: ReadBackOptions) => Effect.Effect<Created<Info>, IikoError, IikoClient> =>
  Effect.fn(name)(function*(request: Request, options: ReadBackOptions = {}) {
    const id = kind.idOf(request) ?? (yield* newId)
    const withId = kind.withId(request, id)
    return yield* kind.create(withId).pipe(
      Effect.map(({ correlationId, info }): Created<Info> => ({ info, correlationId, recovered: false })),
      Effect.catch((error) => {
        const duplicate = error.reason._tag === "BadRequest" && error.code === kind.duplicateCode
        if (!duplicate && !isAmbiguous(error)) return Effect.fail(error)
        return Effect.logWarning(
          `iiko ${error.operation}: ${error.reason._tag}${duplicate ? " (id exists)" : ""}; reading ${id} back`
        ).pipe(
          Effect.andThen(readBack(kind, withId, id, options)),
          Effect.flatMap((info): Effect.Effect<Created<Info>, IikoError> =>
            info === undefined ? Effect.fail(error) : Effect.succeed({ info, correlationId: undefined, recovered: true })
          )
        )
      })
    )
  })

const delivery: Kind<Deliveries.CreateOrderRequest, Common.OrderInfo> = {
  duplicateCode: "DuplicatedOrderId",
  idOf: (request) => request.order.id,
  withId: (request, id) => ({ ...request, order: { ...request.order, id } }),
  create: (request) => Effect.map(deliveriesCreate(request), (r) => ({ correlationId: r.correlationId, info: r.orderInfo })),
  find: (organizationId, id) =>
    Effect.map(
      deliveriesById({ organizationId, orderIds: [id] }),
      (r) => r.orders.find((order) => order.id === id)
    )
}

/** A table order create with its order (the id lives there). */
type TableOrderRequest = Orders.CreateTableOrderRequest & { readonly order: Orders.CreateTableOrder }

const tableOrder: Kind<TableOrderRequest, Common.TableOrderInfo> = {
  duplicateCode: "DuplicatedOrderId",
  idOf: (request) => request.order.id,
  withId: (request, id) => ({ ...request, order: { ...request.order, id } }),
  create: (request) => Effect.map(orderCreate(request), (r) => ({ correlationId: r.correlationId, info: r.orderInfo })),
  find: (organizationId, id) =>
    Effect.map(
      orderById({ organizationIds: [organizationId], orderIds: [id] }),
      (r) => r.orders.find((order) => order.id === id)
    )
}

const reserveKind: Kind<Reserves.CreateReserveRequest, Common.ReserveInfo> = {
  duplicateCode: "DuplicatedReserveId",
  idOf: (request) => request.id,
  withId: (request, id) => ({ ...request, id }),
  create: (request) => Effect.map(reserveCreate(request), (r) => ({ correlationId: r.correlationId, info: r.reserveInfo })),
  find: (organizationId, id) =>
    Effect.map(
      reserveStatusById({ organizationId, reserveIds: [id] }),
      (r) => r.reserves.find((reserve) => reserve.id === id)
    )
}

/**
 * Creates a delivery (`deliveries/create`) exactly once. `order.id` is generated when absent.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { IikoCreation } from "effect-iiko"
 *
 * const create = (organizationId: string, productId: string) =>
 *   IikoCreation.createDelivery({
 *     organizationId,
 *     order: { phone: "+79001234567", items: [{ type: "Product", productId, amount: 1, price: 300 }] }
 *   }).pipe(Effect.flatMap(({ info }) => IikoCreation.settleDelivery(info)))
 * ```
 *
 * @since 0.1.0
 * @category creating
 */
export const createDelivery = createOnce("IikoCreation.createDelivery", delivery)

/**
 * Creates a table order (`order/create`) exactly once. `order.id` is generated when absent.
 *
 * @since 0.1.0
 * @category creating
 */
export const createTableOrder = createOnce("IikoCreation.createTableOrder", tableOrder)

/**
 * Creates a reserve or banquet (`reserve/create`) exactly once. `id` is generated when absent.
 *
 * @since 0.1.0
 * @category creating
 */
export const createReserve = createOnce("IikoCreation.createReserve", reserveKind)

/**
 * How long to wait for `creationStatus` to leave `InProgress`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettleOptions {
  /** Pause between reads. Default 2 seconds. */
  readonly interval?: Duration.Input | undefined
  /** Give up after this long and return the last `InProgress` info. Default 60 seconds. */
  readonly deadline?: Duration.Input | undefined
}

const settleWith = <Info extends { readonly id: string; readonly organizationId: string; readonly creationStatus: string }>(
  name: string,
  find: (organizationId: string, id: string) => Effect.Effect<Info | undefined, IikoError, IikoClient>
): (info: Info, options?: SettleOptions) => Effect.Effect<Info, IikoError, IikoClient> =>
  Effect.fn(name)(function*(info: Info, options: SettleOptions = {}) {
    const deadline = (yield* Clock.currentTimeMillis) +
      Duration.toMillis(Duration.fromInputUnsafe(options.deadline ?? "60 seconds"))
    let current = info
    const read = Effect.map(find(info.organizationId, info.id), (found) => (current = found ?? current))
    // The schedule sees the initial info first: a settled one is returned without a read.
    return yield* Effect.scheduleFrom(
      read,
      info,
      Schedule.spaced(options.interval ?? "2 seconds").pipe(
        Schedule.setInputType<Info>(),
        Schedule.while(({ input, now }) => input.creationStatus === "InProgress" && now < deadline),
        Schedule.passthrough
      )
    )
  })

/**
 * Reads a delivery by id until its `creationStatus` is `Success` or `Error` (with `errorInfo`),
 * or the deadline passes.
 *
 * @since 0.1.0
 * @category settling
 */
export const settleDelivery = settleWith("IikoCreation.settleDelivery", delivery.find)

/**
 * Reads a table order by id until its `creationStatus` is final, or the deadline passes.
 *
 * @since 0.1.0
 * @category settling
 */
export const settleTableOrder = settleWith("IikoCreation.settleTableOrder", tableOrder.find)

/**
 * Reads a reserve by id until its `creationStatus` is final, or the deadline passes.
 *
 * @since 0.1.0
 * @category settling
 */
export const settleReserve = settleWith("IikoCreation.settleReserve", reserveKind.find)
