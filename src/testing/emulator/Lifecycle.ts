/**
 * The asynchronous side of iiko: commands that finish after a delay (`commands/status`) and
 * entities whose `creationStatus` goes from `InProgress` to `Success` or `Error`. Nothing runs
 * in the background to change state: a request settles whatever is due at its `Clock` time, and
 * a timer does the same so webhooks fire even when nobody polls.
 *
 * @since 0.1.0
 */
import * as Domain from "./Domain.ts"
import type { Context, PendingEvent } from "./Route.ts"
import { formatDate } from "./Wire.ts"

/**
 * Starts a command in an organization under the request's `correlationId`; it reports
 * `InProgress` for the command delay, then its outcome.
 *
 * @since 0.1.0
 * @category commands
 */
export const startCommand = (
  context: Context<unknown>,
  organizationId: string,
  outcome: Domain.Command["outcome"] = { state: "Success" }
): void => {
  context.state.commands.set(context.correlationId, {
    correlationId: context.correlationId,
    organizationId,
    createdAt: context.now,
    readyAt: context.now + context.timings.commandDelay,
    outcome
  })
}

/**
 * The state of a command at a time: its wire answer, or `undefined` when the `correlationId` is
 * unknown, belongs to another organization, or has expired (iiko answers 410 then).
 *
 * @since 0.1.0
 * @category commands
 */
export const commandStatus = (
  state: Domain.State,
  correlationId: string,
  organizationId: string,
  now: number,
  retention: number
): Record<string, unknown> | undefined => {
  const command = state.commands.get(correlationId)
  if (command === undefined || command.organizationId !== organizationId) return undefined
  if (now - command.createdAt > retention) {
    state.commands.delete(correlationId)
    return undefined
  }
  if (now < command.readyAt) return { state: "InProgress" }
  return command.outcome.state === "Success"
    ? { state: "Success" }
    : { state: "Error", errorReason: command.outcome.errorReason, exception: null }
}

/**
 * Registers a new entity as `InProgress`, with a matching command, and schedules its settling.
 *
 * @since 0.1.0
 * @category creations
 */
export const startCreation = (
  context: Context<unknown>,
  creation: Omit<Domain.Creation, "creationStatus" | "revision" | "readyAt" | "correlationId">
): Domain.Creation => {
  const readyAt = context.now + context.timings.creationDelay
  const record: Domain.Creation = {
    ...creation,
    correlationId: context.correlationId,
    readyAt,
    creationStatus: "InProgress",
    revision: Domain.nextRevision(context.state, context.now)
  }
  collectionOf(context.state, record.kind).set(record.id, record)
  context.state.pending.add(record)
  context.state.commands.set(context.correlationId, {
    correlationId: context.correlationId,
    organizationId: record.organizationId,
    createdAt: context.now,
    readyAt,
    outcome: record.outcome._tag === "Success"
      ? { state: "Success" }
      : { state: "Error", errorReason: record.outcome.error.message }
  })
  context.wakeAt(readyAt)
  return record
}

/**
 * Settles every creation whose delay has passed, emitting its update or error webhook.
 *
 * @since 0.1.0
 * @category creations
 */
export const settle = (state: Domain.State, now: number, emit: (event: PendingEvent) => void): void => {
  for (const creation of state.pending) {
    if (creation.readyAt > now) continue
    state.pending.delete(creation)
    creation.creationStatus = creation.outcome._tag
    creation.revision = Domain.nextRevision(state, now)
    emitChange(creation, emit)
  }
}

/**
 * Records a change to a settled entity: a new revision and an update webhook.
 *
 * @since 0.1.0
 * @category creations
 */
export const touch = (context: Context<unknown>, creation: Domain.Creation): void => {
  creation.revision = Domain.nextRevision(context.state, context.now)
  emitChange(creation, context.emit)
}

/**
 * The wire `*Info` of an entity (`OrderInfo`, `TableOrderInfo`, `ReserveInfo`).
 *
 * @since 0.1.0
 * @category views
 */
export const info = (creation: Domain.Creation): Record<string, unknown> => {
  const common = {
    id: creation.id,
    externalNumber: creation.externalNumber,
    organizationId: creation.organizationId,
    timestamp: creation.revision,
    creationStatus: creation.creationStatus,
    errorInfo: creation.creationStatus === "Error" && creation.outcome._tag === "Error"
      ? { ...creation.outcome.error, additionalData: null }
      : null
  }
  const body = creation.creationStatus === "Success" ? creation.view : null
  return creation.kind === "reserve"
    ? { ...common, isDeleted: creation.view["status"] === "Closed" && creation.view["cancelReason"] != null, reserve: body }
    : { ...common, posId: creation.creationStatus === "Success" ? creation.posId : null, order: body }
}

/**
 * Today's date in iiko's timestamp format, for fields such as `whenCreated`.
 *
 * @since 0.1.0
 * @category views
 */
export const stamp = (context: Context<unknown>): string => formatDate(context.now)

const collectionOf = (state: Domain.State, kind: Domain.Creation["kind"]): Map<string, Domain.Creation> =>
  kind === "delivery" ? state.deliveries : kind === "tableOrder" ? state.tableOrders : state.reserves

const EVENT_PREFIX: Record<Domain.Creation["kind"], string> = {
  delivery: "DeliveryOrder",
  tableOrder: "TableOrder",
  reserve: "Reserve"
}

const emitChange = (creation: Domain.Creation, emit: (event: PendingEvent) => void): void =>
  emit({
    eventType: `${EVENT_PREFIX[creation.kind]}${creation.creationStatus === "Error" ? "Error" : "Update"}`,
    organizationId: creation.organizationId,
    eventInfo: info(creation)
  })
