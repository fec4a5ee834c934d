import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { encodePrivateKey, encodePublicKey, generateEd25519 } from "../../../src/cli/keys/openssh";
import { deleteLeaseKey, ensureLeaseKey, readLeaseKey } from "../../../src/cli/keys/store";
import { sandbox } from "../support";

describe("ed25519 keys in OpenSSH formats", () => {
  it("produces a private key ssh2 parses, whose public half is the public line", () => {
    const pair = generateEd25519("crabbox cbx_000000000001");
    const parsed = ssh2.utils.parseKey(pair.privateKey);
    if (parsed instanceof Error) throw parsed;
    const key = Array.isArray(parsed) ? parsed[0]! : parsed;
    expect(key.type).toBe("ssh-ed25519");
    expect(key.comment).toBe("crabbox cbx_000000000001");
    expect(`ssh-ed25519 ${key.getPublicSSH().toString("base64")} crabbox cbx_000000000001`).toBe(
      pair.publicKey,
    );
    const data = Buffer.from("challenge");
    expect(key.verify(data, key.sign(data) as Buffer)).toBe(true);
  });

  it("is byte-exact for a fixed key (RFC 8032 test vector 1)", () => {
    const seed = Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex");
    const pub = Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex");
    expect(encodePublicKey(pub, "")).toBe(
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea",
    );
    const pem = encodePrivateKey(seed, pub, "c", 0x01020304);
    const body = Buffer.from(pem.split("\n").slice(1, -2).join(""), "base64");
    expect(body.subarray(0, 15).toString("latin1")).toBe("openssh-key-v1\0");
    expect(body.includes(Buffer.concat([seed, pub]))).toBe(true);
    expect(body.includes(Buffer.from([1, 2, 3, 4, 1, 2, 3, 4]))).toBe(true);
  });

  it.runIf(existsSync("/usr/bin/ssh-keygen"))("is accepted by OpenSSH's ssh-keygen", () => {
    const s = sandbox();
    const key = ensureLeaseKey(s.env, "cbx_0123456789ab");
    const derived = execFileSync("ssh-keygen", ["-y", "-f", key.privateKeyPath], { encoding: "utf8" }).trim();
    expect(derived.split(" ").slice(0, 2)).toEqual(key.publicKey.split(" ").slice(0, 2));
  });
});

describe("per-lease key store", () => {
  it("stores the key under the user config dir with a private 0600 file, reuses it, and deletes it", () => {
    const s = sandbox();
    const key = ensureLeaseKey(s.env, "cbx_0123456789ab");
    expect(key.privateKeyPath).toBe(join(s.configDir, "leases", "cbx_0123456789ab", "id_ed25519"));
    expect(statSync(key.privateKeyPath).mode & 0o777).toBe(0o600);
    expect(statSync(key.dir).mode & 0o777).toBe(0o700);
    expect(ensureLeaseKey(s.env, "cbx_0123456789ab").publicKey).toBe(key.publicKey);
    expect(readFileSync(`${key.privateKeyPath}.pub`, "utf8").trim()).toBe(key.publicKey);
    deleteLeaseKey(s.env, "cbx_0123456789ab");
    expect(readLeaseKey(s.env, "cbx_0123456789ab")).toBeUndefined();
  });
});
