/**
 * The identity headers an admin or shared token may carry (`X-Crabbox-Owner`, `X-Crabbox-Org`):
 * bounded and free of control characters, or refused with 400 naming the header, so that a
 * name the catalogue would refuse never reaches an event (docs/api.md, "Bounds").
 */
import { bounds, hasControlCharacters } from "../../api/bounds";
import { CrabboxError } from "../../errors";

export type IdentityHeader = "x-crabbox-owner" | "x-crabbox-org";

/** The header's value, or undefined when it is absent; refused when it could not be stored. */
export function identityHeader(request: Request, name: IdentityHeader): string | undefined {
  const value = request.headers.get(name);
  if (value === null) return undefined;
  if (hasControlCharacters(value)) {
    throw new CrabboxError("invalid_request", `header ${name} must not contain control characters`, {
      field: name,
    });
  }
  if (value.length > bounds.identifier) {
    throw new CrabboxError(
      "invalid_request",
      `header ${name} must be at most ${bounds.identifier} characters`,
      {
        field: name,
      },
    );
  }
  return value;
}
