import { generateKeyPairSync, randomBytes } from "node:crypto";

/**
 * Ed25519 keys in the two OpenSSH text formats, encoded here so that no `ssh-keygen`
 * is needed: the `ssh-ed25519 AAAA… comment` public line and the unencrypted
 * `openssh-key-v1` private key (PROTOCOL.key in the OpenSSH sources).
 */

export interface Ed25519KeyPair {
  /** One line, `ssh-ed25519 <base64> <comment>`, no trailing newline. */
  publicKey: string;
  /** PEM-armoured `OPENSSH PRIVATE KEY`, with a trailing newline. */
  privateKey: string;
}

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

export function publicKeyBlob(publicKey: Buffer): Buffer {
  return Buffer.concat([sshString("ssh-ed25519"), sshString(publicKey)]);
}

export function encodePublicKey(publicKey: Buffer, comment: string): string {
  return `ssh-ed25519 ${publicKeyBlob(publicKey).toString("base64")}${comment ? ` ${comment}` : ""}`;
}

export function encodePrivateKey(
  seed: Buffer,
  publicKey: Buffer,
  comment: string,
  checkInt?: number,
): string {
  const check = checkInt ?? randomBytes(4).readUInt32BE();
  const unpadded = Buffer.concat([
    uint32(check),
    uint32(check),
    sshString("ssh-ed25519"),
    sshString(publicKey),
    sshString(Buffer.concat([seed, publicKey])),
    sshString(comment),
  ]);
  const padLength = (8 - (unpadded.length % 8)) % 8;
  const padding = Buffer.from(Array.from({ length: padLength }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "latin1"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    uint32(1),
    sshString(publicKeyBlob(publicKey)),
    sshString(Buffer.concat([unpadded, padding])),
  ]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

/** A fresh key pair generated in-process. */
export function generateEd25519(comment: string): Ed25519KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const pub = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url");
  const seed = Buffer.from(privateKey.export({ format: "jwk" }).d as string, "base64url");
  return { publicKey: encodePublicKey(pub, comment), privateKey: encodePrivateKey(seed, pub, comment) };
}
