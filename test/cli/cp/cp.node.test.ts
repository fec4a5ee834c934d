import { spawn } from "node:child_process";
import { once } from "node:events";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pack as tarPack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { CP_MISSING_EXIT, downloadCommand, resolveRemote, uploadCommand } from "../../../src/cli/cp/scripts";
import { planCopy } from "../../../src/cli/cp/spec";
import { download, upload } from "../../../src/cli/cp/transfer";
import type { ExecOptions, SshSession } from "../../../src/cli/ssh/connect";

function decode(command: string): string {
  expect(command).toMatch(
    /^powershell\.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand \S+$/,
  );
  return Buffer.from(command.split(" ").at(-1) ?? "", "base64").toString("utf16le");
}

/** A session whose commands run in this computer's /bin/sh, as a POSIX machine runs them. */
function shSession(): SshSession {
  return {
    exec: (command: string, options: ExecOptions = {}) =>
      new Promise((resolve, reject) => {
        const child = spawn("/bin/sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"] });
        if (options.stdout) child.stdout.pipe(options.stdout, { end: false });
        else child.stdout.on("data", (c: Buffer) => options.onStdout?.(c));
        child.stderr.on("data", (c: Buffer) => options.onStderr?.(c));
        child.on("error", reject);
        child.on("close", (code) => resolve({ exitCode: code ?? 1 }));
        const stdin = options.stdin;
        if (stdin === undefined) child.stdin.end();
        else if (typeof stdin === "string" || Buffer.isBuffer(stdin)) child.stdin.end(stdin);
        else (stdin as Readable).pipe(child.stdin);
      }),
  } as unknown as SshSession;
}

const temp = () => mkdtempSync(join(tmpdir(), "crabbox-cp-"));

describe("crabbox cp operands", () => {
  it("take exactly one side as <lease>:<path> and read drive letters and ./ paths as local", () => {
    expect(planCopy("./x", "blue-lobster:y")).toEqual({
      direction: "upload",
      lease: "blue-lobster",
      local: "./x",
      remote: "y",
    });
    expect(planCopy("cbx_0123456789ab:out/", "C:\\out")).toMatchObject({
      direction: "download",
      lease: "cbx_0123456789ab",
      local: "C:\\out",
    });
    expect(planCopy("./a:b", "blue-lobster:")).toMatchObject({ local: "./a:b", remote: "" });
    expect(() => planCopy("red-crab:x", "blue-crab:y")).toThrowError(/not between leases/);
    expect(() => planCopy("./a", "./b")).toThrowError(/one side as <lease>:<path>/);
  });
});

describe("crabbox cp over POSIX sh and tar", () => {
  it("uploads a directory with spaces and unicode, skipping symlinks, then downloads it back", async () => {
    const local = temp();
    mkdirSync(join(local, "src/sub dir"), { recursive: true });
    writeFileSync(join(local, "src/a.txt"), "alpha");
    writeFileSync(join(local, "src/sub dir/ünï.txt"), "beta");
    symlinkSync("/etc/passwd", join(local, "src/link"));
    const machine = temp();
    const session = shSession();
    const sent = await upload(session, "posix", join(local, "src"), join(machine, "work/in"), "work/in");
    expect(sent).toEqual({ files: 2, bytes: 9, skipped: 1 });
    expect(readFileSync(join(machine, "work/in/sub dir/ünï.txt"), "utf8")).toBe("beta");

    const back = await download(session, "posix", join(machine, "work/in"), join(local, "back"));
    expect(back).toMatchObject({ files: 2, bytes: 9 });
    expect(readFileSync(join(local, "back/a.txt"), "utf8")).toBe("alpha");
    expect(readFileSync(join(local, "back/sub dir/ünï.txt"), "utf8")).toBe("beta");
  });

  it("copies one file to a path, or into a directory given with a trailing slash", async () => {
    const local = temp();
    const machine = temp();
    writeFileSync(join(local, "one file.txt"), "one");
    const session = shSession();
    await upload(session, "posix", join(local, "one file.txt"), join(machine, "renamed.txt"), "renamed.txt");
    expect(readFileSync(join(machine, "renamed.txt"), "utf8")).toBe("one");
    await upload(session, "posix", join(local, "one file.txt"), join(machine, "into"), "into/");
    expect(readFileSync(join(machine, "into/one file.txt"), "utf8")).toBe("one");
    await download(session, "posix", join(machine, "renamed.txt"), `${join(local, "dl")}/`);
    expect(readFileSync(join(local, "dl/renamed.txt"), "utf8")).toBe("one");
    await download(session, "posix", join(machine, "renamed.txt"), join(local, "exact.txt"));
    expect(readFileSync(join(local, "exact.txt"), "utf8")).toBe("one");
  });

  it("reports a missing remote source as not found, with exit 4", async () => {
    const machine = temp();
    const error = await download(shSession(), "posix", join(machine, "nope"), join(temp(), "x")).catch(
      (e) => e,
    );
    expect(error).toMatchObject({ code: "not_found", exitCode: 4 });
    expect(String(error.message)).toContain("nope");
  });
});

