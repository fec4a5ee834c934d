import { z } from "zod";
import { jobsSchema } from "./jobs-schema";

/**
 * The YAML config file, as written by people. Every key is optional: files are layered
 * (defaults < user < repo < profile < env < flags) and only what a layer sets overrides.
 * Unknown keys are rejected so that a typo (`idleTimout`) is a clear error, not a silent default.
 */

const durationText = z.union([z.string(), z.number()]).transform(String);
const portText = z.union([z.string(), z.number()]).transform(String);
const stringList = z.array(z.string());

export const layerSchema = z
  .object({
    provider: z.string(),
    /** Provision cloud machines with local credentials even when a coordinator is configured. */
    direct: z.boolean(),
    profile: z.string(),
    class: z.string(),
    serverType: z.string(),
    target: z.string(),
    windows: z.object({ mode: z.string() }).partial().strict(),
    ttl: durationText,
    idleTimeout: durationText,
    workRoot: z.string(),
    broker: z
      .object({ url: z.string(), token: z.string(), adminToken: z.string(), provider: z.string() })
      .partial()
      .strict(),
    ssh: z
      .object({
        user: z.string(),
        port: portText,
        fallbackPorts: z.array(portText),
        key: z.string(),
        holdConnection: z.boolean(),
      })
      .partial()
      .strict(),
    sync: z
      .object({
        exclude: stringList,
        delete: z.boolean(),
        timeout: durationText,
        warnFiles: z.number().int(),
        warnBytes: z.number().int(),
        failFiles: z.number().int(),
        failBytes: z.number().int(),
        allowLarge: z.boolean(),
        allowMassDeletions: z.boolean(),
        /** Git-aware sync: the machine gets a git repository at the local HEAD (default true). */
        git: z.boolean(),
        /** A ref (e.g. `origin/main`) hydrated on the machine for `git diff base...HEAD`. */
        baseRef: z.string(),
        /** Tracked files deleted on the machine after sync that fail the sync (default 200). */
        massDeletionThreshold: z.number().int(),
        /** The directory to sync instead of the repository around the current directory (relative to it). */
        root: z.string(),
      })
      .partial()
      .strict(),
    env: z.object({ allow: stringList }).partial().strict(),
    capacity: z
      .object({
        market: z.enum(["spot", "on-demand"]),
        strategy: z.string(),
        fallback: z.string(),
        regions: stringList,
        availabilityZones: stringList,
        hints: z.boolean(),
      })
      .partial()
      .strict(),
    results: z
      .object({ junit: stringList, auto: z.boolean(), failOnFailures: z.boolean() })
      .partial()
      .strict(),
    /** `crabbox shard` (docs/cli.md "Shards"): `maxCount` caps `--count`; 0 or unset, no cap. */
    shard: z.object({ maxCount: z.number().int().nonnegative() }).partial().strict(),
    /** Files copied back after `run` (docs/cli.md "Artifacts"): globs, required globs, local dir. */
    artifacts: z.object({ globs: stringList, required: stringList, dir: z.string() }).partial().strict(),
    static: z
      .object({
        id: z.string(),
        name: z.string(),
        host: z.string(),
        user: z.string(),
        port: portText,
        workRoot: z.string(),
        key: z.string(),
      })
      .partial()
      .strict(),
    /** Class name → server type (or ordered candidates; the first is requested). */
    classes: z.record(z.string(), z.union([z.string(), stringList])),
  })
  .partial()
  .strict();

export type ConfigLayer = z.infer<typeof layerSchema>;

export const fileSchema = layerSchema.extend({
  /** Named overlays selected with `profile:`, `--profile` or `CRABBOX_PROFILE`. */
  profiles: z.record(z.string(), layerSchema).optional(),
  /** Named runs (`crabbox job <name>`); a later file's job replaces an earlier one of that name. */
  jobs: jobsSchema.optional(),
});

export type ConfigFile = z.infer<typeof fileSchema>;
