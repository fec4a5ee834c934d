import type { ConfigLayer } from "./schema";

const sectionKeys = [
  "windows",
  "broker",
  "ssh",
  "sync",
  "env",
  "capacity",
  "results",
  "artifacts",
  "shard",
  "static",
] as const;

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

/**
 * Layers `top` over `base`: scalars and lists replace, sections merge key by key,
 * `sync.exclude` appends (every layer can add excludes, none can silently drop one),
 * `classes` merge by class name.
 */
export function mergeLayers(base: ConfigLayer, top: ConfigLayer): ConfigLayer {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    if (value === undefined) continue;
    if ((sectionKeys as readonly string[]).includes(key)) {
      const merged: Record<string, unknown> = {
        ...((base as Record<string, unknown>)[key] as object | undefined),
        ...(value as object),
      };
      if (key === "sync") {
        const before = base.sync?.exclude ?? [];
        const added = (value as { exclude?: string[] }).exclude ?? [];
        merged.exclude = dedupe([...before, ...added]);
      }
      out[key] = merged;
    } else if (key === "classes") {
      out.classes = { ...base.classes, ...(value as object) };
    } else {
      out[key] = value;
    }
  }
  return out as ConfigLayer;
}
