import { AdminDeleteCommand } from "./admin/delete";
import { AdminEventsCommand } from "./admin/events";
import { AdminExportCommand } from "./admin/export";
import { AdminLeasesCommand } from "./admin/leases";
import { AdminPoolCommand } from "./admin/pool";
import { AdminReleaseCommand } from "./admin/release";
import { AdminReplayCommand } from "./admin/replay";
import { AdminVerifyExportCommand } from "./admin/verify-export";
import { ArtifactsCommand } from "./artifacts";
import { AttachCommand } from "./attach";
import { CleanupCommand } from "./cleanup";
import type { CommandClass } from "./clipanion";
import { ConfigPathCommand } from "./config/path";
import { ConfigSetBrokerCommand } from "./config/set-broker";
import { ConfigShowCommand } from "./config/show";
import type { CrabboxContext } from "./context";
import { CpCommand } from "./cp";
import { devCommands } from "./dev";
import { DoctorCommand } from "./doctor";
import { EventsCommand } from "./events";
import { HeartbeatCommand } from "./heartbeat";
import { HistoryCommand } from "./history";
import { InitCommand } from "./init";
import { InspectCommand } from "./inspect";
import { JobCommand } from "./job";
import { ListCommand } from "./list";
import { LoginCommand } from "./login";
import { LogoutCommand } from "./logout";
import { LogsCommand } from "./logs";
import { ResultsCommand } from "./results";
import { RunCommand } from "./run";
import { ShardCommand } from "./shard";
import { SshCommand } from "./ssh";
import { StatusCommand } from "./status";
import { StopCommand } from "./stop";
import { SyncPlanCommand } from "./sync-plan";
import { UsageCommand } from "./usage";
import { WarmupCommand } from "./warmup";
import { WatchCommand } from "./watch";
import { WhoamiCommand } from "./whoami";

export const commandClasses: CommandClass<CrabboxContext>[] = [
  LoginCommand,
  LogoutCommand,
  WhoamiCommand,
  InitCommand,
  ConfigShowCommand,
  ConfigPathCommand,
  ConfigSetBrokerCommand,
  WarmupCommand,
  RunCommand,
  SyncPlanCommand,
  SshCommand,
  CpCommand,
  StatusCommand,
  ListCommand,
  StopCommand,
  InspectCommand,
  HeartbeatCommand,
  CleanupCommand,
  HistoryCommand,
  LogsCommand,
  EventsCommand,
  AttachCommand,
  ResultsCommand,
  JobCommand,
  ShardCommand,
  WatchCommand,
  ArtifactsCommand,
  UsageCommand,
  AdminLeasesCommand,
  AdminReleaseCommand,
  AdminDeleteCommand,
  AdminEventsCommand,
  AdminReplayCommand,
  AdminExportCommand,
  AdminVerifyExportCommand,
  AdminPoolCommand,
  DoctorCommand,
  ...devCommands,
];
