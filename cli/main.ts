/**
 * The `maker` command line. Each subcommand lives in its own file and registers itself in `commands.ts`.
 * Exit codes: 0 success, 1 ran but failed, 2 bad input (one line on stderr, nothing written).
 */
import { Command, CommanderError } from 'commander';
import { InputError, MakerError } from '../core/errors.ts';
import { COMMANDS } from './commands.ts';
import { isSystemError } from './system-error.ts';

/** Exit code a command sets on success (0) or on a run that failed (1). */
export interface CommandContext {
  exitCode: number;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Runs the CLI with the given arguments (without `node` and the script) and returns the exit code. */
export async function main(
  argv: readonly string[],
  io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {},
): Promise<number> {
  const context: CommandContext = {
    exitCode: 0,
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
  };
  const program = new Command('maker')
    .description('Run long-horizon deterministic tasks on LLMs reliably, and measure how reliably.')
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      outputError: (text, write) => write(`maker: ${text.replace(/^error: /, '').trim()}\n`),
    });
  for (const register of COMMANDS) register(program, context);
  try {
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
