/**
 * iiko's rate limits, enforced on the client side before a request leaves. Every attempt of every
 * operation (the token call included) passes through {@link Service.guard}, which:
 *
 * - waits for a token of the operation's budget: effect's `RateLimiter` (token bucket) keyed by a
 *   non-reversible id of the credential plus the operation's restriction group, so one budget is
 *   shared by every caller of the group (and by every process when the store is Redis);
 * - holds an in-flight slot where iiko publishes a concurrency limit (loyalty);
 * - slows the whole group after a 429, with or without `Retry-After` (the limiter's adaptive
 *   feedback), not just the caller that got it;
 * - fails fast with an `IikoError` whose reason is `CircuitOpen` once a group's `CircuitBreaker`
 *   has seen repeated 429s, or once the login has failed repeatedly (wrong, "blocked" or
 *   "inactive" credentials): a sync never hammers iiko into blocking the API login.
 *
 * On by default in `IikoClient.layer`/`layerConfig` with {@link builtInOperations} and
 * {@link defaultLimit}; tune it with `IikoConfig.Options.limits`, switch it off with
 * `limits: false`, or bring your own stores with {@link layerStore} (for example the Redis stores
 * of `effect/persistence`, so several processes share one budget).
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as CircuitBreaker from "effect/persistence/CircuitBreaker"
import * as RateLimiter from "effect/persistence/RateLimiter"
import type { Endpoint } from "./Endpoint.ts"
import { type Credentials, IikoConfig } from "./IikoConfig.ts"
import { CircuitOpen, IikoError } from "./IikoError.ts"

// =============================================================================
// Models
// =============================================================================

/**
 * One budget: at most `requests` per `window` (a token bucket: a burst of `requests`, then
 * `requests` per `window` on average), and at most `inFlight` requests at once when given.
 *
 * @since 0.2.0
 * @category models
 */
export interface Limit {
  readonly requests: number
  readonly window: Duration.Input
  /** Requests in flight at once; unbounded when omitted. */
  readonly inFlight?: number | undefined
}

/**
 * How the client limits itself; every field is optional and falls back to the documented default.
 *
 * @example
 * ```ts
 * import { IikoClient, IikoConfig } from "effect-iiko"
 *
 * const IikoLive = IikoClient.layer({
 *   credentials: IikoConfig.v1("my-api-login"),
 *   limits: {
 *     groups: { "Data: menu": { requests: 2, window: "1 second" } },
 *     breakerFailures: 3
 *   }
 * })
 * ```
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Budgets per restriction group (`"Orders: receiving"`, …), replacing {@link defaultLimit} for that group. */
  readonly groups?: Readonly<Record<string, Limit>> | undefined
  /** Budgets per operation name, taking precedence over the group; merged over {@link builtInOperations}. */
  readonly operations?: Readonly<Record<string, Limit>> | undefined
  /** The budget of every group (and ungrouped operation) not listed. Default {@link defaultLimit}. */
  readonly defaultLimit?: Limit | undefined
  /** Requests in flight at once to iiko's loyalty server (`/api/1/loyalty/…`). Default 100, as published. */
  readonly loyaltyInFlight?: number | undefined
  /** Consecutive 429s in a group (or failed logins) that open its breaker. Default 5, more than one call's retries. */
  readonly breakerFailures?: number | undefined
  /** How long an open breaker fails calls fast before letting one probe through. Default 30 seconds. */
  readonly breakerOpenFor?: Duration.Input | undefined
  /** How long a 429 without `Retry-After` pauses its group. Default 10 seconds. */
  readonly pauseWithoutRetryAfter?: Duration.Input | undefined
  /** How long a "blocked" or "inactive" login answer keeps the login breaker open. Default 1 hour. */
  readonly blockedOpenFor?: Duration.Input | undefined
  /**
   * What a call does when the rate limiter's store fails (a shared Redis store is unreachable);
   * the in-memory stores of `IikoClient.layer` never fail. Default `"fail"`.
   *
   * - `"fail"`: the call is not sent and fails with reason `CircuitOpen` (its `cause` is the store
   *   error, `retryAfter` one second). Nothing reaches iiko unthrottled, so a store outage cannot
   *   get the API login blocked; calls resume when the store answers again.
   * - `"local"`: the call waits for a budget of this process alone (an in-memory limiter with the
   *   same limits) and a warning is logged. Calls keep flowing, still throttled, but several
   *   processes sharing one login may together exceed its budget until the store is back.
   * - `"allow"`: the call is sent without waiting and a warning is logged (fail open).
   */
  readonly onStoreFailure?: StoreFailurePolicy | undefined
}

