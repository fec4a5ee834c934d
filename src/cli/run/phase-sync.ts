import { formatDuration } from "../config";
import { humanBytes } from "../output/progress";
import { powershellEncodedCommand, powershellQuoteWord, shellQuoteWord } from "../ssh/quote";
import { buildManifest, type Manifest, syncToRemote } from "../sync";
import { gitSyncStep } from "../sync/git/run-step";
import type { RunContext, RunIO, RunOptions, RunOutcome } from "./flow-types";
import { bothSettled } from "./overlap";

/** Builds the manifest before anything is leased: a repo that cannot sync costs nothing. */
export async function prepareManifest(
  io: RunIO,
  options: Pick<RunOptions, "forceSyncLarge">,
): Promise<Manifest> {
  const { config, progress } = io;
  progress.phase("manifest", io.repoRoot);
  const manifest = await buildManifest(io.repoRoot, {
    excludes: config.sync.exclude,
    maxFiles: config.sync.failFiles,
    maxBytes: config.sync.failBytes,
    allowLarge: options.forceSyncLarge || config.sync.allowLarge,
  });
  progress.info(
    `sync candidate: ${manifest.files} files, ${humanBytes(manifest.bytes)} (${manifest.mode} mode)`,
  );
  if (manifest.files >= config.sync.warnFiles || manifest.bytes >= config.sync.warnBytes) {
    progress.warn(
      `large sync candidate: ${manifest.files} files, ${humanBytes(manifest.bytes)}; consider sync.exclude or .crabboxignore`,
    );
  }
  return manifest;
}

/**
 * Sync: sends the checkout to the machine's workdir (git-aware when the repo is a git
 * checkout), or, with `--no-sync`, only makes sure the workdir exists.
 */
export async function syncPhase(ctx: RunContext, outcome: RunOutcome, manifest: Manifest | undefined) {
  const { io, options, target, recorder, clock, workdir } = ctx;
  const { config, progress } = io;
  const { connection } = target;
  if (!manifest) {
    await target.session.exec(
      connection.target === "windows"
        ? powershellEncodedCommand(
            `New-Item -ItemType Directory -Force -Path ${powershellQuoteWord(workdir)} | Out-Null`,
          )
        : `mkdir -p ${shellQuoteWord(workdir)}`,
    );
    return;
  }
  recorder.event({ type: "sync.started", phase: "sync", message: `${manifest.files} files` });
  progress.phase("syncing", `${manifest.files} files -> ${connection.host}:${workdir}`);
  const syncStarted = Date.now();
  const gitStep = gitSyncStep({
    config,
    workdir,
    target: connection.target,
    manifest,
    allowMassDeletions: options.allowMassDeletions || config.sync.allowMassDeletions,
    progress,
    localGit: ctx.localGit,
  });
  // The seed only touches the machine's .git, which the file sync excludes: the two run on
  // separate channels at once instead of one round trip after the other (docs/sync.md).
  const [, result] = await bothSettled(
    gitStep ? gitStep.before(target.session) : Promise.resolve(),
    syncToRemote(target.session, manifest, {
      workRoot: workdir,
      os: connection.target === "windows" ? "windows" : connection.target === "macos" ? "macos" : "linux",
      allowMassDelete: options.allowMassDeletions || config.sync.allowMassDeletions,
      onProgress: (bytes, files, phase) =>
        progress.phase(`sync ${phase}`, `${files} files ${humanBytes(bytes)}`),
      reconnect: () => target.reconnect(),
    }),
  );
  await gitStep?.after(target.session, { filesChanged: !result.skipped });
  outcome.syncMs = Date.now() - syncStarted;
  outcome.phases.sync = outcome.syncMs;
  outcome.syncPhases = clock.steps("sync ", syncStarted, Date.now());
  outcome.syncSkipped = result.skipped;
  const what = result.skipped
    ? "no changes, sync skipped"
    : `sent ${result.sentFiles} files (${humanBytes(result.sentBytes)}), deleted ${result.deleted}`;
  progress.info(`sync ${what} in ${formatDuration(outcome.syncMs)}`);
  recorder.event({
    type: "sync.finished",
    phase: "synced",
    message: `${what} duration=${outcome.syncMs}ms skipped=${result.skipped}`,
  });
}
