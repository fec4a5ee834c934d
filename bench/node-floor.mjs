#!/usr/bin/env node
/**
 * The floor of any Node client of a Crabbox machine, for `bench:inner-loop`: one Node process
 * that does the least a warm `crabbox run --id -- true` must do — one request to the
 * coordinator (`GET /v1/health`) and, at the same time, one ssh2 connection with the lease's
 * key and one `true` over it — and exits. Everything crabbox spends above this is its own
 * overhead; everything between this and a bare OpenSSH `ssh true` is the price of Node and
 * ssh2 (docs/sync.md, "Inner loop").
 *
 *   node bench/node-floor.mjs <coordinator url> <host> <port> <private key file>
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [url, host, port, keyFile] = process.argv.slice(2);
const Client = createRequire(import.meta.url)("ssh2/lib/client.js");

const exec = new Promise((resolve, reject) => {
  const client = new Client();
  client.on("ready", () => {
    client.exec("true", (error, channel) => {
      if (error) return reject(error);
      channel.on("close", (code) => {
        client.end();
        code === 0 ? resolve() : reject(new Error(`true exited ${code}`));
      });
      channel.resume();
      channel.stderr.resume();
    });
  });
  client.on("error", reject);
  client.connect({
    host,
    port: Number(port),
    username: "root",
    privateKey: readFileSync(keyFile),
    algorithms: { cipher: ["aes128-gcm@openssh.com"], compress: ["none"] },
  });
  client.setNoDelay(true);
});
const health = fetch(`${url}/v1/health`).then((r) => {
  if (!r.ok) throw new Error(`health ${r.status}`);
  return r.arrayBuffer();
});
await Promise.all([exec, health]);
