/**
 * The one request path of every iiko call, the token call included:
 *
 *   span → encode → [token → (attempt, retried by Schedule) → 401: refresh, replay once] → decode
 *
 * `IikoAuth` runs its login through it without a token source; `IikoClient` runs every other
 * operation through it with `IikoAuth` as the token source. One `attempt` is one HTTP exchange:
 * the place for per-attempt policies (rate limits, circuit breakers).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaParser from "effect/SchemaParser"
import type * as Tracer from "effect/Tracer"
import * as SchemaJITCompiler from "effect/schema/SchemaJITCompiler"
import * as Headers from "effect/http/Headers"
import * as HttpBody from "effect/http/HttpBody"
import * as HttpClient from "effect/http/HttpClient"
import type * as HttpClientError from "effect/http/HttpClientError"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type * as HttpClientResponse from "effect/http/HttpClientResponse"
import * as UrlParams from "effect/http/UrlParams"
import type { Endpoint, WireSchema } from "../Endpoint.ts"
import { isIdempotent } from "../Endpoint.ts"
import type { CallOptions } from "../IikoClient.ts"
import type { Resolved } from "../IikoConfig.ts"
import type * as IikoLimits from "../IikoLimits.ts"
import {
  BadRequest,
  Forbidden,
  Gone,
  IikoError,
  type IikoErrorReason,
  InvalidRequest,
  InvalidResponse,
  NotFound,
  RateLimited,
  ServerError,
  TerminalTimeout,
  Transport,
  Unauthorized
} from "../IikoError.ts"

/** One HTTP exchange. @internal */
export interface Attempt {
  readonly endpoint: Endpoint
  readonly json: unknown
  readonly token: Redacted.Redacted<string> | undefined
  /** The server-side `Timeout` header. */
  readonly timeout: Duration.Duration
  /** How long to wait for the response; defaults to `timeout` plus the configured margin. */
  readonly httpTimeout?: Duration.Duration | undefined
  /** The call's span, which records the response status. */
  readonly span?: Tracer.Span | undefined
}

const standardIssues = SchemaIssue.makeFormatterStandardSchemaV1()

/** How many problems an `InvalidRequest`/`InvalidResponse` lists before "… and N more". */
const MAX_LISTED_ISSUES = 10

