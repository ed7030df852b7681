import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadScenarioFile } from './scenario';
import { Sandbox, startSandbox } from './sandbox';
import { requireTool } from './testUtils/services';

const KUBECTL =
  requireTool('kubectl', ['/usr/bin/kubectl', '/usr/local/bin/kubectl']) ?? '';
const describeIf = KUBECTL ? describe : describe.skip;

const EXAMPLE = resolve(
  __dirname,
  '../scenarios/examples/bookstore-crashloop-after-deploy.yaml',
);

describeIf('the simulated cluster with the real kubectl', () => {
  jest.setTimeout(60_000);
  let sandbox: Sandbox;
  let dir: string;

  function kubectl(
    ...args: string[]
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise(done => {
      execFile(
        KUBECTL,
        ['--request-timeout=10s', ...args],
        {
          env: {
            ...process.env,
            KUBECONFIG: join(dir, 'kubeconfig'),
            KUBECACHEDIR: join(dir, 'cache'),
          },
        },
        (err, stdout, stderr) =>
          done({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-kubectl-'));
    sandbox = await startSandbox({ scenario: loadScenarioFile(EXAMPLE) });
    writeFileSync(join(dir, 'kubeconfig'), sandbox.kubectlKubeconfig!);
  });

  afterAll(async () => {
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets the warm bookstore, then the crash loop of the bad rollout', async () => {
    const start = await kubectl('get', 'pods', '-n', 'bookstore');
    expect(start.code).toBe(0);
    expect(start.stdout).toMatch(/^catalog-api-\S+\s+1\/1\s+Running\s+0\s/m);
    expect(start.stdout).toMatch(/^postgres-0\s+1\/1\s+Running/m);

    await sandbox.advance(180_000);
    const later = await kubectl('get', 'pods', '-n', 'bookstore');
    expect(later.stdout).toMatch(
      /^catalog-api-\S+\s+0\/1\s+(CrashLoopBackOff|Error)\s+[1-9]/m,
    );
    const rollout = await kubectl(
      'get',
      'deploy',
      'catalog-api',
      '-n',
      'bookstore',
      '-o',
      'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}',
    );
    expect(rollout.stdout).toBe('2');
  });

  it('shows the previous container log and the events in describe', async () => {
    const pods = await kubectl('get', 'pods', '-n', 'bookstore', '-o', 'name');
    const crashing = pods.stdout
      .split('\n')
      .find(name => /catalog-api/.test(name) && !!name);
    const all = await kubectl('get', 'pods', '-n', 'bookstore', '-o', 'json');
    const bad = JSON.parse(all.stdout).items.find(
      (p: any) =>
        p.spec.containers[0].image.endsWith(':2.5.0') &&
        p.status.containerStatuses?.[0]?.restartCount > 0,
    );
    expect(crashing).toBeDefined();
    expect(bad).toBeDefined();
    const logs = await kubectl(
      'logs',
      bad.metadata.name,
      '-n',
      'bookstore',
      '--previous',
    );
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/Cannot find module '\.\/search\/ranker'/);
    const describe = await kubectl(
      'describe',
      'pod',
      bad.metadata.name,
      '-n',
      'bookstore',
    );
    expect(describe.stdout).toMatch(
      /Back-off restarting failed container catalog-api/,
    );
  });

  it('rolls back with rollout undo and scales', async () => {
    const undo = await kubectl(
      'rollout',
      'undo',
      'deployment/catalog-api',
      '-n',
      'bookstore',
    );
    expect(undo.code).toBe(0);
    expect(undo.stdout).toMatch(/rolled back/);
    await sandbox.advance(120_000);
    const images = await kubectl(
      'get',
      'pods',
      '-n',
      'bookstore',
      '-l',
      'app.kubernetes.io/name=catalog-api',
      '-o',
      'jsonpath={range .items[*]}{.spec.containers[0].image} {.status.phase}{"\\n"}{end}',
    );
    const lines = images.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines)
      expect(line).toBe('ghcr.io/example-bookstore/catalog-api:2.4.0 Running');

    const scale = await kubectl(
      'scale',
      'deployment/catalog-api',
      '-n',
      'bookstore',
      '--replicas=3',
    );
    expect(scale.stdout).toMatch(/scaled/);
    await sandbox.advance(60_000);
    const ready = await kubectl(
      'get',
      'deploy',
      'catalog-api',
      '-n',
      'bookstore',
      '-o',
      'jsonpath={.status.readyReplicas}',
    );
    expect(ready.stdout).toBe('3');
  });

  it('dry-runs an apply on the server without changing anything', async () => {
    const file = join(dir, 'web.yaml');
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'bookstore' },
        spec: {
          replicas: 5,
          selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } },
          template: {
            metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
            spec: {
              containers: [
                { name: 'web', image: 'ghcr.io/example-bookstore/web:9.9.9' },
              ],
            },
          },
        },
      }),
    );
    const dry = await kubectl('apply', '--dry-run=server', '-f', file);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /deployment.apps\/web configured \(server dry run\)/,
    );
    const replicas = await kubectl(
      'get',
      'deploy',
      'web',
      '-n',
      'bookstore',
      '-o',
      'jsonpath={.spec.replicas}',
    );
    expect(replicas.stdout).toBe('2');
  });
});
