/**
 * Which endpoint URLs a coordinator may call (no server-side request forgery). A deployed
 * coordinator calls only `https` URLs whose host is a public name or a public IP literal; the
 * local stack (`CRABBOX_WEBHOOK_ALLOW_PRIVATE=1`) may also call `http` and loopback or private
 * addresses, where its receivers live. Pure: the rules are checked at registration and again
 * before every delivery (docs/api.md, "Webhooks").
 *
 * A public name that resolves to a private address is not caught here (a Worker cannot resolve
 * names); Cloudflare's outbound network does not route to private ranges.
 */
import { CrabboxError } from "../../../errors";

function ipv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

function privateIpv4([a = 0, b = 0]: number[]): boolean {
  return (
    a === 0 || // "this" network
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local, cloud metadata
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) || // IETF assignments, 192.0.0.0/24 and TEST-NET-1 /24 neighbours
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a >= 224 // multicast and reserved
  );
}

function privateIpv6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "::" || h === "::1") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped) {
    const v4 = ipv4(mapped[1] ?? "");
    return v4 === undefined || privateIpv4(v4);
  }
  // ::ffff:7f00:1 and other hex forms of mapped addresses: refuse every ::ffff: form.
  if (h.startsWith("::ffff:")) return true;
  const first = Number.parseInt(h.split(":")[0] || "0", 16);
  return (
    (first & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (first & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (first & 0xff00) === 0xff00 // multicast
  );
}

const privateSuffixes = [".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet"];

/** True when `hostname` (as `URL.hostname` gives it) names a loopback, private or reserved place. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[") && host.endsWith("]")) return privateIpv6(host.slice(1, -1));
  const v4 = ipv4(host);
  if (v4) return privateIpv4(v4);
  // Numeric forms the URL parser did not normalise (e.g. a bare integer) are refused too.
  if (/^[\d.]+$/.test(host) || /^0x/i.test(host)) return true;
  if (host === "localhost" || !host.includes(".")) return true;
  return privateSuffixes.some((suffix) => host.endsWith(suffix));
}

/** Throws `invalid_request` naming `url` when this coordinator may not call it. */
export function assertDeliverable(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CrabboxError("invalid_request", "body field url: not a URL", { field: "url" });
  }
  if (url.username || url.password) {
    throw new CrabboxError("invalid_request", "body field url: credentials in the URL are not accepted", {
      field: "url",
    });
  }
  if (allowPrivate) {
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new CrabboxError("invalid_request", "body field url: must be http or https", { field: "url" });
    }
    return url;
  }
  if (url.protocol !== "https:") {
    throw new CrabboxError(
      "invalid_request",
      "body field url: a deployed coordinator delivers to https only",
      {
        field: "url",
      },
    );
  }
  if (isPrivateHost(url.hostname)) {
    throw new CrabboxError(
      "invalid_request",
      "body field url: a loopback, private or reserved address is refused on a deployed coordinator (CRABBOX_WEBHOOK_ALLOW_PRIVATE=1 on the local stack only)",
      { field: "url" },
    );
  }
  return url;
}
