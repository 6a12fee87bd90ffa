/**
 * Starts `maker serve` in a child process for the latency benchmarks, so the server's work does not share the
 * client's event loop, and reads its URL and, at the end, its counts from `GET /maker/stats`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAKER = fileURLToPath(new URL('../bin/maker.js', import.meta.url));

/** A running `maker serve`. */
export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** The server's counts (`GET /maker/stats`). */
  stats(): Promise<ServeStats>;
  stop(): Promise<void>;
}

/** What `GET /maker/stats` reports. */
export interface ServeStats {
  readonly requests: number;
  readonly finishReasons: Record<string, number>;
  readonly faults: { readonly requests: number; readonly injected: Record<string, number>; readonly total: number };
}

/** Spawns `maker serve --port 0 ...args` and resolves once it listens. */
export async function startServe(args: readonly string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, [MAKER, 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`maker serve exited with code ${code} before listening`)));
    lines.on('line', (line) => {
      const match = /listening on (\S+)/.exec(line);
      if (match !== null) resolve(match[1]!);
    });
  });
  return {
    url,
    child,
    stats: async () => (await (await fetch(url.replace(/\/v1$/, '/maker/stats'))).json()) as ServeStats,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
