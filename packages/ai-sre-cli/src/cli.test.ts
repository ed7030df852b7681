import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main, parseArgs, USAGE } from './cli';
import type { AnalysisReport } from './report';
import { recordingIo } from './__testUtils__/sandbox';

jest.setTimeout(30_000);

/**
 * `kubectl get pods,nodes,events,deployments,replicasets,statefulsets,
 * daemonsets,jobs,cronjobs,services,configmaps,persistentvolumeclaims,
 * horizontalpodautoscalers,namespaces -A -o json` (kubectl 1.32) against the
 * sandbox running bookstore-crashloop-after-deploy for 5 simulated minutes.
 */
const KUBECTL_SNAPSHOT = path.join(
  __dirname,
  '__fixtures__',
  'bookstore-crashloop-after-deploy.kubectl.json',
);

describe('parseArgs', () => {
  it('reads the options', () => {
    expect(
      parseArgs([
        'analyze',
        '--snapshot',
        'a.json',
        '--snapshot=b.yaml',
        '-n',
        'shop',
        '--json',
        'out.json',
        '--format',
        'markdown',
        '--at',
        '2025-03-04T00:05:00Z',
      ]),
    ).toEqual({
      snapshots: ['a.json', 'b.yaml'],
      namespace: 'shop',
      json: 'out.json',
      format: 'markdown',
      at: Date.parse('2025-03-04T00:05:00Z'),
    });
    expect(
      parseArgs(['analyze', '--kubeconfig=k', '--context', 'prod']),
    ).toEqual({
      snapshots: [],
      format: 'table',
      kubeconfig: 'k',
      context: 'prod',
    });
    expect(parseArgs(['analyze', '--help']).help).toBe(true);
  });

  it.each([
    [[], 'no command given'],
    [['analyse'], 'unknown command analyse'],
    [['analyze', '--verbose'], 'unknown option --verbose'],
    [['analyze', 'cluster.json'], 'unexpected argument cluster.json'],
    [['analyze', '--snapshot'], '--snapshot needs a value'],
    [['analyze', '--json='], '--json needs a value'],
    [['analyze', '--format', 'html'], '--format must be table or markdown'],
    [['analyze', '--at', 'yesterday'], '--at needs an ISO 8601 time'],
    [
      ['analyze', '--snapshot', 'a.json', '--context', 'prod'],
      '--kubeconfig and --context are for live runs',
    ],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('main', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-sre-cli-main-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return name;
  };

  describe('bad input exits 2 with a clear message', () => {
    it.each([
      [
        ['analyze', '--snapshot', 'missing.json'],
        () => 'ai-sre analyze: cannot read snapshot missing.json: no such file',
      ],
      [
        ['analyze', '--snapshot', 'words.txt'],
        () => 'ai-sre analyze: words.txt is not a Kubernetes List or object',
      ],
      [
        ['analyze', '--snapshot', 'broken.json'],
        () =>
          'ai-sre analyze: broken.json is not Kubernetes JSON or YAML: invalid JSON',
      ],
      [
        ['analyze', '--kubeconfig', 'missing.kubeconfig'],
        () =>
          'ai-sre analyze: cannot read kubeconfig missing.kubeconfig: no such file',
      ],
      [
        ['analyze', '--kubeconfig', 'one.kubeconfig', '--context', 'prod'],
        () => 'ai-sre analyze: no context prod in the kubeconfig (it has dev)',
      ],
      [
        ['analyze', '--format', 'pdf'],
        () => 'ai-sre: --format must be table or markdown, not pdf',
      ],
    ])('%j', async (argv, message) => {
      write('words.txt', 'These are not the objects you are looking for.\n');
      write('broken.json', '{"kind": "List", "items": [{"kind": "Pod"');
      write(
        'one.kubeconfig',
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{name: dev, cluster: {server: "https://127.0.0.1:1"}}]',
          'users: [{name: dev, user: {token: t}}]',
          'contexts: [{name: dev, context: {cluster: dev, user: dev}}]',
          'current-context: dev',
        ].join('\n'),
      );
      const run = recordingIo(dir);
      const code = await main(argv, run.io);
      expect(code).toBe(2);
      expect(run.stderr()).toContain(message());
      expect(run.stdout()).toBe('');
    });

    it('prints the usage with a usage error, and alone with --help', async () => {
      const bad = recordingIo(dir);
      expect(await main(['analyze', '--bogus'], bad.io)).toBe(2);
      expect(bad.stderr()).toBe(`ai-sre: unknown option --bogus\n${USAGE}\n`);
      const help = recordingIo(dir);
      expect(await main(['--help'], help.io)).toBe(0);
      expect(help.stdout()).toBe(`${USAGE}\n`);
    });
  });

  describe('a kubectl get -A -o json snapshot', () => {
    it('writes the JSON report and exits 1 with findings', async () => {
      const run = recordingIo(dir);
      expect(
        await main(
          [
            'analyze',
            '--snapshot',
            KUBECTL_SNAPSHOT,
            '--json',
            'out/kubectl.json',
          ],
          run.io,
        ),
      ).toBe(1);
      const report: AnalysisReport = JSON.parse(
        fs.readFileSync(path.join(dir, 'out', 'kubectl.json'), 'utf8'),
      );
      // Judged at the latest time in the dump (taken at 00:05:00).
      expect(report.analyzedAt).toBe('2025-03-04T00:04:57.000Z');
      expect(report.findings.map(f => `${f.detector} ${f.object}`)).toEqual([
        'rollout-stuck Deployment/bookstore/catalog-api',
        'crash-loop Pod/bookstore/catalog-api-75945db644-b8hp7',
        'probe-failure Pod/bookstore/catalog-api-75945db644-b8hp7',
      ]);
      expect(report.incidents).toHaveLength(1);
      expect(report.incidents[0]).toMatchObject({
        severity: 'high',
        entity: 'component:default/catalog-api',
        impacted: [],
        openedAt: '2025-03-04T00:01:43.000Z',
        rootCause: [
          {
            category: 'bad-deploy',
            object: 'Deployment/bookstore/catalog-api',
            evidence: expect.arrayContaining([
              'change: catalog-api: image ghcr.io/example-bookstore/catalog-api:2.4.0 -> 2.5.0',
            ]),
          },
        ],
        plan: ['rollback-deployment', 'notify-owner'],
        steps: [
          {
            action: 'rollback-deployment',
            target: 'Deployment/bookstore/catalog-api',
            params: { revision: 1, fromRevision: 2 },
            risk: 'medium',
          },
          { action: 'notify-owner' },
        ],
        decision: 'ask-human',
      });
      expect(run.stdout()).toMatch(
        /^Findings \(3\), judged at 2025-03-04T00:04:57.000Z\n/,
      );
    });

    it('prints a table', async () => {
      const run = recordingIo(dir);
      await main(['analyze', '--snapshot', KUBECTL_SNAPSHOT], run.io);
      const lines = run.stdout().split('\n');
      expect(lines.slice(2, 5)).toEqual([
        expect.stringMatching(/^OBJECT {2,}DETECTOR {2,}SEVERITY {2}MESSAGE$/),
        expect.stringMatching(/^-+ {2}-+ {2}-+ {2}-+$/),
        expect.stringMatching(
          /^Deployment\/bookstore\/catalog-api {2,}rollout-stuck {2,}high {6}Rollout of deployment catalog-api is not progressing/,
        ),
      ]);
      const text = run.stdout();
      expect(text).toContain('Incidents (1)');
      expect(text).toContain('   entity:     component:default/catalog-api');
      expect(text).toMatch(
        / {5}1\. bad-deploy \d+% Deployment\/bookstore\/catalog-api\n/,
      );
      expect(text).toContain(
        '        - change: catalog-api: image ghcr.io/example-bookstore/catalog-api:2.4.0 -> 2.5.0',
      );
      expect(text).toContain('   plan (policy decision: ask-human):');
      expect(text).toContain(
        '     1. rollback-deployment Deployment/bookstore/catalog-api (revision: 1, fromRevision: 2)',
      );
    });

    it('prints Markdown', async () => {
      const run = recordingIo(dir);
      await main(
        ['analyze', '--snapshot', KUBECTL_SNAPSHOT, '--format', 'markdown'],
        run.io,
      );
      const markdown = run.stdout();
      expect(markdown).toMatch(
        /^# AI SRE analysis\n\nJudged at 2025-03-04T00:04:57.000Z: 3 findings, 1 incident\.\n/,
      );
      expect(markdown).toContain(
        '| Object | Detector | Severity | Message |\n| --- | --- | --- | --- |\n',
      );
      expect(markdown).toContain(
        '| `Pod/bookstore/catalog-api-75945db644-b8hp7` | crash-loop | high | Container catalog-api of pod catalog-api-75945db644-b8hp7 has restarted 4 times; last exit code 1 (Error) |',
      );
      expect(markdown).toMatch(
        /\n### 1\. .*Deployment\/bookstore\/catalog-api/,
      );
      expect(markdown).toContain(
        '- **Entity:** `component:default/catalog-api`',
      );
      expect(markdown).toMatch(
        /\n1\. \*\*bad-deploy\*\* \(\d+%\) `Deployment\/bookstore\/catalog-api`: /,
      );
      expect(markdown).toContain('**Plan** (policy decision: ask-human)');
      expect(markdown).toContain(
        '1. `rollback-deployment` on `Deployment/bookstore/catalog-api` (revision: 1, fromRevision: 2): ',
      );
    });

    it('prints only the JSON with --json -, judged at --at', async () => {
      const run = recordingIo(dir);
      expect(
        await main(
          [
            'analyze',
            '--snapshot',
            KUBECTL_SNAPSHOT,
            '--json',
            '-',
            '--at',
            '2025-03-04T00:05:00Z',
          ],
          run.io,
        ),
      ).toBe(1);
      const report: AnalysisReport = JSON.parse(run.stdout());
      expect(report.analyzedAt).toBe('2025-03-04T00:05:00.000Z');
      expect(report.findings).toHaveLength(3);
    });

    it('finds nothing in a namespace without problems', async () => {
      const run = recordingIo(dir);
      expect(
        await main(
          ['analyze', '--snapshot', KUBECTL_SNAPSHOT, '-n', 'kube-system'],
          run.io,
        ),
      ).toBe(0);
      expect(run.stdout()).toBe(
        'No problems found (judged at 2025-03-04T00:04:57.000Z).\n',
      );
    });
  });

  it('warns about a namespace with nothing in it', async () => {
    const run = recordingIo(dir);
    expect(
      await main(
        ['analyze', '--snapshot', KUBECTL_SNAPSHOT, '-n', 'bookshop'],
        run.io,
      ),
    ).toBe(0);
    expect(run.stderr()).toBe(
      'warning: nothing was read in namespace bookshop: does it exist (and may you read it)?\n',
    );
  });

  it('warns about a snapshot with nothing the detectors read', async () => {
    write(
      'namespaces.json',
      JSON.stringify({
        kind: 'List',
        items: [{ kind: 'Namespace', metadata: { name: 'shop' } }],
      }),
    );
    const run = recordingIo(dir, () => Date.parse('2025-03-04T12:00:00Z'));
    expect(
      await main(['analyze', '--snapshot', 'namespaces.json'], run.io),
    ).toBe(0);
    expect(run.stderr()).toBe(
      [
        'warning: the snapshot holds no object of a kind the detectors read (only Namespace)',
        'warning: the snapshot holds no times: judging it at the current time',
        '',
      ].join('\n'),
    );
  });
});
