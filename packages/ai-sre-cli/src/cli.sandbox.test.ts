import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Sandbox } from '@internal/k8s-sandbox';
import { main } from './cli';
import type { AnalysisReport } from './report';
import {
  dumpList,
  recordingIo,
  runExample,
  writeKubeconfig,
} from './__testUtils__/sandbox';

jest.setTimeout(60_000);

const OBJECT = /^[A-Za-z]+\/([a-z0-9][a-z0-9.-]*\/)?[a-z0-9][a-z0-9.-]*$/;

/** The report's shape: version 1, findings and eval-shaped incidents. */
function expectSchema(report: AnalysisReport) {
  expect(Object.keys(report).sort()).toEqual([
    'analyzedAt',
    'findings',
    'incidents',
    'version',
  ]);
  expect(report.version).toBe(1);
  expect(new Date(report.analyzedAt).toISOString()).toBe(report.analyzedAt);
  for (const finding of report.findings) {
    expect(Object.keys(finding).sort()).toEqual([
      'detector',
      'message',
      'object',
      'severity',
    ]);
    expect(finding.object).toMatch(OBJECT);
    expect(['critical', 'high', 'medium', 'low', 'info']).toContain(
      finding.severity,
    );
    expect(finding.message.length).toBeGreaterThan(0);
  }
  for (const incident of report.incidents) {
    // The fields of the eval report's incidents...
    expect(incident).toEqual(
      expect.objectContaining({
        entity: expect.any(String),
        impacted: expect.any(Array),
        openedAt: expect.any(String),
        rootCause: expect.any(Array),
        plan: expect.any(Array),
        decision: expect.any(String),
      }),
    );
    for (const cause of incident.rootCause) {
      expect(cause).toEqual(
        expect.objectContaining({
          category: expect.any(String),
          confidence: expect.any(Number),
          summary: expect.any(String),
          evidence: expect.any(Array),
        }),
      );
      if (cause.object !== null) expect(cause.object).toMatch(OBJECT);
    }
    // ...plan details and the findings grouped.
    expect(incident.steps.map(s => s.action)).toEqual(incident.plan);
    expect(incident.findings.length).toBeGreaterThan(0);
    for (const f of incident.findings) {
      expect(report.findings.map(x => x.object)).toContain(f.object);
    }
  }
}

const summary = (report: AnalysisReport) =>
  report.findings.map(f => `${f.detector} ${f.object}`).sort();

