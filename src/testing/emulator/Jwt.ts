/**
 * Access tokens as iiko issues them: JWTs (`header.payload.signature`, base64url) carrying
 * `iss`, `aud`, `sub`, `iat`, `nbf` and `exp` in seconds. The signature is a fixed marker: the
 * emulator recognises its own tokens by keeping them in a table, not by verifying signatures,
 * and clients are expected to read `exp` without verifying anyway.
 *
 * @since 0.1.0
 */

/**
 * The claims of an emulator token.
 *
 * @since 0.1.0
 * @category models
 */
export interface Claims {
  readonly iss: "iiko"
  readonly aud: "clients"
  /** The API login or application the token was issued to. */
  readonly sub: string
  readonly iat: number
  readonly nbf: number
  readonly exp: number
  /** Unique token id. */
  readonly jti: string
}

/**
 * Encodes claims as a JWT string.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (claims: Claims): string =>
  `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}.${
    base64url("iiko-emulator")
  }`

/**
 * Reads the claims of a JWT without verifying it; `undefined` when it is not a JWT.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = (token: string): Claims | undefined => {
  const payload = token.split(".")[1]
  if (payload === undefined) return undefined
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))
    return typeof claims === "object" && claims !== null && "exp" in claims ? claims as Claims : undefined
  } catch {
    return undefined
  }
}

const base64url = (text: string): string => Buffer.from(text, "utf8").toString("base64url")
