/**
 * One HTTP exchange with iiko and the retry loop around it. Shared by `IikoAuth` (the token
 * call) and `IikoClient` (everything else), so both classify and retry the same way.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaParser from "effect/SchemaParser"
import * as HttpBody from "effect/http/HttpBody"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import type { Endpoint, WireSchema } from "../Endpoint.ts"
import { isIdempotent } from "../Endpoint.ts"
import type { Resolved } from "../IikoConfig.ts"
import {
  IikoError,
  type IikoErrorReason,
  InvalidRequest,
  InvalidResponse,
  reasonForStatus,
  Transport
} from "../IikoError.ts"

/** @internal */
export interface Attempt {
  readonly endpoint: Endpoint
  readonly json: unknown
  readonly token: Redacted.Redacted<string> | undefined
  /** The server-side `Timeout` header. */
  readonly timeout: Duration.Duration
  /** How long to wait for the response; defaults to `timeout` plus the configured margin. */
  readonly httpTimeout?: Duration.Duration | undefined
}

const formatIssue = SchemaIssue.makeFormatterDefault()

const fail = (endpoint: Endpoint, reason: IikoErrorReason, extra?: Partial<ErrorDetails>) =>
  Effect.fail(new IikoError({ operation: endpoint.name, reason, ...extra }))

interface ErrorDetails {
  readonly status: number
  readonly correlationId: string
  readonly description: string
  readonly code: string
}

type Parse = (input: unknown) => Result.Result<unknown, SchemaIssue.Issue>

/** One parser per schema, built on first use: the hot path does no schema setup. */
const memoize = (make: (schema: WireSchema) => Parse) => {
  const cache = new WeakMap<WireSchema, Parse>()
  return (schema: WireSchema): Parse => {
    let parse = cache.get(schema)
    if (parse === undefined) {
      parse = make(schema)
      cache.set(schema, parse)
    }
    return parse
  }
}

const requestEncoder = memoize((schema) =>
  SchemaParser.encodeUnknownResult(schema, { onExcessProperty: "error", errors: "all" })
)

const responseDecoder = memoize((schema) => SchemaParser.decodeUnknownResult(schema))

/**
 * Validates and encodes a request body. Unknown keys are an error: a typo must not be dropped
 * silently and sent as a different request.
 *
 * @internal
 */
export const encodeRequest = (endpoint: Endpoint, body: unknown): Effect.Effect<unknown, IikoError> =>
  Effect.suspend(() => {
    const result = requestEncoder(endpoint.request)(body ?? {})
    return Result.isSuccess(result)
      ? Effect.succeed(result.success)
      : fail(endpoint, new InvalidRequest({ issue: formatIssue(result.failure) }))
  })

/**
 * Decodes a success body. Unknown keys are dropped, never an error.
 *
 * @internal
 */
export const decodeResponse = <A>(
  endpoint: Endpoint<any, Schema.Codec<A, any>>,
  json: unknown
): Effect.Effect<A, IikoError> =>
  Effect.suspend(() => {
    const result = responseDecoder(endpoint.response)(json)
    return Result.isSuccess(result)
      ? Effect.succeed(result.success as A)
      : fail(endpoint, new InvalidResponse({ issue: formatIssue(result.failure) }), correlationOf(json))
  })

