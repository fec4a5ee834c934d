import { describe, expect, it } from "vitest";
import { windowsApplyCommand, windowsSnapshotCommand } from "../../../src/cli/sync/remote-windows";

function decode(command: string): string {
  expect(command).toMatch(
    /^powershell\.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand \S+$/,
  );
  return Buffer.from(command.split(" ").at(-1) ?? "", "base64").toString("utf16le");
}

describe("native Windows sync scripts", () => {
  const workdir = "C:\\crabbox\\cbx_0123456789ab\\it's repo";

  it("snapshot reads the state file by absolute path and only skips the body for the known fingerprint", () => {
    const script = decode(windowsSnapshotCommand(workdir, "f00d"));
    expect(script).toContain(
      "$crabboxState = 'C:\\crabbox\\cbx_0123456789ab\\it''s repo\\.crabbox\\manifest'",
    );
    expect(script).toContain("if ($crabboxHead -eq 'crabbox-sync-state v1 f00d') {");
    expect(decode(windowsSnapshotCommand(workdir))).toContain("if ($false) {");
  });

  it("apply extracts with tar.exe, deletes after extraction and swaps the state in last", () => {
    const script = decode(windowsApplyCommand(workdir));
    const order = [
      "Set-Location -LiteralPath 'C:\\crabbox\\cbx_0123456789ab\\it''s repo'",
      "tar.exe -xf -",
      "Remove-Item -LiteralPath $crabboxPath",
      "Move-Item -LiteralPath '.crabbox\\incoming\\manifest'",
    ];
    const positions = order.map((needle) => script.indexOf(needle));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(script).toContain("if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }");
    expect(script).toContain("Join-Path $PWD.ProviderPath");
  });
});
