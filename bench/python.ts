import fs from 'node:fs';

/** The Python the benchmarks' peers run on: $GBM_PYTHON, else Debian's (the one apt's numpy, torch and sklearn are for). */
export const PYTHON = process.env.GBM_PYTHON || (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
