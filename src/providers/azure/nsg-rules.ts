/**
 * The NSG rules a lease needs, merged into whatever the shared NSG already holds. Operators'
 * own rules are kept untouched with their priorities; Crabbox's rules are named
 * `crabbox-ssh-<port>-<cidr hash>` so that the same port and source always map to the same
 * rule, and rules other leases added stay (removing them could cut off a running lease).
 */
import type { SecurityRule } from "@azure/arm-network";
import { fnv1a32 } from "../../domain/ids";
import { CrabboxError } from "../../errors";

export const crabboxRulePrefix = "crabbox-ssh-";
const lowestPriority = 100;
const highestPriority = 4096;

export function sshRuleName(port: number, cidr: string): string {
  return `${crabboxRulePrefix}${port}-${fnv1a32(cidr).toString(16).padStart(8, "0")}`;
}

/** The merged rule list, or undefined when every needed rule is already there (no PUT needed). */
export function mergeSshRules(
  existing: SecurityRule[],
  ports: number[],
  cidrs: string[],
): SecurityRule[] | undefined {
  const byName = new Set(existing.map((rule) => rule.name));
  const used = new Set(existing.filter((r) => r.direction !== "Outbound").map((r) => r.priority));
  const added: SecurityRule[] = [];
  let next = lowestPriority;
  for (const port of [...new Set(ports)]) {
    for (const cidr of [...new Set(cidrs)]) {
      const name = sshRuleName(port, cidr);
      if (byName.has(name)) continue;
      while (used.has(next) && next <= highestPriority) next++;
      if (next > highestPriority) {
        throw new CrabboxError(
          "provider_error",
          "azure NSG has no free inbound priority left for SSH rules",
          {
            provider: "azure",
          },
        );
      }
      used.add(next);
      added.push({
        name,
        priority: next,
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        sourceAddressPrefix: cidr,
        sourcePortRange: "*",
        destinationAddressPrefix: "*",
        destinationPortRange: String(port),
        description: "crabbox lease SSH",
      });
      byName.add(name);
    }
  }
  return added.length === 0 ? undefined : [...existing, ...added];
}
