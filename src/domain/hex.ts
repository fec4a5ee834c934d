/** Lowercase hex of bytes (digests, signatures, random ids): the one spelling every caller shares. */
export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
