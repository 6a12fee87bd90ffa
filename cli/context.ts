/** What every `maker` subcommand gets: where to write, and the exit code to set. */
export interface CommandContext {
  /** Exit code a command sets on success (0) or on a run that failed (1). */
  exitCode: number;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}
