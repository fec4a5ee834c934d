/**
 * `crabbox watch -- <command>` (docs/cli.md "Watch"): one lease held (or `--id`), the command
 * run at once, and after every burst of local changes (debounced) the checkout synced and the
 * command rerun through the run flow, stopping a run still in progress first. Ctrl-C stops the
 * run and releases a lease watch created; it exits 0, as the reference does. A run that fails
 * for another reason than its command (sync, SSH, lease) ends the watch with that error.
 */
import { type FSWatcher, watch } from "node:fs";
import { isCrabboxError } from "../../errors";
import { holdLease } from "../held/held-lease";
import { type RunIO, type RunOptions, runFlow } from "../run/flow";
import { alwaysIgnored, withoutGitIgnored } from "./changes";

export interface WatchOptions {
  id?: string;
  debounceMs: number;
  run: Omit<RunOptions, "id" | "keep">;
}

export async function watchLoop(io: RunIO, options: WatchOptions): Promise<number> {
  const held = await holdLease({ ...io, ...(options.id ? { id: options.id } : {}) });
  let runs = 0;
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let current: { controller: AbortController; done: Promise<void> } | undefined;
  let failure: unknown;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const stopAll = () => {
    if (timer) clearTimeout(timer);
    current?.controller.abort();
    finish();
  };
  io.signal.addEventListener("abort", stopAll, { once: true });

  const start = (changes: number) => {
    const n = ++runs;
    io.stderr.write(`watch run=${n} changes=${changes}\n`);
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, io.signal]);
    const done = runFlow({ ...io, signal }, { ...options.run, id: held.id, keep: true })
      .then((code) => {
        io.stderr.write(`watch run=${n} exit=${code}; watching for changes\n`);
      })
      .catch((error) => {
        if (signal.aborted && (isCrabboxError(error) ? error.code === "interrupted" : true)) {
          if (!io.signal.aborted) io.stderr.write(`watch run=${n} stopped: files changed\n`);
          return;
        }
        failure = error;
        stopAll();
      });
    current = { controller, done };
  };

  const rerun = async () => {
    timer = undefined;
    const changed = await withoutGitIgnored(io.repoRoot, [...pending]);
    pending = new Set();
    if (changed.length === 0 || io.signal.aborted || failure) return;
    const running = current;
    if (running) {
      running.controller.abort();
      await running.done;
    }
    if (!io.signal.aborted && !failure) start(changed.length);
  };

  let queue: Promise<void> = Promise.resolve();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(io.repoRoot, { recursive: true }, (_event, filename) => {
      const path = filename ? String(filename) : "";
      if (alwaysIgnored(path)) return;
      pending.add(path);
      if (timer) clearTimeout(timer);
      // Reruns are queued: a burst arriving while the previous one is still stopping its run
      // waits for it, so two runs never overlap.
      timer = setTimeout(() => {
        queue = queue.then(rerun);
      }, options.debounceMs);
    });
    io.stderr.write(
      `watch root=${io.repoRoot} debounce=${options.debounceMs}ms lease=${held.id} slug=${held.slug}\n`,
    );
    if (!io.signal.aborted) start(0);
    await finished;
    await queue;
    await current?.done;
  } finally {
    watcher?.close();
    if (timer) clearTimeout(timer);
    io.signal.removeEventListener("abort", stopAll);
    await held.end(held.created);
  }
  if (failure) throw failure;
  io.stderr.write(`watch interrupted runs=${runs}\n`);
  return 0;
}
