/**
 * Reading an operation's answer both typed and exactly as iiko sent it (unknown fields
 * included): the client's raw mode, as `call --raw` uses, then the operation's own response
 * schema through the pipeline's `decodeResponse`, so a malformed answer fails with the same
 * `IikoError` as an ordinary call. Used by `IikoSync` (`raw: true`) and `IikoSqlSync` (the
 * `jsonb` column).
 *
 * @internal
 */
import { Effect } from "effect"
import type { Endpoint } from "../Endpoint.ts"
import type * as IikoClient from "../IikoClient.ts"
import type { IikoError } from "../IikoError.ts"
import { decodeResponse } from "./pipeline.ts"

/**
 * An answer decoded, beside the JSON it was decoded from.
 *
 * @internal
 */
export interface RawRead<A> {
  readonly decoded: A
  /** The body exactly as iiko sent it (`IikoSync` leaves it `undefined` when not asked for raw JSON). */
  readonly raw: unknown
}

/**
 * Calls `operation` for its undecoded body and decodes that with the operation's response schema.
 *
 * @internal
 */
export const read = <Op extends Endpoint>(
  operation: IikoClient.Operation<Op>,
  body: Op["request"]["Type"]
): Effect.Effect<RawRead<Op["response"]["Type"]>, IikoError, IikoClient.IikoClient> =>
  Effect.flatMap(
    operation(body, { raw: true }),
    (raw) => Effect.map(decodeResponse(operation.endpoint, raw), (decoded) => ({ decoded, raw }))
  )

/**
 * `json[key]` when it is an array, else empty: the raw JSON of a list, index-aligned with the
 * same list decoded (it is an array whenever the same JSON decoded).
 *
 * @internal
 */
export const items = (json: unknown, key: string): ReadonlyArray<unknown> => {
  const value = typeof json === "object" && json !== null ? (json as Record<string, unknown>)[key] : undefined
  return Array.isArray(value) ? value : []
}
