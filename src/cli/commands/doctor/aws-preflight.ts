/**
 * `crabbox doctor --provider aws`: checks the local AWS credentials with read-only calls
 * (docs/providers.md, "Preflight: crabbox doctor --provider aws"). Describe calls for
 * identity, region and the classes' instance types; `DryRun` for the calls a lease makes
 * (EC2 answers `DryRunOperation` when allowed and `UnauthorizedOperation` when not, and
 * changes nothing). The vCPU quota lives in Service Quotas, not EC2: the output says so.
 */
import "../../../providers/aws/xml-globals";
import {
  CreateSecurityGroupCommand,
  DescribeAccountAttributesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeRegionsCommand,
  EC2Client,
  ImportKeyPairCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { errorCodeOf } from "../../../providers/aws/errors";
import { ec2FetchHandler } from "../../../providers/aws/fetch-handler";
import { latestImage } from "../../../providers/aws/images";
import { awsLinuxClasses } from "../../../providers/classes";
import { defaultRetryPolicy } from "../../../providers/retrying-fetch";
import { awsCredentials } from "../../direct/providers";
import type { PreflightCheck } from "./hetzner-preflight";

type Env = Record<string, string | undefined>;

/** A syntactically valid ed25519 key for ImportKeyPair's DryRun; it is never imported. */
const dryRunKey =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl crabbox-doctor";

export async function awsPreflight(env: Env, signal?: AbortSignal): Promise<PreflightCheck[]> {
  let resolved: Env;
  try {
    resolved = await awsCredentials(env);
  } catch {
    return [
      {
        status: "missing",
        name: "aws",
        detail: "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)",
      },
    ];
  }
  const region = env.CRABBOX_AWS_REGION?.trim() || env.AWS_REGION?.trim() || "eu-west-1";
  const endpoint = env.CRABBOX_AWS_ENDPOINT?.trim();
  const client = new EC2Client({
    region,
    credentials: {
      accessKeyId: resolved.AWS_ACCESS_KEY_ID ?? "",
      secretAccessKey: resolved.AWS_SECRET_ACCESS_KEY ?? "",
      ...(resolved.AWS_SESSION_TOKEN ? { sessionToken: resolved.AWS_SESSION_TOKEN } : {}),
    },
    maxAttempts: 1,
    requestHandler: ec2FetchHandler((input, init) => fetch(input, init), {
      ...defaultRetryPolicy,
      maxRetries: 1,
      timeoutMs: 15_000,
    }),
    ...(endpoint ? { endpoint: endpoint.replaceAll("{region}", region) } : {}),
  });
  const checks: PreflightCheck[] = [];
  try {
    let vpc: string | undefined;
    try {
      const attributes = await client.send(
        new DescribeAccountAttributesCommand({ AttributeNames: ["default-vpc"] }),
        { abortSignal: signal },
      );
      vpc = attributes.AccountAttributes?.[0]?.AttributeValues?.[0]?.AttributeValue;
      checks.push({ status: "ok", name: "identity", detail: "the AWS credentials are accepted" });
    } catch (error) {
      checks.push(credentialProblem(error));
      return checks;
    }
    try {
      const found = await client.send(new DescribeRegionsCommand({ RegionNames: [region] }), {
        abortSignal: signal,
      });
      const optIn = found.Regions?.[0]?.OptInStatus;
      checks.push(
        optIn === "not-opted-in"
          ? {
              status: "failed",
              name: "region",
              detail: `${region} is not enabled for this account: enable it or set CRABBOX_AWS_REGION to an enabled region`,
            }
          : { status: "ok", name: "region", detail: region },
      );
      if (optIn === "not-opted-in") return checks;
    } catch (error) {
      checks.push({
        status: "failed",
        name: "region",
        detail: `EC2 does not know ${region} (${errorCodeOf(error)}): set CRABBOX_AWS_REGION to an AWS region`,
      });
      return checks;
    }
    const types = [...new Set(Object.values(awsLinuxClasses).flat())];
    const offerings = await client.send(
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: "region",
        Filters: [{ Name: "instance-type", Values: types }],
      }),
      { abortSignal: signal },
    );
    const offered = new Set((offerings.InstanceTypeOfferings ?? []).map((o) => o.InstanceType as string));
    for (const [className, ladder] of Object.entries(awsLinuxClasses)) {
      const usable = ladder.filter((t) => offered.has(t));
      checks.push(
        usable.length
          ? { status: "ok", name: "class", detail: `${className}: ${usable.join(", ")} offered in ${region}` }
          : {
              status: "failed",
              name: "class",
              detail: `${className}: none of ${ladder.join(", ")} is offered in ${region}; set CRABBOX_AWS_REGION to another region`,
            },
      );
    }
    const image = env.CRABBOX_AWS_AMI?.trim() || (await latestImage(client, "linux", region, signal));
    const dryRuns: Array<[string, () => Promise<unknown>]> = [
      ["ec2:DescribeInstances", () => client.send(new DescribeInstancesCommand({ MaxResults: 5 }))],
      [
        "ec2:ImportKeyPair",
        () =>
          client.send(
            new ImportKeyPairCommand({
              DryRun: true,
              KeyName: "crabbox-doctor",
              PublicKeyMaterial: new TextEncoder().encode(dryRunKey),
            }),
          ),
      ],
      [
        "ec2:CreateSecurityGroup",
        () =>
          client.send(
            new CreateSecurityGroupCommand({
              DryRun: true,
              GroupName: "crabbox-doctor",
              Description: "crabbox doctor dry run",
              ...(vpc && vpc !== "none" ? { VpcId: vpc } : {}),
            }),
          ),
      ],
      [
        "ec2:RunInstances",
        () =>
          client.send(
            new RunInstancesCommand({
              DryRun: true,
              ImageId: image,
              InstanceType: awsLinuxClasses.standard![0] as never,
              MinCount: 1,
              MaxCount: 1,
            }),
          ),
      ],
    ];
    for (const [permission, call] of dryRuns) checks.push(await permissionCheck(permission, call));
    checks.push({
      status: "ok",
      name: "quota",
      detail:
        "not checkable with EC2 calls: see the vCPU limit in Service Quotas (EC2 quota L-1216C47A, Running On-Demand Standard instances)",
    });
    return checks;
  } finally {
    client.destroy();
  }
}

