/**
 * Every bound on what a client may send, in one place: the wire schemas (src/api) and the event
 * catalogue (src/events/catalogue.ts) both build their strings, arrays and timestamps from here,
 * so a request the API edge accepts can never fail the catalogue's check on write
 * (docs/api.md, "Bounds"). Runtime-neutral: imported by the Worker and by the CLI.
 */
import { z } from "zod";

export const bounds = {
  /** Names, classes, server types, regions, images, users, paths: one short line. */
  shortString: 256,
  /** Identifiers (owner, org, share user, slug): no control characters. */
  identifier: 256,
  /** A requested slug (the coordinator adds a 5-character collision suffix at most). */
  slug: 64,
  /** One OpenSSH public key line. */
  sshPublicKey: 8192,
  /** One argv entry of a run's command. */
  commandArg: 4096,
  /** Entries of a run's command. */
  commandArgs: 256,
  /** Shards of one `crabbox shard` group. */
  shards: 256,
  /** Entries of any other list (regions, ports, tags, CIDRs, share users, files). */
  listEntries: 64,
  /** A run event's message or data, a failure message (16 KiB, as the reference truncates). */
  message: 16 * 1024,
  /** A finished run's log tail (`log`), in characters: the CLI keeps the last 8 MiB. */
  log: 8 * 1024 * 1024,
  /** One entry of `logChunks`: the CLI cuts the tail into 64 KiB pieces. */
  logChunk: 64 * 1024,
  /** Entries of `logChunks` (8 MiB in 64 KiB pieces is 128; room for pieces cut short). */
  logChunks: 256,
  /** JUnit result files and failures a finished run lists, and the length of each string. */
  resultFiles: 50,
  resultFailures: 100,
  resultString: 4096,
  /** Telemetry samples one finish may carry (the run keeps a ring of 60). */
  telemetrySamples: 60,
  /** Artifacts a finished run lists, and the length of each path. */
  artifacts: 256,
  artifactPath: 1024,
  /** Earliest and latest accepted timestamps (unix ms): 2000-01-01 and 2100-01-01 UTC. */
  earliestMs: Date.UTC(2000, 0, 1),
  latestMs: Date.UTC(2100, 0, 1),
} as const;

/** C0 controls, DEL and C1 controls: never part of an identifier. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

export function hasControlCharacters(value: string): boolean {
  return controlCharacters.test(value);
}

/** A string of at most `max` characters. */
export function boundedString(max: number = bounds.shortString) {
  return z.string().max(max, `must be at most ${max} characters`);
}

/** A bounded string without control characters (owner, org, slug, share user, class…). */
export function identifierString(max: number = bounds.identifier) {
  return boundedString(max).refine((value) => !hasControlCharacters(value), {
    message: "must not contain control characters",
  });
}

/** A list of at most `max` entries. */
export function boundedArray<T extends z.ZodType>(item: T, max: number = bounds.listEntries) {
  return z.array(item).max(max, `must have at most ${max} entries`);
}

/** An ISO-8601 timestamp between `bounds.earliestMs` and `bounds.latestMs`. */
export const boundedIsoTimestamp = z
  .string()
  .max(64, "must be an ISO-8601 timestamp")
  .refine(
    (value) => {
      const ms = Date.parse(value);
      return Number.isFinite(ms) && ms >= bounds.earliestMs && ms < bounds.latestMs;
    },
    { message: "must be an ISO-8601 timestamp between 2000 and 2100" },
  )
  .describe("ISO-8601 UTC timestamp, e.g. 2026-11-28T12:00:00.000Z");

/** Key types a lease's SSH public key may have (the ones OpenSSH's sshd accepts by default). */
export const sshKeyTypes = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;

function base64Bytes(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Why `line` is not one OpenSSH public key (`<type> <base64 blob> [comment]`), or undefined
 * when it is. The blob is read as SSH wire format (RFC 4253 §6.6): a length-prefixed key type
 * that must equal the line's, followed by the key material; ed25519 keys must be 32 bytes.
 */
export function sshPublicKeyProblem(line: string): string | undefined {
  if (hasControlCharacters(line)) return "must be one line without control characters";
  const [type, blob, ...comment] = line.split(" ");
  if (!type || !blob) return "must be an OpenSSH public key line: <type> <base64> [comment]";
  if (!(sshKeyTypes as readonly string[]).includes(type)) {
    return `key type must be one of ${sshKeyTypes.join(", ")}`;
  }
  if (comment.join(" ").length > bounds.shortString)
    return `comment must be at most ${bounds.shortString} characters`;
  const bytes = base64Bytes(blob);
  if (!bytes) return "key data must be base64";
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const readString = (at: number): [Uint8Array, number] | undefined => {
    if (at + 4 > bytes.length) return undefined;
    const length = view.getUint32(at);
    if (at + 4 + length > bytes.length) return undefined;
    return [bytes.subarray(at + 4, at + 4 + length), at + 4 + length];
  };
  const first = readString(0);
  if (!first || new TextDecoder().decode(first[0]) !== type) return "key data does not match its key type";
  if (type === "ssh-ed25519") {
    const key = readString(first[1]);
    if (!key || key[0].length !== 32 || key[1] !== bytes.length) return "ed25519 key data must be 32 bytes";
  } else if (first[1] >= bytes.length) {
    return "key data is truncated";
  }
  return undefined;
}

/** `sshPublicKey`: trimmed, bounded, and a parseable OpenSSH public key of an allowed type. */
export const sshPublicKeyString = z
  .string()
  .max(bounds.sshPublicKey, `must be at most ${bounds.sshPublicKey} characters`)
  .trim()
  .min(1, "sshPublicKey is required")
  .superRefine((value, ctx) => {
    const problem = sshPublicKeyProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
