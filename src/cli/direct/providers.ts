/**
 * Direct mode builds the same provider modules the coordinator uses, from the caller's own
 * credentials: HCLOUD_TOKEN/HETZNER_TOKEN, the AWS SDK's default credential chain, and the
 * AZURE_* service principal. Credentials are read from the environment only, never from config.
 */
import { CrabboxError } from "../../errors";
import { hetznerProviderFromEnv } from "../../providers/hetzner/from-env";
import { cloudProviderNames, inWords } from "../../providers/names";
import type { Provider } from "../../providers/provider";
import { extraTrust } from "./trust";

type Env = Record<string, string | undefined>;

function set(env: Env, name: string): boolean {
  return typeof env[name] === "string" && env[name]!.trim() !== "";
}

export async function directProvider(name: string, env: Env): Promise<Provider> {
  switch (name) {
    case "hetzner":
      if (!set(env, "HCLOUD_TOKEN") && !set(env, "HETZNER_TOKEN")) {
        throw new CrabboxError("unauthorized", "direct mode on Hetzner needs HCLOUD_TOKEN or HETZNER_TOKEN", {
          field: "HCLOUD_TOKEN",
        });
      }
      return hetznerProviderFromEnv({ ...env, HETZNER_TOKEN: env.HETZNER_TOKEN || env.HCLOUD_TOKEN });
    case "aws":
      return (await import("../../providers/aws/from-env")).awsProviderFromEnv(await awsCredentials(env));
    case "azure": {
      const missing = [
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_SUBSCRIPTION_ID",
      ].filter((v) => !set(env, v) && !set(env, `CRABBOX_${v}`));
      if (missing.length) {
        throw new CrabboxError("unauthorized", `direct mode on Azure needs ${missing.join(", ")}`, {
          field: missing[0],
        });
      }
      const withAliases: Env = { ...env };
      for (const v of ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_SUBSCRIPTION_ID"]) {
        withAliases[v] = env[`CRABBOX_${v}`] || env[v];
      }
      const trust = extraTrust(env);
      return (await import("../../providers/azure")).azureProviderFromEnv(
        withAliases,
        trust ? { tlsCA: trust.ca, fetch: trust.fetch } : {},
      );
    }
    default:
      throw new CrabboxError(
        "usage",
        `direct mode needs a cloud provider (${inWords(cloudProviderNames)}), not "${name}"`,
        { field: "provider" },
      );
  }
}

/**
 * Static keys in the environment win; otherwise the SDK's default chain (shared config
 * files, SSO, instance metadata…) resolves them, as the AWS CLI would.
 */
export async function awsCredentials(env: Env): Promise<Env> {
  if (set(env, "AWS_ACCESS_KEY_ID") && set(env, "AWS_SECRET_ACCESS_KEY")) return env;
  const { EC2Client } = await import("@aws-sdk/client-ec2");
  const region = env.CRABBOX_AWS_REGION || env.AWS_REGION || "eu-west-1";
  try {
    const client = new EC2Client({ region });
    const resolved = await client.config.credentials();
    client.destroy();
    return {
      ...env,
      AWS_ACCESS_KEY_ID: resolved.accessKeyId,
      AWS_SECRET_ACCESS_KEY: resolved.secretAccessKey,
      ...(resolved.sessionToken ? { AWS_SESSION_TOKEN: resolved.sessionToken } : {}),
    };
  } catch {
    throw new CrabboxError(
      "unauthorized",
      "direct mode on AWS found no credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the SDK's default chain)",
      { field: "AWS_ACCESS_KEY_ID" },
    );
  }
}
