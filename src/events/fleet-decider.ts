/**
 * The fleet stream records what the orphan sweep found on the providers' side: machines that
 * carry crabbox labels but belong to no live lease. Detection and deletion are separate events
 * so the log shows a machine that was found but could not (yet) be deleted.
 */
import { CrabboxError } from "../errors";
import type { FleetEvent } from "./catalogue";
import type { StreamDecider } from "./store-types";
import type { EvolvableEvent } from "./types";

export const fleetStream = "fleet";

export interface FleetState {
  /** Orphans detected and not yet deleted, keyed `provider:cloudID`, value = detection time. */
  openOrphans: Record<string, number>;
}

export type FleetCommand =
  | {
      type: "RecordOrphanDetected";
      provider: string;
      cloudID: string;
      name: string;
      region?: string;
      labels: Record<string, string>;
      leaseID?: string;
    }
  | { type: "RecordOrphanDeleted"; provider: string; cloudID: string; alreadyGone: boolean };

const orphanKey = (provider: string, cloudID: string) => `${provider}:${cloudID}`;

export function decideFleet(command: FleetCommand, state: FleetState, _now: number): FleetEvent[] {
  switch (command.type) {
    case "RecordOrphanDetected": {
      if (state.openOrphans[orphanKey(command.provider, command.cloudID)] !== undefined) return [];
      const { type: _type, ...data } = command;
      return [{ type: "OrphanDetected", data }];
    }
    case "RecordOrphanDeleted": {
      if (state.openOrphans[orphanKey(command.provider, command.cloudID)] === undefined) {
        throw new CrabboxError(
          "illegal_transition",
          `orphan ${command.provider}:${command.cloudID} was never detected`,
        );
      }
      const { type: _type, ...data } = command;
      return [{ type: "OrphanDeleted", data }];
    }
  }
}

export function evolveFleet(state: FleetState, event: EvolvableEvent<FleetEvent>): FleetState {
  switch (event.type) {
    case "OrphanDetected":
      return {
        openOrphans: { ...state.openOrphans, [orphanKey(event.data.provider, event.data.cloudID)]: event.at },
      };
    case "OrphanDeleted": {
      const openOrphans = { ...state.openOrphans };
      delete openOrphans[orphanKey(event.data.provider, event.data.cloudID)];
      return { openOrphans };
    }
  }
}

export const fleetDecider: StreamDecider<FleetState, FleetCommand, FleetEvent> = {
  kind: "fleet",
  snapshotSchema: 1,
  initialState: () => ({ openOrphans: {} }),
  decide: decideFleet,
  evolve: evolveFleet,
  ownerOf: () => null,
};
