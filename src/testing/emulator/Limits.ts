/**
 * iiko's restriction groups inside the emulator: a token bucket and an in-flight count per API
 * login and budget (an operation with its own published limit, or its restriction group), and a
 * 429 when either is exceeded. Counters per budget show what a client actually sent, so tests
 * can measure a client's limiter at the server.
 *
 * @since 0.2.0
 */
import { Duration } from "effect"
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
  readonly admit: (
    route: { readonly name: string; readonly path: string; readonly restrictionGroup: string | undefined },
    login: string,
    now: number
  ) => Admission
  readonly stats: () => ReadonlyArray<BudgetStats>
  readonly retryAfterHeader: boolean
}

interface Bucket {
  tokens: number
  last: number
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
export const make = (options: Options | false): Limiter => {
  const config = options === false ? {} : options
  const buckets = new Map<string, Bucket>()
  const loyaltyInFlight = new Map<string, number>()

  const budgetOf = (name: string, group: string | undefined): [string, Limit] | undefined => {
    const own = config.operations?.[name]
    if (own !== undefined) return [name, own]
    const limit = group === undefined ? undefined : config.groups?.[group]
    return limit === undefined || group === undefined ? undefined : [group, limit]
  }

  const bucketOf = (login: string, budget: string, limit: Limit, now: number): Bucket => {
    const key = `${login}\u0000${budget}`
    let bucket = buckets.get(key)
    if (bucket === undefined) {
      bucket = {
        tokens: limit.requests,
        last: now,
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

  const admit: Limiter["admit"] = (route, login, now) => {
    const leaveLoyalty = enterLoyalty(route.path, login)
    if (leaveLoyalty === "full") {
      return { _tag: "Rejected", retryAfterMillis: 1000, description: "Too many requests in flight to the loyalty server." }
    }
    const budget = budgetOf(route.name, route.restrictionGroup)
    if (budget === undefined) return admitted(leaveLoyalty)
    const [name, limit] = budget
    const windowMillis = Duration.toMillis(Duration.fromInputUnsafe(limit.window))
    const bucket = bucketOf(login, name, limit, now)
    const perMilli = limit.requests / windowMillis
    bucket.tokens = Math.min(limit.requests, bucket.tokens + (now - bucket.last) * perMilli)
    bucket.last = now
    if (limit.inFlight !== undefined && bucket.inFlight >= limit.inFlight) {
      bucket.rejectedInFlight++
      leaveLoyalty()
      return { _tag: "Rejected", retryAfterMillis: 1000, description: `Too many requests in flight in '${name}'.` }
    }
    // A little slack for floating point: a client that waits exactly one refill is on time.
    if (bucket.tokens < 1 - 1e-6) {
      bucket.rejectedRate++
      leaveLoyalty()
      return {
        _tag: "Rejected",
        retryAfterMillis: Math.ceil((1 - bucket.tokens) / perMilli),
        description: `Too many requests in '${name}'.`
      }
    }
    bucket.tokens -= 1
    bucket.admitted++
    bucket.inFlight++
    bucket.peakInFlight = Math.max(bucket.peakInFlight, bucket.inFlight)
    return admitted(() => {
      bucket.inFlight--
      leaveLoyalty()
    })
  }

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
}
