import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The Prometheus server tests run: `PROMETHEUS_BIN`, else `prometheus` on
 * the PATH (Debian's package puts it in /usr/bin; `scripts/prometheus.sh`
 * installs it and prints its path).
 */
export function findPrometheus(): string | undefined {
  const explicit = process.env.PROMETHEUS_BIN;
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  for (const dir of [...dirs, '/usr/bin', '/usr/local/bin']) {
    if (!dir) continue;
    const candidate = path.join(dir, 'prometheus');
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The Prometheus binary, or undefined after a line starting with SKIPPED.
 * Throws instead where `AI_SRE_REQUIRE_SERVICES` lists `prometheus` (CI).
 */
export function prometheusOrSkip(what: string): string | undefined {
  const binary = findPrometheus();
  if (binary) return binary;
  const why = process.env.PROMETHEUS_BIN
    ? `PROMETHEUS_BIN=${process.env.PROMETHEUS_BIN} is not an executable`
    : 'no prometheus binary is on the PATH (scripts/prometheus.sh installs it)';
  const required = (process.env.AI_SRE_REQUIRE_SERVICES ?? '')
    .split(',')
    .map(s => s.trim());
  if (required.includes('prometheus')) {
    throw new Error(
      `Prometheus is required (AI_SRE_REQUIRE_SERVICES) but ${why}; run scripts/prometheus.sh or set PROMETHEUS_BIN`,
    );
  }
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED: ${what}, because ${why}`);
  return undefined;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PrometheusServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Resolves once every target was scraped successfully. */
  waitForTargets(timeoutMs?: number): Promise<void>;
  /** Prometheus' own log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  binary: string;
  /** `host:port` of each `/metrics` target. */
  targets: string[];
  scrapeIntervalSeconds?: number;
  honorTimestamps?: boolean;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Starts a Prometheus server on a free port with a temporary config and
 * TSDB, scraping `targets`; `stop` ends it and removes the directory.
 */
export async function startPrometheus(
  options: StartPrometheusOptions,
): Promise<PrometheusServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-sre-prometheus-'));
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    '  evaluation_interval: 1m',
    'scrape_configs:',
    '  - job_name: sandbox',
    '    metrics_path: /metrics',
    `    honor_timestamps: ${options.honorTimestamps ?? true}`,
    '    static_configs:',
    `      - targets: [${options.targets.map(t => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    options.binary,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  const exit = new Promise<void>(resolve =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  child.once('error', error => {
    output += `\nspawn failed: ${error.message}`;
  });

  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const killed = await Promise.race([
        exit.then(() => true),
        sleep(10_000).then(() => false),
      ]);
      if (!killed) {
        child.kill('SIGKILL');
        await exit;
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  // Ready when its HTTP API answers.
  const readyBy = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`Prometheus exited at startup:\n${output}`);
    }
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > readyBy) {
      await stop();
      throw new Error(`Prometheus did not become ready:\n${output}`);
    }
    await sleep(100);
  }

  return {
    url,
    log: () => output,
    stop,
    async waitForTargets(timeoutMs = 30_000) {
      const by = Date.now() + timeoutMs;
      let last = 'no targets yet';
      for (;;) {
        try {
          const response = await fetch(`${url}/api/v1/targets?state=active`);
          const body: any = await response.json();
          const active: any[] = body?.data?.activeTargets ?? [];
          if (
            active.length === options.targets.length &&
            active.every(t => t.health === 'up')
          ) {
            return;
          }
          last = JSON.stringify(
            active.map(t => ({
              url: t.scrapeUrl,
              health: t.health,
              error: t.lastError,
            })),
          );
        } catch (error) {
          last = error instanceof Error ? error.message : String(error);
        }
        if (Date.now() > by) {
          throw new Error(
            `Prometheus did not scrape its targets: ${last}\n${output}`,
          );
        }
        await sleep(250);
      }
    },
  };
}