const correlationOf = (json: unknown): Partial<ErrorDetails> => {
  const id = isRecord(json) ? json["correlationId"] : undefined
  return typeof id === "string" ? { correlationId: id } : {}
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The request in one construction: headers and body at once, no intermediate copies. */
const buildRequest = (config: Resolved, attempt: Attempt): HttpClientRequest.HttpClientRequest => {
  const { endpoint, json, token, timeout } = attempt
  const headers: Record<string, string> = {}
  if (endpoint.family === "transport") headers["timeout"] = String(Math.ceil(Duration.toSeconds(timeout)))
  if (token !== undefined) headers["authorization"] = `Bearer ${Redacted.value(token)}`
  return HttpClientRequest.make(endpoint.method)(config.baseUrl + endpoint.path, {
    acceptJson: true,
    headers,
    ...(endpoint.method === "GET" ? {} : { body: HttpBody.jsonUnsafe(json) })
  })
}

const parseJson = (text: string): unknown => {
  if (text.trim() === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return ParseFailure
  }
}

const ParseFailure: unique symbol = Symbol("ParseFailure")

const transportFailure = (endpoint: Endpoint, error: HttpClientError.HttpClientError) => {
  const cause = "cause" in error.reason ? error.reason.cause : undefined
  const detail = cause instanceof Error ? `${error.reason._tag}: ${cause.message}` : error.reason._tag
  return fail(endpoint, new Transport({ detail }))
}

/**
 * Parses `Retry-After` (seconds or an HTTP date).
 *
 * @internal
 */
export const parseRetryAfter = (header: string | undefined, nowMillis: number): Duration.Duration | undefined => {
  if (header === undefined || header.trim() === "") return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Duration.seconds(Math.max(0, seconds))
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Duration.millis(Math.max(0, date - nowMillis))
}

const stringField = (body: Record<string, unknown>, key: string): string | undefined => {
  const value = body[key]
  return typeof value === "string" && value !== "" ? value : undefined
}

/** Reads both error envelopes: transport `{correlationId, errorDescription, error}` and invoice processing `{message, details}`. */
const errorDetails = (status: number, json: unknown, text: string): Partial<ErrorDetails> => {
  if (!isRecord(json)) {
    const snippet = text.trim().slice(0, 200)
    return snippet === "" ? { status } : { status, description: snippet }
  }
  const details = json["details"]
  const description = stringField(json, "errorDescription") ?? stringField(json, "message") ??
    (typeof details === "string" ? details : undefined)
  const correlationId = stringField(json, "correlationId")
  const code = stringField(json, "error")
  return {
    status,
    ...(description === undefined ? {} : { description }),
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(code === undefined ? {} : { code })
  }
}

/** Every credential value, so that an error description echoing one can be cleaned. */
const secretValues = (config: Resolved, token: Redacted.Redacted<string> | undefined): ReadonlyArray<string> => {
  const credentials = config.credentials
  const values = credentials._tag === "V2"
    ? [credentials.appId, credentials.clientSecret, credentials.apiKey]
    : credentials._tag === "V1"
    ? [credentials.apiLogin]
    : [credentials.token]
  return [...values, ...(token === undefined ? [] : [token])].map(Redacted.value).filter((value) => value.length >= 4)
}

const scrub = (text: string, secrets: ReadonlyArray<string>): string =>
  secrets.reduce((clean, secret) => clean.split(secret).join("<redacted>"), text)

const classify = (
  endpoint: Endpoint,
  response: HttpClientResponse.HttpClientResponse,
  secrets: () => ReadonlyArray<string>
): Effect.Effect<unknown, IikoError> =>
  response.text.pipe(
    Effect.catchTag("HttpClientError", (error) => transportFailure(endpoint, error)),
    Effect.flatMap((text) => {
      if (response.status >= 200 && response.status < 300) {
        const json = parseJson(text)
        return json === ParseFailure
          ? fail(endpoint, new InvalidResponse({ issue: "the body is not valid JSON" }), { status: response.status })
          : Effect.succeed(json)
      }
      return Clock.currentTimeMillis.pipe(Effect.flatMap((now) => {
        const retryAfter = parseRetryAfter(response.headers["retry-after"], now)
        const clean = scrub(text, secrets())
        const json = parseJson(clean)
        return fail(
          endpoint,
          reasonForStatus(response.status, retryAfter),
          errorDetails(response.status, json === ParseFailure ? undefined : json, clean)
        )
      }))
    })
  )

/**
 * Sends one request and returns the parsed success body, or fails with a classified `IikoError`.
 * The HTTP timeout is the server `Timeout` plus the configured margin unless the attempt sets it.
 *
 * @internal
 */
export const send = (
  http: HttpClient.HttpClient,
  config: Resolved,
  attempt: Attempt
): Effect.Effect<unknown, IikoError> => {
  const { endpoint } = attempt
  const httpTimeout = attempt.httpTimeout ?? Duration.sum(attempt.timeout, config.httpTimeoutMargin)
  return http.execute(buildRequest(config, attempt)).pipe(
    Effect.catchTag("HttpClientError", (error) => transportFailure(endpoint, error)),
    Effect.flatMap((response) => classify(endpoint, response, () => secretValues(config, attempt.token))),
    Effect.timeoutOrElse({
      duration: httpTimeout,
      orElse: () => fail(endpoint, new Transport({ detail: `no response within ${Duration.format(httpTimeout)}` }))
    }),
    Effect.provideService(HttpClient.TracerPropagationEnabled, false)
  )
}

/**
 * The delay before retry number `retry` (0-based): jittered exponential backoff, never shorter
 * than `Retry-After`. `undefined` means do not retry (a `Retry-After` beyond the cap).
 *
 * @internal
 */
export const retryDelay = (
  config: Resolved,
  error: IikoError,
  retry: number
): Effect.Effect<Duration.Duration | undefined> =>
  Effect.gen(function*() {
    const base = Duration.toMillis(config.retryBaseDelay) * 2 ** retry
    const jitter = yield* Random.nextBetween(0.8, 1.2)
    const backoff = Math.min(base * jitter, Duration.toMillis(config.retryMaxDelay))
    const retryAfter = error.reason._tag === "RateLimited" ? error.reason.retryAfter : undefined
    if (retryAfter === undefined) return Duration.millis(backoff)
    if (Duration.isGreaterThan(retryAfter, config.maxRetryAfter)) return undefined
    return Duration.millis(Math.max(backoff, Duration.toMillis(retryAfter)))
  })

/**
 * Runs `effect` and repeats it after transient failures, at most `maxRetries` times. Only
 * operations without side effects are ever repeated: for a write, a timeout, reset or 5xx may
 * come after iiko applied it, so a write runs exactly once.
 *
 * @internal
 */
export const withRetries = <A>(
  config: Resolved,
  endpoint: Endpoint,
  maxRetries: number,
  effect: Effect.Effect<A, IikoError>
): Effect.Effect<A, IikoError> => {
  if (maxRetries <= 0 || !isIdempotent(endpoint)) return effect
  const loop = (retry: number): Effect.Effect<A, IikoError> =>
    effect.pipe(Effect.catch((error) => {
      if (retry >= maxRetries || !error.isRetryable) return Effect.fail(error)
      return retryDelay(config, error, retry).pipe(Effect.flatMap((delay) =>
        delay === undefined
          ? Effect.fail(error)
          : Effect.logDebug(`iiko ${endpoint.name}: ${error.reason._tag}, retry ${retry + 1} in ${Duration.format(delay)}`)
            .pipe(Effect.andThen(Effect.sleep(delay)), Effect.andThen(loop(retry + 1)))
      ))
    }))
  return loop(0)
}
