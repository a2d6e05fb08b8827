/**
 * iiko's wire conventions the emulator speaks: the two error envelopes, the
 * `yyyy-MM-dd HH:mm:ss.fff` timestamp format, and `Reply`, the transport-neutral answer a
 * handler produces before it becomes an HTTP response (or a dropped connection).
 *
 * @since 0.1.0
 */
import type { Family } from "../../Endpoint.ts"

/**
 * What a handler answers. `Json` is an ordinary response; the other cases exist for fault
 * injection: `Raw` sends a body as-is (truncated or malformed JSON), `Reset` drops the
 * connection after the handler has already applied its write.
 *
 * @since 0.1.0
 * @category models
 */
export type Reply =
  | { readonly _tag: "Json"; readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> }
  | { readonly _tag: "Raw"; readonly status: number; readonly text: string; readonly headers?: Record<string, string> }
  | { readonly _tag: "Reset" }

/**
 * A JSON reply, 200 unless told otherwise.
 *
 * @since 0.1.0
 * @category constructors
 */
export const json = (body: unknown, status = 200, headers?: Record<string, string>): Reply =>
  headers === undefined ? { _tag: "Json", status, body } : { _tag: "Json", status, body, headers }

/**
 * An iiko error in the envelope of the operation's family: `{correlationId, errorDescription,
 * error}` for the transport API, `{message, details}` for inventory/finance.
 *
 * @since 0.1.0
 * @category constructors
 */
export const error = (options: {
  readonly family: Family
  readonly status: number
  readonly correlationId: string
  readonly description: string
  readonly code?: string | undefined
  readonly headers?: Record<string, string> | undefined
}): Reply =>
  json(
    options.family === "transport"
      ? { correlationId: options.correlationId, errorDescription: options.description, error: options.code ?? null }
      : { message: options.description, details: options.code === undefined ? null : { code: options.code } },
    options.status,
    options.headers
  )

/**
 * Formats epoch milliseconds the way iiko's transport API writes timestamps:
 * `yyyy-MM-dd HH:mm:ss.fff` (UTC here; iiko uses terminal-local time for most fields).
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatDate = (millis: number): string => new Date(millis).toISOString().replace("T", " ").slice(0, 23)

/**
 * Parses an iiko timestamp (`yyyy-MM-dd HH:mm:ss.fff`, also accepting ISO 8601) as UTC epoch
 * milliseconds; `undefined` when it is not a timestamp.
 *
 * @since 0.1.0
 * @category formatting
 */
export const parseDate = (text: string): number | undefined => {
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(text) ? `${text.replace(" ", "T")}Z` : text
  const millis = Date.parse(iso)
  return Number.isNaN(millis) ? undefined : millis
}
