/** An error a user can act on: what was wrong (naming the file or option) and how to fix it. */
export class GbmError extends Error {
  constructor(message: string, readonly fix?: string) {
    super(fix ? `${message} Fix: ${fix}` : message);
    this.name = 'GbmError';
  }
}

/** One line for the terminal: a GbmError's message, or the first line of anything else. */
export function errorLine(err: unknown): string {
  if (err instanceof GbmError) return `gbm: ${err.message}`;
  if (err instanceof Error) return `gbm: ${err.name}: ${err.message.split('\n')[0]}`;
  return `gbm: ${String(err)}`;
}
