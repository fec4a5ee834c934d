/**
 * The workerd layer runs its files in one reused runner (`isolate: false`): starting workerd and
 * loading the Worker's module graph once instead of once per file is most of that layer's time.
 * What a file may not inherit from the one before it is the Fleet's state, so every file starts
 * with every Durable Object deleted (storage and live instances alike) and the test seams the
 * Durable Object shares with the tests (its clock, its environment overrides, its providers)
 * back at their production defaults.
 */
import { reset } from "cloudflare:test";
import { testSeams } from "../../src/test-seams";

await reset();
testSeams.resetForNextFile();
