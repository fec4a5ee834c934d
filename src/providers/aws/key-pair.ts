/** The lease's own key pair: imported once, reused only if it is the same key, deleted only if tagged with the lease. */
import {
  DeleteKeyPairCommand,
  DescribeKeyPairsCommand,
  type EC2Client,
  ImportKeyPairCommand,
  type Tag,
} from "@aws-sdk/client-ec2";
import { providerKeyForLease } from "../../domain/ids";
import { CrabboxError } from "../../errors";
import type { MachineSpec } from "../provider";
import { errorCodeOf } from "./errors";
import { companionLabels, tagsOf, tagValue } from "./tags";

/** Imports (or reuses) the lease's key; returns its name and key pair id. */
export async function ensureLeaseKey(
  client: EC2Client,
  spec: MachineSpec,
  signal?: AbortSignal,
): Promise<{ name: string; id?: string }> {
  const keyName = providerKeyForLease(spec.leaseID);
  try {
    const imported = await client.send(
      new ImportKeyPairCommand({
        KeyName: keyName,
        PublicKeyMaterial: new TextEncoder().encode(spec.sshPublicKey.trim()),
        TagSpecifications: [{ ResourceType: "key-pair", Tags: tagsOf(companionLabels(spec)) }],
      }),
      { abortSignal: signal },
    );
    return { name: keyName, id: imported.KeyPairId };
  } catch (error) {
    const code = errorCodeOf(error);
    // EC2 imports only RSA (1024/2048/4096) and ED25519 keys whose blob parses
    // (docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportKeyPair.html).
    if (code === "InvalidKeyPair.Format" || code === "InvalidKey.Format") {
      throw new CrabboxError(
        "invalid_request",
        "sshPublicKey: EC2 rejected the key (it imports only complete RSA 1024/2048/4096 or ED25519 OpenSSH public keys)",
        { field: "sshPublicKey", provider: "aws" },
      );
    }
    if (code !== "InvalidKeyPair.Duplicate") throw error;
  }
  // Imported by an earlier create of this lease: reuse it only if it is the same key.
  const existing = await client.send(
    new DescribeKeyPairsCommand({ KeyNames: [keyName], IncludePublicKey: true }),
    {
      abortSignal: signal,
    },
  );
  if (keyMaterial(existing.KeyPairs?.[0]?.PublicKey ?? "") !== keyMaterial(spec.sshPublicKey)) {
    throw new CrabboxError("provider_error", `AWS key pair ${keyName} exists with a different public key`);
  }
  return { name: keyName, id: existing.KeyPairs?.[0]?.KeyPairId };
}

export async function deleteLeaseKey(client: EC2Client, leaseID: string): Promise<void> {
  const keyName = providerKeyForLease(leaseID);
  let tags: Tag[] | undefined;
  try {
    const found = await client.send(new DescribeKeyPairsCommand({ KeyNames: [keyName] }));
    tags = found.KeyPairs?.[0]?.Tags;
  } catch (error) {
    if (errorCodeOf(error) === "InvalidKeyPair.NotFound") return;
    throw error;
  }
  if (tagValue(tags, "lease") !== leaseID) return;
  await client.send(new DeleteKeyPairCommand({ KeyName: keyName }));
}

function keyMaterial(publicKey: string): string {
  return publicKey.trim().split(/\s+/).slice(0, 2).join(" ");
}
