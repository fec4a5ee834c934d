import type { Writable } from "node:stream";

/**
 * Progress on stderr: on a TTY one live line with a spinner, the phase name and byte
 * counts; otherwise plain lines (one per phase change and per message), which keeps
 * logs of CI and agents readable.
 */
export interface Progress {
  phase(name: string, detail?: string): void;
  bytes(done: number, total?: number): void;
  info(message: string): void;
  warn(message: string): void;
  done(): void;
}

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function createProgress(
  stream: Writable & { isTTY?: boolean },
  options: { quiet?: boolean } = {},
): Progress {
  if (options.quiet) {
    return { phase() {}, bytes() {}, info() {}, warn: (m) => stream.write(`warning: ${m}\n`), done() {} };
  }
  if (!stream.isTTY) {
    let last = "";
    return {
      // Plain logs get one line per phase, not one per progress tick.
      phase: (name, detail) => {
        if (name === last) return;
        last = name;
        stream.write(`${name}${detail ? ` ${detail}` : ""}\n`);
      },
      bytes() {},
      info: (m) => stream.write(`${m}\n`),
      warn: (m) => stream.write(`warning: ${m}\n`),
      done() {},
    };
  }
  let current = "";
  let detail = "";
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const render = () => {
    stream.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${current}${detail ? ` ${detail}` : ""}`);
  };
  const clear = () => stream.write("\r\x1b[2K");
  const start = () => {
    if (!timer) {
      timer = setInterval(render, 100);
      timer.unref();
    }
  };
  const above = (line: string) => {
    clear();
    stream.write(`${line}\n`);
    if (current) render();
  };
  return {
    phase(name, d) {
      current = name;
      detail = d ?? "";
      start();
      render();
    },
    bytes(done, total) {
      detail = total ? `${humanBytes(done)} / ${humanBytes(total)}` : humanBytes(done);
      render();
    },
    info: (m) => above(m),
    warn: (m) => above(`warning: ${m}`),
    done() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (current) clear();
      current = "";
    },
  };
}
