import type { Family } from "../Endpoint.ts"

/**
 * The API family a path belongs to.
 *
 * @internal
 */
export const familyOf = (path: string): Family =>
  path.startsWith("/api/inventory/") || path.startsWith("/api/finance/") ? "invoiceProcessing" : "transport"
