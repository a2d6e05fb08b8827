/**
 * A small seedable pseudo-random generator (mulberry32). The emulator draws every id, name and
 * fault decision from one of these, so the same seed and the same request sequence always give
 * the same answers.
 *
 * @since 0.1.0
 */

/**
 * A deterministic source of numbers, ids and choices.
 *
 * @since 0.1.0
 * @category models
 */
export interface Prng {
  /** A float in `[0, 1)`. */
  readonly next: () => number
  /** An integer in `[0, n)`. */
  readonly int: (n: number) => number
  /** One element of a non-empty array. */
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  /** A version-4-shaped UUID. */
  readonly uuid: () => string
}

/**
 * Creates a generator from a seed. A string seed is hashed first, so `make("orders")` and
 * `make(42)` are both stable.

 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (seed: number | string): Prng => {
  let state = typeof seed === "number" ? seed >>> 0 : hash(seed)
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  const hex = (length: number): string => {
    let out = ""
    for (let i = 0; i < length; i++) out += HEX[int(16)]
    return out
  }
  return {
    next,
    int,
    pick: (items) => items[int(items.length)]!,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${HEX[8 + int(4)]}${hex(3)}-${hex(12)}`
  }
}

/**
 * Derives an independent generator for one purpose (`"faults"`, `"ids"`, …) from a root seed,
 * so that adding draws in one place does not shift the numbers drawn in another.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fork = (seed: number | string, purpose: string): Prng => make(`${seed}/${purpose}`)

const HEX = "0123456789abcdef"

const hash = (text: string): number => {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 16777619)
  }
  return h >>> 0
}
