import { CrabboxError } from "../../errors";

type Env = Record<string, string | undefined>;

const variable = { aws: "CRABBOX_AWS_SSH_CIDRS", azure: "CRABBOX_AZURE_SSH_CIDRS" } as const;

/**
 * The source ranges a cloud firewall lets reach SSH. Configured (`CRABBOX_AWS_SSH_CIDRS`,
 * `CRABBOX_AZURE_SSH_CIDRS`, comma-separated), else this computer's public IPv4 as a /32,
 * which is what the machine will see the CLI connect from. Hetzner has no firewall here.
 */
export async function sshCIDRsFor(
  provider: string,
  env: Env,
  lookup: () => Promise<string> = publicIPv4,
): Promise<string[] | undefined> {
  if (provider !== "aws" && provider !== "azure") return undefined;
  const name = variable[provider];
  const configured = (env[name] ?? "")
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
  for (const cidr of configured) {
    if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(cidr)) {
      throw new CrabboxError("config", `${name}: "${cidr}" is not a CIDR like 203.0.113.7/32`, {
        field: name,
      });
    }
  }
  if (configured.length) return configured;
  try {
    return [`${await lookup()}/32`];
  } catch {
    throw new CrabboxError(
      "config",
      `could not find this computer's public IPv4 for the ${provider} SSH firewall rule; set ${name} (e.g. 203.0.113.7/32)`,
      { field: name },
    );
  }
}

async function publicIPv4(): Promise<string> {
  const response = await fetch("https://checkip.amazonaws.com/", { signal: AbortSignal.timeout(5000) });
  const text = (await response.text()).trim();
  if (!response.ok || !/^\d{1,3}(\.\d{1,3}){3}$/.test(text))
    throw new CrabboxError("provider_error", "checkip.amazonaws.com did not answer with an IPv4 address");
  return text;
}
