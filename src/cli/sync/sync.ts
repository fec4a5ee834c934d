/**
 * `syncToRemote`: make the machine's work directory match a local manifest.
 *
 * Two round trips in the common case: a snapshot (state file header, or the whole state when it
 * is unknown locally, plus files changed on the machine since the last sync) and one apply
 * (deletions, one tar stream of changed files, atomic state swap). Equal fingerprints and no
 * remote drift skip the apply entirely. Every remote step is idempotent: after a dropped
 * connection the old state is still in place, and running the sync again converges.
 */
import { readFileSync } from "node:fs";
import { CrabboxError, isCrabboxError } from "../../errors";
import type { SshSession } from "../ssh/connect";
import { type Captured, capture, failed } from "./capture";
import { DEFAULT_EXCLUDES, prunablePatterns } from "./excludes";
import { checkDeletionGuard } from "./guards";
import type { Manifest } from "./manifest";
import {
  INCOMING_STATE,
  INLINE_DELETE_LIMIT,
  parseSnapshot,
  posixApplyCommand,
  posixDeletionCommand,
  posixDeletionScript,
  posixSnapshotCommand,
} from "./remote-posix";
import { WINDOWS_INCOMING_DELETIONS, windowsApplyCommand, windowsSnapshotCommand } from "./remote-windows";
import { emptiedDirectories, encodeState, parseState, planSync, type RemoteState } from "./state";
import { readCachedState, stateCachePath, writeCachedState } from "./state-cache";
import { createTarStream } from "./tar";

export type SyncPhase = "snapshot" | "delete" | "upload" | "done" | "skipped";

export interface SyncOptions {
  /** The directory on the machine that mirrors the repository root. */
  workRoot: string;
  os?: "linux" | "macos" | "windows";
  /** Allows deleting many files on the machine (`--allow-mass-deletions`). */
  allowMassDelete?: boolean;
  massDeleteThreshold?: number;
  onProgress?: (bytes: number, files: number, phase: SyncPhase) => void;
  /**
   * Called after a transport failure to get a fresh session; the sync then runs once more from
   * the start (safe, because every remote step is idempotent).
   */
  reconnect?: () => Promise<SshSession>;
  /** Keep a local copy of the last state written to this machine, to avoid downloading it (default true). */
  cacheRemoteState?: boolean;
  /** Extra exclude patterns, only used to prune the remote drift scan while `manifest` is still a promise. */
  excludes?: readonly string[];
}

export interface SyncResult {
  skipped: boolean;
  sentFiles: number;
  sentBytes: number;
  deleted: number;
  ms: number;
  /** Files whose copy on the machine was modified there since the last sync (resent). */
  drifted: number;
  /** Whether the machine walked its tree for drift (false: the clean marker vouched for it). */
  walked: boolean;
  phases: { name: string; ms: number }[];
}

/**
 * `manifest` may still be a promise: the snapshot round trip then overlaps with building it
 * (hashing), which is how a sync that builds its own manifest stays close to one round trip.
 */
export async function syncToRemote(
  session: SshSession,
  manifest: Manifest | Promise<Manifest>,
  options: SyncOptions,
): Promise<SyncResult> {
  try {
    return await syncOnce(session, manifest, options);
  } catch (error) {
    const transport = isCrabboxError(error) && error.code === "ssh_failed";
    if (!transport || !options.reconnect) throw error;
    const fresh = await options.reconnect();
    return await syncOnce(fresh, manifest, options);
  }
}

function isManifest(value: Manifest | Promise<Manifest>): value is Manifest {
  return typeof (value as Promise<Manifest>).then !== "function";
}