/**
 * A machine that sends one big file the way ssh2 does: a chunk goes out only while the
 * stream it is piped into accepts more, and otherwise waits for `drain` (the SSH window).
 * At every chunk it measures how far the bytes sent run ahead of the bytes on local disk.
 */
function bigFileSession(size: number, landed: () => number) {
  const seen = { sent: 0, pauses: 0, maxAhead: 0 };
  const session = {
    exec: async (_command: string, options: ExecOptions = {}) => {
      // A caller that only listens (onStdout) gets the flowing mode: nothing ever waits.
      const out = options.stdout;
      const tar = tarPack();
      const chunk = Buffer.alloc(64 * 1024, 120);
      const entry = tar.entry({ name: "./big.bin", size, type: "file" });
      const writing = (async () => {
        for (let left = size; left > 0; left -= chunk.length) {
          if (!entry.write(left >= chunk.length ? chunk : chunk.subarray(0, left)))
            await once(entry, "drain");
        }
        (entry as unknown as NodeJS.WritableStream).end();
        tar.finalize();
      })();
      const send = (data: Buffer) => {
        seen.sent += data.length;
        seen.maxAhead = Math.max(seen.maxAhead, seen.sent - landed());
        if (out) return out.write(data);
        options.onStdout?.(data);
        return true;
      };
      send(Buffer.from("crabbox-cp dir\n"));
      for await (const data of tar as AsyncIterable<Buffer>) {
        if (!send(data)) {
          seen.pauses++;
          await once(out!, "drain");
        }
      }
      await writing;
      return { exitCode: 0 };
    },
  } as unknown as SshSession;
  return { session, seen };
}

describe("crabbox cp of something big", () => {
  it("streams a download: the machine waits for the local disk, never more than a few MiB ahead", async () => {
    const local = join(temp(), "out");
    const size = 48 * 1024 * 1024;
    const landed = () => {
      try {
        return statSync(join(local, "big.bin")).size;
      } catch {
        return 0;
      }
    };
    const { session, seen } = bigFileSession(size, landed);
    const got = await download(session, "posix", "/w/out", local);
    expect(got).toEqual({ files: 1, bytes: size, skipped: 0 });
    expect(statSync(join(local, "big.bin")).size).toBe(size);
    // Pushed without backpressure, all 48 MiB would be in memory before the first write landed.
    expect(seen.pauses).toBeGreaterThan(10);
    expect(seen.maxAhead).toBeLessThan(4 * 1024 * 1024);
  });
});

/** Each needle is in the script, after the one before it. */
function inOrder(script: string, needles: string[]) {
  let from = 0;
  for (const needle of needles) {
    const at = script.indexOf(needle, from);
    expect(at, `${needle} after offset ${from}`).toBeGreaterThanOrEqual(0);
    from = at + needle.length;
  }
}

/** Bytes this process has read so far, from any file or pipe (Linux's /proc/self/io). */
function bytesRead(): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"))?.[1]);
}

