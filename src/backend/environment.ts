import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../util/project.js';
import { describeBackend, type BackendInfo } from './index.js';

/** Backend, versions, commit and machine of a run or a training: stored with every result so it can be traced. */
export interface Environment {
  backend: string;
  backendDetail: string;
  tfjs: string;
  node: string;
  kit: string;
  commit: string | null;
  date: string;
  machine: string;
}

/** Where and with what a run was made (backend, versions, commit, machine): stored with every result. */
export function environment(backend: BackendInfo): Environment {
  let kit = 'unknown';
  try {
    kit = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // Bundled or copied code without its package.json: the commit below still identifies it when known.
  }
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return {
    backend: backend.name,
    backendDetail: describeBackend(backend),
    tfjs: backend.tfjs,
    node: process.version,
    kit,
    commit: git.status === 0 ? git.stdout.trim() : null,
    date: new Date().toISOString(),
    machine: `${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
  };
}
