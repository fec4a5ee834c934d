import { CrabboxError } from "../../../errors";
import type { Identity } from "../../context";

/** Admin routes need the admin token; checked in the Worker and again in the Fleet. */
export function requireAdmin(identity: Pick<Identity, "admin">): void {
  if (!identity.admin) throw new CrabboxError("forbidden", "admin token required");
}
