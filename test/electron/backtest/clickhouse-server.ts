// A real clickhouse-server for the integration tests (Debian's package, installed by .ci/run):
// the minimal config in test/electron/fixtures/clickhouse, loopback only, free ports, a temp data
// dir; stopped and removed after.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const config = fileURLToPath(new URL('../fixtures/clickhouse/config.xml', import.meta.url));

/** clickhouse-server where Debian puts it, else the single `clickhouse` binary's `server`. */
function serverCommand(): [string, string[]] {
  for (const path of ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server']) {
    if (existsSync(path)) return [path, []];
  }
  return ['clickhouse', ['server']];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ClickHouseServer {
  url: string;
  stop(): Promise<void>;
}

export async function startClickHouse(): Promise<ClickHouseServer> {
  const dir = await mkdtemp(join(tmpdir(), 'meterlab-clickhouse-'));
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  const [command, prefix] = serverCommand();
  let log = '';
  const child: ChildProcess = spawn(
    command,
    [
      ...prefix,
      `--config-file=${config}`,
      '--',
      `--path=${dir}/`,
      `--tmp_path=${dir}/tmp/`,
      `--user_files_path=${dir}/user_files/`,
      `--http_port=${httpPort}`,
      `--tcp_port=${tcpPort}`,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(`${url}/ping`);
      if (response.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`clickhouse-server did not start (${command}):\n${log.slice(-2000)}`);
}
