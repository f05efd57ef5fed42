import path from 'node:path';

/** The project root (the folder holding package.json), whatever the working directory. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
