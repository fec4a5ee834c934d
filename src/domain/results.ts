/**
 * JUnit result summaries attached to finished runs (docs/api.md#runs). Bounded so that one
 * enormous test suite cannot bloat a run record: at most 50 files, 100 failures and 4 KiB
 * per string. Go clients send `null` for empty slices; those read as empty lists.
 */
import { bounds } from "../api/bounds";
import { truncateUtf8 } from "./utf8";

export interface TestFailure {
  suite: string;
  name: string;
  classname?: string;
  file?: string;
  message?: string;
  type?: string;
  kind: "failure" | "error";
}

export interface TestResultSummary {
  format: "junit";
  files: string[];
  suites: number;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  timeSeconds: number;
  failed: TestFailure[];
}

export const resultBounds = {
  files: bounds.resultFiles,
  failed: bounds.resultFailures,
  stringBytes: bounds.resultString,
} as const;

function boundedString(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  return truncateUtf8(value, resultBounds.stringBytes);
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.trunc(value) : 0;
}

function seconds(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function boundFailure(input: unknown): TestFailure | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const raw = input as Record<string, unknown>;
  const failure: TestFailure = {
    suite: boundedString(raw.suite) ?? "",
    name: boundedString(raw.name) ?? "",
    kind: raw.kind === "error" ? "error" : "failure",
  };
  for (const field of ["classname", "file", "message", "type"] as const) {
    const value = boundedString(raw[field]);
    if (value !== undefined) failure[field] = value;
  }
  return failure;
}

/** `undefined` when the input is not a result object at all. */
export function boundResults(input: unknown): TestResultSummary | undefined {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined;
  const raw = input as Record<string, unknown>;
  return {
    format: "junit",
    files: list(raw.files)
      .map(boundedString)
      .filter((file): file is string => file !== undefined)
      .slice(0, resultBounds.files),
    suites: count(raw.suites),
    tests: count(raw.tests),
    failures: count(raw.failures),
    errors: count(raw.errors),
    skipped: count(raw.skipped),
    timeSeconds: seconds(raw.timeSeconds),
    failed: list(raw.failed)
      .map(boundFailure)
      .filter((failure): failure is TestFailure => failure !== undefined)
      .slice(0, resultBounds.failed),
  };
}
