/**
 * The seam between the emulator and the generated endpoint catalog: every descriptor becomes a
 * route that answers, with the modelled handler when there is one and a synthesized,
 * schema-valid answer otherwise. Modelled operations missing from the catalog still answer.
 *
 * @since 0.1.0
 */
import type { Endpoint } from "../../Endpoint.ts"
import { familyOf } from "../../internal/family.ts"
import * as Iiko from "../../generated/Iiko.ts"
import type { Modelled, Route } from "./Route.ts"

/**
 * Merges the modelled handlers with a catalog of endpoint descriptors into the route table.
 *
 * @since 0.1.0
 * @category constructors
 */
export const routes = (modelled: ReadonlyArray<Modelled>, catalog: Iterable<Endpoint>): ReadonlyArray<Route> => {
  const byKey = new Map(modelled.map((m) => [key(m.method, m.path), m]))
  const table = new Map<string, Route>()
  for (const endpoint of catalog) {
    const handler = byKey.get(key(endpoint.method, endpoint.path))?.handler
    table.set(key(endpoint.method, endpoint.path), {
      name: endpoint.name,
      path: endpoint.path,
      method: endpoint.method,
      family: endpoint.family,
      sideEffect: endpoint.sideEffect,
      authenticated: endpoint.authenticated,
      restrictionGroup: endpoint.restrictionGroup,
      request: endpoint.request,
      response: endpoint.response,
      handler
    })
  }
  for (const m of modelled) {
    if (table.has(key(m.method, m.path))) continue
    table.set(key(m.method, m.path), {
      name: m.name,
      path: m.path,
      method: m.method,
      family: familyOf(m.path),
      sideEffect: m.sideEffect,
      authenticated: m.sideEffect !== "auth",
      restrictionGroup: undefined,
      request: undefined,
      response: undefined,
      handler: m.handler
    })
  }
  return [...table.values()]
}

const key = (method: string, path: string): string => `${method} ${path}`

/**
 * The generated descriptors of all 225 operations, read from the endpoint functions of
 * `src/generated/Iiko.ts`.
 *
 * @since 0.1.0
 * @category catalogs
 */
export const generated = (): ReadonlyArray<Endpoint> => {
  const functions = Iiko as unknown as Record<string, { readonly endpoint: Endpoint } | undefined>
  return Iiko.operations.flatMap((operation) => {
    const endpoint = functions[operation.name]?.endpoint
    return endpoint === undefined ? [] : [endpoint]
  })
}
