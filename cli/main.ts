/**
 * The `maker` command line. Each subcommand lives in its own file and is listed in `commands.ts`, which imports it
 * only when it runs.
 * Exit codes: 0 success, 1 ran but failed, 2 bad input (one line on stderr, nothing written).
 */
import { Command, CommanderError, Help } from 'commander';
import { packageVersion } from '../core/package-root.ts';
import { InputError, MakerError } from '../core/errors.ts';
import { COMMANDS, modulesFor } from './commands.ts';
import type { CommandContext } from './context.ts';
import { isSystemError } from './system-error.ts';

/** Where the CLI writes; the process's streams unless given. */
export interface MainIO {
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
}

/**
 * The `maker` program for these arguments. Only the modules of the command the arguments name are imported (all
 * of them with `load: 'all'`); every other command is listed by its help line alone.
 */
export async function createProgram(context: CommandContext, argv: readonly string[], load?: 'all'): Promise<Command> {
  const defaultHelp = new Help();
  const terms = new Map(COMMANDS.map((entry) => [entry.name, entry.term]));
  const program = new Command('maker')
    .description('Run long-horizon deterministic tasks on LLMs reliably, and measure how reliably.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError(false)
    .configureHelp({ subcommandTerm: (command) => terms.get(command.name()) ?? defaultHelp.subcommandTerm(command) })
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      outputError: (text, write) => write(`maker: ${text.replace(/^error: /, '').trim()}\n`),
    });
  // `maker help run` asks for run's help: run's module is needed for that too.
  const named = argv[0] === 'help' ? argv[1] : argv[0];
  for (const register of modulesFor(load ?? named)) (await register())(program, context);
  // `maker run ./my-task.ts ...`: a user's task module, registered under its path before the flags are parsed.
  if (argv[0] === 'run' && argv[1] !== undefined) {
    const { isModuleSpecifier, loadTaskModule } = await import('../tasks/registry.ts');
    if (isModuleSpecifier(argv[1])) {
      const { registerTaskRun } = await import('./run.ts');
      registerTaskRun(program, context, await loadTaskModule(argv[1]), argv[1], argv[1]);
    }
  }
  for (const entry of COMMANDS) {
    if (!program.commands.some((command) => command.name() === entry.name)) program.command(entry.name).description(entry.description);
  }
  // Help order is the table's, whichever modules registered first.
  const order = new Map(COMMANDS.map((entry, index) => [entry.name, index]));
  (program.commands as Command[]).sort((a, b) => (order.get(a.name()) ?? order.size) - (order.get(b.name()) ?? order.size));
  return program;
}

/** Runs the CLI with the given arguments (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: MainIO = {}): Promise<number> {
  const context: CommandContext = {
    exitCode: 0,
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
  };
  try {
    const program = await createProgram(context, argv);
    await program.parseAsync([...argv], { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit with code 0; every other commander error is bad input.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof InputError) {
      context.stderr.write(`maker: ${error.message}\n`);
      return 2;
    }
    if (error instanceof MakerError) {
      context.stderr.write(`maker: ${error.message}\n`);
      return 1;
    }
    // A file-system or network failure (a full disk, a read-only directory): the system's message names the
    // call and the path; a stack trace would add nothing a user can act on.
    if (isSystemError(error)) {
      context.stderr.write(`maker: ${error.message}\n`);
      return 1;
    }
    context.stderr.write(`maker: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
