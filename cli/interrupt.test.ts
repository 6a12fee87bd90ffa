/**
 * Ctrl-C on a run without a run directory: the run stops cleanly and prints its summary (spend included), and
 * a second Ctrl-C gives the terminal its cursor back before exiting.
 */
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimModel } from '../models/sim-model.ts';
import { hanoiSim } from '../tasks/hanoi/index.ts';
import { startChatServer } from '../testing/chat-server.ts';
import { onInterrupt } from './interrupt.ts';
import { createProgress } from './progress.ts';

const MAKER = join(import.meta.dirname, '..', 'bin', 'maker.js');

describe('Ctrl-C without --run-dir', () => {
  it('stops the run cleanly: the summary with its cost on stdout, why on stderr, exit 130', async () => {
    let requests = 0;
    let interrupt: () => void = () => undefined;
    const server = await startChatServer({
      model: createSimModel({ behaviour: hanoiSim, seed: 1 }),
      intercept: () => {
        if (++requests === 30) interrupt();
        return false;
      },
    });
    try {
      const args = ['run', 'hanoi', '--disks', '10', '--model', 'openai:gpt-4.1-mini', '--base-url', server.url, '--api-key', 'local'];
      const child = spawn(process.execPath, [MAKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      interrupt = () => child.kill('SIGINT');
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
      expect(stderr).toMatch(/^maker: interrupted by SIGINT at step \d+ of 1023; a run without --run-dir cannot be resumed$/m);
      expect(stdout).toMatch(/^hanoi: NOT solved after \d+ steps \(0 errors; stopped: interrupted\)/);
      expect(stdout).toMatch(/^ {2}cost {9}\$\d+\.\d\d$/m);
      expect(code).toBe(130);
    } finally {
      await server.close();
    }
  });

  it('shows the cursor again before a second Ctrl-C exits at once', () => {
    const terminal = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    let written = '';
    terminal.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const progress = createProgress(terminal, 1023, true);
    const exits: number[] = [];
    const interrupt = onInterrupt(() => progress.stop(), (code) => exits.push(code));
    try {
      expect(written).toContain('\x1b[?25l');
      interrupt.handle('SIGINT');
      expect(interrupt.signal.aborted).toBe(true);
      expect(exits).toEqual([]);
      interrupt.handle('SIGINT');
      expect(exits).toEqual([130]);
      expect(written.lastIndexOf('\x1b[?25h')).toBeGreaterThan(written.lastIndexOf('\x1b[?25l'));
    } finally {
      interrupt.dispose();
      progress.stop();
    }
  });
});
