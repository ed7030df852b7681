import { ConfigReader } from '@backstage/config';
import { readClusterTargets } from './clusters';

describe('readClusterTargets', () => {
  it("adds the Kubernetes plugin's clusters and merges AI SRE settings into them", () => {
    const targets = readClusterTargets(
      new ConfigReader({
        kubernetes: {
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                {
                  name: 'prod',
                  url: 'https://prod.example:6443',
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 'token-1',
                },
                {
                  name: 'dev',
                  url: 'https://dev.example',
                  authProvider: 'oidc',
                },
              ],
            },
            { type: 'gke', projectId: 'x' },
          ],
        },
        aiSre: {
          clusters: [
            {
              name: 'prod',
              metrics: { prometheusUrl: 'http://prometheus:9090' },
            },
            {
              name: 'lab',
              url: 'http://127.0.0.1:6443',
              serviceAccountToken: 'token-2',
              skipTLSVerify: true,
            },
          ],
        },
      }),
    );
    const byName = Object.fromEntries(targets.map(t => [t.name, t]));
    expect(byName.prod).toMatchObject({
      source: 'kubernetes-plugin',
      watchable: true,
      metrics: { prometheusUrl: 'http://prometheus:9090' },
    });
    expect(byName.prod.kubeConfig?.getCurrentCluster()?.server).toBe(
      'https://prod.example:6443',
    );
    expect(byName.dev).toMatchObject({ watchable: false });
    expect(byName.dev.reason).toMatch(/signed-in user/);
    expect(byName.lab).toMatchObject({ source: 'ai-sre', watchable: true });
  });

  it('explains what is missing', () => {
    const [target] = readClusterTargets(
      new ConfigReader({
        aiSre: { clusters: [{ name: 'x', url: 'https://x' }] },
      }),
    );
    expect(target).toMatchObject({ watchable: false });
    expect(target.reason).toMatch(/serviceAccountToken/);
  });

  it('can ignore the Kubernetes plugin clusters', () => {
    expect(
      readClusterTargets(
        new ConfigReader({
          aiSre: { useKubernetesPluginClusters: false },
          kubernetes: {
            clusterLocatorMethods: [
              { type: 'config', clusters: [{ name: 'a', url: 'https://a' }] },
            ],
          },
        }),
      ),
    ).toEqual([]);
  });
});
