/**
 * Webhook settings per organization: `update_settings` stores the receiver URI (loopback only),
 * auth token and filter; `settings` returns them.
 *
 * @since 0.1.0
 */
import * as Lifecycle from "../Lifecycle.ts"
import * as R from "../Route.ts"
import { isLoopback } from "../Webhooks.ts"
import { json } from "../Wire.ts"

const update = R.post("webhooksUpdateSettings", "/api/1/webhooks/update_settings", "update", (context) => {
  const organizationId = R.uuid(context.body, "organizationId")
  R.organization(context, organizationId)
  const webHooksUri = R.string(context.body, "webHooksUri")
  if (!isLoopback(webHooksUri)) {
    R.reject("The emulator only delivers webhooks to loopback addresses (127.0.0.1, ::1, localhost).")
  }
  context.state.webhooks.set(organizationId, {
    webHooksUri,
    authToken: R.optionalString(context.body, "authToken") ?? null,
    webHooksFilter: R.object(context.body, "webHooksFilter") ?? null,
    apiLoginName: context.login
  })
  Lifecycle.startCommand(context, organizationId)
  return json(R.correlationOnly(context))
})

const settings = R.post("webhooksSettings", "/api/1/webhooks/settings", "read", (context) => {
  const organizationId = R.uuid(context.body, "organizationId")
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
