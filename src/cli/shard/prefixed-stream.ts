/**
 * One shard's output on the shared terminal (docs/cli.md "Shards"): every line prefixed
 * `[i/N] `, the index right-aligned to the width of N, as the reference prints it. Lines are
 * written whole, so shards running at once never interleave inside a line; a last line
 * without a newline is written by `end()`.
 */
import { Writable } from "node:stream";

export function shardPrefix(index: number, total: number): string {
  return `[${String(index).padStart(String(total).length)}/${total}] `;
}

export class PrefixedLines extends Writable {
  private pending = Buffer.alloc(0);

  constructor(
    private readonly target: Writable,
    private readonly prefix: string,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    let data = Buffer.concat([this.pending, chunk]);
    let newline = data.indexOf(10);
    const lines: Buffer[] = [];
    while (newline !== -1) {
      lines.push(Buffer.from(this.prefix), data.subarray(0, newline + 1));
      data = data.subarray(newline + 1);
      newline = data.indexOf(10);
    }
    this.pending = Buffer.from(data);
    if (lines.length) this.target.write(Buffer.concat(lines));
    done();
  }

  override _final(done: (error?: Error | null) => void): void {
    if (this.pending.length)
      this.target.write(Buffer.concat([Buffer.from(this.prefix), this.pending, Buffer.from("\n")]));
    this.pending = Buffer.alloc(0);
    done();
  }
}
