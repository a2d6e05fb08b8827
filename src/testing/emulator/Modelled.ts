/**
 * Every operation the emulator models with state, gathered from the handler modules.
 *
 * @since 0.1.0
 */
import * as Auth from "./handlers/Auth.ts"
import * as Commands from "./handlers/Commands.ts"
import * as Deliveries from "./handlers/Deliveries.ts"
import * as Dictionaries from "./handlers/Dictionaries.ts"
import * as Organizations from "./handlers/Organizations.ts"
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
  ...Deliveries.routes,
  ...Webhooks.routes
]
