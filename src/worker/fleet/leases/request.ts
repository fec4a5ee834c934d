import type { LeaseRequest } from "../../../api/leases";
import { CrabboxError } from "../../../errors";
import { fingerprint } from "../../../events/fingerprint";
import type { LeaseRequestedData } from "../../../events/payloads/lease";
import { assertClassOffered } from "../../../providers/class-names";
import type { Market, ProviderName, Target } from "../../../providers/provider";
import { defaultProviderName } from "../../../providers/registry";
import type { FleetSettings } from "../settings";

/**
 * Turns a `POST /v1/leases` body into the one normalised request the coordinator records in
 * `LeaseRequested` (defaults and aliases: docs/api.md#lease-create). Its canonical JSON, together with
 * the caller's owner and org, is the fingerprint that makes a create idempotent: the same
 * request under the same `leaseID` is the same lease, anything else is a conflict.
 */

export const leaseDefaults = {
  ttlSeconds: 5400,
  idleTimeoutSeconds: 1800,
  maxSeconds: 86_400,
  class: "beast",
  profile: "default",
  sshUser: "crabbox",
  sshPort: 2222,
  sshFallbackPorts: [22],
  providerKey: "crabbox-steipete",
} as const;

export interface NormalizedLeaseRequest {
  provider: ProviderName;
  target: Target;
  windowsMode?: "normal";
  desktop: boolean;
  browser: boolean;
  code: boolean;
  keep: boolean;
  profile: string;
  class: string;
  serverType: string;
  serverTypeExplicit: boolean;
  region?: string;
  image?: string;
  market: Market;
  sshUser: string;
  sshPort: number;
  sshFallbackPorts: number[];
  workRoot: string;
  providerKey: string;
  ttlSeconds: number;
  idleTimeoutSeconds: number;
  sshPublicKey: string;
  requestedSlug?: string;
  sshCIDRs?: string[];
}

function invalid(field: string, message: string): CrabboxError {
  return new CrabboxError("invalid_request", `${field} ${message}`, { field });
}

function seconds(value: number | undefined, fallback: number): number {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return fallback;
  return Math.min(Math.trunc(value), leaseDefaults.maxSeconds);
}

function port(field: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw invalid(field, "must be a port between 1 and 65535");
  return n;
}

function target(raw: string | undefined): Target {
  const value = (raw ?? "").trim().toLowerCase();
  if (value === "" || value === "linux" || value === "ubuntu") return "linux";
  if (value === "win" || value === "windows") return "windows";
  if (["mac", "macos", "darwin", "osx"].includes(value)) {
    throw new CrabboxError("unsupported", "target macos is not supported by this coordinator", {
      field: "target",
    });
  }
  throw invalid("target", "must be linux or windows");
}

function windowsMode(raw: string | undefined): "normal" {
  const value = (raw ?? "").trim().toLowerCase();
  if (["", "normal", "native", "powershell"].includes(value)) return "normal";
  if (value === "wsl" || value === "wsl2") {
    throw new CrabboxError("unsupported", "windowsMode wsl2 is not supported by this coordinator", {
      field: "windowsMode",
    });
  }
  throw invalid("windowsMode", "must be normal");
}

/**
 * Targets each provider can create (docs/providers.md): checked here, before the intent is
 * logged, so an impossible target is a 400 naming `target` rather than a provider failure.
 */
const providerTargets: Record<ProviderName, readonly Target[]> = {
  local: ["linux"],
  hetzner: ["linux"],
  aws: ["linux", "windows"],
  azure: ["linux", "windows"],
};

function assertTargetOffered(provider: ProviderName, os: Target): void {
  if (providerTargets[provider].includes(os)) return;
  throw new CrabboxError(
    "unsupported",
    `target ${os} is not available on provider ${provider}; use target ${providerTargets[provider].join(" or ")}, or a provider that offers ${os}`,
    { field: "target" },
  );
}

/** Server type a class resolves to when the request names none; providers apply their own ladders. */
function defaultServerType(provider: ProviderName, machineClass: string): string {
  return provider === "local" ? "local" : machineClass;
}

function regionFor(provider: ProviderName, body: LeaseRequest): string | undefined {
  switch (provider) {
    case "hetzner":
      return body.location?.trim() || undefined;
    case "aws":
      return body.awsRegion?.trim() || undefined;
    case "azure":
      return body.azureLocation?.trim() || undefined;
    case "local":
      return undefined;
  }
}

