/** The newest official image for a target: Ubuntu 24.04 by Canonical, Windows Server 2022 by Amazon. */
import { DescribeImagesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { CrabboxError } from "../../errors";
import type { Target } from "../provider";

const imageQueries = {
  linux: { owner: "099720109477", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*" },
  windows: { owner: "amazon", name: "Windows_Server-2022-English-Full-Base-*" },
} as const satisfies Record<Target, { owner: string; name: string }>;

export async function latestImage(
  client: EC2Client,
  target: Target,
  region: string,
  signal?: AbortSignal,
): Promise<string> {
  const query = imageQueries[target];
  const result = await client.send(
    new DescribeImagesCommand({
      Owners: [query.owner],
      Filters: [
        { Name: "name", Values: [query.name] },
        { Name: "architecture", Values: ["x86_64"] },
        { Name: "root-device-type", Values: ["ebs"] },
        { Name: "virtualization-type", Values: ["hvm"] },
        { Name: "state", Values: ["available"] },
      ],
    }),
    { abortSignal: signal },
  );
  const newest = [...(result.Images ?? [])].sort((a, b) =>
    (b.CreationDate ?? "").localeCompare(a.CreationDate ?? ""),
  )[0];
  if (!newest?.ImageId) throw new CrabboxError("provider_error", `no ${target} image found in ${region}`);
  return newest.ImageId;
}
