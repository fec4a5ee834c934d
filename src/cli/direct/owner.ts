import { hostname, userInfo } from "node:os";
import { sanitizeLabelValue } from "../../providers/labels";

type Env = Record<string, string | undefined>;

/**
 * Who owns a direct lease, as a label value: `$CRABBOX_OWNER`, else `user@host`. Cleanup
 * only ever deletes machines carrying this owner, so two people sharing a cloud project
 * never sweep each other's machines.
 */
export function directOwner(env: Env): string {
  const explicit = env.CRABBOX_OWNER?.trim();
  if (explicit) return sanitizeLabelValue(explicit);
  let user = env.USER || env.LOGNAME || "";
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = "user";
    }
  }
  return sanitizeLabelValue(`${user}@${hostname()}`);
}