describe('yarn ai-sre analyze', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-sre-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const readJson = (file: string): AnalysisReport =>
    JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));

  describe('a bad deploy (crash loop after a new image)', () => {
    let sandbox: Sandbox;
    let kubeconfig: string;
    beforeAll(async () => {
      // The new image rolls out at 100 s and crashes on start.
      sandbox = await runExample('bookstore-crashloop-after-deploy', 300_000);
      kubeconfig = writeKubeconfig(dir, sandbox);
    });
    afterAll(() => sandbox?.stop());

    const now = () => sandbox.clock.now();

    it('finds it live, with the bad-deploy root cause and a rollback plan', async () => {
      const run = recordingIo(dir, now);
      const code = await main(
        ['analyze', '--kubeconfig', kubeconfig, '--json', 'live.json'],
        run.io,
      );
      expect(code).toBe(1);

      const report = readJson('live.json');
      expectSchema(report);
      expect(report.analyzedAt).toBe(new Date(now()).toISOString());
      expect(report.findings).toEqual(
        expect.arrayContaining([
          {
            object: expect.stringMatching(
              /^Pod\/bookstore\/catalog-api-[a-z0-9]+-[a-z0-9]+$/,
            ),
            detector: 'crash-loop',
            severity: 'high',
            message: expect.stringMatching(
              /Container catalog-api of pod .* has restarted \d+ times; last exit code 1/,
            ),
          },
        ]),
      );
      expect(report.findings.every(f => f.object.includes('catalog-api'))).toBe(
        true,
      );

      expect(report.incidents).toHaveLength(1);
      const [incident] = report.incidents;
      expect(incident.entity).toBe('component:default/catalog-api');
      expect(incident.rootCause[0]).toMatchObject({
        category: 'bad-deploy',
        object: 'Deployment/bookstore/catalog-api',
      });
      // The revision, replayed from the ReplicaSets, and the crash's own
      // words, from the previous logs of the failing container.
      expect(incident.rootCause[0].evidence).toContain(
        'change: catalog-api: image ghcr.io/example-bookstore/catalog-api:2.4.0 -> 2.5.0',
      );
      expect(incident.rootCause[0].summary).toContain(
        "Cannot find module './search/ranker'",
      );
      expect(incident.plan[0]).toBe('rollback-deployment');
      expect(incident.steps[0]).toMatchObject({
        action: 'rollback-deployment',
        target: 'Deployment/bookstore/catalog-api',
        params: { revision: 1, fromRevision: 2 },
      });
      expect(incident.decision).toBe('ask-human');
      // It began after the rollout at 100 s, not at the start.
      const began = Date.parse(incident.openedAt) - (now() - 300_000);
      expect(began).toBeGreaterThanOrEqual(100_000);
      expect(began).toBeLessThan(200_000);

      // The table on stdout, progress on stderr.
      const table = run.stdout();
      expect(table).toMatch(/^Findings \(\d+\), judged at /);
      expect(table).toMatch(/OBJECT\s+DETECTOR\s+SEVERITY\s+MESSAGE/);
      expect(table).toMatch(
        /Pod\/bookstore\/catalog-api-\S+\s+crash-loop\s+high/,
      );
      expect(table).toContain('1. bad-deploy');
      expect(table).toContain(
        '1. rollback-deployment Deployment/bookstore/catalog-api (revision: 1, fromRevision: 2)',
      );
      const progress = run.stderr();
      expect(progress).toContain(
        `Connecting to ${sandbox.url} (context sandbox)`,
      );
      expect(progress).toContain('Listing all namespaces...');
      expect(progress).toMatch(/ {2}Pod: \d+/);
      expect(progress).toMatch(/Read \d+ logs of failing containers/);
    });

    it('limits a live run to --namespace', async () => {
      const other = recordingIo(dir, now);
      expect(
        await main(
          [
            'analyze',
            '--kubeconfig',
            kubeconfig,
            '-n',
            'default',
            '--json',
            'default.json',
          ],
          other.io,
        ),
      ).toBe(0);
      expect(readJson('default.json')).toMatchObject({
        findings: [],
        incidents: [],
      });
      expect(other.stderr()).toContain('Listing namespace default...');
      expect(other.stdout()).toContain('No problems found');

      const own = recordingIo(dir, now);
      expect(
        await main(
          [
            'analyze',
            `--kubeconfig=${kubeconfig}`,
            '--namespace=bookstore',
            '--json',
            'ns.json',
          ],
          own.io,
        ),
      ).toBe(1);
      const report = readJson('ns.json');
      expect(report.findings.length).toBeGreaterThan(0);
      expect(
        report.findings.every(f => f.object.split('/')[1] === 'bookstore'),
      ).toBe(true);
      expect(report.incidents[0].rootCause[0].category).toBe('bad-deploy');
    });

    describe('from a snapshot of the same cluster', () => {
      let live: AnalysisReport;
      let list: Awaited<ReturnType<typeof dumpList>>;
      beforeAll(async () => {
        const run = recordingIo(dir, now);
        await main(
          ['analyze', '--kubeconfig', kubeconfig, '--json', '-'],
          run.io,
        );
        live = JSON.parse(run.stdout());
        list = await dumpList(sandbox);
        fs.writeFileSync(path.join(dir, 'cluster.json'), JSON.stringify(list));
        fs.writeFileSync(path.join(dir, 'cluster.yaml'), stringify(list));
      });

      it('reads a List JSON and concludes as the live run did', async () => {
        const run = recordingIo(dir);
        const code = await main(
          ['analyze', '--snapshot', 'cluster.json', '--json', 'snapshot.json'],
          run.io,
        );
        expect(code).toBe(1);
        expect(run.stderr()).toBe('');
        const report = readJson('snapshot.json');
        expectSchema(report);
        expect(summary(report)).toEqual(summary(live));
        expect(report.incidents[0]).toMatchObject({
          entity: 'component:default/catalog-api',
          rootCause: [
            {
              category: 'bad-deploy',
              object: 'Deployment/bookstore/catalog-api',
            },
          ],
          plan: ['rollback-deployment', 'notify-owner'],
        });
        // Judged at the latest time the snapshot holds: within seconds of
        // when it was taken.
        expect(now() - Date.parse(report.analyzedAt)).toBeLessThan(15_000);
      });

      it('reads the same List as YAML', async () => {
        const run = recordingIo(dir);
        expect(
          await main(
            ['analyze', '--snapshot', 'cluster.yaml', '--json', 'yaml.json'],
            run.io,
          ),
        ).toBe(1);
        expect(readJson('yaml.json')).toEqual(readJson('snapshot.json'));
      });

      it('reads several files, Events in one of them', async () => {
        const events = list.items.filter(i => i.kind === 'Event');
        const rest = list.items.filter(i => i.kind !== 'Event');
        fs.writeFileSync(
          path.join(dir, 'events.yaml'),
          stringify({ ...list, items: events }),
        );
        fs.writeFileSync(
          path.join(dir, 'objects.json'),
          JSON.stringify({ ...list, items: rest }),
        );
        const run = recordingIo(dir);
        expect(
          await main(
            [
              'analyze',
              '--snapshot',
              'objects.json',
              '--snapshot',
              'events.yaml',
              '--json',
              'split.json',
            ],
            run.io,
          ),
        ).toBe(1);
        expect(readJson('split.json')).toEqual(readJson('snapshot.json'));
      });

      it('limits a snapshot to --namespace', async () => {
        // The same objects again in a second namespace, as a second file.
        const copy = JSON.stringify(list)
          .replace(/"namespace":"bookstore"/g, '"namespace":"shop"')
          .replace(/"uid":"([^"]+)"/g, '"uid":"$1-shop"');
        fs.writeFileSync(path.join(dir, 'shop.json'), copy);
        const both = recordingIo(dir);
        expect(
          await main(
            [
              'analyze',
              '--snapshot',
              'cluster.json',
              '--snapshot',
              'shop.json',
              '--json',
              'both.json',
            ],
            both.io,
          ),
        ).toBe(1);
        const namespaces = (r: AnalysisReport) =>
          [...new Set(r.findings.map(f => f.object.split('/')[1]))].sort();
        expect(namespaces(readJson('both.json'))).toEqual([
          'bookstore',
          'shop',
        ]);
        expect(readJson('both.json').incidents).toHaveLength(2);

        const one = recordingIo(dir);
        expect(
          await main(
            [
              'analyze',
              '--snapshot',
              'cluster.json',
              '--snapshot',
              'shop.json',
              '-n',
              'shop',
              '--json',
              'shop-only.json',
            ],
            one.io,
          ),
        ).toBe(1);
        const report = readJson('shop-only.json');
        expect(namespaces(report)).toEqual(['shop']);
        expect(report.incidents).toHaveLength(1);
        expect(report.incidents[0].rootCause[0].object).toBe(
          'Deployment/shop/catalog-api',
        );
      });
    });
  });

  it('finds nothing on a healthy cluster and exits 0', async () => {
    // A rollout that goes well.
    const sandbox = await runExample('bookstore-healthy-rollout', 300_000);
    try {
      const run = recordingIo(dir, () => sandbox.clock.now());
      const code = await main(
        [
          'analyze',
          '--kubeconfig',
          writeKubeconfig(dir, sandbox),
          '--json',
          'healthy.json',
        ],
        run.io,
      );
      expect(code).toBe(0);
      const report = readJson('healthy.json');
      expectSchema(report);
      expect(report).toMatchObject({ findings: [], incidents: [] });
      expect(run.stdout()).toBe(
        `No problems found (judged at ${report.analyzedAt}).\n`,
      );
    } finally {
      await sandbox.stop();
    }
  });

  it('names cluster-scoped objects Kind/name, and keeps the nodes of a namespace', async () => {
    const sandbox = await runExample('bookstore-node-not-ready', 300_000);
    try {
      const kubeconfig = writeKubeconfig(dir, sandbox);
      const now = () => sandbox.clock.now();
      expect(
        await main(
          [
            'analyze',
            '--kubeconfig',
            kubeconfig,
            '--format',
            'markdown',
            '--json',
            'node.json',
          ],
          recordingIo(dir, now).io,
        ),
      ).toBe(1);
      const report = readJson('node.json');
      expectSchema(report);
      expect(report.findings).toContainEqual(
        expect.objectContaining({
          object: 'Node/node-b',
          detector: 'node-not-ready',
          severity: 'critical',
        }),
      );
      expect(report.incidents[0].rootCause[0].object).toBe('Node/node-b');

      // Pods of bookstore ran on node-b: its problem is theirs.
      expect(
        await main(
          [
            'analyze',
            '--kubeconfig',
            kubeconfig,
            '-n',
            'bookstore',
            '--json',
            'node-ns.json',
          ],
          recordingIo(dir, now).io,
        ),
      ).toBe(1);
      expect(readJson('node-ns.json').findings.map(f => f.object)).toContain(
        'Node/node-b',
      );
      // No pod of kube-system did.
      expect(
        await main(
          [
            'analyze',
            '--kubeconfig',
            kubeconfig,
            '-n',
            'kube-system',
            '--json',
            'node-ks.json',
          ],
          recordingIo(dir, now).io,
        ),
      ).toBe(0);
    } finally {
      await sandbox.stop();
    }
  });

  describe('a cluster it cannot analyse', () => {
    it('exits 2 when the cluster is unreachable', async () => {
      // A port nothing listens on any more.
      const server = net.createServer();
      await new Promise<void>(resolve =>
        server.listen(0, '127.0.0.1', resolve),
      );
      const port = (server.address() as net.AddressInfo).port;
      await new Promise(resolve => server.close(resolve));
      const file = path.join(dir, 'unreachable.kubeconfig');
      fs.writeFileSync(
        file,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: 'gone',
              cluster: {
                server: `http://127.0.0.1:${port}`,
                'insecure-skip-tls-verify': true,
              },
            },
          ],
          users: [{ name: 'me', user: { token: 'x' } }],
          contexts: [
            { name: 'gone', context: { cluster: 'gone', user: 'me' } },
          ],
          'current-context': 'gone',
        }),
      );
      const run = recordingIo(dir);
      expect(await main(['analyze', '--kubeconfig', file], run.io)).toBe(2);
      expect(run.stderr()).toContain(
        `ai-sre analyze: cannot reach the cluster at http://127.0.0.1:${port}: connection refused`,
      );
      expect(run.stdout()).toBe('');
    });

    it('exits 2 when the cluster rejects the credentials', async () => {
      const sandbox = await runExample('bookstore-healthy-rollout', 10_000);
      try {
        const file = path.join(dir, 'wrong-token.kubeconfig');
        fs.writeFileSync(
          file,
          sandbox.kubeconfig.replace(sandbox.adminToken, 'not-the-token'),
        );
        const run = recordingIo(dir);
        expect(await main(['analyze', '--kubeconfig', file], run.io)).toBe(2);
        expect(run.stderr()).toContain(
          `ai-sre analyze: the cluster at ${sandbox.url} rejected the credentials (401 Unauthorized)`,
        );
      } finally {
        await sandbox.stop();
      }
    });
  });
});
