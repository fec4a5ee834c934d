/** One RunInstances call: the lease's key and group, its bootstrap, tags on instance and volume, spot settings. */
import {
  type _InstanceType,
  type EC2Client,
  type Instance,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  type RunInstancesCommandOutput,
} from "@aws-sdk/client-ec2";
import { fnv1a32, providerMachineName } from "../../domain/ids";
import { CrabboxError } from "../../errors";
import { linuxCloudInit } from "../bootstrap/linux";
import type { MachineSpec, Market } from "../provider";
import { errorCodeOf } from "./errors";
import { ownershipLabels, tagsOf } from "./tags";

export interface LaunchSettings {
  image: string;
  keyName: string;
  groupID: string;
  userData: string;
  rootGB: number;
  subnetID?: string;
  instanceProfile?: string;
}

export function userDataOf(spec: MachineSpec): string {
  switch (spec.target) {
    case "linux":
      return linuxCloudInit(spec);
    case "windows":
      // EC2Launch v2 installs OpenSSH and authorises the key pair for Administrator; the CLI
      // then finishes the Windows bootstrap over SSH.
      return "version: 1.1\ntasks:\n  - task: enableOpenSsh\n";
  }
}

/**
 * The requested type in the requested market launches with the lease ID as its token; every
 * other (type, market) gets its own stable token. A retried ladder thus repeats each launch
 * idempotently, and no two different launches share a token (IdempotentParameterMismatch).
 */
export function clientTokenFor(
  spec: MachineSpec,
  serverType: string,
  market: Market,
  firstType?: string,
): string {
  if (serverType === firstType && market === spec.market) return spec.leaseID;
  return `${spec.leaseID}-${fnv1a32(`${serverType}/${market}`).toString(16).padStart(8, "0")}`;
}

export async function runInstance(
  client: EC2Client,
  spec: MachineSpec,
  settings: LaunchSettings,
  launch: { serverType: string; market: Market; clientToken: string },
  signal?: AbortSignal,
): Promise<Instance> {
  const { serverType, market } = launch;
  const labels = { ...spec.labels, ...ownershipLabels(spec.leaseID), server_type: serverType, market };
  const tags = tagsOf({ ...labels, Name: providerMachineName(spec.leaseID, spec.slug) });
  const input: RunInstancesCommandInput = {
    ClientToken: launch.clientToken,
    ImageId: settings.image,
    InstanceType: serverType as _InstanceType,
    KeyName: settings.keyName,
    MinCount: 1,
    MaxCount: 1,
    UserData: base64(settings.userData),
    MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
    BlockDeviceMappings: [
      {
        DeviceName: "/dev/sda1",
        Ebs: {
          DeleteOnTermination: true,
          Encrypted: true,
          VolumeType: "gp3",
          VolumeSize: Math.max(8, settings.rootGB),
        },
      },
    ],
    TagSpecifications: [
      { ResourceType: "instance", Tags: tags },
      { ResourceType: "volume", Tags: tags },
      ...(market === "spot" ? [{ ResourceType: "spot-instances-request" as const, Tags: tags }] : []),
    ],
    ...(market === "spot"
      ? {
          InstanceMarketOptions: {
            MarketType: "spot",
            SpotOptions: { SpotInstanceType: "one-time", InstanceInterruptionBehavior: "terminate" },
          },
        }
      : {}),
    ...(settings.instanceProfile ? { IamInstanceProfile: { Name: settings.instanceProfile } } : {}),
    ...(settings.subnetID
      ? {
          NetworkInterfaces: [
            {
              DeviceIndex: 0,
              SubnetId: settings.subnetID,
              Groups: [settings.groupID],
              AssociatePublicIpAddress: true,
              DeleteOnTermination: true,
            },
          ],
        }
      : { SecurityGroupIds: [settings.groupID] }),
  };
  for (let spent = 0; ; spent++) {
    let result: RunInstancesCommandOutput;
    try {
      result = await client.send(new RunInstancesCommand(input), { abortSignal: signal });
    } catch (error) {
      if (errorCodeOf(error) !== "IdempotentParameterMismatch" || spent >= maxSpentTokens) throw error;
      // An earlier attempt of this lease used the token with other parameters (its own key
      // pair and security group, since deleted): derive a token from this attempt's own.
      input.ClientToken = nextClientToken(
        input.ClientToken ?? launch.clientToken,
        `${settings.groupID}/${settings.keyName}/${settings.image}`,
      );
      continue;
    }
    const instance = result.Instances?.[0];
    if (!instance?.InstanceId) throw new CrabboxError("provider_error", "RunInstances returned no instance");
    const state = instance.State?.Name;
    if ((state !== "terminated" && state !== "shutting-down") || spent >= maxSpentTokens) return instance;
    // The token is spent: EC2 keeps answering it with this ended instance for at least 24 h
    // after termination (docs/providers.md, "ClientToken"). The next token derives from the
    // ended instance, so a retry of this create reaches the same new launch.
    input.ClientToken = nextClientToken(input.ClientToken ?? launch.clientToken, instance.InstanceId);
  }
}

/** A lease re-created this many times after its launches ended stops chaining tokens. */
const maxSpentTokens = 3;

/** The token after a spent `token`, told apart by `what`; at most 64 ASCII characters. */
function nextClientToken(token: string, what: string): string {
  return `${token.slice(0, 45)}-${fnv1a32(`${token}/${what}`).toString(16).padStart(8, "0")}`;
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
