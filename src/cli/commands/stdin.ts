import { CrabboxError } from "../../errors";

/** Reads all of stdin and trims it; tokens arrive this way so they never sit in argv or shell history. */
export async function readSecretFromStdin(stdin: NodeJS.ReadableStream, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const value = Buffer.concat(chunks).toString("utf8").trim();
  if (!value)
    throw new CrabboxError(
      "usage",
      `${what}: stdin was empty; pipe the token in, e.g. \`pbpaste | crabbox …\``,
    );
  return value;
}
