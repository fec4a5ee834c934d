/**
 * Artifacts a run copied back from its machine (docs/cli.md "Artifacts"): the run record lists
 * each one by path, size and SHA-256. Bounded so that a glob matching a whole tree cannot bloat
 * a record: at most 256 entries, paths cut to 1 KiB. The files themselves never leave the
 * user's computer; the coordinator only keeps this list.
 */
import { bounds } from "../api/bounds";
import { truncateUtf8 } from "./utf8";

export interface ArtifactEntry {
  /** The path relative to the run's workdir on the machine, `/`-separated. */
  path: string;
  bytes: number;
  /** Lowercase hex SHA-256 of the content as downloaded. */
  sha256: string;
}

export const artifactBounds = { entries: bounds.artifacts, pathBytes: bounds.artifactPath } as const;

const sha256Hex = /^[0-9a-f]{64}$/;

function boundEntry(input: unknown): ArtifactEntry | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const raw = input as Record<string, unknown>;
  if (typeof raw.path !== "string" || raw.path === "") return undefined;
  if (typeof raw.sha256 !== "string" || !sha256Hex.test(raw.sha256)) return undefined;
  const bytes = typeof raw.bytes === "number" && Number.isFinite(raw.bytes) && raw.bytes >= 0 ? raw.bytes : 0;
  return {
    path: truncateUtf8(raw.path, artifactBounds.pathBytes),
    bytes: Math.trunc(bytes),
    sha256: raw.sha256,
  };
}

/** Keeps the first 256 well-formed entries; anything else is dropped, never refused. */
export function boundArtifacts(input: unknown): ArtifactEntry[] {
  if (!Array.isArray(input)) return [];
  return input
    .map(boundEntry)
    .filter((entry): entry is ArtifactEntry => entry !== undefined)
    .slice(0, artifactBounds.entries);
}
