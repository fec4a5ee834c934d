/**
 * `crabbox shard --count N -- <command>` (docs/cli.md "Shards"): N run flows at once, each
 * leasing its own machine, syncing it once and running the command with CRABBOX_SHARD_INDEX
 * (1-based) and CRABBOX_SHARD_TOTAL, its output prefixed `[i/N] `. Each flow releases its own
 * lease on every path, Ctrl-C included (the run flow's guarantee), and one shard failing
 * stops the others only under `--fail-fast`. Every run record names the shard group; the JUnit reports each shard
 * copies back are merged into one, each test once, and one exit status is returned.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Writable } from "node:stream";
import type { TestResultSummary } from "../../api";
import { isCrabboxError } from "../../errors";
import { createProgress } from "../output/progress";
import { artifactMatcher } from "../run/artifact-globs";
import type { ArtifactOptions } from "../run/artifacts-step";
import { type RunFacts, type RunIO, type RunOptions, runFlow } from "../run/flow";
import { prepareManifest } from "../run/phase-sync";
import { JUnitMerge } from "./junit-merge";
import { PrefixedLines, shardPrefix } from "./prefixed-stream";
import { type ShardResult, verdictJson, verdictText } from "./shard-report";
import { type ShardOutcome, shardExitCode } from "./shard-verdict";

export interface ShardOptions {
  count: number;
  argv: string[];
  shell: boolean;
  junit: string[];
  artifacts: ArtifactOptions;
  failOnTestFailures: boolean;
  /** `--fail-fast`: the first failing shard stops the others (their leases are still released). */
  failFast: boolean;
  /** `--json`: one JSON document on stdout instead of the verdict lines; shard output goes to stderr. */
  json: boolean;
  /** `--quiet`: the shards' own output (command and progress) is dropped; lifecycle lines and the verdict stay. */
  quiet?: boolean;
}

/** Where `--quiet` sends a shard's output. */
const discard = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

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
  io.stderr.write(
    `shard plan group=${group} count=${count} fail_fast=${options.failFast} command="${options.argv.join(" ")}"\n`,
  );
  const config = { ...io.config, env: { allow: [...new Set([...io.config.env.allow, ...shardEnvNames])] } };
  // Ctrl-C stops every shard; under --fail-fast so does the first failing one.
  const stopAll = new AbortController();
  const signal = AbortSignal.any([io.signal, stopAll.signal]);
  // With --json, stdout holds only the document: the shards' output goes to stderr.
  const output = options.json ? io.stderr : io.stdout;
  const shards = Array.from({ length: count }, (_, i) => i + 1).map(async (index): Promise<ShardResult> => {
    const shardStarted = Date.now();
    const prefix = shardPrefix(index, count);
    const stdout = new PrefixedLines(options.quiet ? discard() : output, prefix);
    const stderr = new PrefixedLines(options.quiet ? discard() : io.stderr, prefix);
    let facts: RunFacts = {};
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
      onReleased: (f) => {
        facts = f;
      },
    };
    const env = { ...io.env, CRABBOX_SHARD_INDEX: String(index), CRABBOX_SHARD_TOTAL: String(count) };
    let outcome: ShardOutcome;
    try {
      const exitCode = await runFlow(
        { ...io, config, env, signal, stdout, stderr, progress: createProgress(stderr) },
        run,
      );
      io.stderr.write(`shard ${index}/${count} done exit=${exitCode}\n`);
      outcome = { kind: "exited", exitCode };
    } catch (error) {
      if (signal.aborted || (isCrabboxError(error) && error.code === "interrupted")) {
        io.stderr.write(`shard ${index}/${count} canceled\n`);
        outcome = { kind: "interrupted" };
      } else {
        const message = (error as Error).message;
        io.stderr.write(`shard ${index}/${count} failed error="${message}"\n`);
        outcome = { kind: "infrastructure", message };
      }
    } finally {
      await Promise.all([ended(stdout), ended(stderr)]);
    }
    const failed = outcome.kind === "infrastructure" || (outcome.kind === "exited" && outcome.exitCode !== 0);
    if (failed && options.failFast && !stopAll.signal.aborted) {
      io.stderr.write(`shard ${index}/${count} failed: stopping the other shards (--fail-fast)\n`);
      stopAll.abort();
    }
    return { index, outcome, ...facts, durationMs: Date.now() - shardStarted };
  });
  const results = await Promise.all(shards);
  const merge = new JUnitMerge();
  const shardOfFile = new Map<string, number>();
  if (options.junit.length) await mergeReports(merge, root, results, options.junit, shardOfFile, io);
  const merged = merge.files.length ? merge.summary() : undefined;
  if (merged) {
    const path = join(root, "junit.xml");
    await mkdir(root, { recursive: true });
    await writeFile(path, merge.xml(), { mode: 0o600 });
    io.stderr.write(`shard merged junit -> ${relative(io.cwd, path) || path}\n`);
  }
  const exitCode = shardExitCode(
    results.map((r) => r.outcome),
    merged,
    options.failOnTestFailures,
  );
  const report = {
    group,
    count,
    failFast: options.failFast,
    shards: results,
    ...(merged ? { merged } : {}),
    shardOfFile,
    wallMs: Date.now() - started,
    exitCode,
  };
  io.stdout.write(options.json ? `${JSON.stringify(verdictJson(report), null, 2)}\n` : verdictText(report));
  return exitCode;
}

/**
 * Reads back each shard's copied reports (they landed under `<root>/<index>/`) into the
 * merged report, and each shard's own summary into its result.
 */
async function mergeReports(
  merge: JUnitMerge,
  root: string,
  results: ShardResult[],
  globs: string[],
  shardOfFile: Map<string, number>,
  io: RunIO,
) {
  const matchers = globs.map(artifactMatcher);
  const count = results.length;
  for (const result of results) {
    const { index } = result;
    const own = new JUnitMerge();
    const dir = join(root, String(index));
    const files = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of files) {
      if (!entry.isFile()) continue;
      const path = relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/");
      if (!matchers.some((m) => m(path))) continue;
      const xml = await readFile(join(dir, path), "utf8");
      const label = `${shardPrefix(index, count).trim()} ${path}`;
      if (!merge.add(label, xml)) {
        io.stderr.write(`warning: shard ${index}/${count}: ${path} is not a JUnit report; not merged\n`);
        continue;
      }
      own.add(label, xml);
      shardOfFile.set(label, index);
    }
    const summary: TestResultSummary | undefined = own.files.length ? own.summary() : undefined;
    if (summary) result.results = summary;
  }
}