async function permissionCheck(permission: string, call: () => Promise<unknown>): Promise<PreflightCheck> {
  try {
    await call();
    return { status: "ok", name: "allowed", detail: permission };
  } catch (error) {
    const code = errorCodeOf(error);
    if (code === "DryRunOperation")
      return { status: "ok", name: "allowed", detail: `${permission} (dry run)` };
    return {
      status: "failed",
      name: "allowed",
      detail:
        code === "UnauthorizedOperation"
          ? `${permission} is not allowed: add it to the IAM policy of the AWS_ACCESS_KEY_ID user or role (docs/providers.md, "Preflight")`
          : `${permission} dry run failed (${code}): check CRABBOX_AWS_REGION and CRABBOX_AWS_AMI`,
    };
  }
}

function credentialProblem(error: unknown): PreflightCheck {
  const code = errorCodeOf(error);
  if (
    ["AuthFailure", "UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch"].includes(
      code,
    )
  ) {
    return {
      status: "failed",
      name: "identity",
      detail: `AWS refuses the credentials (${code}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a valid key`,
    };
  }
  if (code === "UnauthorizedOperation") {
    return {
      status: "failed",
      name: "identity",
      detail:
        "ec2:DescribeAccountAttributes is not allowed: add it to the IAM policy of the AWS_ACCESS_KEY_ID user or role",
    };
  }
  return {
    status: "failed",
    name: "identity",
    detail: `EC2 did not answer (${code}): check CRABBOX_AWS_ENDPOINT and the network`,
  };
}
