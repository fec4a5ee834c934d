import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hostKeyLine, verifyHostKey } from "../../../src/cli/ssh/known-hosts";
import { isCrabboxError } from "../../../src/errors";

function blob(type: string, body: string): Buffer {
  const typeBuf = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(typeBuf.length);
  return Buffer.concat([len, typeBuf, Buffer.from(body)]);
}

const keyA = blob("ssh-ed25519", "key-a-material-0123456789abcdef");
const keyB = blob("ssh-ed25519", "key-b-material-0123456789abcdef");

function stageOf(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return isCrabboxError(error) ? error.details?.stage : error;
  }
  return "accepted";
}

describe("host key pinning", () => {
  it("pins the first key it sees and accepts it again", () => {
    const path = join(mkdtempSync(join(tmpdir(), "kh-")), "nested", "known_hosts");
    verifyHostKey({ policy: "pin", alias: "[127.0.0.1]:2222", knownHostsPath: path }, keyA);
    expect(readFileSync(path, "utf8")).toBe(`[127.0.0.1]:2222 ${hostKeyLine(keyA)}\n`);
    expect(
      stageOf(() => verifyHostKey({ policy: "pin", alias: "[127.0.0.1]:2222", knownHostsPath: path }, keyA)),
    ).toBe("accepted");
  });

  it("refuses a changed key and tells where to remove the stale line", () => {
    const path = join(mkdtempSync(join(tmpdir(), "kh-")), "known_hosts");
    verifyHostKey({ policy: "pin", alias: "cbx_0123456789ab", knownHostsPath: path }, keyA);
    try {
      verifyHostKey({ policy: "pin", alias: "cbx_0123456789ab", knownHostsPath: path }, keyB);
      expect.unreachable();
    } catch (error) {
      expect(isCrabboxError(error) && error.code).toBe("ssh_failed");
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toMatch(/changed/);
    }
  });

  it("keeps keys of different aliases apart", () => {
    const path = join(mkdtempSync(join(tmpdir(), "kh-")), "known_hosts");
    verifyHostKey({ policy: "pin", alias: "lease-one", knownHostsPath: path }, keyA);
    expect(
      stageOf(() => verifyHostKey({ policy: "pin", alias: "lease-two", knownHostsPath: path }, keyB)),
    ).toBe("accepted");
  });

  it("in strict mode refuses an unknown host and writes nothing", () => {
    const path = join(mkdtempSync(join(tmpdir(), "kh-")), "known_hosts");
    expect(stageOf(() => verifyHostKey({ policy: "strict", alias: "h", knownHostsPath: path }, keyA))).toBe(
      "host-key",
    );
    writeFileSync(path, `h ${hostKeyLine(keyA)}\n`);
    expect(stageOf(() => verifyHostKey({ policy: "strict", alias: "h", knownHostsPath: path }, keyA))).toBe(
      "accepted",
    );
  });

  it("requires the coordinator-recorded key when one is given, even under accept-on-first-use", () => {
    const path = join(mkdtempSync(join(tmpdir(), "kh-")), "known_hosts");
    const check = {
      policy: "pin" as const,
      alias: "h",
      knownHostsPath: path,
      expectedHostKey: `${hostKeyLine(keyA)} comment`,
    };
    expect(stageOf(() => verifyHostKey(check, keyA))).toBe("accepted");
    expect(stageOf(() => verifyHostKey(check, keyB))).toBe("host-key");
  });
});
