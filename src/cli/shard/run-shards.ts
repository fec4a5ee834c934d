/**
 * `crabbox shard --count N -- <command>` (docs/cli.md "Shards"): N run flows at once, each
 * leasing its own machine, syncing it once and running the command with CRABBOX_SHARD_INDEX
 * (1-based) and CRABBOX_SHARD_TOTAL, its output prefixed `[i/N] `. Each flow releases its own
 * lease on every path, Ctrl-C included (the run flow's guarantee), and one shard failing never
 * stops the others. Every run record names the shard group; the JUnit reports each shard
 * copies back are merged into one, each test once, and one exit status is returned.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { Writable } from "node:stream";
import { isCrabboxError } from "../../errors";
import { createProgress } from "../output/progress";
import { artifactMatcher } from "../run/artifact-globs";
import type { ArtifactOptions } from "../run/artifacts-step";
import { type RunIO, type RunOptions, runFlow } from "../run/flow";
import { prepareManifest } from "../run/phase-sync";
import { JUnitMerge } from "./junit-merge";
import { PrefixedLines, shardPrefix } from "./prefixed-stream";
import { type ShardOutcome, shardExitCode } from "./shard-verdict";

export interface ShardOptions {
  count: number;
  argv: string[];
  shell: boolean;
  junit: string[];
  artifacts: ArtifactOptions;
  failOnTestFailures: boolean;
}

export const shardEnvNames = ["CRABBOX_SHARD_INDEX", "CRABBOX_SHARD_TOTAL"] as const;

/** `{{index}}` and `{{total}}` in the command words, as the reference expands them. */
export function expandShardArgv(argv: readonly string[], index: number, total: number): string[] {
  return argv.map((word) =>
    word.replaceAll("{{index}}", String(index)).replaceAll("{{total}}", String(total)),
  );
}

function ended(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.end(resolve));
}

export async function runShards(io: RunIO, options: ShardOptions): Promise<number> {
  const { count } = options;
  const started = Date.now();
  const group = `shg_${randomBytes(6).toString("hex")}`;
  const root = join(io.repoRoot, ".crabbox", "shards", group);
  // A repository that cannot sync fails before any of the N machines is leased.
  await prepareManifest(io, { forceSyncLarge: false });
  io.stderr.write(`shard plan group=${group} count=${count} command="${options.argv.join(" ")}"\n`);
  const config = { ...io.config, env: { allow: [...new Set([...io.config.env.allow, ...shardEnvNames])] } };
  const shards = Array.from({ length: count }, (_, i) => i + 1).map(async (index): Promise<ShardOutcome> => {
    const prefix = shardPrefix(index, count);
    const stdout = new PrefixedLines(io.stdout, prefix);
    const stderr = new PrefixedLines(io.stderr, prefix);
    const run: RunOptions = {
      argv: expandShardArgv(options.argv, index, count),
      shell: options.shell,
      keep: false,
      noSync: false,
      syncOnly: false,
      junit: options.junit,
      forceSyncLarge: false,
      allowMassDeletions: false,
      artifacts: { ...options.artifacts, dir: join(root, String(index)) },
      // The gate applies once, to the merged reports, not per shard.
      failOnTestFailures: false,
      shard: { group, index, total: count },
    };
    const env = { ...io.env, CRABBOX_SHARD_INDEX: String(index), CRABBOX_SHARD_TOTAL: String(count) };
    try {
      const exitCode = await runFlow(
        { ...io, config, env, stdout, stderr, progress: createProgress(stderr) },
        run,
      );
      io.stderr.write(`shard ${index}/${count} done exit=${exitCode}\n`);
      return { kind: "exited", exitCode };
    } catch (error) {
      if (io.signal.aborted || (isCrabboxError(error) && error.code === "interrupted")) {
        io.stderr.write(`shard ${index}/${count} canceled\n`);
        return { kind: "interrupted" };
      }
      const message = (error as Error).message;
      io.stderr.write(`shard ${index}/${count} failed error="${message}"\n`);
      return { kind: "infrastructure", message };
    } finally {
      await Promise.all([ended(stdout), ended(stderr)]);
    }
  });
  const outcomes = await Promise.all(shards);
  const merge = new JUnitMerge();
  if (options.junit.length) await mergeReports(merge, root, count, options.junit, io);
  const merged = merge.files.length ? merge.summary() : undefined;
  if (merged) {
    const path = join(root, "junit.xml");
    await mkdir(root, { recursive: true });
    await writeFile(path, merge.xml(), { mode: 0o600 });
    io.stderr.write(`shard merged junit -> ${relative(io.cwd, path) || path}\n`);
  }
  const failedShards = outcomes.filter((o) => o.kind !== "exited" || o.exitCode !== 0).length;
  const canceled = outcomes.filter((o) => o.kind === "interrupted").length;
  const tests = merged
    ? ` tests=${merged.tests} failures=${merged.failures} errors=${merged.errors} skipped=${merged.skipped}`
    : "";
  io.stdout.write(
    `shard verdict group=${group} shards=${count} failed_shards=${failedShards}${canceled ? ` canceled=${canceled}` : ""}${tests} wall=${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
  outcomes.forEach((o, i) => {
    const what =
      o.kind === "exited"
        ? `exit=${o.exitCode}`
        : o.kind === "interrupted"
          ? "canceled"
          : `error="${o.message}"`;
    io.stdout.write(`${shardPrefix(i + 1, count)}${what}\n`);
  });
  if (merged?.failed.length) io.stdout.write("failed:\n");
  for (const f of merged?.failed ?? [])
    io.stdout.write(
      `  ${f.file}  ${f.kind}  ${f.classname ? `${f.classname}.` : ""}${f.name}${f.message ? ` — ${f.message.split("\n")[0]}` : ""}\n`,
    );
  return shardExitCode(outcomes, merged, options.failOnTestFailures);
}

/** Reads back each shard's copied reports (they landed under `<root>/<index>/`). */
async function mergeReports(merge: JUnitMerge, root: string, count: number, globs: string[], io: RunIO) {
  const matchers = globs.map(artifactMatcher);
  for (let index = 1; index <= count; index++) {
    const dir = join(root, String(index));
    const files = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of files) {
      if (!entry.isFile()) continue;
      const path = relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/");
      if (!matchers.some((m) => m(path))) continue;
      const xml = await readFile(join(dir, path), "utf8");
      if (!merge.add(`${shardPrefix(index, count).trim()} ${path}`, xml))
        io.stderr.write(`warning: shard ${index}/${count}: ${path} is not a JUnit report; not merged\n`);
    }
  }
}
