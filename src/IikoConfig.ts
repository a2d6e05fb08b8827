/**
 * Everything the client needs to know before its first call: where iiko is, who we are, and how
 * patient and persistent to be. Secrets are `Redacted` from the moment they are read.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type { IikoError } from "./IikoError.ts"
import type * as IikoLimits from "./IikoLimits.ts"

/**
 * The Russian iiko Cloud, the default.
 *
 * @since 0.1.0
 * @category constants
 */
export const RU_BASE_URL = "https://api-ru.iiko.services"

/**
 * The European iiko Cloud.
 *
 * @since 0.1.0
 * @category constants
 */
export const EU_BASE_URL = "https://api-eu.iiko.services"

/**
 * How the client obtains its bearer token.
 *
 * - `V2`: an application (`appId`, `clientSecret`) plus an iikoWeb API key (`POST /api/v2/access_token`).
 * - `V1`: the deprecated `apiLogin` (`POST /api/1/access_token`).
 * - `Token`: a token obtained elsewhere, used as is and never refreshed.
 *
 * @since 0.1.0
 * @category models
 */
export type Credentials =
  | {
    readonly _tag: "V2"
    readonly appId: Redacted.Redacted<string>
    readonly clientSecret: Redacted.Redacted<string>
    readonly apiKey: Redacted.Redacted<string>
  }
  | { readonly _tag: "V1"; readonly apiLogin: Redacted.Redacted<string> }
  | { readonly _tag: "Token"; readonly token: Redacted.Redacted<string> }

const secret = (value: string | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.isRedacted(value) ? value : Redacted.make(value)

/**
 * v2 application credentials.
 *
 * @since 0.1.0
 * @category constructors
 */
export const v2 = (options: {
  readonly appId: string | Redacted.Redacted<string>
  readonly clientSecret: string | Redacted.Redacted<string>
  readonly apiKey: string | Redacted.Redacted<string>
}): Credentials => ({
  _tag: "V2",
  appId: secret(options.appId),
  clientSecret: secret(options.clientSecret),
  apiKey: secret(options.apiKey)
})

/**
 * v1 `apiLogin` credentials (deprecated by iiko; prefer {@link v2}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const v1 = (apiLogin: string | Redacted.Redacted<string>): Credentials => ({
  _tag: "V1",
  apiLogin: secret(apiLogin)
})

/**
 * A ready token. The client sends it until iiko rejects it and never logs in itself.
 *
 * @since 0.1.0
 * @category constructors
 */
export const token = (value: string | Redacted.Redacted<string>): Credentials => ({
  _tag: "Token",
  token: secret(value)
})

/**
 * Options accepted by {@link make} and {@link layer}. Only `credentials` is required.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly credentials: Credentials
  /** Defaults to {@link RU_BASE_URL}. */
  readonly baseUrl?: string | undefined
  /** The server-side `Timeout` header: how long iiko waits for the terminal. Default 15 seconds. */
  readonly timeout?: Duration.Input | undefined
  /** Added to `timeout` to get the HTTP timeout, so the client never gives up before iiko does. Default 5 seconds. */
  readonly httpTimeoutMargin?: Duration.Input | undefined
  /** Retries of a read after a transient failure. Default 3; 0 disables. */
  readonly maxRetries?: number | undefined
  /** First backoff delay, doubled on every retry and jittered. Default 500 ms. */
  readonly retryBaseDelay?: Duration.Input | undefined
  /** The longest backoff delay. Default 10 seconds. */
  readonly retryMaxDelay?: Duration.Input | undefined
  /**
   * The pauses between retries of a read, replacing the default backoff (exponential from
   * `retryBaseDelay`, doubling, jittered, capped at `retryMaxDelay`). Whatever the schedule, a
   * write is never retried, retries stop after `maxRetries` or when the schedule stops, and a
   * `Retry-After` from iiko is the shortest pause.
   *
   * @example
   * ```ts
   * import { Schedule } from "effect"
   * import { IikoConfig } from "effect-iiko"
   *
   * const ConfigLive = IikoConfig.layer({
   *   credentials: IikoConfig.v1("my-api-login"),
   *   retrySchedule: Schedule.spaced("2 seconds"),
   *   maxRetries: 5
   * })
   * ```
   */
  readonly retrySchedule?: Schedule.Schedule<unknown, IikoError> | undefined
  /** A `Retry-After` longer than this is not waited for: the call fails instead. Default 60 seconds. */
  readonly maxRetryAfter?: Duration.Input | undefined
  /** Log in again this long before the token's `exp`. Default 60 seconds. */
  readonly refreshAhead?: Duration.Input | undefined
  /**
   * Client-side rate limits per restriction group (see `IikoLimits`): on by default with iiko's
   * published limits and conservative defaults; `false` switches them off.
   */
  readonly limits?: IikoLimits.Options | false | undefined
  /**
   * Whether every HTTP attempt also gets effect's own `http.client` span, under the call's
   * `iiko.<operation>` span. Default `false`: the call's span is itself a client span that
   * carries the HTTP attributes (`http.request.method`, `url.full`, `http.response.status_code`),
   * so a second span per call would double what a tracing backend stores, for the same timing.
   * Turn it on to see each retry as a span of its own.
   */
  readonly httpSpans?: boolean | undefined
}

