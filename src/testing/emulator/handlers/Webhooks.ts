/**
 * Webhook settings per organization: `update_settings` stores the receiver URI (loopback only),
 * auth token and filter; `settings` returns them.
 *
 * @since 0.1.0
 */
import * as Iiko from "../../../generated/Iiko.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as R from "../Route.ts"
import { isLoopback } from "../Webhooks.ts"
import { json } from "../Wire.ts"

const update = R.handle(Iiko.webhooksUpdateSettings, (context) => {
  const { organizationId, webHooksUri } = context.body
  R.organization(context, organizationId)
  if (!isLoopback(webHooksUri)) {
    R.reject("The emulator only delivers webhooks to loopback addresses (127.0.0.1, ::1, localhost).")
  }
  context.state.webhooks.set(organizationId, {
    webHooksUri,
    authToken: context.body.authToken ?? null,
    webHooksFilter: context.body.webHooksFilter ?? null,
    apiLoginName: context.login
  })
  Lifecycle.startCommand(context, organizationId)
  return json(R.correlationOnly(context))
})

const settings = R.handle(Iiko.webhooksSettings, (context) => {
  const { organizationId } = context.body
  R.organization(context, organizationId)
  const stored = context.state.webhooks.get(organizationId)
  return json({
    correlationId: context.correlationId,
    apiLoginName: stored?.apiLoginName ?? context.login,
    webHooksUri: stored?.webHooksUri ?? null,
    authToken: stored?.authToken ?? null,
    webHooksFilter: stored?.webHooksFilter ?? null
  })
})

/**
 * The modelled webhook operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [update, settings]
