import { afterAll, beforeAll } from "vitest";

interface Listening {
  url: string;
  close: () => Promise<void>;
}

/**
 * Serves a cloud fake on a loopback port for the tests of the calling file: listening before
 * the first test, closed after the last. `url` is readable while the tests run.
 */
export function servedDuringFile(fake: { listen(): Promise<Listening> }): { readonly url: string } {
  let server: Listening | undefined;
  beforeAll(async () => {
    server = await fake.listen();
  });
  afterAll(() => server?.close());
  return {
    get url() {
      if (!server) throw new Error("the fake is served only while the file's tests run");
      return server.url;
    },
  };
}
