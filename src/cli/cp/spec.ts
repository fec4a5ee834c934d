/**
 * `crabbox cp` operands (docs/cli.md "crabbox cp"): exactly one side is `<lease>:<path>`,
 * where the lease is an ID or slug. A single letter before `:` is a Windows drive (`C:\x`),
 * and anything starting with `.`, `/` or `~` is a local path, so local names never need quoting.
 */
import { CrabboxError } from "../../errors";

export type CpSide = { kind: "local"; path: string } | { kind: "remote"; lease: string; path: string };

const remoteSpec = /^([A-Za-z0-9][A-Za-z0-9_-]+):(.*)$/s;

export function parseSide(operand: string): CpSide {
  if (/^[./~\\]/.test(operand)) return { kind: "local", path: operand };
  const m = remoteSpec.exec(operand);
  if (!m) return { kind: "local", path: operand };
  return { kind: "remote", lease: m[1]!, path: m[2]! };
}

export type CpPlan =
  | { direction: "upload"; lease: string; local: string; remote: string }
  | { direction: "download"; lease: string; local: string; remote: string };

export function planCopy(source: string, destination: string): CpPlan {
  const from = parseSide(source);
  const to = parseSide(destination);
  const usage = "crabbox cp ./local <lease>:remote-path, or crabbox cp <lease>:remote-path ./local";
  if (from.kind === "remote" && to.kind === "remote")
    throw new CrabboxError(
      "usage",
      `cp copies between this computer and one lease, not between leases: ${usage}`,
    );
  if (from.kind === "local" && to.kind === "local")
    throw new CrabboxError("usage", `cp needs one side as <lease>:<path> (see crabbox list): ${usage}`);
  const remote = from.kind === "remote" ? from : (to as Extract<CpSide, { kind: "remote" }>);
  const local = from.kind === "local" ? from : (to as Extract<CpSide, { kind: "local" }>);
  if (local.path === "") throw new CrabboxError("usage", `cp needs a local path: ${usage}`);
  if (remote.path.includes("\0") || local.path.includes("\0"))
    throw new CrabboxError("usage", "cp paths cannot contain NUL bytes");
  return from.kind === "remote"
    ? { direction: "download", lease: remote.lease, local: local.path, remote: remote.path }
    : { direction: "upload", lease: remote.lease, local: local.path, remote: remote.path };
}
