import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { parseScenario, startSandbox } from '@internal/k8s-sandbox';
import { EntityResolver } from '../catalog/EntityResolver';
import { createStores } from '../store';
import { createTestDatabases } from '../__testUtils__/databases';
import { builtInDetectors } from './detectors';
import { TelemetryService } from './TelemetryService';
import { clockOf, quiesce } from './__testUtils__/sandbox';

const { databases } = createTestDatabases();
jest.setTimeout(120_000);

const PASSWORD = 'tr0ub4dor-and-3';
const TOKEN =
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib29rc2hvcCJ9.c2lnbmF0dXJlLXZhbHVlLWhlcmU';

const scenario = `
version: 1
id: leaky-logs
title: an app that prints its credentials before crashing
cluster:
  objects:
    - apiVersion: v1
      kind: Namespace
      metadata: { name: shop }
    - apiVersion: v1
      kind: Secret
      metadata: { name: db, namespace: shop }
      stringData:
        password: ${PASSWORD}
    - apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: api
        namespace: shop
        labels: { backstage.io/kubernetes-id: api }
      spec:
        replicas: 1
        selector: { matchLabels: { app: api } }
        template:
          metadata:
            labels: { app: api, backstage.io/kubernetes-id: api }
          spec:
            containers:
              - name: api
                image: example/api:1.0
                env:
                  - name: DB_PASSWORD
                    valueFrom: { secretKeyRef: { name: db, key: password } }
images:
  example/api:1.0:
    logs:
      - 'db login as shop/${PASSWORD} ok, session Bearer ${TOKEN}'
    exit: { after: 20s, code: 1, log: 'fatal: lost connection (pw ${PASSWORD})' }
`;

describe('redaction of captured logs', () => {
  it.each([
    ['with Secret values granted', ['shop'], [PASSWORD, TOKEN]],
    ['with shapes only', [], [TOKEN]],
  ])(
    'keeps secrets out of the database and the published signals (%s)',
    async (_name, namespaces, hidden) => {
      const knex = await databases.init('SQLITE_3');
      const stores = await createStores(mockServices.database({ knex }));
      const sandbox = await startSandbox({
        scenario: parseScenario(scenario, 'leaky-logs.yaml'),
        tls: false,
      });
      const clock = clockOf(sandbox.clock);
      const logged: string[] = [];
      const logger = {
        info: (m: string, meta?: object) =>
          logged.push(m, JSON.stringify(meta ?? {})),
        warn: (m: string, meta?: object) =>
          logged.push(m, JSON.stringify(meta ?? {})),
        error: (m: string, meta?: object) =>
          logged.push(m, JSON.stringify(meta ?? {})),
      };
      const published: string[] = [];
      const telemetry = new TelemetryService({
        config: new ConfigReader({
          aiSre: {
            clusters: [
              {
                name: 'sandbox',
                url: sandbox.url,
                serviceAccountToken: sandbox.adminToken,
                skipTLSVerify: true,
              },
            ],
            telemetry: { secretValues: { namespaces } },
          },
        }),
        logger,
        clock,
        detectors: () => builtInDetectors,
        signals: stores.signals,
        leases: stores.leases,
        resolver: new EntityResolver({
          fetchEntities: async () => [],
          now: clock.now,
        }),
        holder: 'replica',
        publish: async event => {
          published.push(JSON.stringify(event));
        },
      });
      telemetry.start();
      const activity = () => {
        const status = telemetry.health()[0]?.status;
        return (
          (status
            ? status.informers.reduce((n, i) => n + i.events + i.lists, 0)
            : 0) + published.length
        );
      };
      await quiesce(activity);
      for (let t = 0; t < 150; t += 5) {
        await sandbox.advance(5000);
        await quiesce(activity, 15);
      }
      await telemetry.flushed();
      await telemetry.stop();
      await sandbox.stop();

      const rows = await knex('ai_sre_signals').select('body');
      const stored = rows.map(r => r.body).join('\n');
      const crash = rows
        .map(r => JSON.parse(r.body))
        .find(s => s.detector === 'crash-loop');
      expect(crash).toBeDefined();
      const lines = crash.evidence.logs
        .flatMap((l: { lines: string[] }) => l.lines)
        .join('\n');
      expect(lines).toMatch(/fatal: lost connection/);
      expect(lines).toMatch(/\[REDACTED\]/);
      for (const secret of hidden) {
        expect(stored).not.toContain(secret);
        expect(published.join('\n')).not.toContain(secret);
        expect(logged.join('\n')).not.toContain(secret);
      }
    },
  );
});