export function normalizeLeaseRequest(
  body: LeaseRequest,
  env: Record<string, unknown>,
): NormalizedLeaseRequest {
  if (body.tailscale) {
    throw new CrabboxError("unsupported", "tailscale is not supported by this coordinator", {
      field: "tailscale",
    });
  }
  const provider = body.provider ?? defaultProviderName(env);
  const os = target(body.target ?? body.targetOS);
  assertTargetOffered(provider, os);
  const machineClass = body.class?.trim() || leaseDefaults.class;
  const requestedType = body.serverType?.trim();
  assertClassOffered(provider, os, machineClass, requestedType);
  const requestedSlug = body.slug ?? body.requestedSlug;
  const region = regionFor(provider, body);
  const image = provider === "azure" ? body.azureImage?.trim() : body.image?.trim();
  const cloudMarket = provider === "aws" || provider === "azure";
  const normalized: NormalizedLeaseRequest = {
    provider,
    target: os,
    desktop: body.desktop ?? false,
    browser: body.browser ?? false,
    code: body.code ?? false,
    keep: body.keep ?? false,
    profile: body.profile?.trim() || leaseDefaults.profile,
    class: machineClass,
    serverType: requestedType || defaultServerType(provider, machineClass),
    serverTypeExplicit: Boolean(requestedType) && (body.serverTypeExplicit ?? true),
    market: body.capacity?.market ?? (cloudMarket ? "spot" : "on-demand"),
    sshUser: body.sshUser?.trim() || leaseDefaults.sshUser,
    sshPort: body.sshPort ? port("sshPort", body.sshPort) : leaseDefaults.sshPort,
    sshFallbackPorts: [
      ...new Set(
        (body.sshFallbackPorts ?? leaseDefaults.sshFallbackPorts.map(String)).map((p) =>
          port("sshFallbackPorts", p),
        ),
      ),
    ],
    workRoot: body.workRoot?.trim() || (os === "windows" ? "C:\\crabbox" : "/work/crabbox"),
    providerKey: body.providerKey?.trim() || leaseDefaults.providerKey,
    ttlSeconds: seconds(body.ttlSeconds, leaseDefaults.ttlSeconds),
    idleTimeoutSeconds: seconds(body.idleTimeoutSeconds, leaseDefaults.idleTimeoutSeconds),
    sshPublicKey: body.sshPublicKey.trim(),
  };
  if (os === "windows") normalized.windowsMode = windowsMode(body.windowsMode);
  if (region) normalized.region = region;
  if (image) normalized.image = image;
  if (requestedSlug !== undefined && requestedSlug.trim() !== "") normalized.requestedSlug = requestedSlug;
  if (body.awsSSHCIDRs?.length) normalized.sshCIDRs = body.awsSSHCIDRs.map((c) => c.trim()).filter(Boolean);
  return normalized;
}

/** The create's fingerprint: the normalised request plus who asked for it. */
export function leaseRequestFingerprint(
  request: NormalizedLeaseRequest,
  caller: { owner: string; org: string },
): Promise<string> {
  return fingerprint({ request, owner: caller.owner, org: caller.org });
}

export interface RequestedDataInput {
  leaseID: string;
  slug: string;
  request: NormalizedLeaseRequest;
  identity: { owner: string; org: string };
  hourly: number;
  maxUSD: number;
  now: number;
  settings: Pick<FleetSettings, "providerCreateTimeoutMs" | "reconcileGraceMs">;
}

/** The `LeaseRequested` payload: the normalised request with its slug, owner, price and deadline. */
export function requestedData(input: RequestedDataInput): LeaseRequestedData {
  const { leaseID, slug, request, identity, hourly, maxUSD, now, settings } = input;
  const data: LeaseRequestedData = {
    leaseID,
    slug,
    owner: identity.owner,
    org: identity.org,
    provider: request.provider,
    target: request.target,
    desktop: request.desktop,
    browser: request.browser,
    code: request.code,
    profile: request.profile,
    class: request.class,
    requestedServerType: request.serverType,
    serverTypeExplicit: request.serverTypeExplicit,
    providerOptions: {
      ...(request.image ? { image: request.image } : {}),
      ...(request.sshCIDRs?.length ? { sshCIDRs: request.sshCIDRs } : {}),
    },
    providerKey: request.providerKey,
    sshUser: request.sshUser,
    sshPort: String(request.sshPort),
    sshFallbackPorts: request.sshFallbackPorts.map(String),
    sshPublicKey: request.sshPublicKey,
    workRoot: request.workRoot,
    keep: request.keep,
    ttlSeconds: request.ttlSeconds,
    idleTimeoutSeconds: request.idleTimeoutSeconds,
    estimatedHourlyUSD: hourly,
    maxEstimatedUSD: maxUSD,
    provisioningDeadlineAt: now + settings.providerCreateTimeoutMs + settings.reconcileGraceMs,
    market: request.market,
  };
  if (request.windowsMode) data.windowsMode = request.windowsMode;
  if (request.region) data.region = request.region;
  return data;
}
