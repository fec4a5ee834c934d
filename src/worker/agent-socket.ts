/**
 * The Worker's raw TCP sockets, for the pool agents of cloud machines (docs/providers.md#ready-pools):
 * a Worker cannot be assumed to `fetch()` a bare IP, so the agent's HTTP runs over `connect()`.
 */
import { connect } from "cloudflare:sockets";
import type { ConnectSocket } from "../providers/pool-agent/http";

export const workerConnect: ConnectSocket = (address) => connect(address);
