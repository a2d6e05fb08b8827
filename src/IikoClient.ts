/**
 * The request pipeline every iiko operation goes through: validate and encode the body, attach
 * the token and `Timeout`, classify the response, decode it, retry what is safe to retry, and
 * trace the call. Endpoint functions (`Iiko.organizations`, …) are thin wrappers over
 * {@link Service.execute}.
 *
 * @since 0.1.0
 */
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Schedule from "effect/Schedule"
import * as HttpClient from "effect/http/HttpClient"
import type { Endpoint } from "./Endpoint.ts"
import * as IikoAuth from "./IikoAuth.ts"
import * as IikoConfig from "./IikoConfig.ts"
import type { IikoError } from "./IikoError.ts"
import * as IikoLimits from "./IikoLimits.ts"
import * as Pipeline from "./internal/pipeline.ts"

/**
 * Per-call overrides.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  /** The server-side `Timeout` for this call (the HTTP timeout follows it). */
  readonly timeout?: Duration.Input | undefined
  /** How long to wait for the response in this call; by default `timeout` plus `httpTimeoutMargin`. */
  readonly httpTimeout?: Duration.Input | undefined
  /** Retries after transient failures for this call; only reads are ever retried. */
  readonly maxRetries?: number | undefined
  /** The pauses between retries for this call (see `IikoConfig.Options.retrySchedule`). */
  readonly retrySchedule?: Schedule.Schedule<unknown, IikoError> | undefined
}

/**
 * Per-call overrides that also ask for the undecoded JSON body.
 *
 * @since 0.1.0
 * @category models
 */
export interface RawCallOptions extends CallOptions {
  /** Return the JSON exactly as iiko sent it, without decoding (unknown fields kept). */
  readonly raw: true
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Runs one operation and decodes its response. */
  readonly execute: <Request extends Endpoint["request"], Response extends Endpoint["response"]>(
    endpoint: Endpoint<Request, Response>,
    body: Request["Type"],
    options?: CallOptions
  ) => Effect.Effect<Response["Type"], IikoError>
  /** Runs one operation and returns the JSON body without decoding it. */
  readonly executeRaw: (endpoint: Endpoint, body: unknown, options?: CallOptions) => Effect.Effect<unknown, IikoError>
}

/**
 * @since 0.1.0
 * @category services
 */
export class IikoClient extends Context.Service<IikoClient, Service>()("effect-iiko/IikoClient") {}

/**
 * Builds the service from `IikoConfig`, `IikoAuth` and an `HttpClient`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, IikoConfig.IikoConfig | IikoAuth.IikoAuth | HttpClient.HttpClient> =
  Effect.gen(function*() {
    const pipeline = Pipeline.make(
      yield* HttpClient.HttpClient,
      yield* IikoConfig.IikoConfig,
      yield* IikoAuth.IikoAuth,
      yield* IikoLimits.current
    )
    return IikoClient.of({ execute: pipeline.execute, executeRaw: pipeline.executeRaw })
  })

/**
 * The client alone, from services provided elsewhere (for a custom `IikoAuth`, say). Calls are
 * limited only if an `IikoLimits` layer is provided too.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWithoutDependencies: Layer.Layer<
  IikoClient,
  never,
  IikoConfig.IikoConfig | IikoAuth.IikoAuth | HttpClient.HttpClient
> = Layer.effect(IikoClient, make)

/**
 * The client with its token service, its rate limits (`IikoLimits`, in memory; tune or switch
 * them off with `options.limits`) and configuration, from explicit options. The application
 * chooses the transport by providing an `HttpClient` (`FetchHttpClient.layer`,
 * `NodeHttpClient.layerNodeHttp`, the emulator, a test double).
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Iiko, IikoClient, IikoConfig } from "effect-iiko"
 *
 * const IikoLive = IikoClient.layer({ credentials: IikoConfig.v1("my-api-login") }).pipe(
 *   Layer.provide(FetchHttpClient.layer)
 * )
 * const program = Iiko.organizations({}).pipe(Effect.provide(IikoLive))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: IikoConfig.Options
): Layer.Layer<IikoClient | IikoAuth.IikoAuth | IikoConfig.IikoConfig, never, HttpClient.HttpClient> =>
  withDependencies(IikoConfig.layer(options))

/**
 * Like {@link layer}, with the configuration read from `IIKO_*` variables through effect's
 * `Config` (see `IikoConfig.layerConfig`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  overrides?: Omit<IikoConfig.Options, "credentials"> | undefined
): Layer.Layer<
  IikoClient | IikoAuth.IikoAuth | IikoConfig.IikoConfig,
  Config.ConfigError,
  HttpClient.HttpClient
> => withDependencies(IikoConfig.layerConfig(overrides))

/**
 * Like {@link layer}, from a configuration layer and a limits layer of your choice: for example
 * `IikoLimits.layerStore` over effect's Redis stores, so several processes share one budget.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { CircuitBreaker, RateLimiter } from "effect/persistence"
 * import { IikoClient, IikoConfig, IikoLimits } from "effect-iiko"
 *
 * const SharedLimits = IikoLimits.layerStore.pipe(
 *   Layer.provide([RateLimiter.layerStoreRedis(), CircuitBreaker.layerStoreRedis()])
 * )
 * const IikoLive = IikoClient.layerWith(IikoConfig.layerConfig(), SharedLimits)
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layerWith = <E, E2, R2>(
  config: Layer.Layer<IikoConfig.IikoConfig, E>,
  limits: Layer.Layer<IikoLimits.IikoLimits, E2, R2 | IikoConfig.IikoConfig>
): Layer.Layer<
  IikoClient | IikoAuth.IikoAuth | IikoConfig.IikoConfig,
  E | E2,
  HttpClient.HttpClient | Exclude<R2, IikoConfig.IikoConfig>
> =>
  layerWithoutDependencies.pipe(
    Layer.provideMerge(IikoAuth.layer),
    Layer.provide(limits),
    Layer.provideMerge(config)
  )

const withDependencies = <E>(config: Layer.Layer<IikoConfig.IikoConfig, E>) => layerWith(config, IikoLimits.layer)

// =============================================================================
// Endpoint functions
// =============================================================================

type BodyArguments<Request, Options> = {} extends Request ? [body?: Request, options?: Options]
  : [body: Request, options?: Options]

/**
 * An endpoint function: call it with the request body (omittable when every field is optional)
 * and optional {@link CallOptions}; pass `{ raw: true }` to get the undecoded JSON.
 *
 * One call signature (the `raw` choice is a type parameter rather than an overload), so an
 * editor's hover at a call site shows the operation's own documentation.
 *
 * @since 0.1.0
 * @category models
 */
export interface Operation<E extends Endpoint> {
  <const Options extends CallOptions | RawCallOptions = CallOptions>(
    ...args: BodyArguments<E["request"]["Type"], Options>
  ): Effect.Effect<Options extends RawCallOptions ? unknown : E["response"]["Type"], IikoError, IikoClient>
  /** The descriptor this function runs. */
  readonly endpoint: E
}

/**
 * Turns a descriptor into its endpoint function. Generated code calls this once per operation.
 *
 * @since 0.1.0
 * @category constructors
 */
export const operation = <E extends Endpoint>(endpoint: E): Operation<E> => {
  const call = (body?: unknown, options?: CallOptions & { readonly raw?: boolean }) =>
    IikoClient.use((client) =>
      options?.raw === true ? client.executeRaw(endpoint, body, options) : client.execute(endpoint, body, options)
    )
  return Object.assign(call, { endpoint }) as unknown as Operation<E>
}