async function syncOnce(
  session: SshSession,
  pendingManifest: Manifest | Promise<Manifest>,
  options: SyncOptions,
): Promise<SyncResult> {
  const started = Date.now();
  const phases: { name: string; ms: number }[] = [];
  const mark = (name: string, since: number) => phases.push({ name, ms: Date.now() - since });
  const windows = options.os === "windows";
  const progress = options.onProgress ?? (() => {});
  const cachePath =
    options.cacheRemoteState === false ? undefined : stateCachePath(session, options.workRoot);
  const cached = readCachedState(cachePath);

  // 1. snapshot, while the manifest may still be hashing
  let t = Date.now();
  progress(0, 0, "snapshot");
  const excludes = isManifest(pendingManifest)
    ? pendingManifest.excludes
    : [...DEFAULT_EXCLUDES, ...(options.excludes ?? [])];
  const snapshotCommand = windows
    ? windowsSnapshotCommand(options.workRoot, cached?.fingerprint)
    : posixSnapshotCommand({
        workdir: options.workRoot,
        ...(cached ? { knownFingerprint: cached.fingerprint } : {}),
        prune: prunablePatterns(excludes),
      });
  const [snapshotResult, manifest] = await Promise.all([capture(session, snapshotCommand), pendingManifest]);
  if (snapshotResult.exitCode !== 0) throw failed("snapshot", snapshotResult);
  let snapshot: ReturnType<typeof parseSnapshot>;
  try {
    snapshot = parseSnapshot(snapshotResult.stdout);
  } catch (error) {
    throw new CrabboxError("sync_failed", `remote snapshot was unreadable: ${(error as Error).message}`, {
      step: "snapshot",
    });
  }
  // The recorded state is parsed only when the sync cannot be skipped: on a large tree, reading
  // and parsing it is one of the few costs that grow with the file count.
  const parseRemote = (): RemoteState | undefined => {
    switch (snapshot.status) {
      case "none":
        return undefined;
      case "known": {
        if (!cached) return undefined;
        const state = parseState(readFileSync(cached.path, "utf8"));
        // another crabbox process rewrote the cache between its header read and now
        if (state?.fingerprint !== snapshot.fingerprint)
          throw new CrabboxError(
            "sync_failed",
            "the local copy of the machine's sync state changed during the sync; run again",
            {
              step: "snapshot",
            },
          );
        return state;
      }
      case "full":
        return parseState(snapshot.stateText ?? "");
    }
  };
  const unchanged = snapshot.status !== "none" && snapshot.fingerprint === manifest.fingerprint;
  let remote: RemoteState | undefined;
  let drift = new Set<string>();
  if (!unchanged || snapshot.drift.size > 0) {
    remote = parseRemote();
    drift = new Set([...snapshot.drift].filter((path) => remote?.entries.has(path)));
  }
  mark("snapshot", t);

  if (unchanged && drift.size === 0) {
    if (snapshot.status === "full") writeCachedState(cachePath, encodeState(manifest));
    progress(0, 0, "skipped");
    return {
      skipped: true,
      sentFiles: 0,
      sentBytes: 0,
      deleted: 0,
      drifted: 0,
      walked: !windows && snapshot.walked,
      ms: Date.now() - started,
      phases,
    };
  }

  // 2. plan + guards (nothing on the machine has changed yet)
  const plan = planSync(manifest, remote, drift);
  checkDeletionGuard(
    { deletions: plan.deletions, remoteFiles: remote?.entries.size ?? 0 },
    {
      allowMassDelete: options.allowMassDelete === true,
      ...(options.massDeleteThreshold === undefined ? {} : { threshold: options.massDeleteThreshold }),
    },
  );

  // 3. deletions that do not fit on a command line go first, through stdin
  let inlineDeletions = "";
  if (!windows && plan.deletions.length > 0) {
    const script = posixDeletionScript(plan.deletions, emptiedDirectories(plan.deletions, manifest.entries));
    if (script.length <= INLINE_DELETE_LIMIT) inlineDeletions = script;
    else {
      t = Date.now();
      progress(0, 0, "delete");
      const deleted = await capture(session, "sh -s", posixDeletionCommand(options.workRoot, script));
      if (deleted.exitCode !== 0) throw failed("deletion", deleted);
      mark("delete", t);
    }
  }

  // 4. one tar stream: changed files, then (Windows) the deletion list, then the new state
  t = Date.now();
  const state = encodeState(manifest);
  const extras = [
    ...(windows
      ? [
          {
            name: WINDOWS_INCOMING_DELETIONS,
            data: Buffer.from(plan.deletions.map((p) => `${p}\n`).join(""), "utf8"),
          },
        ]
      : []),
    { name: INCOMING_STATE, data: state },
  ];
  const sentBytes = plan.send.reduce((sum, entry) => sum + (entry.kind === "file" ? entry.size : 0), 0);
  progress(0, 0, "upload");
  const tar = createTarStream(manifest.root, plan.send, extras, (bytes, files) =>
    progress(bytes, files, "upload"),
  );
  const applyCommand = windows
    ? windowsApplyCommand(options.workRoot)
    : posixApplyCommand(options.workRoot, inlineDeletions);
  // When the remote side ends early (tar failed, disk full, connection lost) nothing drains the
  // stream any more: stop producing instead of waiting for room that never comes.
  let applied: Captured;
  try {
    applied = await capture(session, applyCommand, tar.stream).finally(() => tar.abort());
  } catch (error) {
    // A local read failure cuts the stream (and so the channel): report that, not the cut.
    throw tar.failure() ?? error;
  }
  if (applied.exitCode !== 0) throw tar.failure() ?? failed("apply", applied);
  await tar.done;
  mark("upload", t);
  writeCachedState(cachePath, state);
  progress(sentBytes, plan.send.length, "done");
  return {
    skipped: false,
    sentFiles: plan.send.length,
    sentBytes,
    deleted: plan.deletions.length,
    drifted: drift.size,
    walked: !windows && snapshot.walked,
    ms: Date.now() - started,
    phases,
  };
}