const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.map((key, index) =>
    typeof key === "number" ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`
  ).join("")

/**
 * Every problem of a failed parse, one per line (`field.path: message`), at most
 * {@link MAX_LISTED_ISSUES}.
 *
 * @internal
 */
export const formatIssue = (issue: SchemaIssue.Issue): string => {
  const issues = [
    ...new Set(standardIssues(issue).issues.map(({ message, path }) =>
      path === undefined || path.length === 0
        ? message
        : `${formatPath(path.map((key) => typeof key === "object" ? key.key : key))}: ${message}`
    ))
  ]
  const lines = issues.slice(0, MAX_LISTED_ISSUES)
  if (issues.length > MAX_LISTED_ISSUES) lines.push(`… and ${issues.length - MAX_LISTED_ISSUES} more`)
  return lines.join("\n")
}

const fail = (endpoint: Endpoint, reason: IikoErrorReason, extra?: Partial<ErrorDetails>) =>
  Effect.fail(new IikoError({ operation: endpoint.name, reason, ...extra }))

interface ErrorDetails {
  readonly status: number
  readonly correlationId: string
  readonly description: string
  readonly code: string
  readonly cause: unknown
}

type Parse = (input: unknown) => Result.Result<unknown, SchemaIssue.Issue>

/**
 * `make` worked out once per key, on first use: one parser per schema, one URL and one default
 * retry policy per endpoint, so the hot path does no setup.
 */
const memoize = <K extends object, V>(make: (key: K) => V): (key: K) => V => {
  const cache = new WeakMap<K, V>()
  return (key) => {
    let value = cache.get(key)
    if (value === undefined) {
      value = make(key)
      cache.set(key, value)
    }
    return value
  }
}

/**
 * The encoder of every request body. Encoding runs the schema backwards (its flipped AST), which
 * is handed to effect's JIT compiler like the response decoders below.
 */
const requestEncoder = memoize((schema: WireSchema): Parse => {
  SchemaJITCompiler.enable(SchemaAST.flip(schema.ast))
  return SchemaParser.encodeUnknownResult(schema, { onExcessProperty: "error", errors: "all" })
})

/**
 * The decoder of every success body. Its schema is first handed to effect's JIT compiler
 * (`SchemaJITCompiler.enable`, for this schema only): the compiled decoder returns the same values
 * and issues as the interpreter at about half its CPU per call, and where `new Function` is not
 * allowed it stays the interpreter.
 */
const responseDecoder = memoize((schema: WireSchema): Parse => {
  SchemaJITCompiler.enable(schema.ast)
  return SchemaParser.decodeUnknownResult(schema)
})

/** Used only after a failed decode, to list every problem and not just the first. */
const responseDiagnoser = memoize((schema: WireSchema): Parse =>
  SchemaParser.decodeUnknownResult(schema, { errors: "all" })
)

/**
 * Validates and encodes a request body. Unknown keys are an error: a typo must not be dropped
 * silently and sent as a different request.
 *
 * @internal
 */
const encodeRequest = (endpoint: Endpoint, body: unknown): Result.Result<unknown, IikoError> =>
  Result.mapError(
    requestEncoder(endpoint.request)(body ?? {}),
    (issue) => new IikoError({ operation: endpoint.name, reason: new InvalidRequest({ issue: formatIssue(issue) }) })
  )

/**
 * Decodes a success body. Unknown keys are dropped, never an error.
 *
 * @internal
 */
export const decodeResponse = <A>(
  endpoint: Endpoint<any, Schema.Codec<A, any>>,
  json: unknown
): Effect.Effect<A, IikoError> => {
  const result = responseDecoder(endpoint.response)(json)
  if (Result.isSuccess(result)) return Effect.succeed(result.success as A)
  const all = responseDiagnoser(endpoint.response)(json)
  const issue = formatIssue(Result.isFailure(all) ? all.failure : result.failure)
  return fail(endpoint, new InvalidResponse({ issue }), correlationOf(json))
}

const correlationOf = (json: unknown): Partial<ErrorDetails> => {
  const id = isRecord(json) ? json["correlationId"] : undefined
  return typeof id === "string" ? { correlationId: id } : {}
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The request in one construction: the same method, URL, headers and JSON body that
 * `HttpClientRequest.make(method)(url, { headers, body: HttpBody.jsonUnsafe(json), acceptJson: true })`
 * builds, without its five intermediate requests and header copies.
 *
 * @internal
 */
export const buildRequest = (config: Resolved, attempt: Attempt): HttpClientRequest.HttpClientRequest => {
  const { endpoint, json, token, timeout } = attempt
  const headers: Record<string, string> = {}
  if (endpoint.family === "transport") headers["timeout"] = String(Math.ceil(Duration.toSeconds(timeout)))
  if (token !== undefined) headers["authorization"] = `Bearer ${Redacted.value(token)}`
  let body: HttpBody.HttpBody = HttpBody.empty
  if (endpoint.method !== "GET") {
    const encoded = HttpBody.jsonUnsafe(json)
    headers["content-type"] = encoded.contentType
    headers["content-length"] = String(encoded.contentLength)
    body = encoded
  }
  headers["accept"] = "application/json"
  return HttpClientRequest.makeWith(
    endpoint.method,
    config.baseUrl + endpoint.path,
    UrlParams.empty,
    Option.none(),
    Headers.fromRecordUnsafe(headers),
    body
  )
}

const blank = /^\s*$/

const parseJson = (text: string): unknown => {
  if (blank.test(text)) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return ParseFailure
  }
}

const ParseFailure: unique symbol = Symbol("ParseFailure")

/** The failing system call behind a transport error: innermost message and the first `code` (ECONNREFUSED, …). */
const systemError = (cause: unknown): { readonly message: string | undefined; readonly code: string | undefined } => {
  let message: string | undefined
  let code: string | undefined
  let current: unknown = cause
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    message = current.message === "" ? message : current.message
    const own = (current as { code?: unknown }).code
    if (code === undefined && typeof own === "string") code = own
    const errors = (current as { errors?: unknown }).errors
    current = current.cause ?? (Array.isArray(errors) ? errors[0] : undefined)
  }
  return { message, code }
}

/** `scheme://host/path` of a call: never the query string, credentials in the URL or a header. */
const publicUrl = (config: Resolved, endpoint: Endpoint): string => {
  const url = new URL(config.baseUrl + endpoint.path)
  return `${url.origin}${url.pathname}`
}

/** `METHOD scheme://host/path` of a call, as errors name it. */
const target = (config: Resolved, endpoint: Endpoint): string => `${endpoint.method} ${publicUrl(config, endpoint)}`

/** A transport failure naming the call and the system error; the system error is kept as `cause`. */
const transportFailure = (config: Resolved, endpoint: Endpoint, error: HttpClientError.HttpClientError) => {
  const cause = "cause" in error.reason ? error.reason.cause : undefined
  const system = systemError(cause)
  const what = system.message ?? error.reason.description ?? error.reason._tag
  const detail = `${target(config, endpoint)}: ${what}` +
    (system.code === undefined || what.includes(system.code) ? "" : ` (${system.code})`)
  return fail(
    endpoint,
    new Transport({ detail, ...(system.code === undefined ? {} : { systemCode: system.code }) }),
    cause === undefined ? {} : { cause }
  )
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

/** The reason for an HTTP error status. */
export const reasonForStatus = (status: number, retryAfter: Duration.Duration | undefined): IikoErrorReason => {
  switch (status) {
    case 401:
      return new Unauthorized()
    case 403:
      return new Forbidden()
    case 404:
      return new NotFound()
    case 408:
      return new TerminalTimeout()
    case 410:
      return new Gone()
    case 429:
      return new RateLimited(retryAfter === undefined ? {} : { retryAfter })
    default:
      return status >= 500 ? new ServerError() : new BadRequest()
  }
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

/** The parsed success body of `response`, whose body is `text`, or the `IikoError` its status means. */
const classify = (
  config: Resolved,
  attempt: Attempt,
  response: HttpClientResponse.HttpClientResponse,
  text: string
): Effect.Effect<unknown, IikoError> => {
  const { endpoint } = attempt
  attempt.span?.attribute("http.response.status_code", response.status)
  if (response.status >= 200 && response.status < 300) {
    const json = parseJson(text)
    return json === ParseFailure
      ? fail(endpoint, new InvalidResponse({ issue: "the body is not valid JSON" }), { status: response.status })
      : Effect.succeed(json)
  }
  return Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const retryAfter = parseRetryAfter(response.headers["retry-after"], now)
    const clean = scrub(text, secretValues(config, attempt.token))
    const json = parseJson(clean)
    return fail(
      endpoint,
      reasonForStatus(response.status, retryAfter),
      errorDetails(response.status, json === ParseFailure ? undefined : json, clean)
    )
  })
}

/** The clock every fiber has unless a test (TestClock) or the user provides another. */
const defaultClock = Effect.runSync(Clock.clockWith(Effect.succeed))

/**
 * `Effect.timeoutOrElse` without its second fiber. `timeoutOrElse` races `effect` against a
 * forked `sleep`, so every call forks two fibers, interrupts the sleeping one and resumes through
 * both; over a real socket each of those hops is an extra scheduler turn. With the default clock
 * this runs `effect` in one fiber of its own (started at once, from inside the callback the
 * caller waits in, so an interruption of the caller always reaches it) and uses a plain timer;
 * under any other clock (TestClock) it is `timeoutOrElse` itself. Either way `effect` is
 * interrupted when the time is up.
 *
 * @internal
 */
export const timeoutOrElse = <A, E, A2, E2>(
  effect: Effect.Effect<A, E>,
  duration: Duration.Duration,
  orElse: () => Effect.Effect<A2, E2>,
  options?: {
    /** Services `effect` runs with, on top of the caller's (whose own context stays as it is). */
    readonly settings?: Context.Context<never> | undefined
  }
): Effect.Effect<A | A2, E | E2> =>
  Effect.withFiber((parent) => {
    const settings = options?.settings
    const millis = Duration.toMillis(duration)
    if (parent.getRef(Clock.Clock) !== defaultClock || !Number.isFinite(millis) || millis > 2 ** 31 - 1) {
      const raced = Effect.timeoutOrElse(effect, { duration, orElse })
      return settings === undefined ? raced : Effect.updateContext(raced, (context) => Context.merge(context, settings))
    }
    // The request's fiber gets the settings in its own context: the caller's stays as it is.
    const context = settings === undefined ? parent.context : Context.merge(parent.context, settings)
    return Effect.callback<A | A2, E | E2>((resume) => {
      const fiber = Effect.runForkWith(context)(effect)
      const done = fiber.pollUnsafe()
      if (done !== undefined) return resume(done)
      const timer = setTimeout(() => {
        remove()
        resume(Effect.andThen(Fiber.interrupt(fiber), orElse()))
      }, millis)
      const remove = fiber.addObserver((exit) => {
        clearTimeout(timer)
        resume(exit)
      })
      return Effect.suspend(() => {
        clearTimeout(timer)
        remove()
        return Fiber.interrupt(fiber)
      })
    })
  })

/** A request to iiko carries no `traceparent`: the trace stays on this side. */
const privateTrace = Context.make(HttpClient.TracerPropagationEnabled, false)

/** The same, and no `http.client` span of effect's either: the call's own span has its attributes. */
const untracedRequest = Context.add(privateTrace, HttpClient.TracerDisabledWhen, () => true)

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
  const exchange = Effect.catch(
    Effect.flatMap(
      http.execute(buildRequest(config, attempt)),
      (response) => Effect.flatMap(response.text, (text) => classify(config, attempt, response, text))
    ),
    (error) => error._tag === "HttpClientError" ? transportFailure(config, endpoint, error) : Effect.fail(error)
  )
  return timeoutOrElse(
    exchange,
    httpTimeout,
    () =>
      fail(
        endpoint,
        new Transport({ detail: `${target(config, endpoint)}: no response within ${Duration.format(httpTimeout)}` })
      ),
    { settings: config.httpSpans ? privateTrace : untracedRequest }
  )
}