/**
 * The resolved configuration, every default filled in.
 *
 * @since 0.1.0
 * @category models
 */
export interface Resolved {
  readonly credentials: Credentials
  readonly baseUrl: string
  readonly timeout: Duration.Duration
  readonly httpTimeoutMargin: Duration.Duration
  readonly maxRetries: number
  readonly retryBaseDelay: Duration.Duration
  readonly retryMaxDelay: Duration.Duration
  readonly retrySchedule: Schedule.Schedule<unknown, IikoError>
  readonly maxRetryAfter: Duration.Duration
  readonly refreshAhead: Duration.Duration
  readonly limits: IikoLimits.Options | false
  readonly httpSpans: boolean
}

/**
 * The configuration service read by `IikoAuth` and `IikoClient`.
 *
 * @since 0.1.0
 * @category services
 */
export class IikoConfig extends Context.Service<IikoConfig, Resolved>()("effect-iiko/IikoConfig") {}

const duration = (input: Duration.Input | undefined, fallback: Duration.Input): Duration.Duration =>
  Duration.fromInputUnsafe(input ?? fallback)

/** Exponential from `baseDelay`, doubling, jittered (×0.8–1.2), capped at `maxDelay`. */
const defaultRetrySchedule = (baseDelay: Duration.Duration, maxDelay: Duration.Duration) =>
  Schedule.exponential(baseDelay, 2).pipe(
    Schedule.jittered,
    Schedule.modifyDelay(({ duration }) => Effect.succeed(Duration.min(duration, maxDelay)))
  )

/**
 * Why `url` cannot be the base URL (an absolute `http(s)` URL without query or fragment), or
 * `undefined` when it can.
 */
const baseUrlProblem = (url: string): string | undefined => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `${JSON.stringify(url)} is not an absolute URL (expected e.g. ${RU_BASE_URL})`
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return `${JSON.stringify(url)} is not an http(s) URL (expected e.g. ${RU_BASE_URL})`
  }
  if (parsed.search !== "" || parsed.hash !== "") return `${JSON.stringify(url)} has a query or fragment`
  return undefined
}

