import { PassThrough } from 'node:stream';
import { Help, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands.ts';
import type { CommandContext } from './context.ts';
import { createProgram } from './main.ts';
import { runCli } from './testing.ts';

function context(): CommandContext {
  return { exitCode: 0, stdout: new PassThrough(), stderr: new PassThrough() };
}

/** Every command path under a command, e.g. `run hanoi`, `convexity label`. */
function paths(command: Command, prefix = ''): string[] {
  return command.commands.flatMap((sub) => {
    const path = `${prefix}${sub.name()}`;
    return [path, ...paths(sub, `${path} `)];
  });
}

describe('the command table', () => {
  it("lists every command each module registers, with the help line that module gives it", async () => {
    const full = await createProgram(context(), [], 'all');
    expect(full.commands.map((command) => command.name())).toEqual(COMMANDS.map((entry) => entry.name));
    const help = new Help();
    for (const entry of COMMANDS) {
      const command = full.commands.find((candidate) => candidate.name() === entry.name)!;
      expect({ name: entry.name, term: help.subcommandTerm(command), description: command.description() }).toEqual({
        name: entry.name,
        term: entry.term,
        description: entry.description,
      });
    }
  });

  it.each(COMMANDS.map((entry) => [entry.name]))('loads everything `maker %s` needs: the same subcommands as with every module loaded', async (name) => {
    const full = (await createProgram(context(), [], 'all')).commands.find((command) => command.name() === name)!;
    const lazy = (await createProgram(context(), [name])).commands.find((command) => command.name() === name)!;
    expect(paths(lazy)).toEqual(paths(full));
    expect(lazy.helpInformation()).toBe(full.helpInformation());
  });

  it('prints the same top-level help without loading any command as with all of them loaded', async () => {
    const full = await createProgram(context(), [], 'all');
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toBe(full.helpInformation());
  });

  it('prints the package version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });
});
