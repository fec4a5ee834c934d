/**
 * The wire format between the CLI and a local SSH connection holder (docs/sync.md#ssh-connection-holder):
 * one Unix-socket connection per request; every message is a frame of one type byte, a 4-byte
 * big-endian length and the payload. The first frame from the client is `h` (a JSON header).
 */
import { lstatSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { CrabboxError } from "../../../errors";
import { stateDir } from "../../direct/records";

type Env = Record<string, string | undefined>;

/** Client → holder: header, stdin data, stdin EOF, abort. Holder → client: info, stdout, stderr, result, failure. */
export type FrameType = "h" | "i" | "E" | "a" | "n" | "o" | "e" | "x" | "f";

/** Who the client expects at the other end; a holder for anything else answers `f`. */
export interface HolderIdentity {
  leaseID: string;
  host: string;
  port: number;
  username: string;
}

export type HolderHeader =
  | (HolderIdentity & { op: "info"; expiresAtMs?: number })
  | (HolderIdentity & {
      op: "exec";
      command: string;
      env?: Record<string, string>;
      killGraceMs: number;
      watchdog: boolean;
      stdin: boolean;
    })
  | { op: "stop"; leaseID: string };

export interface HolderInfo extends HolderIdentity {
  hostKeyFingerprint: string;
  pid: number;
  /** SSH handshakes this holder made (always 1) and requests it served, for tests and the bench. */
  handshakes: number;
  served: number;
}

/** A holder exits after this long without a client (docs/sync.md#ssh-connection-holder). */
export const HOLDER_IDLE_MS = 10 * 60_000;

export function frame(type: FrameType, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Splits a byte stream into frames; `push` returns the frames completed by a chunk. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ type: FrameType; payload: Buffer }> {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Array<{ type: FrameType; payload: Buffer }> = [];
    while (this.buffer.length >= 5) {
      const length = this.buffer.readUInt32BE(1);
      if (this.buffer.length < 5 + length) break;
      frames.push({
        type: this.buffer.toString("latin1", 0, 1) as FrameType,
        payload: this.buffer.subarray(5, 5 + length),
      });
      this.buffer = this.buffer.subarray(5 + length);
    }
    return frames;
  }
}

export function holderDir(env: Env): string {
  return join(stateDir(env), "ssh");
}

export function holderSocketPath(env: Env, leaseID: string): string {
  return join(holderDir(env), `${leaseID}.sock`);
}

/**
 * The holders' directory, created 0700. One owned by someone else, or open to the group or
 * the world, is refused: anyone who can reach a socket in it can run commands on the machine.
 */
export function ensureHolderDir(env: Env, create: boolean): string {
  const dir = holderDir(env);
  if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
    throw new CrabboxError(
      "config",
      `refusing the SSH holder directory ${dir}: it must be a directory owned by you with mode 0700 (run chmod 700 ${dir})`,
    );
  }
  return dir;
}
