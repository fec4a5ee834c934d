/**
 * The shards' JUnit reports as one (docs/cli.md "Shards"): every test case keyed by suite,
 * classname and name, so a test that two shards both ran (or a report both copied back) is
 * counted once, its worst outcome kept (error > failure > skipped > passed). The merged
 * summary is what the verdict prints; the merged XML is written next to the shards' reports.
 */
import { DOMParser, type Element } from "@xmldom/xmldom";
import type { TestFailure, TestResultSummary } from "../../api";
import { resultBounds } from "../../domain/results";
import { emptySummary } from "../run/junit";

type Outcome = "passed" | "skipped" | "failure" | "error";
const rank: Record<Outcome, number> = { passed: 0, skipped: 1, failure: 2, error: 3 };

export interface MergedCase {
  suite: string;
  classname: string;
  name: string;
  outcome: Outcome;
  timeSeconds: number;
  message?: string;
  type?: string;
  /** `[i/N] <report path>`: where the kept outcome came from. */
  file: string;
}

function childElements(el: Element, tag: string): Element[] {
  const out: Element[] = [];
  for (let node = el.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).tagName === tag) out.push(node as Element);
  }
  return out;
}

function suitesIn(el: Element): Element[] {
  if (el.tagName === "testsuite") return [el, ...childElements(el, "testsuite").flatMap(suitesIn)];
  if (el.tagName === "testsuites") return childElements(el, "testsuite").flatMap(suitesIn);
  return [];
}

export class JUnitMerge {
  private readonly cases = new Map<string, MergedCase>();
  readonly files: string[] = [];

  /** Adds one report; returns false when it is not JUnit (nothing is added). */
  add(file: string, xml: string): boolean {
    let root: Element | null;
    try {
      root = new DOMParser({ onError: () => {} }).parseFromString(xml, "text/xml")
        .documentElement as Element | null;
    } catch {
      return false;
    }
    const suites = root ? suitesIn(root) : [];
    if (suites.length === 0) return false;
    this.files.push(file);
    for (const suite of suites) {
      const suiteName = suite.getAttribute("name") ?? "";
      for (const c of childElements(suite, "testcase")) {
        const failure = childElements(c, "error")[0] ?? childElements(c, "failure")[0];
        const outcome: Outcome = failure
          ? (failure.tagName as "error" | "failure")
          : childElements(c, "skipped").length
            ? "skipped"
            : "passed";
        const entry: MergedCase = {
          suite: suiteName,
          classname: c.getAttribute("classname") ?? "",
          name: c.getAttribute("name") ?? "",
          outcome,
          timeSeconds: Number(c.getAttribute("time")) || 0,
          file,
        };
        const message = failure ? (failure.getAttribute("message") ?? failure.textContent ?? "") : "";
        if (message) entry.message = message.slice(0, resultBounds.stringBytes);
        const type = failure?.getAttribute("type");
        if (type) entry.type = type;
        const key = JSON.stringify([entry.suite, entry.classname, entry.name]);
        const seen = this.cases.get(key);
        if (!seen || rank[outcome] > rank[seen.outcome]) this.cases.set(key, entry);
      }
    }
    return true;
  }

  summary(): TestResultSummary {
    const summary = emptySummary();
    summary.files = this.files.slice(0, resultBounds.files);
    const suites = new Set<string>();
    for (const c of this.cases.values()) {
      suites.add(c.suite);
      summary.tests++;
      summary.timeSeconds += c.timeSeconds;
      if (c.outcome === "skipped") summary.skipped++;
      if (c.outcome !== "failure" && c.outcome !== "error") continue;
      if (c.outcome === "failure") summary.failures++;
      else summary.errors++;
      if (summary.failed.length >= resultBounds.failed) continue;
      const failed: TestFailure = { suite: c.suite, name: c.name, kind: c.outcome, file: c.file };
      if (c.classname) failed.classname = c.classname;
      if (c.message) failed.message = c.message;
      if (c.type) failed.type = c.type;
      summary.failed.push(failed);
    }
    summary.suites = suites.size;
    return summary;
  }

  /** One `<testsuites>` document with each case once, grouped by suite. */
  xml(): string {
    const bySuite = new Map<string, MergedCase[]>();
    for (const c of this.cases.values()) bySuite.set(c.suite, [...(bySuite.get(c.suite) ?? []), c]);
    const esc = (s: string) =>
      s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    const total = this.summary();
    const suites = [...bySuite].map(([name, cases]) => {
      const count = (o: Outcome) => cases.filter((c) => c.outcome === o).length;
      const body = cases.map((c) => {
        const attrs = `classname="${esc(c.classname)}" name="${esc(c.name)}" time="${c.timeSeconds}"`;
        if (c.outcome === "passed") return `    <testcase ${attrs}/>`;
        if (c.outcome === "skipped") return `    <testcase ${attrs}><skipped/></testcase>`;
        const type = c.type ? ` type="${esc(c.type)}"` : "";
        return `    <testcase ${attrs}><${c.outcome} message="${esc(c.message ?? "")}"${type}/></testcase>`;
      });
      return `  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${count("failure")}" errors="${count("error")}" skipped="${count("skipped")}">\n${body.join("\n")}\n  </testsuite>`;
    });
    return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}">\n${suites.join("\n")}\n</testsuites>\n`;
  }
}
