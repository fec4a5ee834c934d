import { CrabboxError } from "../errors";

/**
 * Equality-only label selectors in the cloud style: `key=value,key2=value2`; a bare `key`
 * means "the label is present". An empty selector matches every machine.
 */
export type LabelSelector = Array<{ key: string; value?: string }>;

const keyPattern = /^[A-Za-z0-9_.-]{1,63}$/;

export function parseLabelSelector(raw: string | null | undefined): LabelSelector {
  if (!raw) return [];
  return raw
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf("=");
      const key = eq < 0 ? part : part.slice(0, eq);
      if (!keyPattern.test(key)) {
        throw new CrabboxError(
          "invalid_request",
          `label_selector: invalid label key ${JSON.stringify(key)}`,
          {
            field: "label_selector",
          },
        );
      }
      return eq < 0 ? { key } : { key, value: part.slice(eq + 1) };
    });
}

export function matchesSelector(labels: Record<string, string>, selector: LabelSelector): boolean {
  return selector.every(({ key, value }) =>
    value === undefined ? Object.hasOwn(labels, key) : labels[key] === value,
  );
}
