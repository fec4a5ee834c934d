import { bounds } from "../../api/bounds";

/** Org names as the coordinator stores them: `[a-zA-Z0-9_.@-]`, other characters → `_`, ≤63. */
export function sanitizeOrg(raw: string | undefined): string | undefined {
  const cleaned = (raw ?? "")
    .trim()
    .replace(/[^a-zA-Z0-9_.@-]/g, "_")
    .slice(0, 63);
  return cleaned === "" ? undefined : cleaned;
}

/** Owners are e-mails or GitHub addresses; trimmed, capped, never empty. */
export function sanitizeOwner(raw: string | undefined): string | undefined {
  const cleaned = (raw ?? "").trim().slice(0, bounds.identifier);
  return cleaned === "" ? undefined : cleaned;
}
