import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isCrabboxError } from "../../../src/errors";
import {
  bootstrapScriptPath,
  linuxBootstrapPackages,
  linuxCloudInit,
  readinessCommandPath,
  readinessMarkerPath,
  sshdConfigPath,
} from "../../../src/providers/bootstrap/linux";

const key =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHc0bWlzc2luZ2tleW1hdGVyaWFsZm9ydGVzdHM crabbox-cbx-0123456789ab";
const input = {
  sshUser: "crabbox",
  sshPublicKey: key,
  sshPort: 2222,
  sshFallbackPorts: [22],
  workRoot: "/work/crabbox",
};

interface WriteFile {
  path: string;
  permissions: string;
  content: string;
}

function documentOf(text: string) {
  return parse(text) as {
    users: Array<Record<string, unknown>>;
    write_files: WriteFile[];
    runcmd: string[][];
    ssh_pwauth: boolean;
    disable_root: boolean;
    packages?: unknown;
  };
}

function file(doc: ReturnType<typeof documentOf>, path: string): WriteFile {
  const found = doc.write_files.find((f) => f.path === path);
  if (!found) throw new Error(`no ${path} in write_files`);
  return found;
}

describe("the Linux cloud-init document", () => {
  const text = linuxCloudInit(input);
  const doc = documentOf(text);

  it("starts with the cloud-config header and parses as YAML", () => {
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    expect(doc).toBeTypeOf("object");
  });

  it("creates exactly one user, crabbox, who logs in with the lease key only", () => {
    expect(doc.users).toEqual([
      {
        name: "crabbox",
        groups: "sudo",
        shell: "/bin/bash",
        sudo: "ALL=(ALL) NOPASSWD:ALL",
        lock_passwd: true,
        ssh_authorized_keys: [key],
      },
    ]);
    expect(doc.ssh_pwauth).toBe(false);
    expect(doc.disable_root).toBe(true);
  });

  it("configures sshd for ports 2222 then 22 with password logins off", () => {
    const sshd = file(doc, sshdConfigPath).content.split("\n").filter(Boolean);
    expect(sshd.filter((l) => l.startsWith("Port "))).toEqual(["Port 2222", "Port 22"]);
    expect(sshd).toContain("PasswordAuthentication no");
    expect(sshd).toContain("KbdInteractiveAuthentication no");
    expect(sshd).toContain("PermitRootLogin no");
  });

  it("installs exactly the intended packages from the bootstrap script, not the packages key", () => {
    expect(doc.packages).toBeUndefined();
    const script = file(doc, bootstrapScriptPath).content;
    const install = script.split("\n").find((l) => l.includes("apt-get install"));
    expect(install?.split("--no-install-recommends ")[1]?.split(" ")).toEqual([...linuxBootstrapPackages]);
    expect([...linuxBootstrapPackages].sort()).toEqual(
      ["ca-certificates", "curl", "git", "jq", "openssh-server", "rsync", "tar"].sort(),
    );
  });

  it("makes the work root writable for the user and touches the readiness marker last", () => {
    const script = file(doc, bootstrapScriptPath).content.split("\n");
    expect(script).toContain("mkdir -p '/work/crabbox'");
    expect(script).toContain("chown -R crabbox:crabbox '/work/crabbox'");
    const touch = script.indexOf(`touch ${readinessMarkerPath}`);
    const sshRestart = script.findIndex((l) => l.includes("systemctl restart ssh"));
    expect(sshRestart).toBeGreaterThan(0);
    expect(touch).toBeGreaterThan(sshRestart);
    expect(script[touch + 1]).toBe(readinessCommandPath);
    expect(doc.runcmd).toEqual([[bootstrapScriptPath]]);
  });

  it("ships a readiness command that checks the marker, the tools and the work root", () => {
    const ready = file(doc, readinessCommandPath);
    expect(ready.permissions).toBe("0755");
    for (const check of [
      "git --version",
      "rsync --version",
      "curl --version",
      "jq --version",
      "tar --version",
      `test -f ${readinessMarkerPath}`,
      "test -w '/work/crabbox'",
    ]) {
      expect(ready.content).toContain(check);
    }
  });

  it("writes shell scripts that bash accepts, and a readiness check that fails before bootstrap", () => {
    for (const path of [bootstrapScriptPath, readinessCommandPath]) {
      const check = spawnSync("bash", ["-n"], { input: file(doc, path).content });
      expect(check.status, `${path}: ${check.stderr}`).toBe(0);
    }
    // This host was never bootstrapped: the marker is absent, so the real script must refuse.
    const run = spawnSync("bash", ["-s"], { input: file(doc, readinessCommandPath).content });
    expect(run.status).not.toBe(0);
  });

  it("lists each SSH port once even when the fallback repeats the primary", () => {
    const single = documentOf(linuxCloudInit({ ...input, sshPort: 22, sshFallbackPorts: [22] }));
    const ports = file(single, sshdConfigPath)
      .content.split("\n")
      .filter((l) => l.startsWith("Port "));
    expect(ports).toEqual(["Port 22"]);
  });
});

describe("bad bootstrap input", () => {
  const cases: Array<[string, Partial<typeof input>]> = [
    ["sshUser", { sshUser: "Bad User" }],
    ["sshUser", { sshUser: "root" }],
    ["sshPublicKey", { sshPublicKey: "not a key" }],
    ["sshPublicKey", { sshPublicKey: `${key}\nssh-ed25519 AAAA second` }],
    ["workRoot", { workRoot: "relative/path" }],
    ["workRoot", { workRoot: "/work/$(reboot)" }],
    ["workRoot", { workRoot: "/work/../etc" }],
    ["sshPort", { sshPort: 70000 }],
  ];
  it.each(cases)("is refused with a clear error naming %s", (field, change) => {
    try {
      linuxCloudInit({ ...input, ...change });
      expect.unreachable("accepted bad input");
    } catch (error) {
      expect(isCrabboxError(error)).toBe(true);
      expect((error as { code: string }).code).toBe("invalid_request");
      expect((error as { details: { field: string } }).details.field).toBe(field);
    }
  });
});
