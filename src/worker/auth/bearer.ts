/** `Authorization: Bearer <token>`: scheme case-insensitive, empty token → none. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.get("authorization");
  if (!header) return undefined;
  const space = header.indexOf(" ");
  if (space < 0) return undefined;
  if (header.slice(0, space).toLowerCase() !== "bearer") return undefined;
  const token = header.slice(space + 1).trim();
  return token === "" ? undefined : token;
}
