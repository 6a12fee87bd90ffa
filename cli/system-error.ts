/** Errors from system calls (a full disk, a read-only directory, a refused connection), told apart from bugs. */

/** An error from a system call: `code` like `ENOSPC` and the call that failed. Its message names both and the path. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
