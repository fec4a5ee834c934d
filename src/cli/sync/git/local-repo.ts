/**
 * What the machine's repository must end up matching, read from the local checkout with git.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { CrabboxError } from "../../../errors";
import { shellQuoteWord } from "../../ssh/quote";
import { excludeMatcher, isSafeRelativePath } from "../excludes";
import { machineOriginUrl } from "./origin-url";

export interface LocalGitState {
  repoRoot: string;
  head: string;
  /** Branch name, or undefined when HEAD is detached. */
  branch?: string;
  /** Sanitised origin URL the machine may try, or undefined. */
  originUrl?: string;
  /** `+refs/heads/x:refs/remotes/origin/x` refspecs covering HEAD and the base ref. */
  refspecs: string[];
  /** The remote-tracking refs (full names) those refspecs fill. */
  originRefs: string[];
  /** True when some origin ref already contains HEAD, so a fetch alone brings HEAD over. */
  headOnOrigin: boolean;
  /** The base ref as a full ref name (e.g. `refs/remotes/origin/main`) when configured and known. */
  baseRef?: string;
  baseSha?: string;
  /** Tracked paths the sync skips (excludes) that exist locally: restored from git on the machine. */
  excludedTracked: string[];
}

const execGit = promisify(execFile);

/** One git command in the checkout, its stdout; rejects on a non-zero exit. */
export async function git(repoRoot: string, args: string[]): Promise<string> {
  const { stdout } = await execGit("git", args, {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/**
 * The questions `readLocalGit` asks, as git argument lists. `$HEAD` is the commit the first
 * answer named, `$BASE` the configured base ref (the questions using it are skipped without one).
 */
const QUESTIONS = {
  branch: ["symbolic-ref", "-q", "--short", "HEAD"],
  origin: ["remote", "get-url", "origin"],
  baseRef: ["rev-parse", "--symbolic-full-name", "$BASE"],
  baseSha: ["rev-parse", "-q", "--verify", "$BASE^{commit}"],
  containing: ["for-each-ref", "--contains", "$HEAD", "--format=%(refname)", "refs/remotes/origin/"],
  upstream: ["rev-parse", "--symbolic-full-name", "@{upstream}"],
  tracked: ["ls-files", "-z", "--cached"],
  deleted: ["ls-files", "-z", "--deleted"],
} as const;
type Question = keyof typeof QUESTIONS;
type Answers = { head?: string } & Partial<Record<Question, string>>;

const HEAD_QUESTION = ["rev-parse", "-q", "--verify", "HEAD^{commit}"];

/**
 * All the answers from one `sh`, which runs the git commands: starting a process from Node costs
 * several ms of the event loop's time (more on a busy machine), and nine of them held up every
 * warm run by ~100 ms (docs/sync.md, "Inner loop"). Each answer is followed by a marker with a
 * fresh nonce, so no file name can fake one. A failed command leaves its answer out.
 */
async function askInOneShell(repoRoot: string, baseRef: string): Promise<Answers> {
  const nonce = randomBytes(12).toString("hex");
  const word = (arg: string) =>
    arg === "$HEAD"
      ? '"$h"'
      : arg.includes("$BASE")
        ? `"$1"${shellQuoteWord(arg.slice(5))}`
        : shellQuoteWord(arg);
  const line = (name: string, args: readonly string[]) =>
    `git ${args.map(word).join(" ")} 2>/dev/null; printf '\\0${nonce}:${name}:%s\\0' "$?"`;
  const script = [
    `h=$(git ${HEAD_QUESTION.map(shellQuoteWord).join(" ")} 2>/dev/null) || exit 0`,
    `printf '%s\\0${nonce}:head:0\\0' "$h"`,
    ...Object.entries(QUESTIONS)
      .filter(([, args]) => baseRef || !args.some((a) => a.includes("$BASE")))
      .map(([name, args]) => line(name, args)),
  ].join("\n");
  const { stdout } = await execGit("sh", ["-c", script, "sh", baseRef], {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const answers: Record<string, string> = {};
  const marker = new RegExp(`\\0${nonce}:(\\w+):(\\d+)\\0`, "g");
  let from = 0;
  for (const match of stdout.matchAll(marker)) {
    if (match[2] === "0") answers[match[1]!] = stdout.slice(from, match.index);
    from = match.index + match[0].length;
  }
  return answers;
}

/** The same answers from one git process per question (no POSIX shell: Windows). */
async function askOneByOne(repoRoot: string, baseRef: string): Promise<Answers> {
  const ask = (args: readonly string[]) => git(repoRoot, [...args]).catch(() => undefined);
  const head = (await ask(HEAD_QUESTION))?.trim();
  if (!head) return {};
  const entries = await Promise.all(
    Object.entries(QUESTIONS)
      .filter(([, args]) => baseRef || !args.some((a) => a.includes("$BASE")))
      .map(
        async ([name, args]) =>
          [name, await ask(args.map((a) => (a === "$HEAD" ? head : a.replace("$BASE", baseRef))))] as const,
      ),
  );
  return { head, ...Object.fromEntries(entries.filter(([, v]) => v !== undefined)) };
}

/** Undefined when the checkout is not a git repository or has no commit yet. */
export async function readLocalGit(
  repoRoot: string,
  options: { baseRef: string; excludes: readonly string[] },
): Promise<LocalGitState | undefined> {
  const answers = await (process.platform === "win32" ? askOneByOne : askInOneShell)(
    repoRoot,
    options.baseRef,
  );
  const head = answers.head?.trim();
  if (!head) return undefined;
  if (answers.tracked === undefined || answers.deleted === undefined) {
    throw new CrabboxError("sync_failed", `git ls-files failed in ${repoRoot}`, {
      hint: "fix the repository (run `git status` there), or turn the git-aware sync off with sync.git: false",
    });
  }
  const trim = (answer: string | undefined) => answer?.trim() || undefined;
  const [branch, origin, baseRef, baseSha, containingOut, upstream] = [
    trim(answers.branch),
    trim(answers.origin),
    trim(answers.baseRef),
    trim(answers.baseSha),
    answers.containing,
    trim(answers.upstream),
  ];
  const trackedOut = answers.tracked;
  const deletedOut = answers.deleted;
  const originUrl = machineOriginUrl(origin ?? "");
  const containing = (containingOut ?? "").split("\n").filter((r) => r && !r.endsWith("/HEAD"));
  const headRef = upstream && containing.includes(upstream) ? upstream : containing[0];
  const originRefs = [
    ...new Set([headRef, baseRef].filter((r): r is string => Boolean(r?.startsWith("refs/remotes/origin/")))),
  ];
  const refspecs = originRefs.map((ref) => `+refs/heads/${ref.slice("refs/remotes/origin/".length)}:${ref}`);

  const excluded = excludeMatcher(options.excludes);
  const tracked = trackedOut.split("\0").filter(Boolean);
  const deleted = new Set(deletedOut.split("\0").filter(Boolean));
  const excludedTracked = tracked.filter(
    (path) => isSafeRelativePath(path) && excluded(path) && !deleted.has(path) && !path.startsWith(".git/"),
  );

  return {
    repoRoot,
    head,
    ...(branch ? { branch } : {}),
    ...(originUrl ? { originUrl } : {}),
    refspecs,
    originRefs,
    headOnOrigin: Boolean(headRef),
    ...(baseRef ? { baseRef } : {}),
    ...(baseSha ? { baseSha } : {}),
    excludedTracked,
  };
}