const retryAfterOf = (error: IikoError): Duration.Duration | undefined =>
  error.reason._tag === "RateLimited" ? error.reason.retryAfter : undefined

/**
 * The retry policy around `schedule` (which decides the pauses): at most `maxRetries` retries,
 * only of retryable failures, never shorter than `Retry-After`, and none at all when
 * `Retry-After` exceeds `maxRetryAfter`.
 *
 * @internal
 */
export const retryPolicy = (
  config: Resolved,
  endpoint: Endpoint,
  schedule: Schedule.Schedule<unknown, IikoError>,
  maxRetries: number
): Schedule.Schedule<unknown, IikoError> =>
  schedule.pipe(
    Schedule.while(({ attempt, input }) => {
      if (attempt > maxRetries || !input.isRetryable) return false
      const retryAfter = retryAfterOf(input)
      return retryAfter === undefined || !Duration.isGreaterThan(retryAfter, config.maxRetryAfter)
    }),
    Schedule.modifyDelay(({ attempt, duration, input }) => {
      const retryAfter = retryAfterOf(input)
      const delay = retryAfter === undefined ? duration : Duration.max(Duration.fromInputUnsafe(duration), retryAfter)
      return Effect.logDebug(
        `iiko ${endpoint.name}: ${input.reason._tag}, retry ${attempt} in ${Duration.format(delay)}`
      ).pipe(Effect.as(delay))
    })
  )