/**
 * Fills in the defaults. Throws when `baseUrl` is not an absolute `http(s)` URL: a URL written
 * in code is a programming error, while one read by {@link layerConfig} is a `ConfigError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Resolved => {
  const retryBaseDelay = duration(options.retryBaseDelay, "500 millis")
  const retryMaxDelay = duration(options.retryMaxDelay, "10 seconds")
  const baseUrl = options.baseUrl ?? RU_BASE_URL
  const problem = baseUrlProblem(baseUrl)
  if (problem !== undefined) throw new Error(`IikoConfig: baseUrl ${problem}`)
  return {
    credentials: options.credentials,
    baseUrl: baseUrl.replace(/\/+$/, ""),
    timeout: duration(options.timeout, "15 seconds"),
    httpTimeoutMargin: duration(options.httpTimeoutMargin, "5 seconds"),
    maxRetries: Math.max(0, Math.floor(options.maxRetries ?? 3)),
    retryBaseDelay,
    retryMaxDelay,
    retrySchedule: options.retrySchedule ?? defaultRetrySchedule(retryBaseDelay, retryMaxDelay),
    maxRetryAfter: duration(options.maxRetryAfter, "60 seconds"),
    refreshAhead: duration(options.refreshAhead, "60 seconds"),
    limits: options.limits ?? {},
    httpSpans: options.httpSpans ?? false
  }
}

/**
 * A layer from explicit options.
 *
 * @example
 * ```ts
 * import { IikoConfig } from "effect-iiko"
 *
 * const ConfigLive = IikoConfig.layer({
 *   baseUrl: IikoConfig.EU_BASE_URL,
 *   credentials: IikoConfig.v1("my-api-login"),
 *   timeout: "30 seconds"
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<IikoConfig> => Layer.sync(IikoConfig, () => make(options))

const variables = {
  baseUrl: "IIKO_BASE_URL",
  appId: "IIKO_APP_ID",
  clientSecret: "IIKO_CLIENT_SECRET",
  apiKey: "IIKO_API_KEY",
  apiLogin: "IIKO_API_LOGIN",
  timeout: "IIKO_TIMEOUT_SECONDS",
  maxRetries: "IIKO_MAX_RETRIES"
} as const

const optionalSecret = (name: string) => Config.option(Config.Redacted(name))

const configFailure = (message: string) => Config.fail(new ConfigProvider.SourceError({ message }))

const credentialsFromEnvironment: Config.Config<Credentials> = Config.all({
  appId: optionalSecret(variables.appId),
  clientSecret: optionalSecret(variables.clientSecret),
  apiKey: optionalSecret(variables.apiKey),
  apiLogin: optionalSecret(variables.apiLogin)
}).pipe(Config.flatMap(({ apiKey, apiLogin, appId, clientSecret }) => {
  const v2Parts = [appId, clientSecret, apiKey]
  const v2Given = v2Parts.filter(Option.isSome).length
  if (v2Given > 0 && Option.isSome(apiLogin)) {
    return configFailure(
      `Contradictory iiko credentials: set either ${variables.apiLogin} (v1) or ${variables.appId}, ` +
        `${variables.clientSecret} and ${variables.apiKey} (v2), not both`
    )
  }
  if (Option.isSome(appId) && Option.isSome(clientSecret) && Option.isSome(apiKey)) {
    return Config.succeed(v2({ appId: appId.value, clientSecret: clientSecret.value, apiKey: apiKey.value }))
  }
  if (v2Given > 0) {
    const missing = [
      Option.isNone(appId) ? variables.appId : undefined,
      Option.isNone(clientSecret) ? variables.clientSecret : undefined,
      Option.isNone(apiKey) ? variables.apiKey : undefined
    ].filter((name) => name !== undefined)
    return configFailure(`Incomplete iiko v2 credentials: also set ${missing.join(", ")}`)
  }
  if (Option.isSome(apiLogin)) return Config.succeed(v1(apiLogin.value))
  return configFailure(
    `Missing iiko credentials: set ${variables.appId}, ${variables.clientSecret} and ${variables.apiKey} (v2), ` +
      `or ${variables.apiLogin} (v1)`
  )
}))

const baseUrlFromEnvironment: Config.Config<string> = Config.String(variables.baseUrl).pipe(
  Config.withDefault(RU_BASE_URL),
  Config.flatMap((url) => {
    const problem = baseUrlProblem(url)
    return problem === undefined ? Config.succeed(url) : configFailure(`${variables.baseUrl}: ${problem}`)
  })
)

/**
 * Reads the configuration through effect's `Config` (by default the environment):
 *
 * | variable | meaning |
 * |---|---|
 * | `IIKO_BASE_URL` | base URL, default {@link RU_BASE_URL} |
 * | `IIKO_APP_ID`, `IIKO_CLIENT_SECRET`, `IIKO_API_KEY` | v2 credentials |
 * | `IIKO_API_LOGIN` | v1 credentials (instead of v2) |
 * | `IIKO_TIMEOUT_SECONDS` | server `Timeout`, default 15 |
 * | `IIKO_MAX_RETRIES` | retries of a read after a transient failure, default 3 (0: fail fast, for scripts) |
 *
 * Missing or contradictory credentials, and a base URL that is not an absolute `http(s)` URL,
 * fail with a `ConfigError` naming the variables to set.
 * `overrides` are applied on top (for example a retry schedule, which has no variable).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  overrides?: Omit<Options, "credentials"> | undefined
): Layer.Layer<IikoConfig, Config.ConfigError> =>
  Layer.effect(
    IikoConfig,
    Effect.gen(function*() {
      const credentials = yield* credentialsFromEnvironment
      const baseUrl = yield* baseUrlFromEnvironment
      const timeoutSeconds = yield* Config.Int(variables.timeout).pipe(Config.withDefault(15))
      const maxRetries = yield* Config.option(Config.Int(variables.maxRetries))
      return make({
        baseUrl,
        timeout: Duration.seconds(timeoutSeconds),
        ...Option.match(maxRetries, { onNone: () => ({}), onSome: (n) => ({ maxRetries: n }) }),
        ...overrides,
        credentials
      })
    })
  )