describe("crabbox cp of something big, sent", () => {
  it.skipIf(!existsSync("/proc/self/io"))(
    "streams an upload: the local file is read only as fast as the machine takes the tar",
    async () => {
      const local = temp();
      const size = 48 * 1024 * 1024;
      writeFileSync(join(local, "big.bin"), Buffer.alloc(size, 121));
      const seen = { taken: 0, maxAhead: 0 };
      let start = 0;
      const session = {
        // A machine that takes 64 KiB per turn of the event loop: slower than the local disk.
        exec: async (_command: string, options: ExecOptions = {}) => {
          const stdin = options.stdin as Readable;
          for (;;) {
            const chunk = (stdin.read(64 * 1024) ?? stdin.read()) as Buffer | null;
            if (chunk) {
              seen.taken += chunk.length;
              // what was read from disk (and the small reads of this file itself) beyond what the machine took
              seen.maxAhead = Math.max(seen.maxAhead, bytesRead() - start - seen.taken);
              await new Promise((resolve) => setImmediate(resolve));
              continue;
            }
            if (stdin.readableEnded) break;
            await Promise.race([once(stdin, "readable"), once(stdin, "end")]);
          }
          return { exitCode: 0 };
        },
      } as unknown as SshSession;
      start = bytesRead();
      const sent = await upload(session, "posix", join(local, "big.bin"), "/w/big.bin", "big.bin");
      expect(sent).toEqual({ files: 1, bytes: size, skipped: 0 });
      expect(seen.taken).toBeGreaterThan(size);
      // Read whole before sending, the file would be 48 MiB ahead of the machine.
      expect(seen.maxAhead).toBeLessThan(4 * 1024 * 1024);
    },
  );
});

describe("crabbox cp scripts for native Windows", () => {
  const workdir = "C:\\crabbox\\cbx_0123456789ab\\it's repo";

  it("resolve relative remote paths inside the workdir with backslashes, absolute ones as given", () => {
    expect(resolveRemote("windows", workdir, "out/logs")).toBe(
      "C:\\crabbox\\cbx_0123456789ab\\it's repo\\out\\logs",
    );
    expect(resolveRemote("windows", workdir, "D:/data")).toBe("D:\\data");
    expect(resolveRemote("posix", "/work/r", "out/x")).toBe("/work/r/out/x");
    expect(resolveRemote("posix", "/work/r", "/tmp/x")).toBe("/tmp/x");
  });

  it("upload creates the directory and extracts stdin with tar.exe, failing with its status", () => {
    const script = decode(uploadCommand("windows", `${workdir}\\in`));
    const dir = "'C:\\crabbox\\cbx_0123456789ab\\it''s repo\\in'";
    inOrder(script, [
      `[IO.Directory]::CreateDirectory(${dir})`,
      `Set-Location -LiteralPath ${dir}`,
      "tar.exe -xf -\n",
      "exit $LASTEXITCODE",
    ]);
    // no path is an argument of tar.exe: it would read it in the machine's code page
    expect(script).not.toContain("-C ");
  });

  it("download writes the kind header as raw bytes before tar.exe, and a distinct status when nothing is there", () => {
    const script = decode(downloadCommand("windows", `${workdir}\\out`));
    expect(script).toContain("$crabboxPath = 'C:\\crabbox\\cbx_0123456789ab\\it''s repo\\out'");
    expect(script).toContain('GetBytes("crabbox-cp dir`n"), 0, 15)');
    expect(script).toContain('GetBytes("crabbox-cp file`n"), 0, 16)');
    inOrder(script, [
      "if ([IO.Directory]::Exists($crabboxPath)) {",
      "crabbox-cp dir",
      "Set-Location -LiteralPath $crabboxPath",
      "tar.exe -cf - .",
      "} elseif ([IO.File]::Exists($crabboxPath)) {",
      "crabbox-cp file",
      "[IO.File]::Copy($crabboxPath, [IO.Path]::Combine($crabboxStage, [IO.Path]::GetFileName($crabboxPath)))",
      "Set-Location -LiteralPath $crabboxStage",
      "tar.exe -cf - .",
      "$crabboxExit = $LASTEXITCODE",
      "[IO.Directory]::Delete($crabboxStage, $true)",
      "exit $crabboxExit",
      `exit ${CP_MISSING_EXIT}`,
    ]);
    expect(script).not.toContain("-C ");
  });
});