/**
 * What a call does when the rate limiter's store fails; see {@link Options.onStoreFailure}.
 *
 * @since 0.2.0
 * @category models
 */
export type StoreFailurePolicy = "fail" | "local" | "allow"

/**
 * The budget of every restriction group iiko does not publish a limit for: 10 requests per second,
 * 10 in flight. iiko sets its Cloud API ceilings per group "by expert judgement" and does not
 * print them; this is well under the rates integrations report running at without 429s.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultLimit: Limit = { requests: 10, window: "1 second", inFlight: 10 }

/**
 * The limits iiko publishes for loyalty (help article "Блокировки и ограничения"), per operation;
 * the loyalty server also takes at most {@link publishedLoyaltyInFlight} requests in flight.
 *
 * | operation | limit |
 * |---|---|
 * | `loyaltyIikoCustomerInfo` (`customer/info`) | 5 req/s, 5 in flight |
 * | `loyaltyIikoCustomerCreateOrUpdate` | 10 req/s, 4 in flight |
 * | `loyaltyIikoCustomerTransactionsByDate`, `…ByRevision` | 5 req/s |
 * | `loyaltyIikoCouponsBySeries` | 1 per 30 s |
 *
 * @since 0.2.0
 * @category constants
 */
export const publishedLimits: Readonly<Record<string, Limit>> = {
  loyaltyIikoCustomerInfo: { requests: 5, window: "1 second", inFlight: 5 },
  loyaltyIikoCustomerCreateOrUpdate: { requests: 10, window: "1 second", inFlight: 4 },
  loyaltyIikoCustomerTransactionsByDate: { requests: 5, window: "1 second" },
  loyaltyIikoCustomerTransactionsByRevision: { requests: 5, window: "1 second" },
  loyaltyIikoCouponsBySeries: { requests: 1, window: "30 seconds" }
}

/**
 * Requests in flight at once to iiko's loyalty server, as published.
 *
 * @since 0.2.0
 * @category constants
 */
export const publishedLoyaltyInFlight = 100

/**
 * The budgets the client applies per operation unless configured otherwise:
 * {@link publishedLimits} plus one for the token call (10 logins per minute; the client logs in
 * about once an hour).
 *
 * @since 0.2.0
 * @category constants
 */
export const builtInOperations: Readonly<Record<string, Limit>> = {
  ...publishedLimits,
  accessToken: { requests: 10, window: "1 minute" },
  accessTokenV2: { requests: 10, window: "1 minute" }
}

/**
 * The limiter used by `IikoClient` and `IikoAuth`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /**
   * Runs one attempt of `endpoint` within its budget: waits for the rate and in-flight limits,
   * fails fast with reason `CircuitOpen` when the budget's breaker is open, and reports the
   * outcome (a 429 slows every caller of the group).
   */
  readonly guard: <A>(endpoint: Endpoint, attempt: Effect.Effect<A, IikoError>) => Effect.Effect<A, IikoError>
}

/**
 * The limiter service. `IikoClient.layer` and `layerConfig` provide {@link layer}; a client
 * built without one ({@link current} finds none) does not limit its calls.
 *
 * @since 0.2.0
 * @category services
 */
export class IikoLimits extends Context.Service<IikoLimits, Service>()("effect-iiko/IikoLimits") {}

/**
 * No limits: every attempt runs as is.
 *
 * @since 0.2.0
 * @category constructors
 */
export const unlimited: Service = { guard: (_, attempt) => attempt }

/**
 * The provided limiter, or {@link unlimited} when none is.
 *
 * @since 0.2.0
 * @category accessors
 */
export const current: Effect.Effect<Service> = Effect.map(
  Effect.serviceOption(IikoLimits),
  Option.getOrElse(() => unlimited)
)

// =============================================================================
// Metrics
// =============================================================================

/**
 * 429 answers received, by restriction group.
 *
 * @since 0.2.0
 * @category metrics
 */
export const rateLimitedTotal = Metric.counter("iiko_rate_limited_total", {
  description: "429 answers received from iiko, by restriction group",
  incremental: true
})

/**
 * Calls refused without being sent because a breaker was open, by restriction group.
 *
 * @since 0.2.0
 * @category metrics
 */
export const circuitOpenTotal = Metric.counter("iiko_circuit_open_total", {
  description: "iiko calls refused because the group's breaker was open",
  incremental: true
})

// =============================================================================
// Constructors
// =============================================================================

interface Budget {
  /** Part of the store key and the name in errors, metrics and logs. */
  readonly name: string
  readonly limit: Limit
  readonly window: Duration.Duration
}