/**
 * Repeats `effect` after transient failures according to `policy`. Only operations without side
 * effects are ever repeated: for a write, a timeout, reset or 5xx may come after iiko applied
 * it, so a write runs exactly once.
 *
 * @internal
 */
export const withRetries = <A>(
  endpoint: Endpoint,
  policy: Schedule.Schedule<unknown, IikoError> | undefined,
  effect: Effect.Effect<A, IikoError>
): Effect.Effect<A, IikoError> => {
  if (policy === undefined || !isIdempotent(endpoint)) return effect
  return Effect.catch(effect, (first) => retryAfter(first, policy, effect))
}

/**
 * What follows the first failure `first` of `effect`: the retries `policy` allows, or `first`.
 * The schedule is stepped only after a failure: a call that succeeds at once pays for one
 * handler, not for a schedule. `first` is replayed into `Effect.retry` as its first outcome, so
 * the policy sees exactly the sequence of failures it would see around `effect`.
 */
const retryAfter = <A>(
  first: IikoError,
  policy: Schedule.Schedule<unknown, IikoError>,
  effect: Effect.Effect<A, IikoError>
): Effect.Effect<A, IikoError> => {
  if (!first.isRetryable) return Effect.fail(first)
  let replay: IikoError | undefined = first
  const attempt = Effect.suspend(() => {
    if (replay === undefined) return effect
    const error = replay
    replay = undefined
    return Effect.fail(error)
  })
  return Effect.retry(attempt, policy)
}

