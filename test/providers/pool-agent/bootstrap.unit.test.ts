import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isCrabboxError } from "../../../src/errors";
import {
  bootstrapScriptPath,
  linuxCloudInit,
  readinessMarkerPath,
} from "../../../src/providers/bootstrap/linux";
import {
  poolAgentConfigPath,
  poolAgentScript,
  poolAgentScriptPath,
  poolAgentUnitName,
  poolAgentUnitPath,
} from "../../../src/providers/pool-agent/agent-script";

const input = {
  sshUser: "crabbox",
  sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc0bWlzc2luZ2tleW1hdGVyaWFsZm9ydGVzdHM crabbox-pool",
  sshPort: 2222,
  sshFallbackPorts: [22],
  workRoot: "/work/crabbox",
};
const token = "ab".repeat(32);

function documentOf(text: string) {
  return parse(text) as {
    write_files: Array<{ path: string; permissions: string; owner?: string; content: string }>;
    runcmd: string[][];
  };
}

describe("the pool agent in the Linux cloud-init", () => {
  it("is absent from a lease machine's cloud-init", () => {
    const text = linuxCloudInit(input);
    expect(text).not.toContain("pool-agent");
    expect(documentOf(text).runcmd).toEqual([[bootstrapScriptPath]]);
  });

  it("is installed, configured and started before the bootstrap on a pool machine", () => {
    const text = linuxCloudInit({ ...input, poolAgent: { port: 8922, token } });
    const doc = documentOf(text);
    const file = (path: string) => doc.write_files.find((f) => f.path === path);
    expect(file(poolAgentScriptPath)?.content).toBe(poolAgentScript);
    expect(file(poolAgentScriptPath)?.permissions).toBe("0755");
    expect(file(poolAgentUnitPath)?.content).toContain(`ExecStart=/usr/bin/python3 ${poolAgentScriptPath}`);
    const config = file(poolAgentConfigPath);
    expect(config).toMatchObject({ permissions: "0600", owner: "root:root" });
    expect(JSON.parse(config?.content ?? "")).toEqual({
      bind: "0.0.0.0",
      port: 8922,
      token,
      authorizedKeysPath: "/home/crabbox/.ssh/authorized_keys",
      user: "crabbox",
      readyMarker: readinessMarkerPath,
      doneMarker: "/var/lib/crabbox/pool-agent-handed-over",
      afterHandOver: ["systemctl", "disable", poolAgentUnitName],
    });
    expect(doc.runcmd).toEqual([
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "--now", poolAgentUnitName],
      [bootstrapScriptPath],
    ]);
    // The token is in the root-only config file and nowhere else of the user-data.
    expect(text.split(token)).toHaveLength(2);
  });

  it("refuses a malformed token or a port the SSH daemon uses, naming the field and not the token", () => {
    const bad = `${token.slice(0, 60)}XYZW`;
    const caught = (poolAgent: { port: number; token: string }) => {
      try {
        linuxCloudInit({ ...input, poolAgent });
      } catch (error) {
        if (isCrabboxError(error)) return error;
      }
      throw new Error("expected invalid_request");
    };
    const tokenError = caught({ port: 8922, token: bad });
    expect(tokenError.code).toBe("invalid_request");
    expect(tokenError.details).toMatchObject({ field: "poolAgent.token" });
    expect(JSON.stringify({ m: tokenError.message, d: tokenError.details })).not.toContain(bad);
    expect(caught({ port: 2222, token }).details).toMatchObject({ field: "poolAgent.port" });
    expect(caught({ port: 80, token }).details).toMatchObject({ field: "poolAgent.port" });
  });
});
