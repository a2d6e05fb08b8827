/**
 * Fault injection: what can go wrong on the way to iiko and back, which requests it hits, and
 * the deterministic decision for one request. Rules are matched by operation name or path;
 * probabilities are drawn from the emulator's seeded generator.
 *
 * @since 0.1.0
 */
import { Duration } from "effect"
import type { Prng } from "./Prng.ts"

/**
 * One kind of failure.
 *
 * - `Latency`: the answer is delayed (combines with the other faults).
 * - `RateLimited`: 429 with `Retry-After` (seconds) before anything is applied.
 * - `ServerError`: a 5xx (500 by default); `applied: true` applies the write first.
 * - `TerminalTimeout`: 408, iiko's "the terminal did not answer in time"; `applied` as above.
 * - `ConnectionReset`: the write is applied, then the connection drops without a response —
 *   the case that makes naive clients create an order twice.
 * - `TruncatedJson` / `MalformedJson`: the write is applied and a 200 arrives whose body is cut
 *   off or is not JSON.
 * - `TokenExpired`: the presented token expires early; the request gets a 401.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault =
  | { readonly _tag: "Latency"; readonly duration: Duration.Input }
  | { readonly _tag: "RateLimited"; readonly retryAfter: Duration.Input }
  | { readonly _tag: "ServerError"; readonly status: number; readonly applied: boolean }
  | { readonly _tag: "TerminalTimeout"; readonly applied: boolean }
  | { readonly _tag: "ConnectionReset" }
  | { readonly _tag: "TruncatedJson" }
  | { readonly _tag: "MalformedJson" }
  | { readonly _tag: "TokenExpired" }

/**
 * Which requests a fault hits.
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultRule {
  readonly fault: Fault
  /** Operation names (`deliveriesCreate`) or paths (`/api/1/deliveries/create`); every operation when omitted. */
  readonly operations?: ReadonlyArray<string> | undefined
  /** Chance that a matching request is hit, drawn from the seeded generator; 1 when omitted. */
  readonly probability?: number | undefined
  /** Let this many matching requests (hit by other rules or not) through before the rule starts hitting. */
  readonly skip?: number | undefined
  /** Stop after hitting this many requests; unlimited when omitted. */
  readonly times?: number | undefined
}

/**
 * Delays the answer.
 *
 * @since 0.1.0
 * @category constructors
 */
export const latency = (duration: Duration.Input): Fault => ({ _tag: "Latency", duration })

/**
 * 429 with a `Retry-After` header (1 second by default).
 *
 * @since 0.1.0
 * @category constructors
 */
export const rateLimited = (retryAfter: Duration.Input = "1 second"): Fault => ({ _tag: "RateLimited", retryAfter })

/**
 * A 5xx answer; with `applied: true` the write happens before the error is returned.
 *
 * @since 0.1.0
 * @category constructors
 */
export const serverError = (options?: { readonly status?: number; readonly applied?: boolean }): Fault => ({
  _tag: "ServerError",
  status: options?.status ?? 500,
  applied: options?.applied ?? false
})

/**
 * 408: the terminal did not answer within the `Timeout` header; with `applied: true` the write
 * happens anyway, as it can on a real terminal.
 *
 * @since 0.1.0
 * @category constructors
 */
export const terminalTimeout = (options?: { readonly applied?: boolean }): Fault => ({
  _tag: "TerminalTimeout",
  applied: options?.applied ?? false
})

/**
 * Applies the write, then drops the connection without answering.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connectionReset: Fault = { _tag: "ConnectionReset" }

/**
 * Applies the write, then answers 200 with the JSON body cut in half.
 *
 * @since 0.1.0
 * @category constructors
 */
export const truncatedJson: Fault = { _tag: "TruncatedJson" }

/**
 * Applies the write, then answers 200 with a body that is not JSON.
 *
 * @since 0.1.0
 * @category constructors
 */
export const malformedJson: Fault = { _tag: "MalformedJson" }

/**
 * Expires the presented token early, so the request gets a 401.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tokenExpired: Fault = { _tag: "TokenExpired" }

/**
 * The faults chosen for one request: an optional delay and at most one failure.
 *
 * @since 0.1.0
 * @category models
 */
export interface Decision {
  readonly delay: Duration.Duration | undefined
  readonly failure: Exclude<Fault, { readonly _tag: "Latency" }> | undefined
}

/**
 * A rule with its counters; the emulator keeps one per configured or injected rule.
 *
 * @since 0.1.0
 * @category models
 */
export interface ActiveRule {
  readonly rule: FaultRule
  matched: number
  hits: number
}

/**
 * Wraps rules with fresh counters.
 *
 * @since 0.1.0
 * @category constructors
 */
export const activate = (rules: ReadonlyArray<FaultRule>): Array<ActiveRule> =>
  rules.map((rule) => ({ rule, matched: 0, hits: 0 }))

/**
 * Decides the faults for a request to an operation, updating the rules' counters. Rules are
 * consulted in order; delays add up, the first failure wins.
 *
 * @since 0.1.0
 * @category decisions
 */
export const decide = (
  rules: ReadonlyArray<ActiveRule>,
  operation: { readonly name: string; readonly path: string },
  prng: Prng
): Decision => {
  let delay: Duration.Duration | undefined
  let failure: Decision["failure"]
  for (const active of rules) {
    const { rule } = active
    if (!matches(rule, operation)) continue
    active.matched++
    if (active.matched <= (rule.skip ?? 0)) continue
    if (rule.fault._tag !== "Latency" && failure !== undefined) continue
    if (rule.times !== undefined && active.hits >= rule.times) continue
    if (rule.probability !== undefined && prng.next() >= rule.probability) continue
    active.hits++
    if (rule.fault._tag === "Latency") {
      const duration = Duration.fromInputUnsafe(rule.fault.duration)
      delay = delay === undefined ? duration : Duration.sum(delay, duration)
    } else {
      failure = rule.fault
    }
  }
  return { delay, failure }
}

const matches = (rule: FaultRule, operation: { readonly name: string; readonly path: string }): boolean =>
  rule.operations === undefined || rule.operations.includes(operation.name) || rule.operations.includes(operation.path)
