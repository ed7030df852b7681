/**
 * Sandbox helpers for the CLI's tests: run an example scenario on the
 * virtual clock, write its kubeconfig, dump its objects as a `List`.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  loadScenarioFile,
  preloadManifestValidators,
  Sandbox,
  startSandbox,
} from '@internal/k8s-sandbox';
import { KIND_PATHS } from '../backend';
import { telemetryKinds } from '../analyze';
import type { CliIo } from '../cli';

export const EXAMPLES = path.resolve(
  __dirname,
  '../../../k8s-sandbox/scenarios/examples',
);

/** Starts an example scenario and runs it for `ms` of simulated time. */
export async function runExample(name: string, ms: number): Promise<Sandbox> {
  await preloadManifestValidators();
  const scenario = loadScenarioFile(path.join(EXAMPLES, `${name}.yaml`));
  // Ground truth is for scorers: the cluster never sees it anyway.
  const sandbox = await startSandbox({
    scenario: { ...scenario, expect: undefined },
    tls: false,
  });
  for (let t = 0; t < ms; t += 10_000) {
    await sandbox.advance(Math.min(10_000, ms - t));
  }
  return sandbox;
}

export function writeKubeconfig(dir: string, sandbox: Sandbox): string {
  const file = path.join(dir, `kubeconfig-${path.basename(sandbox.url)}`);
  fs.writeFileSync(file, sandbox.kubeconfig);
  return file;
}

/**
 * Every object of the kinds telemetry reads (and Namespaces, which it does
 * not), listed over HTTP, as one `List` like `kubectl get -A -o json`.
 */
export async function dumpList(sandbox: Sandbox) {
  const paths = [
    ...telemetryKinds().map(kind => ({ kind, path: KIND_PATHS[kind] })),
    { kind: 'Namespace', path: '/api/v1/namespaces' },
  ];
  const items: Array<Record<string, any>> = [];
  for (const { kind, path: url } of paths) {
    const response = await fetch(`${sandbox.url}${url}`, {
      headers: { authorization: `Bearer ${sandbox.adminToken}` },
    });
    if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
    const list = (await response.json()) as {
      apiVersion: string;
      items?: Array<Record<string, any>>;
    };
    for (const item of list.items ?? []) {
      items.push({ apiVersion: list.apiVersion, kind, ...item });
    }
  }
  return { apiVersion: 'v1', kind: 'List', metadata: {}, items };
}

/** A CLI io that records what it prints. */
export function recordingIo(cwd: string, now: () => number = Date.now) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: text => out.push(text),
    stderr: text => err.push(text),
    cwd,
    now,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}
