#!/usr/bin/env node
// Comments in src/ and test/ cite the project's own docs as `docs/<file>.md#<anchor>`
// (never the reference's section numbers). This check fails when a cited file or heading
// does not exist, so a renamed heading cannot leave dangling citations behind.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchorsOf(file) {
  const text = readFileSync(join(root, file), "utf8");
  const anchors = new Set();
  for (const line of text.split("\n")) {
    const match = /^#{1,6}\s+(.*)$/.exec(line);
    if (match?.[1]) anchors.add(anchorOf(match[1]));
  }
  return anchors;
}

function* sourceFiles(dir) {
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mjs|js)$/.test(name)) yield path;
  }
}

const cache = new Map();
const problems = [];
for (const dir of ["src", "test"]) {
  for (const file of sourceFiles(dir)) {
    const text = readFileSync(join(root, file), "utf8");
    for (const match of text.matchAll(/docs\/([\w-]+\.md)#([\w-]+)/g)) {
      const doc = `docs/${match[1]}`;
      if (!cache.has(doc)) {
        try {
          cache.set(doc, anchorsOf(doc));
        } catch {
          cache.set(doc, undefined);
        }
      }
      const anchors = cache.get(doc);
      if (!anchors) problems.push(`${file}: ${doc} does not exist`);
      else if (!anchors.has(match[2])) problems.push(`${file}: ${doc} has no heading #${match[2]}`);
    }
    if (/reference (coordinator\.md )?§/.test(text))
      problems.push(`${file}: cites the reference's § numbers`);
  }
}
if (problems.length > 0) {
  console.error(`doc links: ${problems.length} broken\n${problems.join("\n")}`);
  process.exit(1);
}
console.log(`doc links: ok (${cache.size} docs cited)`);
