/**
 * iiko's restriction groups inside the emulator: a token bucket (effect's `RateLimiter` over its
 * in-memory store, `onExceeded: "fail"`) and an in-flight count per API login and budget (an
 * operation with its own published limit, or its restriction group), and a 429 when either is
 * exceeded. Counters per budget show what a client actually sent, so tests
 * can measure a client's limiter at the server.
 *
 * @since 0.2.0
 */
import { Duration, Effect } from "effect"
import * as RateLimiter from "effect/persistence/RateLimiter"
import * as IikoLimits from "../../IikoLimits.ts"

/**
 * One budget, as the client describes it: a bucket of `requests` tokens refilled continuously
 * over `window`, and at most `inFlight` requests being answered at once.
 *
 * @since 0.2.0
 * @category models
 */
export type Limit = IikoLimits.Limit

/**
 * Which budgets the emulator enforces. Operations and groups not listed are not limited.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Budgets per restriction group name (`"Data: menu"`). */
  readonly groups?: Readonly<Record<string, Limit>> | undefined
  /** Budgets per operation name, taking precedence over the group. */
  readonly operations?: Readonly<Record<string, Limit>> | undefined
  /** Requests in flight at once per login on the loyalty server (`/api/1/loyalty/…`). */
  readonly loyaltyInFlight?: number | undefined
  /** Send `Retry-After` with a 429 (default `true`; iiko's behaviour is not documented). */
  readonly retryAfterHeader?: boolean | undefined
}

/**
 * The limits iiko publishes for loyalty, which the emulator enforces by default.
 *
 * @since 0.2.0
 * @category constants
 */
export const published: Options = {
  operations: IikoLimits.publishedLimits,
  loyaltyInFlight: IikoLimits.publishedLoyaltyInFlight
}

/**
 * What the emulator saw for one login and budget.
 *
 * @since 0.2.0
 * @category models
 */
export interface BudgetStats {
  /** The token's subject (API login), or `"-"` for calls without a token. */
  readonly login: string
  /** The operation or restriction group name. */
  readonly budget: string
  /** Requests let through. */
  readonly admitted: number
  /** Requests answered 429 for exceeding the rate. */
  readonly rejectedRate: number
  /** Requests answered 429 for exceeding the in-flight limit. */
  readonly rejectedInFlight: number
  /** The most requests of this budget being answered at once. */
  readonly peakInFlight: number
}

/**
 * The decision for one request.
 *
 * @since 0.2.0
 * @category models
 */
export type Admission =
  | { readonly _tag: "Admitted"; readonly release: () => void }
  | { readonly _tag: "Rejected"; readonly retryAfterMillis: number; readonly description: string }

/**
 * The emulator's limiter.
 *
 * @since 0.2.0
 * @category models
 */
export interface Limiter {
  /** Decides one request at the current `Clock` time (so `TestClock` drives the buckets in tests). */
  readonly admit: (
    route: { readonly name: string; readonly path: string; readonly restrictionGroup: string | undefined },
    login: string
  ) => Effect.Effect<Admission>
  readonly stats: () => ReadonlyArray<BudgetStats>
  readonly retryAfterHeader: boolean
}

interface Bucket {
  inFlight: number
  admitted: number
  rejectedRate: number
  rejectedInFlight: number
  peakInFlight: number
  readonly login: string
  readonly budget: string
}

const admitted = (release: () => void): Admission => ({ _tag: "Admitted", release })

const LOYALTY_PREFIX = "/api/1/loyalty/"

/**
 * Builds a limiter; `false` lets everything through.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: (options: Options | false) => Effect.Effect<Limiter> = Effect.fnUntraced(function*(options) {
  const config = options === false ? {} : options
  const rate = yield* RateLimiter.make.pipe(Effect.provide(RateLimiter.layerStoreMemory))
  const buckets = new Map<string, Bucket>()
  const loyaltyInFlight = new Map<string, number>()

  const budgetOf = (name: string, group: string | undefined): [string, Limit] | undefined => {
    const own = config.operations?.[name]
    if (own !== undefined) return [name, own]
    const limit = group === undefined ? undefined : config.groups?.[group]
    return limit === undefined || group === undefined ? undefined : [group, limit]
  }

  const bucketOf = (key: string, login: string, budget: string): Bucket => {
    let bucket = buckets.get(key)
    if (bucket === undefined) {
      bucket = {
        inFlight: 0,
        admitted: 0,
        rejectedRate: 0,
        rejectedInFlight: 0,
        peakInFlight: 0,
        login,
        budget
      }
      buckets.set(key, bucket)
    }
    return bucket
  }

  const enterLoyalty = (path: string, login: string): (() => void) | "full" => {
    if (config.loyaltyInFlight === undefined || !path.startsWith(LOYALTY_PREFIX)) return () => {}
    const current = loyaltyInFlight.get(login) ?? 0
    if (current >= config.loyaltyInFlight) return "full"
    loyaltyInFlight.set(login, current + 1)
    return () => loyaltyInFlight.set(login, (loyaltyInFlight.get(login) ?? 1) - 1)
  }

  /** A token of the budget's bucket, or how long until the next one; no token is taken on a rejection. */
  const takeToken = (key: string, limit: Limit): Effect.Effect<number | undefined> =>
    rate.consume({
      algorithm: "token-bucket",
      onExceeded: "fail",
      key,
      limit: Math.max(1, limit.requests),
      window: limit.window
    }).pipe(
      Effect.as(undefined),
      Effect.catch((error) =>
        error.reason._tag === "RateLimitExceeded"
          ? Effect.succeed(Math.max(1, Duration.toMillis(error.reason.retryAfter)))
          : Effect.die(error) // the in-memory store does not fail
      )
    )

  const admit: Limiter["admit"] = (route, login) =>
    Effect.gen(function*() {
      const leaveLoyalty = enterLoyalty(route.path, login)
      if (leaveLoyalty === "full") {
        return {
          _tag: "Rejected",
          retryAfterMillis: 1000,
          description: "Too many requests in flight to the loyalty server."
        } as const
      }
      const budget = budgetOf(route.name, route.restrictionGroup)
      if (budget === undefined) return admitted(leaveLoyalty)
      const [name, limit] = budget
      const key = `${login}\u0000${name}`
      const bucket = bucketOf(key, login, name)
      if (limit.inFlight !== undefined && bucket.inFlight >= limit.inFlight) {
        bucket.rejectedInFlight++
        leaveLoyalty()
        return { _tag: "Rejected", retryAfterMillis: 1000, description: `Too many requests in flight in '${name}'.` } as const
      }
      const retryAfterMillis = yield* takeToken(key, limit)
      if (retryAfterMillis !== undefined) {
        bucket.rejectedRate++
        leaveLoyalty()
        return { _tag: "Rejected", retryAfterMillis, description: `Too many requests in '${name}'.` } as const
      }
      bucket.admitted++
      bucket.inFlight++
      bucket.peakInFlight = Math.max(bucket.peakInFlight, bucket.inFlight)
      return admitted(() => {
        bucket.inFlight--
        leaveLoyalty()
      })
    })

  const stats = (): ReadonlyArray<BudgetStats> =>
    [...buckets.values()].map(({ admitted, budget, login, peakInFlight, rejectedInFlight, rejectedRate }) => ({
      login,
      budget,
      admitted,
      rejectedRate,
      rejectedInFlight,
      peakInFlight
    }))

  return { admit, stats, retryAfterHeader: config.retryAfterHeader ?? true }
})
