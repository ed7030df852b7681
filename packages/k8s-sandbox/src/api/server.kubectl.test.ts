import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '../testUtils/services';
import { buildKubeconfig } from './kubeconfig';
import {
  ADMIN_TOKEN,
  deploymentManifest,
  readyPod,
  startServer,
} from './testUtils';

const KUBECTL =
  requireTool('kubectl', ['/usr/bin/kubectl', '/usr/local/bin/kubectl']) ?? '';
const describeIf = KUBECTL ? describe : describe.skip;

type Started = Awaited<ReturnType<typeof startServer>>;

describeIf('API server with the real kubectl', () => {
  jest.setTimeout(30_000);
  let s: Started;
  let dir: string;

  function kubectl(
    args: string[],
    token = ADMIN_TOKEN,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const config = join(dir, `kubeconfig-${token.slice(0, 8)}`);
    writeFileSync(config, buildKubeconfig({ url: s.httpsUrl!, token }));
    return new Promise(resolve => {
      execFile(
        KUBECTL,
        ['--request-timeout=10s', ...args],
        {
          env: {
            ...process.env,
            KUBECONFIG: config,
            // a fresh discovery cache per test run
            KUBECACHEDIR: join(dir, 'cache'),
          },
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'k8s-sandbox-kubectl-'));
    s = await startServer({ rbac: true });
  });

  afterAll(async () => {
    await s.api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeAll(() => {
    const { store } = s;
    store.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop' },
    });
    store.create(deploymentManifest('web', 'shop', 2));
    const pod = store.create(readyPod('web-1', 'shop', { app: 'web' }));
    store.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web-1.a', namespace: 'shop' },
      involvedObject: {
        kind: 'Pod',
        name: 'web-1',
        namespace: 'shop',
        uid: pod.metadata!.uid,
      },
      reason: 'BackOff',
      message: 'Back-off restarting failed container app',
      type: 'Warning',
      source: { component: 'kubelet' },
    });
  });

  it('prints pods and deployments', async () => {
    const pods = await kubectl(['get', 'pods', '-n', 'shop']);
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    expect(pods.stdout).toMatch(/web-1\s+1\/1\s+Running\s+0\s+\d+s/);
    const json = await kubectl(['get', 'deploy', '-n', 'shop', '-o', 'json']);
    const list = JSON.parse(json.stdout);
    expect(list.items[0]).toMatchObject({
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
    });
    const deploy = await kubectl(['get', 'deploy', '-n', 'shop']);
    expect(deploy.stdout).toMatch(
      /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/,
    );
  });

  it('describes a pod with its events', async () => {
    const out = await kubectl(['describe', 'pod', 'web-1', '-n', 'shop']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Name:\s+web-1/);
    expect(out.stdout).toMatch(/Warning\s+BackOff\s+.*Back-off restarting/);
  });

  it('applies with server dry-run, applies and scales', async () => {
    const file = join(dir, 'api.yaml');
    const manifest = (image: string) =>
      JSON.stringify({
        ...deploymentManifest('api', 'shop', 1),
        spec: {
          ...(deploymentManifest('api', 'shop', 1).spec as object),
          template: {
            metadata: { labels: { app: 'api' } },
            spec: { containers: [{ name: 'app', image }] },
          },
        },
      });
    writeFileSync(file, manifest('api:1'));
    const dry = await kubectl(['apply', '--dry-run=server', '-f', file]);
    expect(dry.stderr).toBe('');
    expect(dry.stdout.trim()).toBe(
      'deployment.apps/api created (server dry run)',
    );
    expect(s.store.tryGet('apps/deployments', 'shop', 'api')).toBeUndefined();

    expect((await kubectl(['apply', '-f', file])).stdout.trim()).toBe(
      'deployment.apps/api created',
    );
    writeFileSync(file, manifest('api:2'));
    expect((await kubectl(['apply', '-f', file])).stdout.trim()).toBe(
      'deployment.apps/api configured',
    );
    const stored = s.store.get('apps/deployments', 'shop', 'api') as any;
    expect(stored.spec.template.spec.containers[0].image).toBe('api:2');
    expect(stored.metadata.generation).toBe(2);

    const scaled = await kubectl([
      'scale',
      'deploy/api',
      '-n',
      'shop',
      '--replicas=3',
    ]);
    expect(scaled.stdout.trim()).toBe('deployment.apps/api scaled');
    expect(
      (s.store.get('apps/deployments', 'shop', 'api') as any).spec.replicas,
    ).toBe(3);
  });

  it('answers auth can-i and enforces RBAC for service accounts', async () => {
    s.store.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'viewer', namespace: 'shop' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'pod-viewer',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace: 'shop' }],
    });
    s.store.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'pod-viewer' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
    });
    const token = s.api.issueServiceAccountToken('shop', 'viewer');
    const allowed = await kubectl(['get', 'pods', '-n', 'shop'], token);
    expect(allowed.stdout).toContain('web-1');
    const denied = await kubectl(
      ['delete', 'pod', 'web-1', '-n', 'shop'],
      token,
    );
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain(
      'pods "web-1" is forbidden: User "system:serviceaccount:shop:viewer" cannot delete resource "pods" in API group "" in the namespace "shop"',
    );
    const canI = await kubectl(
      ['auth', 'can-i', 'list', 'pods', '-n', 'shop'],
      token,
    );
    expect(canI.stdout.trim()).toBe('yes');
    const cannot = await kubectl(
      ['auth', 'can-i', 'delete', 'pods', '-n', 'shop'],
      token,
    );
    expect(cannot.stdout.trim()).toBe('no');
  });
});
