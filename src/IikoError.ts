/**
 * The one error every iiko operation fails with. What went wrong is in `reason`, a tagged union
 * that can be matched with `Effect.catchReason("IikoError", "RateLimited", …)`; the error itself
 * carries what iiko support asks for (operation, HTTP status, `correlationId`) and its message
 * names all of it.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"

// =============================================================================
// Reasons
// =============================================================================

/**
 * The request was rejected by iiko as invalid (400, 405, 409, 422 and other 4xx without a more
 * specific reason). iiko also reports feature gates (`DRAFTS_DISABLED`) and "customer not found"
 * (`Validation_IncorrectPhone`) this way: look at `IikoError.code`.
 *
 * @since 0.1.0
 * @category reasons
 */
export class BadRequest extends Schema.TaggedClass<BadRequest>()("BadRequest", {}) {
  /** Repeating the same request gives the same answer. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * The request never left: the body failed validation against the operation's request schema.
 * `issue` names the offending field.
 *
 * @since 0.1.0
 * @category reasons
 */
export class InvalidRequest extends Schema.TaggedClass<InvalidRequest>()("InvalidRequest", {
  issue: Schema.String
}) {
  /** Fix the input first. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * 401 after the one token refresh and replay the client allows, or a failed login. Usually wrong
 * or revoked credentials; retrying can get the API login blocked.
 *
 * @since 0.1.0
 * @category reasons
 */
export class Unauthorized extends Schema.TaggedClass<Unauthorized>()("Unauthorized", {}) {
  /** Never retried: a credential problem does not fix itself. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * 403: the credentials are valid but not entitled (for example inventory/finance reads with a
 * v1 `apiLogin` token).
 *
 * @since 0.1.0
 * @category reasons
 */
export class Forbidden extends Schema.TaggedClass<Forbidden>()("Forbidden", {}) {
  /** Needs a different credential. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * 404 from iiko.
 *
 * @since 0.1.0
 * @category reasons
 */
export class NotFound extends Schema.TaggedClass<NotFound>()("NotFound", {}) {
  /** The entity will not appear by asking again. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * 408: iiko Cloud did not get an answer from the restaurant terminal within the `Timeout`
 * header. For a write the terminal may still have acted.
 *
 * @since 0.1.0
 * @category reasons
 */
export class TerminalTimeout extends Schema.TaggedClass<TerminalTimeout>()("TerminalTimeout", {}) {
  /** Retryable for reads; the client never repeats a write on it. */
  get isRetryable(): boolean {
    return true
  }
}

/**
 * 410: the `correlationId` is no longer known to `commands/status`. Do not ask for it again.
 *
 * @since 0.1.0
 * @category reasons
 */
export class Gone extends Schema.TaggedClass<Gone>()("Gone", {}) {
  /** The answer will not change. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * 429: the restriction group's limit was hit. `retryAfter` is iiko's `Retry-After` when sent.
 *
 * @since 0.1.0
 * @category reasons
 */
export class RateLimited extends Schema.TaggedClass<RateLimited>()("RateLimited", {
  retryAfter: Schema.optionalKey(Schema.Duration)
}) {
  /** Retryable after the pause; the server did not act on the request. */
  get isRetryable(): boolean {
    return true
  }
}

/**
 * 5xx from iiko.
 *
 * @since 0.1.0
 * @category reasons
 */
export class ServerError extends Schema.TaggedClass<ServerError>()("ServerError", {}) {
  /** Retryable for reads; a write may have been applied before the failure. */
  get isRetryable(): boolean {
    return true
  }
}

/**
 * The HTTP exchange itself failed: connection refused or reset, DNS, or the HTTP timeout ran out.
 * `detail` names the method, host and path (never the query, a header or the body) and what
 * failed, e.g. `POST https://api-ru.iiko.services/api/1/organizations: connect ECONNREFUSED
 * 10.0.0.1:443` or `…: no response within 20s`. `systemCode` is the system error code
 * (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, …) when there is one; the system error itself is
 * the `cause` of the `IikoError`.
 *
 * @since 0.1.0
 * @category reasons
 */
export class Transport extends Schema.TaggedClass<Transport>()("Transport", {
  detail: Schema.String,
  systemCode: Schema.optionalKey(Schema.String)
}) {
  /** Retryable for reads; a write may have reached iiko. */
  get isRetryable(): boolean {
    return true
  }
}

/**
 * A success status with a body that is not JSON or does not match the operation's response
 * schema. `issue` names the field.
 *
 * @since 0.1.0
 * @category reasons
 */
export class InvalidResponse extends Schema.TaggedClass<InvalidResponse>()("InvalidResponse", {
  issue: Schema.String
}) {
  /** The same request will most likely get the same body. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * The call was not sent: the client's breaker for this restriction group (or for the login) is
 * open after repeated 429s or failed logins, so calling iiko now would only risk getting the API
 * login blocked. Also the reason when the shared rate limiter store is unreachable and
 * `limits.onStoreFailure` is `"fail"` (the default; the store error is the `cause`). `group`
 * names the budget; calls go through again after `retryAfter`.
 *
 * @since 0.2.0
 * @category reasons
 */
export class CircuitOpen extends Schema.TaggedClass<CircuitOpen>()("CircuitOpen", {
  group: Schema.String,
  retryAfter: Schema.Duration
}) {
  /** Not retried by the client: failing fast is the point. Retry after `retryAfter`. */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * Every reason an iiko call can fail for.
 *
 * @since 0.1.0
 * @category reasons
 */
export const IikoErrorReason = Schema.Union([
  BadRequest,
  InvalidRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  TerminalTimeout,
  Gone,
  RateLimited,
  ServerError,
  Transport,
  InvalidResponse,
  CircuitOpen
])

/**
 * @since 0.1.0
 * @category reasons
 */
export type IikoErrorReason = typeof IikoErrorReason.Type

// =============================================================================
// Error
// =============================================================================

/**
 * The error of every iiko operation.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Iiko } from "effect-iiko"
 *
 * const organizations = Iiko.organizations({}).pipe(
 *   Effect.catchReason("IikoError", "RateLimited", (reason) =>
 *     Effect.logWarning(`rate limited, retry after ${reason.retryAfter}`).pipe(Effect.as({ organizations: [] }))
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class IikoError extends Schema.TaggedError<IikoError>()("IikoError", {
  /** The operation name, e.g. `deliveriesCreate`. */
  operation: Schema.String,
  reason: IikoErrorReason,
  /** HTTP status, when a response arrived. */
  status: Schema.optionalKey(Schema.Number),
  /** iiko's operation id, to quote to iiko support. */
  correlationId: Schema.optionalKey(Schema.String),
  /** iiko's human-readable description (`errorDescription` or `message`). */
  description: Schema.optionalKey(Schema.String),
  /** iiko's error code (`error`), e.g. `DuplicatedOrderId`; an open set. */
  code: Schema.optionalKey(Schema.String),
  /** The underlying failure (for `Transport`, the system error), shown by `Cause.pretty`. */
  cause: Schema.optionalKey(Schema.Defect())
}) {
  /** Whether the failure is transient in general; the client also weighs the operation's side effect. */
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }

  override get message(): string {
    const parts = [
      `${this.operation}: ${this.reason._tag}`,
      this.status === undefined ? undefined : `HTTP ${this.status}`,
      this.code,
      this.description ?? detailOf(this.reason),
      this.correlationId === undefined ? undefined : `correlationId ${this.correlationId}`
    ]
    return parts.filter((part) => part !== undefined && part !== "").join(" — ")
  }
}

const detailOf = (reason: IikoErrorReason): string | undefined => {
  switch (reason._tag) {
    case "InvalidRequest":
    case "InvalidResponse":
      return reason.issue
    case "Transport":
      return reason.detail
    case "RateLimited":
      return reason.retryAfter === undefined ? undefined : `retry after ${Duration.format(reason.retryAfter)}`
    case "CircuitOpen":
      return `not sent: too many 429s or failed logins in "${reason.group}", calls fail fast for ${
        Duration.format(reason.retryAfter)
      }`
    default:
      return undefined
  }
}
