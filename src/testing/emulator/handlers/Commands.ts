/**
 * `commands/status`: `InProgress` while a command runs, then `Success` or `Error`; 410 for a
 * `correlationId` that is unknown, belongs to another organization, or has expired.
 *
 * @since 0.1.0
 */
import * as Iiko from "../../../generated/Iiko.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as R from "../Route.ts"
import { json } from "../Wire.ts"

const status = R.handle(Iiko.commandsStatus, (context) => {
  const { correlationId, organizationId } = context.body
  const answer = Lifecycle.commandStatus(context.state, correlationId, organizationId, context.now, context.timings.commandRetention)
  return answer === undefined
    ? R.reject(`CorrelationId '${correlationId}' is no longer supported.`, "CorrelationIdNotSupported", 410)
    : json(answer)
})

/**
 * The modelled command operations.
 *
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<R.Modelled> = [status]
