/** One Jupyter display_data message: a bundle of MIME types, of which the front end shows the richest it can. */
export type WriteDisplayData = (msg: { data: Record<string, string>; metadata: object; transient: object }, update: boolean) => void;

/**
 * tslab's writer of display_data for the cell running now; null outside a tslab kernel (or before its first cell).
 * Read from the module cache, never loaded: outside a kernel, loading tslab's module would load the TypeScript
 * compiler (0.44 s here) into every command that draws a progress bar.
 */
export function tslabWriter(): WriteDisplayData | null {
  let file: string;
  try {
    file = require.resolve('tslab/dist/jupyter.js');
  } catch {
    return null;
  }
  const jupyter = require.cache[file]?.exports as { lastWriteDisplayData?: WriteDisplayData | null } | undefined;
  return jupyter?.lastWriteDisplayData ?? null;
}

let displays = 0;
let current: { write: WriteDisplayData; id: string; shown: boolean } | null = null;

/**
 * The progress line of the notebook cell running now: text shown in the cell's output and replaced in place at
 * every call (Jupyter's update_display_data). Every bar of one cell shares the line, so a cell that runs many steps
 * shows one line, and the stored notebook keeps its last state. null outside a tslab kernel.
 */
export function liveTextDisplay(): ((text: string) => void) | null {
  const write = tslabWriter();
  if (!write) return null;
  // tslab makes a new writer for every cell it executes: a new writer is a new cell, hence a new line.
  if (current?.write !== write) current = { write, id: `gbm-progress-${process.pid}-${++displays}`, shown: false };
  const line = current;
  return (text: string) => {
    try {
      line.write({ data: { 'text/plain': text }, metadata: {}, transient: { display_id: line.id } }, line.shown);
      line.shown = true;
    } catch (err) {
      // tslab sends on a zeromq socket that takes one message at a time: while another is in flight, the send throws
      // EBUSY. A progress update is worth skipping (the next one shows the same state), never worth failing the cell.
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY') throw err;
    }
  };
}