/**
 * Where the token comes from; `IikoAuth`'s service has this shape.
 *
 * @internal
 */
export interface TokenSource {
  readonly token: Effect.Effect<Redacted.Redacted<string>, IikoError>
  readonly invalidate: (rejected: Redacted.Redacted<string>) => Effect.Effect<void>
  readonly canRefresh: boolean
}

/** Span attributes naming the organization(s) a call is about; never a credential. */
const organizationAttributes = (body: unknown): Record<string, string> => {
  if (typeof body !== "object" || body === null) return {}
  const { organizationId, organizationIds } = body as { organizationId?: unknown; organizationIds?: unknown }
  if (typeof organizationId === "string") return { "iiko.organization_id": organizationId }
  if (Array.isArray(organizationIds)) return { "iiko.organization_id": organizationIds.join(",") }
  return {}
}

const annotateCorrelation = (span: Tracer.Span, correlationId: unknown): void => {
  if (typeof correlationId === "string") span.attribute("iiko.correlation_id", correlationId)
}

/**
 * One client span per call around `run`, decoding included, so an `InvalidResponse` is recorded on
 * it too. It carries the HTTP attributes of the call (`url` is {@link publicUrl}); the status code
 * is added per attempt. `run` gets the span to annotate it directly.
 */
const traced = <A>(
  endpoint: Endpoint,
  url: string,
  body: unknown,
  run: (span: Tracer.Span) => Effect.Effect<A, IikoError>
) =>
  Effect.useSpan(
    `iiko.${endpoint.name}`,
    {
      kind: "client",
      attributes: {
        "iiko.operation": endpoint.name,
        "iiko.side_effect": endpoint.sideEffect,
        "http.request.method": endpoint.method,
        "url.full": url,
        ...organizationAttributes(body)
      }
    },
    (span) => Effect.withParentSpan(run(span), span, { captureStackTrace: false })
  )

/**
 * The request path, built once per client.
 *
 * @internal
 */
export interface Pipeline {
  /** Runs one operation and decodes its response. */
  readonly execute: <Response extends WireSchema>(
    endpoint: Endpoint<WireSchema, Response>,
    body: unknown,
    options: CallOptions | undefined
  ) => Effect.Effect<Response["Type"], IikoError>
  /** Runs one operation and returns the JSON body undecoded. */
  readonly executeRaw: (
    endpoint: Endpoint,
    body: unknown,
    options: CallOptions | undefined
  ) => Effect.Effect<unknown, IikoError>
}

