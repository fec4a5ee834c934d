/**
 * The POSIX shell run on the machine for git-aware sync. Values are quoted with the same
 * quoting as every other remote command; nothing secret is ever part of them.
 */
import { shellQuoteWord as q } from "../../ssh/quote";
import type { LocalGitState } from "./local-repo";

const META = ".git/crabbox";
export const SEED_BUNDLE = `${META}/seed.bundle`;

/**
 * One line of digits that changes whenever the machine's repository does in a way the finalize
 * would have to undo: HEAD, the ref it names, the packed refs, the index, the config (origin)
 * and info/exclude (docs/git-sync.md, "Unchanged repository"). Run inside the work tree.
 */
const gitFingerprint =
  "{ cat .git/HEAD; r=$(sed -n 's/^ref: //p' .git/HEAD); [ -z \"$r\" ] || cat \".git/$r\"; cat .git/packed-refs; cksum < .git/index; cat .git/config .git/info/exclude; } 2>/dev/null | cksum | tr -cd '0-9'";

/**
 * Makes `<workdir>` a git repository (keeping files already there), points `origin` at the
 * sanitised URL and fetches the refs covering HEAD and the base ref as a blob-less partial
 * fetch. Prints `head=<sha>` (the machine's HEAD before this sync) and `origin=ok|failed|none`,
 * or only `git=missing` when the machine has no git. Given the fingerprint the last finalize
 * left, it first checks whether the repository is still exactly that one, and then prints only
 * `git=unchanged`.
 */
export function seedScript(
  workdir: string,
  state: LocalGitState,
  options: { fetchTimeoutSeconds?: number; unchangedFingerprint?: string } = {},
): string {
  const fetchTimeoutSeconds = options.fetchTimeoutSeconds ?? 120;
  const lines = [
    "set -e",
    // a machine without git still gets the plain file sync
    "command -v git >/dev/null 2>&1 || { echo git=missing; exit 0; }",
    `mkdir -p ${q(workdir)}`,
    `cd ${q(workdir)}`,
    ...(options.unchangedFingerprint
      ? [
          `if [ -d .git ] && [ "$(${gitFingerprint})" = ${q(options.unchangedFingerprint)} ]; then echo git=unchanged; exit 0; fi`,
        ]
      : []),
    "[ -d .git ] || git init -q",
    `mkdir -p .git/info ${META}`,
    // the sync's own state directory is not part of the project
    "grep -qx '/.crabbox/' .git/info/exclude 2>/dev/null || printf '/.crabbox/\\n' >> .git/info/exclude",
    'printf "head=%s\\n" "$(git rev-parse -q --verify HEAD 2>/dev/null || true)"',
  ];
  if (!state.originUrl || state.refspecs.length === 0) {
    lines.push(state.originUrl ? setOrigin(state.originUrl) : ":", "echo origin=none");
    return lines.join("\n");
  }
  lines.push(
    setOrigin(state.originUrl),
    `if command -v timeout >/dev/null 2>&1; then limit="timeout ${fetchTimeoutSeconds}"; else limit=""; fi`,
    `if GIT_TERMINAL_PROMPT=0 GIT_ASKPASS=true SSH_ASKPASS=true $limit git -c credential.helper= -c http.lowSpeedLimit=1000 -c http.lowSpeedTime=30 fetch -q --no-tags --filter=blob:none origin ${state.refspecs.map(q).join(" ")} >${META}/fetch.log 2>&1; then echo origin=ok; else echo origin=failed; fi`,
  );
  return lines.join("\n");
}

function setOrigin(url: string): string {
  return `if git remote get-url origin >/dev/null 2>&1; then git remote set-url origin ${q(url)}; else git remote add origin ${q(url)}; fi`;
}

/** Reads a bundle from stdin and fetches its refs (HEAD, and the base ref when it is in it). */
export function bundleScript(workdir: string, bundledRefs: readonly string[]): string {
  const refspecs = bundledRefs.map((ref) => (ref === "HEAD" ? "+HEAD:refs/crabbox/head" : `+${ref}:${ref}`));
  return [
    "set -e",
    `cd ${q(workdir)}`,
    `cat > ${SEED_BUNDLE}`,
    `git fetch -q --no-tags ${SEED_BUNDLE} ${refspecs.map(q).join(" ")}`,
    `rm -f ${SEED_BUNDLE}`,
  ].join("\n");
}

/**
 * After the working tree is synced: HEAD (and the branch) at the local commit, the index at
 * that commit (rewritten only when it differs), excluded tracked files (stdin, NUL-separated) restored where missing, then the
 * sanity numbers: `deleted=<n>` tracked files missing on the machine and up to 20 of them.
 * Before them, `fingerprint=<digits>`: the repository as this script leaves it, for the next
 * run's seed to compare.
 */
export function finalizeScript(workdir: string, state: LocalGitState): string {
  const setHead = state.branch
    ? `git update-ref ${q(`refs/heads/${state.branch}`)} ${state.head} && git symbolic-ref HEAD ${q(`refs/heads/${state.branch}`)}`
    : `git update-ref --no-deref HEAD ${state.head}`;
  return [
    "set -e",
    `cd ${q(workdir)}`,
    setHead,
    // read-tree throws away the index's stat data, so the refresh below would re-read every
    // file: skipped when the index already holds that commit's tree (comparing them reads no
    // files), which is every warm run that did not touch the index (docs/git-sync.md).
    `git diff-index --cached --quiet ${state.head} -- 2>/dev/null || git read-tree ${state.head}`,
    "git checkout-index -q -z --stdin || true",
    "git update-index -q --refresh >/dev/null 2>&1 || true",
    `git status --porcelain=v1 --untracked-files=no > ${META}/status`,
    // after the status, which may write the index
    `printf "fingerprint=%s\\n" "$(${gitFingerprint})"`,
    `printf "deleted=%s\\n" "$(grep -cE '^( D|D )' ${META}/status || true)"`,
    `grep -E '^( D|D )' ${META}/status | head -20 | cut -c4- || true`,
  ].join("\n");
}
