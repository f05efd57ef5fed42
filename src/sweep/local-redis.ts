import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { GbmError } from '../util/errors.js';

/** A free loopback TCP port (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** True when Debian's redis-server (scripts/install-system.sh) is on the PATH. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** A private Redis for one process's tests or benchmarks: loopback only, nothing persisted, stopped with stop(). */
export interface LocalRedis {
  url: string;
  port: number;
  proc: ChildProcess;
  /** Drop every key (a clean queue between tests). */
  flush(): void;
  stop(): void;
}

/** Start redis-server on a free loopback port and wait until it answers PING (tests, `npm run bench -- queue`). */
export async function startLocalRedis(): Promise<LocalRedis> {
  if (!hasRedisServer()) throw new GbmError('redis-server is not installed.', "run `bash scripts/install-system.sh` (installs Debian's redis-server).");
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const cli = (...args: string[]) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout?.trim();
  for (let i = 0; i < 100; i++) {
    if (cli('ping') === 'PONG')
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        proc,
        flush: () => {
          if (cli('flushall') !== 'OK') throw new Error(`redis on port ${port} did not flush`);
        },
        stop: () => {
          proc.kill();
        },
      };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new GbmError(`redis-server did not answer on port ${port} within 10 s.`, 'check that redis-server runs here (redis-server --port 6390).');
}
