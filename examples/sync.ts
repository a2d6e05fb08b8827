import { Effect } from "effect"
import { Iiko, IikoSync } from "effect-iiko"

/** Where the sync writes; make every method an upsert (batches are delivered at least once). */
export interface Store {
  readonly menu: (organizationId: string, menu: IikoSync.NomenclatureBatch["nomenclature"]) => Effect.Effect<void>
  readonly stopLists: (batch: IikoSync.StopListBatch) => Effect.Effect<void>
  readonly orders: (batch: IikoSync.DeliveryBatch) => Effect.Effect<void>
}

/**
 * Keeps a restaurant chain in step with iiko: every organization the API login sees, their menus,
 * stop lists and delivery orders. Checkpoints live in the `KeyValueStore` (memory, file or SQL)
 * and are stored after each batch is handled, so a restart continues where it stopped.
 */
export const syncChain = (store: Store) =>
  Effect.gen(function*() {
    const { organizations } = yield* Iiko.organizations({})
    const organizationIds = organizations.map((organization) => organization.id)

    const menus = (organizationId: string) =>
      IikoSync.runWithCheckpoints({
        key: `menu/${organizationId}`,
        checkpoint: IikoSync.NomenclatureCheckpoint,
        stream: (checkpoint) => IikoSync.nomenclatureChanges({ organizationId, checkpoint }),
        handle: (batch) => store.menu(organizationId, batch.nomenclature)
      }).pipe(Effect.tapError((error) => Effect.logWarning(`menu of ${organizationId} stopped`, error)))

    const stopLists = IikoSync.runWithCheckpoints({
      key: "stop-lists",
      checkpoint: IikoSync.StopListCheckpoint,
      stream: (checkpoint) => IikoSync.stopListChanges({ organizationIds, checkpoint }),
      handle: store.stopLists
    })

    const deliveries = IikoSync.runWithCheckpoints({
      key: "deliveries",
      checkpoint: IikoSync.DeliveryCheckpoint,
      stream: (checkpoint) => IikoSync.deliveryChanges({ organizationIds, checkpoint }),
      handle: store.orders
    })

    // One organization's failing menu stops only that organization's menu stream.
    const allMenus = IikoSync.forEachOrganization(organizationIds, menus, { concurrency: organizationIds.length })
    yield* Effect.all([allMenus, stopLists, deliveries], { concurrency: "unbounded" })
  })
