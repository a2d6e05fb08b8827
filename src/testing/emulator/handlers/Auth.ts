/**
 * The token endpoints: `/api/1/access_token` (`{apiLogin}`) and `/api/v2/access_token`
 * (`{appId, clientSecret, apiKey}`), issuing JWTs with `exp` after the configured lifetime.
 *
 * @since 0.1.0
 */
import * as Iiko from "../../../generated/Iiko.ts"
import * as R from "../Route.ts"
import { json } from "../Wire.ts"

const v1 = R.handle(Iiko.accessToken, (context) => {
  const { apiLogin } = context.body
  if (!context.accepts({ apiLogin })) R.reject(`Login '${apiLogin.slice(0, 4)}…' is not authorized.`, undefined, 401)
  return json({ correlationId: context.correlationId, token: context.issueToken(apiLogin) })
})

const v2 = R.handle(Iiko.accessTokenV2, (context) => {
  const { apiKey, appId, clientSecret } = context.body
  if (!context.accepts({ appId, clientSecret, apiKey })) R.reject(`Application '${appId}' is not authorized.`, undefined, 401)
  return json({ correlationId: context.correlationId, token: context.issueToken(`${appId}/${apiKey.slice(0, 4)}`) })
})

/**
 * The modelled token operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [v1, v2]
