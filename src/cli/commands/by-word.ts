import type { CommandClass } from "./clipanion";
import type { CrabboxContext } from "./context";

type Commands = CommandClass<CrabboxContext>[];

/**
 * The command modules each first word can reach, loaded on demand: `crabbox run` loads the run
 * command's graph and not the other 30 (docs/cli.md, "Start-up"). A word missing here (help,
 * a typo) loads them all from `./index`, which stays the one list of commands;
 * test/cli/startup.unit.test.ts checks this table against it.
 */
export const commandsByWord: Record<string, () => Promise<Commands>> = {
  login: async () => [(await import("./login")).LoginCommand],
  logout: async () => [(await import("./logout")).LogoutCommand],
  whoami: async () => [(await import("./whoami")).WhoamiCommand],
  init: async () => [(await import("./init")).InitCommand],
  config: async () => {
    const [show, path, broker] = await Promise.all([
      import("./config/show"),
      import("./config/path"),
      import("./config/set-broker"),
    ]);
    return [show.ConfigShowCommand, path.ConfigPathCommand, broker.ConfigSetBrokerCommand];
  },
  warmup: async () => [(await import("./warmup")).WarmupCommand],
  run: async () => [(await import("./run")).RunCommand],
  "sync-plan": async () => [(await import("./sync-plan")).SyncPlanCommand],
  ssh: async () => [(await import("./ssh")).SshCommand],
  status: async () => [(await import("./status")).StatusCommand],
  list: async () => [(await import("./list")).ListCommand],
  pool: async () => [(await import("./list")).ListCommand],
  stop: async () => [(await import("./stop")).StopCommand],
  release: async () => [(await import("./stop")).StopCommand],
  inspect: async () => [(await import("./inspect")).InspectCommand],
  heartbeat: async () => [(await import("./heartbeat")).HeartbeatCommand],
  cleanup: async () => [(await import("./cleanup")).CleanupCommand],
  machine: async () => [(await import("./cleanup")).CleanupCommand],
  history: async () => [(await import("./history")).HistoryCommand],
  logs: async () => [(await import("./logs")).LogsCommand],
  events: async () => [(await import("./events")).EventsCommand],
  attach: async () => [(await import("./attach")).AttachCommand],
  results: async () => [(await import("./results")).ResultsCommand],
  artifacts: async () => [(await import("./artifacts")).ArtifactsCommand],
  cp: async () => [(await import("./cp")).CpCommand],
  job: async () => [(await import("./job")).JobCommand],
  shard: async () => [(await import("./shard")).ShardCommand],
  watch: async () => [(await import("./watch")).WatchCommand],
  usage: async () => [(await import("./usage")).UsageCommand],
  admin: async () => {
    const [leases, release, del, events, replay, exportLog, verifyExport, pool] = await Promise.all([
      import("./admin/leases"),
      import("./admin/release"),
      import("./admin/delete"),
      import("./admin/events"),
      import("./admin/replay"),
      import("./admin/export"),
      import("./admin/verify-export"),
      import("./admin/pool"),
    ]);
    return [
      leases.AdminLeasesCommand,
      release.AdminReleaseCommand,
      del.AdminDeleteCommand,
      events.AdminEventsCommand,
      replay.AdminReplayCommand,
      exportLog.AdminExportCommand,
      verifyExport.AdminVerifyExportCommand,
      pool.AdminPoolCommand,
    ];
  },
  doctor: async () => [(await import("./doctor")).DoctorCommand],
  dev: async () => (await import("./dev")).devCommands,
};

/** The commands `argv` (after help/version rewriting) can name. */
export async function commandsFor(argv: string[]): Promise<Commands> {
  const word = argv[0] ?? "";
  // `crabbox --version` is answered by Clipanion's builtin alone.
  if (argv.length === 1 && word === "--version") return [];
  const load = Object.hasOwn(commandsByWord, word) ? commandsByWord[word] : undefined;
  if (load) return load();
  return (await import("./index")).commandClasses;
}
