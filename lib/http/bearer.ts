/**
 * The credentials of an `Authorization: Bearer …` header, or null. The scheme is matched without
 * regard to case (RFC 9110 §11.1): `bearer` and `BEARER` are the same scheme.
 */
export function bearerToken(authorization: string | undefined): string | null {
  if (!authorization || authorization.length < 8) return null;
  if (!authorization.startsWith('Bearer ') && authorization.slice(0, 7).toLowerCase() !== 'bearer ') return null;
  return authorization.slice(7).trim() || null;
}