const LOYALTY_PREFIX = "/api/1/loyalty/"

/**
 * A short, non-reversible id of the credential (SHA-256 of the login), so budgets are per API
 * login without the secret appearing in any store key.
 *
 * @since 0.2.0
 * @category constructors
 */
export const credentialId = (credentials: Credentials): Effect.Effect<string> => {
  const identity = credentials._tag === "V2"
    ? `v2:${Redacted.value(credentials.appId)}:${Redacted.value(credentials.apiKey)}`
    : credentials._tag === "V1"
    ? `v1:${Redacted.value(credentials.apiLogin)}`
    : `token:${Redacted.value(credentials.token)}`
  return Effect.promise(() => globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(identity))).pipe(
    Effect.map((digest) => Buffer.from(digest).toString("hex").slice(0, 16))
  )
}

/** Whether a failed login says the credential itself is blocked or disabled. */
const isBlockedLogin = (error: IikoError): boolean =>
  error.description !== undefined && /blocked|inactive/i.test(error.description)

/**
 * Builds the limiter over the given stores (memory or Redis), with the options from
 * `IikoConfig.limits`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: Effect.Effect<
  Service,
  never,
  IikoConfig | RateLimiter.RateLimiterStore | CircuitBreaker.CircuitBreakerStore | Scope.Scope
> = Effect.suspend(() => build(false))

/**
 * The limiter; `privateStores` says that no one else uses its stores (the in-memory stores of
 * {@link layer}). Then a group's cooldown can only come from a 429 this limiter reported, and
 * a call in a group that never had one skips the store's `adaptiveConsume`, whose answer can
 * only be "inactive". With shared stores (Redis) another process may have reported one, so
 * every call asks the store.
 */
const build = (privateStores: boolean): Effect.Effect<
  Service,
  never,
  IikoConfig | RateLimiter.RateLimiterStore | CircuitBreaker.CircuitBreakerStore | Scope.Scope
