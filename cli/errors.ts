/**
 * Errors the CLI reports as one line and an exit code, never as a stack trace.
 * @module
 */

/** Exit codes: 0 ok, 1 the command failed, 2 the command line itself is wrong. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure with a one-line, actionable reason. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = ExitCode.failure,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The command line is wrong (unknown template, invalid name, ...): exit 2. */
export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}

/** The command was well-formed but could not be carried out: exit 1. */
export function failure(message: string): CliError {
  return new CliError(message, ExitCode.failure);
}

/** A message for an unexpected error, kept to one line. */
export function describe(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (
    text
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? "unknown error"
  );
}
