/**
 * What `crabbox shard` prints at the end (docs/cli.md "Shards"): the verdict lines on stdout,
 * or with `--json` one JSON document instead, in the reference's shape with the shard group in
 * place of its checkpoint. Pure: the caller gathers the results and writes the text.
 */
import type { TestFailure, TestResultSummary } from "../../api";
import { shardPrefix } from "./prefixed-stream";
import type { ShardOutcome } from "./shard-verdict";

export interface ShardResult {
  index: number;
  outcome: ShardOutcome;
  leaseId?: string;
  slug?: string;
  runId?: string;
  durationMs: number;
  /** This shard's own reports, merged (absent when it copied none back). */
  results?: TestResultSummary;
}

export interface ShardReport {
  group: string;
  count: number;
  failFast: boolean;
  shards: readonly ShardResult[];
  merged?: TestResultSummary;
  /** Which shard each merged report came from, by its label (`[i/N] <path>`). */
  shardOfFile: ReadonlyMap<string, number>;
  wallMs: number;
  exitCode: number;
}

function outcomeText(outcome: ShardOutcome): string {
  switch (outcome.kind) {
    case "exited":
      return `exit=${outcome.exitCode}`;
    case "interrupted":
      return "canceled";
    case "infrastructure":
      return `error="${outcome.message}"`;
  }
}

/** The exit status one shard stands for in the JSON: its command's, 130 canceled, 7 never ran. */
function shardExit(outcome: ShardOutcome): number {
  switch (outcome.kind) {
    case "exited":
      return outcome.exitCode;
    case "interrupted":
      return 130;
    case "infrastructure":
      return 7;
  }
}

export function verdictText(report: ShardReport): string {
  const { merged, shards, count } = report;
  const failedShards = shards.filter((s) => s.outcome.kind !== "exited" || s.outcome.exitCode !== 0).length;
  const canceled = shards.filter((s) => s.outcome.kind === "interrupted").length;
  const tests = merged
    ? ` tests=${merged.tests} failures=${merged.failures} errors=${merged.errors} skipped=${merged.skipped}`
    : "";
  const lines = [
    `shard verdict group=${report.group} shards=${count} failed_shards=${failedShards}${canceled ? ` canceled=${canceled}` : ""}${tests} wall=${(report.wallMs / 1000).toFixed(1)}s`,
    ...shards.map((s) => `${shardPrefix(s.index, count)}${outcomeText(s.outcome)}`),
  ];
  if (merged?.failed.length) lines.push("failed:");
  for (const f of merged?.failed ?? [])
    lines.push(
      `  ${f.file}  ${f.kind}  ${f.classname ? `${f.classname}.` : ""}${f.name}${f.message ? ` — ${f.message.split("\n")[0]}` : ""}`,
    );
  return `${lines.join("\n")}\n`;
}

export interface ShardJson {
  group: string;
  count: number;
  failFast: boolean;
  shards: {
    index: number;
    leaseId?: string;
    slug?: string;
    runId?: string;
    exitCode: number;
    canceled?: true;
    error?: string;
    durationMs: number;
    results?: TestResultSummary;
  }[];
  merged?: TestResultSummary;
  failed: ({ shard: number; runId?: string } & TestFailure)[];
  wallMs: number;
  exitCode: number;
}

export function verdictJson(report: ShardReport): ShardJson {
  const byIndex = new Map(report.shards.map((s) => [s.index, s]));
  return {
    group: report.group,
    count: report.count,
    failFast: report.failFast,
    shards: report.shards.map((s) => ({
      index: s.index,
      ...(s.leaseId ? { leaseId: s.leaseId } : {}),
      ...(s.slug ? { slug: s.slug } : {}),
      ...(s.runId ? { runId: s.runId } : {}),
      exitCode: shardExit(s.outcome),
      ...(s.outcome.kind === "interrupted" ? { canceled: true as const } : {}),
      ...(s.outcome.kind === "infrastructure" ? { error: s.outcome.message } : {}),
      durationMs: s.durationMs,
      ...(s.results ? { results: s.results } : {}),
    })),
    ...(report.merged ? { merged: report.merged } : {}),
    failed: (report.merged?.failed ?? []).map((f) => {
      const shard = report.shardOfFile.get(f.file ?? "") ?? 0;
      const runId = byIndex.get(shard)?.runId;
      return { shard, ...(runId ? { runId } : {}), ...f };
    }),
    wallMs: report.wallMs,
    exitCode: report.exitCode,
  };
}