> => Effect.gen(function*() {
  const config = yield* IikoConfig
  if (config.limits === false) return unlimited
  const options = config.limits
  const limiter = yield* RateLimiter.make
  const breakerFailures = Math.max(1, Math.floor(options.breakerFailures ?? 5))
  const breaker = yield* CircuitBreaker.make({
    tripPolicy: CircuitBreaker.consecutive(breakerFailures),
    openDuration: options.breakerOpenFor ?? "30 seconds",
    maxOpenDuration: options.blockedOpenFor ?? "1 hour"
  })
  const blockedOpenFor = Duration.fromInputUnsafe(options.blockedOpenFor ?? "1 hour")
  const pauseWithoutRetryAfter = Duration.fromInputUnsafe(options.pauseWithoutRetryAfter ?? "10 seconds")
  const prefix = `effect-iiko:${yield* credentialId(config.credentials)}:`
  const operations = { ...builtInOperations, ...options.operations }
  const fallback = options.defaultLimit ?? defaultLimit
  const loyalty = Semaphore.makeUnsafe(Math.max(1, options.loyaltyInFlight ?? publishedLoyaltyInFlight))
  const inFlight = new Map<string, Semaphore.Semaphore>()

  const budgetOf = (endpoint: Endpoint): Budget => {
    const own = operations[endpoint.name]
    const group = endpoint.restrictionGroup
    const [name, limit] = own !== undefined
      ? [endpoint.name, own]
      : group !== undefined
      ? [group, options.groups?.[group] ?? fallback]
      : [endpoint.name, fallback]
    return { name, limit, window: Duration.fromInputUnsafe(limit.window) }
  }

  const slotFor = (budget: Budget): Semaphore.Semaphore | undefined => {
    if (budget.limit.inFlight === undefined) return undefined
    let semaphore = inFlight.get(budget.name)
    if (semaphore === undefined) {
      semaphore = Semaphore.makeUnsafe(Math.max(1, budget.limit.inFlight))
      inFlight.set(budget.name, semaphore)
    }
    return semaphore
  }

  const onStoreFailure: StoreFailurePolicy = options.onStoreFailure ?? "fail"
  const localLimiter = onStoreFailure === "local"
    ? yield* RateLimiter.make.pipe(Effect.provide(RateLimiter.layerStoreMemory))
    : undefined

  /**
   * Runs `use` on the shared limiter; when its store fails, applies {@link Options.onStoreFailure}:
   * refuse the call, use this process's own limiter, or go on with `allowed` (fail open).
   */
  const withStore = <A>(
    endpoint: Endpoint,
    budget: Budget,
    use: (limiter: RateLimiter.RateLimiter) => Effect.Effect<A, RateLimiter.RateLimiterError>,
    allowed: A
  ): Effect.Effect<A, IikoError> =>
    use(limiter).pipe(Effect.catch((error) => {
      switch (onStoreFailure) {
        case "fail":
          return Effect.fail(
            new IikoError({
              operation: endpoint.name,
              reason: new CircuitOpen({ group: budget.name, retryAfter: Duration.seconds(1) }),
              description: "the rate limiter store failed; the call was not sent (limits.onStoreFailure: \"fail\")",
              cause: error
            })
          )
        case "local":
          return Effect.logWarning(
            `iiko limits: rate limiter store failed (${error.message}); "${budget.name}" uses this process's own budget`
          ).pipe(Effect.andThen(use(localLimiter!)), Effect.orDie)
        case "allow":
          return Effect.logWarning(
            `iiko limits: rate limiter store failed (${error.message}); "${budget.name}" is called without waiting`
          ).pipe(Effect.as(allowed))
      }
    }))

  /** Keys this limiter has reported a 429 for: the only ones a private store can have in cooldown. */
  const reported = new Set<string>()
  const inactive: RateLimiter.AdaptiveConsumeResult = { delay: Duration.zero, epoch: 0, phase: "inactive" }

  /** Waits out a cooldown that a 429 (seen by any caller) put on the budget. */
  const adaptiveTurn = (
    endpoint: Endpoint,
    key: string,
    budget: Budget
  ): Effect.Effect<RateLimiter.AdaptiveConsumeResult, IikoError> =>
    withStore(
      endpoint,
      budget,
      (limiter) =>
        limiter.adaptiveConsume({
          key,
          tokens: 1,
          fallbackLimit: budget.limit.requests,
          fallbackWindow: budget.window
        }),
      { delay: Duration.zero, epoch: 0, phase: "inactive" as const }
    ).pipe(
      Effect.flatMap((turn) =>
        turn.phase === "cooldown" && !Duration.isZero(turn.delay)
          ? Effect.sleep(turn.delay).pipe(Effect.andThen(adaptiveTurn(endpoint, key, budget)))
          : Duration.isZero(turn.delay)
          ? Effect.succeed(turn)
          : Effect.as(Effect.sleep(turn.delay), turn)
      )
    )

  const waitForBudget = (endpoint: Endpoint, key: string, budget: Budget) =>
    withStore(
      endpoint,
      budget,
      (limiter) =>
        limiter.consume({
          algorithm: "token-bucket",
          onExceeded: "delay",
          key,
          limit: Math.max(1, budget.limit.requests),
          window: budget.window
        }).pipe(Effect.map((result) => result.delay)),
      Duration.zero
    ).pipe(Effect.flatMap((delay) => Duration.isZero(delay) ? Effect.void : Effect.sleep(delay)))

  const on429 = (
    endpoint: Endpoint,
    key: string,
    budget: Budget,
    turn: RateLimiter.AdaptiveConsumeResult,
    error: IikoError
  ) => {
    if (error.reason._tag !== "RateLimited") return Effect.void
    reported.add(key)
    const pause = error.reason.retryAfter ?? pauseWithoutRetryAfter
    return Effect.all([
      Metric.update(Metric.withAttributes(rateLimitedTotal, { group: budget.name }), 1),
      Effect.logInfo(
        `iiko ${error.operation}: 429 in "${budget.name}", every caller of the group waits ${Duration.format(pause)}`
      ),
      // The call already failed with its 429: a store failure here must not replace that error.
      withStore(
        endpoint,
        budget,
        (limiter) => limiter.adaptiveFeedback({ key, epoch: turn.epoch, tokens: 1, status: 429, retryAfter: pause }),
        undefined
      ).pipe(Effect.ignore)
    ], { discard: true })
  }

  const classify = (login: boolean) => <A>(exit: Exit.Exit<A, IikoError>): CircuitBreaker.Outcome => {
    if (Exit.isSuccess(exit)) return CircuitBreaker.success
    const error = Cause.findErrorOption(exit.cause)
    if (Option.isNone(error) || !(error.value instanceof IikoError)) return CircuitBreaker.ignored
    return classifyError(login, error.value)
  }

  const classifyError = (login: boolean, error: IikoError): CircuitBreaker.Outcome => {
    if (error.reason._tag === "RateLimited") return CircuitBreaker.failure({ retryAfter: error.reason.retryAfter })
    if (login && isBlockedLogin(error)) return CircuitBreaker.failure({ retryAfter: blockedOpenFor })
    if (login && ["Unauthorized", "Forbidden", "BadRequest"].includes(error.reason._tag)) {
      return CircuitBreaker.failure()
    }
    return CircuitBreaker.ignored
  }

  const refused = (endpoint: Endpoint, budget: Budget, error: CircuitBreaker.CircuitBreakerError) => {
    const retryAfter = error.reason._tag === "CircuitOpen" ? error.reason.retryAfter : Duration.zero
    return Metric.update(Metric.withAttributes(circuitOpenTotal, { group: budget.name }), 1).pipe(
      Effect.andThen(Effect.fail(
        new IikoError({ operation: endpoint.name, reason: new CircuitOpen({ group: budget.name, retryAfter }) })
      ))
    )
  }

  /** What `guard` needs about an endpoint, worked out on its first call. */
  interface Plan {
    readonly budget: Budget
    readonly key: string
    readonly slot: Semaphore.Semaphore | undefined
    readonly loyalty: boolean
    readonly classify: ReturnType<typeof classify>
  }
  const plans = new WeakMap<Endpoint, Plan>()
  const classifyCall = classify(false)
  const classifyLogin = classify(true)
  const planFor = (endpoint: Endpoint): Plan => {
    let plan = plans.get(endpoint)
    if (plan === undefined) {
      const budget = budgetOf(endpoint)
      const key = prefix + budget.name
      plan = {
        budget,
        key,
        slot: slotFor(budget),
        loyalty: endpoint.path.startsWith(LOYALTY_PREFIX),
        classify: endpoint.authenticated ? classifyCall : classifyLogin
      }
      plans.set(endpoint, plan)
    }
    return plan
  }

  /**
   * Keys whose breaker has been told of a failure. With private stores, a key outside this set has
   * a closed breaker with no failure counted, which a success or an ignored outcome leaves exactly
   * as it is (the trip policy counts consecutive failures): such calls skip the breaker's store.
   */
  const struck = new Set<string>()

  /**
   * The end of a call that skipped the breaker: a failure, or any outcome once the key has been
   * struck (by this call or a concurrent one), is replayed through the breaker so that its store
   * counts it as if the call had run inside it. The call's own outcome is returned either way.
   */
  const settle = <A>(plan: Plan, exit: Exit.Exit<A, IikoError>): Effect.Effect<A, IikoError> => {
    if (!struck.has(plan.key)) {
      if (plan.classify(exit)._tag !== "Failure") return exit
      struck.add(plan.key)
    }
    return breaker.execute(exit, { key: plan.key, classify: plan.classify }).pipe(Effect.ignore, Effect.andThen(exit))
  }

  const guard = <A>(endpoint: Endpoint, attempt: Effect.Effect<A, IikoError>): Effect.Effect<A, IikoError> => {
    const plan = planFor(endpoint)
    const { budget, key, slot } = plan
    const limited = slot === undefined ? attempt : slot.withPermit(attempt)
    const held = plan.loyalty ? loyalty.withPermit(limited) : limited
    return Effect.andThen(
      waitForBudget(endpoint, key, budget),
      Effect.flatMap(
        privateStores && !reported.has(key) ? Effect.succeed(inactive) : adaptiveTurn(endpoint, key, budget),
        (turn) => {
          const call = Effect.tapError(held, (error) => on429(endpoint, key, budget, turn, error))
          if (privateStores && !struck.has(key)) return Effect.flatMap(Effect.exit(call), (exit) => settle(plan, exit))
          return call.pipe(
            breaker.execute({ key, classify: plan.classify }),
            Effect.catchTag("CircuitBreakerError", (error) => refused(endpoint, budget, error))
          )
        }
      )
    )
  }

  return { guard }
})

/**
 * The limiter over stores provided by the caller, for example
 * `RateLimiter.layerStoreRedis()` and `CircuitBreaker.layerStoreRedis()` from
 * `effect/persistence`, so several processes share one budget per API login. Give it to
 * `IikoClient.layerWith` in place of the in-memory {@link layer}.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerStore: Layer.Layer<
  IikoLimits,
  never,
  IikoConfig | RateLimiter.RateLimiterStore | CircuitBreaker.CircuitBreakerStore
> = Layer.effect(IikoLimits, make)

/**
 * The limiter with in-memory stores (one budget per process), as `IikoClient.layer` uses it.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<IikoLimits, never, IikoConfig> = Layer.effect(IikoLimits, build(true)).pipe(
  Layer.provide([RateLimiter.layerStoreMemory, CircuitBreaker.layerStoreMemory()])
)

/**
 * No limits, whatever the configuration says: for applications that run their own limiter.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerUnlimited: Layer.Layer<IikoLimits> = Layer.succeed(IikoLimits, unlimited)
