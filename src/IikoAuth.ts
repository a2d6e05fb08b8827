/**
 * The access token. Logs in through `/api/v2/access_token` (or the deprecated
 * `/api/1/access_token`), reads the lifetime from the JWT `exp` claim, refreshes ahead of it,
 * makes concurrent callers share one login, and never caches a failed login.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as HttpClient from "effect/http/HttpClient"
import { type Credentials, IikoConfig, type Resolved } from "./IikoConfig.ts"
import type { IikoError } from "./IikoError.ts"
import * as IikoLimits from "./IikoLimits.ts"
import { accessToken, accessTokenV2 } from "./generated/Authorization.ts"
import { jwtExpiry } from "./internal/jwt.ts"
import * as Pipeline from "./internal/pipeline.ts"

/**
 * The token service used by `IikoClient`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** A valid token: the cached one, or a fresh login shared with every concurrent caller. */
  readonly token: Effect.Effect<Redacted.Redacted<string>, IikoError>
  /**
   * Forgets `rejected` after iiko answered 401 to it, so the next `token` logs in again. A token
   * that was already replaced is ignored, so a burst of 401s causes one login, not one each.
   */
  readonly invalidate: (rejected: Redacted.Redacted<string>) => Effect.Effect<void>
  /** `false` for a ready token given in the configuration: there is nothing to refresh. */
  readonly canRefresh: boolean
}

/**
 * @since 0.1.0
 * @category services
 */
export class IikoAuth extends Context.Service<IikoAuth, Service>()("effect-iiko/IikoAuth") {}

const DEFAULT_LIFETIME = Duration.hours(1)

interface Issued {
  readonly token: Redacted.Redacted<string>
  /** How long to keep the token before logging in again. */
  readonly keepFor: Duration.Duration
}

/**
 * How long to use a token issued at `now`: until `refreshAhead` before `exp` (1 hour when the
 * token carries none), but at least half its lifetime so a short-lived token is not refetched on
 * every call.
 */
const keepFor = (config: Resolved, token: string, now: number): Duration.Duration => {
  const expiry = jwtExpiry(token)
  const lifetime = expiry === undefined ? Duration.toMillis(DEFAULT_LIFETIME) : expiry.getTime() - now
  const ahead = Duration.toMillis(config.refreshAhead)
  return Duration.millis(Math.max(lifetime / 2, lifetime - ahead, 0))
}

type Login = Exclude<Credentials, { readonly _tag: "Token" }>

const loginRequest = (credentials: Login) =>
  credentials._tag === "V2"
    ? {
      endpoint: accessTokenV2,
      body: {
        appId: Redacted.value(credentials.appId),
        clientSecret: Redacted.value(credentials.clientSecret),
        apiKey: Redacted.value(credentials.apiKey)
      }
    }
    : { endpoint: accessToken, body: { apiLogin: Redacted.value(credentials.apiLogin) } }

/** The token call, through the same request path as every operation (span, retries, decoding). */
const login = (pipeline: Pipeline.Pipeline, config: Resolved, credentials: Login) => {
  const request = loginRequest(credentials)
  return pipeline.execute(request.endpoint, request.body, undefined).pipe(
    Effect.flatMap(({ token }) =>
      Effect.map(Clock.currentTimeMillis, (now): Issued => ({
        token: Redacted.make(token),
        keepFor: keepFor(config, token, now)
      }))
    )
  )
}

/**
 * Builds the service from `IikoConfig` and an `HttpClient`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, IikoConfig | HttpClient.HttpClient> = Effect.gen(function*() {
  const config = yield* IikoConfig
  const http = yield* HttpClient.HttpClient
  if (config.credentials._tag === "Token") {
    return { token: Effect.succeed(config.credentials.token), invalidate: () => Effect.void, canRefresh: false }
  }
  const pipeline = Pipeline.make(http, config, undefined, yield* IikoLimits.current)
  const current = yield* Ref.make<Redacted.Redacted<string> | undefined>(undefined)
  const [cached, forget] = yield* Effect.cachedInvalidateWithTTL(
    login(pipeline, config, config.credentials).pipe(Effect.tap((issued) => Ref.set(current, issued.token))),
    (exit: Exit.Exit<Issued, IikoError>) => Exit.isSuccess(exit) ? exit.value.keepFor : Duration.zero
  )
  const token = Effect.map(cached, (issued) => issued.token)
  const invalidate = (rejected: Redacted.Redacted<string>) =>
    Ref.get(current).pipe(Effect.flatMap((latest) =>
      latest !== undefined && Redacted.value(latest) === Redacted.value(rejected)
        ? Ref.set(current, undefined).pipe(Effect.andThen(forget))
        : Effect.void
    ))
  return { token, invalidate, canRefresh: true }
})

/**
 * The token service; needs `IikoConfig` and an `HttpClient`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<IikoAuth, never, IikoConfig | HttpClient.HttpClient> = Layer.effect(IikoAuth, make)