/**
 * Builds the request path over `http`. `tokens` is absent for the token call itself; every
 * attempt runs within `limits` (iiko's rate limits, see `IikoLimits`).
 *
 * @internal
 */
export const make = (
  http: HttpClient.HttpClient,
  config: Resolved,
  tokens: TokenSource | undefined,
  limits: IikoLimits.Service
): Pipeline => {
  /** The span's `url.full` of an endpoint. */
  const urlOf = memoize((endpoint: Endpoint) => publicUrl(config, endpoint))

  /** The configured retry policy of an endpoint. */
  const defaultPolicy = memoize((endpoint: Endpoint) =>
    retryPolicy(config, endpoint, config.retrySchedule, config.maxRetries)
  )

  /** The retry policy of one call; the configured one is built once per endpoint. */
  const policyFor = (endpoint: Endpoint, options: CallOptions | undefined) => {
    const maxRetries = options?.maxRetries ?? config.maxRetries
    if (maxRetries <= 0) return undefined
    if (options?.maxRetries === undefined && options?.retrySchedule === undefined) return defaultPolicy(endpoint)
    return retryPolicy(config, endpoint, options?.retrySchedule ?? config.retrySchedule, maxRetries)
  }

  /**
   * Sends `json` with the token, retrying what is safe to retry; after a 401, forgets the token,
   * fetches a fresh one and replays once. On success this is one attempt behind one handler.
   */
  const authenticated = (endpoint: Endpoint, json: unknown, options: CallOptions | undefined, span: Tracer.Span) => {
    const timeout = options?.timeout === undefined ? config.timeout : Duration.fromInputUnsafe(options.timeout)
    const httpTimeout = options?.httpTimeout === undefined ? undefined : Duration.fromInputUnsafe(options.httpTimeout)
    const policy = isIdempotent(endpoint) ? policyFor(endpoint, options) : undefined
    const attempt = (token: Redacted.Redacted<string> | undefined) =>
      limits.guard(endpoint, send(http, config, { endpoint, json, token, timeout, httpTimeout, span }))
    const run = (token: Redacted.Redacted<string> | undefined) => withRetries(endpoint, policy, attempt(token))
    if (tokens === undefined || !endpoint.authenticated) return run(undefined)
    const replay = (token: Redacted.Redacted<string>) =>
      tokens.invalidate(token).pipe(Effect.andThen(tokens.token), Effect.flatMap(run))
    return Effect.flatMap(tokens.token, (token) => {
      const first = attempt(token)
      return Effect.catch(first, (error) => {
        const failed = policy === undefined ? Effect.fail(error) : retryAfter(error, policy, first)
        return tokens.canRefresh ? Effect.catchReason(failed, "IikoError", "Unauthorized", () => replay(token)) : failed
      })
    })
  }

  /** Encodes `body`, runs the exchange and hands the JSON body to `onSuccess`, all in the call's span. */
  const call = <A>(
    endpoint: Endpoint,
    body: unknown,
    options: CallOptions | undefined,
    onSuccess: (json: unknown) => Effect.Effect<A, IikoError>
  ) =>
    traced(endpoint, urlOf(endpoint), body, (span) => {
      const encoded = encodeRequest(endpoint, body)
      if (Result.isFailure(encoded)) return Effect.fail(encoded.failure)
      return Effect.matchEffect(authenticated(endpoint, encoded.success, options, span), {
        onFailure: (error) => {
          annotateCorrelation(span, error.correlationId)
          return Effect.fail(error)
        },
        onSuccess: (json) => {
          if (isRecord(json)) annotateCorrelation(span, json["correlationId"])
          return onSuccess(json)
        }
      })
    })

  return {
    execute: (endpoint, body, options) => call(endpoint, body, options, (json) => decodeResponse(endpoint, json)),
    executeRaw: (endpoint, body, options) => call(endpoint, body, options, Effect.succeed)
  }
}
