/**
 * The workerd layer runs its files in one reused runner (`isolate: false`): starting workerd and
 * loading the Worker's module graph once instead of once per file is most of that layer's time.
 * What a file may not inherit from the one before it is the Fleet's state, so every file starts
 * with every Durable Object deleted (storage and live instances alike) and the test seams the
 * Durable Object shares with the tests (its clock, its environment overrides, its providers)
 * back at their production defaults.
 */
import { reset } from "cloudflare:test";
import { installTestProviders } from "../../src/providers/registry";
import { archiveTestFaults } from "../../src/worker/fleet/archive/archiver";
import { fleetClock } from "../../src/worker/fleet/clock";
import { testEnvOverrides } from "../../src/worker/fleet/deps";

await reset();
fleetClock.offsetMs = 0;
for (const name of Object.keys(testEnvOverrides)) delete testEnvOverrides[name];
installTestProviders(undefined);
archiveTestFaults.at = undefined;
