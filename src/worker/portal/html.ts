/**
 * The portal's only way to build markup: a tagged template that escapes every interpolated
 * value unless it is already `SafeHtml` produced by this same helper. There is deliberately
 * no "raw" escape hatch, so a slug, a command or a log line can never become markup.
 */

const escapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

export function escapeText(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => escapes[char] ?? char);
}

/** Markup that is safe by construction (built by `html`). */
export class SafeHtml {
  readonly #markup: string;
  constructor(markup: string, token: symbol) {
    if (token !== constructionToken) throw new Error("SafeHtml is built only by html``");
    this.#markup = markup;
  }
  toString(): string {
    return this.#markup;
  }
}

const constructionToken = Symbol("SafeHtml");

/** A value the template accepts: text (escaped), numbers, markup, lists of those, or nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeText(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? "";
  for (let i = 0; i < values.length; i++) {
    out += render(values[i] as HtmlValue) + (strings[i + 1] ?? "");
  }
  return new SafeHtml(out, constructionToken);
}

/** Joins markup pieces (for lists built with `map`). */
export function join(parts: readonly HtmlValue[]): SafeHtml {
  return html`${parts}`;
}
