/**
 * "Did you mean …?" for names typed by people: operations, restriction groups.
 *
 * @internal
 */

const normalize = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, "")

const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

/**
 * The names closest to what was typed: names containing it first, then by edit distance (case,
 * `_`, `-`, `/` and spaces ignored), at most `limit`. Used for operation names (`call`), fault
 * targets and limit groups (the emulator).
 *
 * @internal
 */
export const closest = (input: string, names: Iterable<string>, limit = 3): ReadonlyArray<string> => {
  const typed = normalize(input)
  return [...names]
    .map((name) => {
      const candidate = normalize(name)
      const contains = typed.length >= 4 && (candidate.includes(typed) || typed.includes(candidate))
      return { name, score: contains ? Math.abs(candidate.length - typed.length) / 100 : distance(typed, candidate) }
    })
    .filter(({ score }) => score <= Math.max(3, typed.length / 3))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map(({ name }) => name)
}

/**
 * `; did you mean a, b?` for `input` among `names`, or nothing when none is close.
 *
 * @internal
 */
export const didYouMean = (input: string, names: Iterable<string>): string => {
  const close = closest(input, names)
  return close.length === 0 ? "" : `; did you mean ${close.join(", ")}?`
}
