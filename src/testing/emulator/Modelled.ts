/**
 * Every operation the emulator models with state, gathered from the handler modules.
 *
 * @since 0.1.0
 */
import * as Auth from "./handlers/Auth.ts"
import * as Catalogs from "./handlers/Catalogs.ts"
import * as Commands from "./handlers/Commands.ts"
import * as Deliveries from "./handlers/Deliveries.ts"
import * as Dictionaries from "./handlers/Dictionaries.ts"
import * as Loyalty from "./handlers/Loyalty.ts"
import * as Menu from "./handlers/Menu.ts"
import * as Orders from "./handlers/Orders.ts"
import * as Organizations from "./handlers/Organizations.ts"
import * as StopLists from "./handlers/StopLists.ts"
import * as Webhooks from "./handlers/Webhooks.ts"
import type { Modelled } from "./Route.ts"

/**
 * The modelled operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const all: ReadonlyArray<Modelled> = [
  ...Auth.routes,
  ...Organizations.routes,
  ...Dictionaries.routes,
  ...Commands.routes,
  ...Menu.routes,
  ...StopLists.routes,
  ...Deliveries.routes,
  ...Orders.routes,
  ...Loyalty.routes,
  ...Webhooks.routes,
  ...Catalogs.routes
]
