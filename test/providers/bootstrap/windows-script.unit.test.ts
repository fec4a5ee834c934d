import { describe, expect, it } from "vitest";
import {
  windowsBootstrapScript,
  windowsExtensionCommand,
  windowsGitInstallerSha256,
  windowsOpenSSHMsiSha256,
  windowsReadinessMarker,
  windowsSshdConfig,
} from "../../../src/providers/bootstrap/windows";

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl lease-key";
const spec = {
  sshUser: "crabbox",
  sshPublicKey: key,
  sshPort: 2222,
  sshFallbackPorts: [22],
  workRoot: "C:\\crabbox",
};

/** The single-quoted PowerShell assignments of the script, by variable. */
function assignments(script: string): Record<string, string> {
  return Object.fromEntries([...script.matchAll(/^\$(Crabbox\w+) = (.+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe("native Windows bootstrap script", () => {
  const script = windowsBootstrapScript(spec);

  it("names exactly one user, the lease key, the work root and the ports 2222 then 22", () => {
    const vars = assignments(script);
    expect(vars.CrabboxUser).toBe("'crabbox'");
    expect(vars.CrabboxPublicKey).toBe(`'${key}'`);
    expect(vars.CrabboxWorkRoot).toBe("'C:\\crabbox'");
    expect(vars.CrabboxPorts).toBe("@(2222, 22)");
    expect(script.match(/New-LocalUser/g)).toHaveLength(1);
    expect(script).toContain("Add-LocalGroupMember -SID 'S-1-5-32-544' -Member $CrabboxUser");
  });

  it("configures sshd for key-only logins on exactly the lease ports", () => {
    const config = windowsSshdConfig([2222, 22]);
    expect(config.match(/^Port \d+$/gm)).toEqual(["Port 2222", "Port 22"]);
    expect(config).toMatch(/^PasswordAuthentication no$/m);
    expect(config).toMatch(/^PubkeyAuthentication yes$/m);
    expect(config).toMatch(/^KbdInteractiveAuthentication no$/m);
    expect(config).toContain("AuthorizedKeysFile __PROGRAMDATA__/ssh/administrators_authorized_keys");
    const embedded = script.split("$sshdConfig = @'\r\n")[1]!.split("\r\n'@")[0]!;
    expect(`${embedded.replace(/\r\n/g, "\n")}\n`).toBe(config);
    expect(script).toContain("administrators_authorized_keys");
    expect(script).toContain("/inheritance:r /grant '*S-1-5-18:F' /grant '*S-1-5-32-544:F'");
    expect(script.match(/New-NetFirewallRule/g)).toHaveLength(1);
    expect(script).toContain('$rule = "crabbox-sshd-$port"');
  });

  it("installs OpenSSH and git only from pinned releases, and leaves tar to Windows", () => {
    const urls = [...script.matchAll(/https:\/\/[^\s']+/g)].map((m) => m[0]);
    expect(urls).toEqual([
      "https://github.com/PowerShell/Win32-OpenSSH/releases/download/v9.8.3.0p2-Preview/OpenSSH-Win64-v9.8.3.0.msi",
      "https://github.com/git-for-windows/git/releases/download/v2.52.0.windows.1/Git-2.52.0-64-bit.exe",
    ]);
    expect(script).toContain("'/VERYSILENT', '/NORESTART'");
    expect(script).toMatch(/^tar --version$/m);
    expect(script).toMatch(/^git --version$/m);
  });

  it("checks each download's pinned SHA-256 before running it", () => {
    const vars = Object.fromEntries(
      [...script.matchAll(/^\$(\w+Sha256) = '([0-9A-F]{64})'$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    expect(vars).toEqual({
      OpenSSHMsiSha256: windowsOpenSSHMsiSha256,
      GitInstallerSha256: windowsGitInstallerSha256,
    });
    for (const [file, hash, run] of [
      ["$msi", "$OpenSSHMsiSha256", "msiexec.exe"],
      ["$installer", "$GitInstallerSha256", "Start-Process -FilePath $installer"],
    ] as const) {
      const download = script.indexOf(`-OutFile ${file}`);
      const check = script.indexOf(`Assert-CrabboxSha256 ${file} ${hash}`);
      expect(download).toBeGreaterThan(0);
      expect(check).toBeGreaterThan(download);
      expect(script.indexOf(run, download)).toBeGreaterThan(check);
    }
    expect(script).toContain("(Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash");
  });

  it("runs ssh-keygen from where the sshd service lives, whether installed here or shipped in System32", () => {
    const lines = script.split("\r\n");
    const installEnd = lines.indexOf(
      "}",
      lines.findIndex((l) => l.startsWith("if (-not (Get-Service -Name sshd")),
    );
    const resolve = lines.findIndex((l) => l.includes("$service.PathName -match"));
    const keygen = lines.findIndex((l) => l.includes("'ssh-keygen.exe') -A"));
    // outside the install block: it also runs when the image already has the service
    expect(resolve).toBeGreaterThan(installEnd);
    expect(keygen).toBeGreaterThan(resolve);
    // the script's own pattern, applied to the service paths Windows reports
    const pattern = new RegExp(/-match '([^']+)'/.exec(lines[resolve]!)![1]!);
    expect(pattern.exec('"C:\\Windows\\System32\\OpenSSH\\sshd.exe"')?.[1]).toBe(
      "C:\\Windows\\System32\\OpenSSH\\sshd.exe",
    );
    expect(pattern.exec("C:\\Program Files\\OpenSSH\\sshd.exe -f x")?.[1]).toBe(
      "C:\\Program Files\\OpenSSH\\sshd.exe",
    );
  });

  it("writes the readiness marker last and never restarts the machine", () => {
    const lines = script.trimEnd().split("\r\n");
    expect(lines.at(-1)).toContain("$CrabboxMarker");
    expect(assignments(script).CrabboxMarker).toBe(`'${windowsReadinessMarker}'`);
    expect(script).not.toMatch(/Restart-Computer|shutdown(\.exe)?\s+\/r/i);
    expect(script).toContain("Restart-Service -Name sshd -Force");
    expect(script.indexOf("Restart-Service -Name sshd")).toBeLessThan(
      script.indexOf("[IO.File]::WriteAllText($CrabboxMarker"),
    );
  });

  it("contains no password or secret: the local password is generated on the machine and dropped", () => {
    expect(script).not.toMatch(/adminPassword|client_secret|ConvertTo-SecureString '[^']/i);
    expect(script).toContain("RandomNumberGenerator");
    expect(script).toContain("Remove-Variable secret, password");
    expect(script).not.toMatch(/windows\.password|Set-Content[^\n]*password/i);
  });

  it("rejects values that could break out of the script", () => {
    expect(() => windowsBootstrapScript({ ...spec, sshUser: "crab'box" })).toThrow(/sshUser/);
    expect(() => windowsBootstrapScript({ ...spec, sshUser: "administrator" })).toThrow(/sshUser/);
    expect(() =>
      windowsBootstrapScript({ ...spec, sshPublicKey: `${key}'; Remove-Item C:\\ -Recurse` }),
    ).toThrow(/sshPublicKey/);
    expect(() => windowsBootstrapScript({ ...spec, workRoot: "C:\\crabbox'; calc" })).toThrow(/workRoot/);
    expect(() => windowsBootstrapScript({ ...spec, workRoot: "C:\\..\\Windows" })).toThrow(/workRoot/);
    expect(() => windowsBootstrapScript({ ...spec, sshPort: 70000 })).toThrow(/SSH port 70000/);
  });

  it("deduplicates a fallback port equal to the main port", () => {
    const vars = assignments(windowsBootstrapScript({ ...spec, sshFallbackPorts: [2222, 22] }));
    expect(vars.CrabboxPorts).toBe("@(2222, 22)");
  });

  it("runs through the extension by copying the custom data to a .ps1 and propagating its exit code", () => {
    const command = windowsExtensionCommand();
    expect(command).toMatch(/^powershell\.exe -NoProfile -ExecutionPolicy Bypass -Command "/);
    expect(command).toContain("Copy-Item -Path $env:SystemDrive\\AzureData\\CustomData.bin");
    expect(command).toContain("-File $env:SystemDrive\\AzureData\\crabbox-bootstrap.ps1; exit $LASTEXITCODE");
  });
});
