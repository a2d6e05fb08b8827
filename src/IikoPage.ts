/**
 * Paging through the `limit`/`offset` families of the newer API areas (nomenclature, inventory
 * catalogs, finance, employees, terminals) as a `Stream` of items: one call per page, ending on
 * the last page, with the page size kept within iiko's 1–1000.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Iiko, IikoPage } from "effect-iiko"
 *
 * // Every product of the nomenclature, 1,000 per call.
 * const products = IikoPage.stream(Iiko.nomenclatureProductListV2, {}).pipe(Stream.runCollect)
 *
 * // Responses that name their list differently say where the items are.
 * const stores = IikoPage.stream(Iiko.inventoryStoresList, {}, { items: (page) => page.stores ?? [] })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Option, Stream } from "effect"
import type { Endpoint } from "./Endpoint.ts"
import type { IikoClient, Operation } from "./IikoClient.ts"
import { IikoError, InvalidRequest } from "./IikoError.ts"

/**
 * The largest page iiko serves (`limit` allows 1 to 1000); also the default page size.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_LIMIT = 1000

/**
 * A descriptor of a paged operation: its request takes an optional `limit` and `offset`.
 *
 * @since 0.1.0
 * @category models
 */
export type PagedEndpoint = Endpoint & {
  readonly request: { readonly Type: { readonly limit?: number | undefined; readonly offset?: number | undefined } }
}

/**
 * The request of a paged operation without the paging fields, which the stream sets.
 *
 * @since 0.1.0
 * @category models
 */
export type PageRequest<E extends PagedEndpoint> = Omit<E["request"]["Type"], "limit" | "offset">

/**
 * The element type of a response's `items` list, for the families that call it `items`.
 *
 * @since 0.1.0
 * @category models
 */
export type ItemOf<Response> = Response extends { readonly items?: ReadonlyArray<infer A> | null | undefined } ? A
  : never

/**
 * How to page.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<Response, A> {
  /** The items of one page; by default the response's `items`. */
  readonly items: (page: Response) => ReadonlyArray<A> | null | undefined
  /** Page size, 1 to 1000 (default 1000). */
  readonly limit?: number | undefined
  /** Where to start (default 0). */
  readonly offset?: number | undefined
}

/**
 * Streams the items of a paged operation. Each page is one call with `limit` and `offset`; the
 * stream ends after a page shorter than `limit`, or when `offset` reaches the response's
 * `totalCount` (so 2,500 items at 1,000 per page take exactly 3 calls). A `limit` outside 1–1000
 * or a negative `offset` fails with an `InvalidRequest` before any call is made.
 *
 * @since 0.1.0
 * @category constructors
 */
export function stream<E extends PagedEndpoint>(
  operation: Operation<E>,
  request: PageRequest<E>,
  options?: Partial<Options<E["response"]["Type"], ItemOf<E["response"]["Type"]>>>
): Stream.Stream<ItemOf<E["response"]["Type"]>, IikoError, IikoClient>
export function stream<E extends PagedEndpoint, A>(
  operation: Operation<E>,
  request: PageRequest<E>,
  options: Options<E["response"]["Type"], A>
): Stream.Stream<A, IikoError, IikoClient>
export function stream<E extends PagedEndpoint, A>(
  operation: Operation<E>,
  request: PageRequest<E>,
  options?: Partial<Options<E["response"]["Type"], A>>
): Stream.Stream<A, IikoError, IikoClient> {
  const limit = options?.limit ?? MAX_LIMIT
  const start = options?.offset ?? 0
  const items = options?.items ?? defaultItems<A>
  const name = operation.endpoint.name
  const invalid = checkPaging(limit, start)
  if (invalid !== undefined) {
    return Stream.fail(new IikoError({ operation: name, reason: new InvalidRequest({ issue: invalid }) }))
  }
  const call = operation as unknown as (body: unknown) => Effect.Effect<E["response"]["Type"], IikoError, IikoClient>
  return Stream.paginate(start, (offset: number) =>
    Effect.map(call({ ...request, limit, offset }), (page) => {
      const found = items(page) ?? []
      const next = offset + found.length
      const total = totalCountOf(page)
      const last = found.length < limit || (total !== undefined && next >= total)
      return [found, last ? Option.none<number>() : Option.some(next)] as const
    }))
}

const checkPaging = (limit: number, offset: number): string | undefined => {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return `limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`
  if (!Number.isInteger(offset) || offset < 0) return `offset must be a non-negative integer, got ${offset}`
  return undefined
}

const defaultItems = <A>(page: unknown): ReadonlyArray<A> => {
  const value = typeof page === "object" && page !== null ? (page as { readonly items?: unknown }).items : undefined
  return Array.isArray(value) ? value : []
}

const totalCountOf = (page: unknown): number | undefined => {
  const value = typeof page === "object" && page !== null ? (page as { readonly totalCount?: unknown }).totalCount : undefined
  return typeof value === "number" ? value : undefined
}
