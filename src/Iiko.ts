/**
 * The endpoint functions, one per iiko operation (temporary hand-written subset until the
 * generated module replaces it).
 *
 * @since 0.1.0
 */
import * as Bootstrap from "./internal/bootstrap.ts"
import { operation } from "./IikoClient.ts"

/** `POST /api/1/access_token` (deprecated by iiko). @since 0.1.0 */
export const accessToken = operation(Bootstrap.accessToken)
/** `POST /api/v2/access_token`. @since 0.1.0 */
export const accessTokenV2 = operation(Bootstrap.accessTokenV2)
/** `POST /api/1/organizations`. @since 0.1.0 */
export const organizations = operation(Bootstrap.organizations)
/** `POST /api/1/terminal_groups`. @since 0.1.0 */
export const terminalGroups = operation(Bootstrap.terminalGroups)
/** `POST /api/1/commands/status`. @since 0.1.0 */
export const commandsStatus = operation(Bootstrap.commandsStatus)
/** `POST /api/1/deliveries/create`. @since 0.1.0 */
export const deliveriesCreate = operation(Bootstrap.deliveriesCreate)
