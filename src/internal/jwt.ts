/**
 * Reads the `exp` claim (seconds since the epoch) of a JWT without checking its signature.
 * `undefined` when the token is not a JWT or has no numeric `exp`.
 *
 * @internal
 */
export const jwtExpiry = (token: string): Date | undefined => {
  const payload = token.split(".")[1]
  if (payload === undefined) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
    const exp = typeof claims === "object" && claims !== null ? (claims as { exp?: unknown }).exp : undefined
    return typeof exp === "number" && Number.isFinite(exp) ? new Date(exp * 1000) : undefined
  } catch {
    return undefined
  }
}
