import { createServer } from "node:net";
import { CrabboxError } from "../errors";

/** Refuses, naming the port, when something already listens on 127.0.0.1:`port`. */
export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new CrabboxError(
          "config",
          error.code === "EADDRINUSE"
            ? `port ${port} on 127.0.0.1 is already in use; stop what listens there or choose another port with --port or CRABBOX_PORT`
            : `cannot listen on 127.0.0.1:${port}: ${error.message}`,
          { port },
        ),
      );
    });
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}
