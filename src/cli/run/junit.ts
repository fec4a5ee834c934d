import { DOMParser, type Element } from "@xmldom/xmldom";
import type { TestFailure, TestResultSummary } from "../../api";

function num(el: Element, name: string): number | undefined {
  const raw = el.getAttribute(name);
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

function children(el: Element, tag: string): Element[] {
  const out: Element[] = [];
  for (let node = el.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).tagName === tag) out.push(node as Element);
  }
  return out;
}

function suitesOf(root: Element): Element[] {
  if (root.tagName === "testsuite") return [root, ...suitesOfNested(root)];
  if (root.tagName === "testsuites")
    return children(root, "testsuite").flatMap((s) => [s, ...suitesOfNested(s)]);
  return [];
}

function suitesOfNested(suite: Element): Element[] {
  return children(suite, "testsuite").flatMap((s) => [s, ...suitesOfNested(s)]);
}

/**
 * Adds one JUnit XML file to a summary. Totals come from the suite's attributes when it has
 * them and from its test cases otherwise (runners disagree on which they fill in).
 */
export function addJUnitFile(summary: TestResultSummary, file: string, xml: string): void {
  let root: Element | null;
  try {
    root = new DOMParser({ onError: () => {} }).parseFromString(xml, "text/xml")
      .documentElement as Element | null;
  } catch {
    return; // not XML: a file the glob matched that is not a report
  }
  if (!root) return;
  const suites = suitesOf(root);
  if (suites.length === 0) return;
  summary.files.push(file);
  for (const suite of suites) {
    const cases = children(suite, "testcase");
    if (cases.length === 0 && children(suite, "testsuite").length > 0) continue;
    summary.suites++;
    const name = suite.getAttribute("name") ?? "";
    let failures = 0;
    let errors = 0;
    let skipped = 0;
    for (const c of cases) {
      for (const kind of ["failure", "error"] as const) {
        const problem = children(c, kind)[0];
        if (!problem) continue;
        if (kind === "failure") failures++;
        else errors++;
        const failure: TestFailure = {
          suite: name,
          name: c.getAttribute("name") ?? "",
          kind,
          file: c.getAttribute("file") ?? file,
        };
        const classname = c.getAttribute("classname");
        if (classname) failure.classname = classname;
        const message = problem.getAttribute("message") ?? problem.textContent ?? "";
        if (message) failure.message = message.slice(0, 4096);
        const type = problem.getAttribute("type");
        if (type) failure.type = type;
        if (summary.failed.length < 100) summary.failed.push(failure);
      }
      if (children(c, "skipped").length) skipped++;
    }
    summary.tests += num(suite, "tests") ?? cases.length;
    summary.failures += num(suite, "failures") ?? failures;
    summary.errors += num(suite, "errors") ?? errors;
    summary.skipped += num(suite, "skipped") ?? num(suite, "disabled") ?? skipped;
    summary.timeSeconds += num(suite, "time") ?? 0;
  }
}

export function emptySummary(): TestResultSummary {
  return {
    format: "junit",
    files: [],
    suites: 0,
    tests: 0,
    failures: 0,
    errors: 0,
    skipped: 0,
    timeSeconds: 0,
    failed: [],
  };
}
