import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  loadScenarioDir,
  loadScenarioDirResults,
  loadScenarioFile,
  parseScenario,
} from './load';
import { ScenarioError } from './errors';
import { resolveBehaviour } from './behaviour';

const EXAMPLES = path.resolve(__dirname, '../../scenarios/examples');

const BASE = `version: 1
id: tiny
title: A tiny scenario
duration: 5m
cluster:
  objects:
    - apiVersion: v1
      kind: Namespace
      metadata:
        name: shop
    - apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
        namespace: shop
      spec:
        replicas: 2
        selector:
          matchLabels:
            app: web
        template:
          metadata:
            labels:
              app: web
          spec:
            containers:
              - name: web
                image: ghcr.io/x:1
images:
  ghcr.io/x:1:
    memory: 100Mi
    memoryGrowth: 20Mi/min
timeline:
  - at: 60s
    scale:
      target: Deployment/shop/web
      replicas: 3
expect:
  incident: true
  entity: component:default/web
  rootCause:
    category: memory-leak
    object: Deployment/shop/web
  actions:
    - restart-workload
`;

function parseError(text: string, file = 'broken.yaml'): ScenarioError {
  try {
    parseScenario(text, file);
  } catch (error) {
    if (error instanceof ScenarioError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

describe('example scenarios', () => {
  const files = fs.readdirSync(EXAMPLES).filter(f => f.endsWith('.yaml'));

  it('has the examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it.each(files)('loads %s', file => {
    const scenario = loadScenarioFile(path.join(EXAMPLES, file));
    expect(scenario.id).toBe(file.replace(/\.yaml$/, ''));
    expect(scenario.version).toBe(1);
    expect(scenario.cluster.objects.length).toBeGreaterThan(0);
    expect(scenario.timeline.length).toBeGreaterThan(0);
    expect(scenario.expect).toBeDefined();
  });

  it('loads the directory sorted by file name', () => {
    const scenarios = loadScenarioDir(EXAMPLES);
    expect(scenarios.map(s => path.basename(s.file))).toEqual(
      [...files].sort(),
    );
  });

  it('converts units', () => {
    const scenario = loadScenarioFile(
      path.join(EXAMPLES, 'bookstore-crashloop-after-deploy.yaml'),
    );
    expect(scenario.duration).toBe(14 * 60_000);
    expect(scenario.durationText).toBe('14m');
    const postgres = scenario.images['postgres:16.3'];
    expect(postgres.cpu).toBeCloseTo(0.09);
    expect(postgres.memory).toBe(410 * 2 ** 20);
    expect(postgres.startup).toBe(11_000);
    const broken =
      scenario.images['ghcr.io/example-bookstore/catalog-api:2.5.0'];
    expect(broken.exit).toEqual({
      after: 11_000,
      code: 1,
      reason: 'Error',
      log: "Error: Cannot find module './search/ranker' (catalog-api 2.5.0 build is missing a file)",
    });
    const web = scenario.images['ghcr.io/example-bookstore/web:3.2.0'];
    expect(web.dependsOn?.[0].target).toEqual({
      kind: 'Service',
      namespace: 'bookstore',
      name: 'catalog-api',
      ref: 'Service/bookstore/catalog-api',
    });
    expect(scenario.timeline[0]).toMatchObject({
      kind: 'apply',
      at: 100_000,
      atText: '100s',
      index: 0,
    });
    expect(scenario.expect?.rootCause.object?.ref).toBe(
      'Deployment/bookstore/catalog-api',
    );
  });

  it('keeps the nodes a scenario declares', () => {
    const scenario = loadScenarioFile(
      path.join(EXAMPLES, 'bookstore-node-not-ready.yaml'),
    );
    expect(scenario.cluster.nodes.map(n => n.name)).toEqual([
      'node-a',
      'node-b',
      'node-c',
    ]);
    expect(scenario.cluster.nodes[1]).toMatchObject({
      cpu: 8,
      memory: 29 * 2 ** 30,
      pods: 110,
      capacity: { cpu: '8', memory: '29Gi', pods: '110' },
    });
    expect(scenario.timeline[0]).toMatchObject({
      kind: 'node',
      name: 'node-b',
      ready: false,
    });
  });
});

describe('parseScenario', () => {
  it('parses the base scenario', () => {
    const scenario = parseScenario(BASE, 'tiny.yaml');
    expect(scenario.duration).toBe(300_000);
    expect(scenario.images['ghcr.io/x:1'].memoryGrowth).toBeCloseTo(
      (20 * 2 ** 20) / 60_000,
    );
    expect(scenario.timeline).toEqual([
      {
        kind: 'scale',
        at: 60_000,
        atText: '60s',
        index: 0,
        target: {
          kind: 'Deployment',
          namespace: 'shop',
          name: 'web',
          ref: 'Deployment/shop/web',
        },
        replicas: 3,
      },
    ]);
  });

  it('applies defaults', () => {
    const scenario = parseScenario(
      'version: 1\nid: empty\ntitle: Nothing at all\n',
      'empty.yaml',
    );
    expect(scenario.duration).toBe(15 * 60_000);
    expect(scenario.durationText).toBe('15m');
    expect(scenario.cluster.objects).toEqual([]);
    expect(scenario.images).toEqual({});
    expect(scenario.timeline).toEqual([]);
    expect(scenario.expect).toBeUndefined();
    expect(scenario.cluster.nodes).toEqual(
      ['node-1', 'node-2', 'node-3'].map(name => ({
        name,
        cpu: 4,
        memory: 16 * 2 ** 30,
        pods: 110,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
        },
        taints: [],
        capacity: { cpu: '4', memory: '16Gi', pods: '110' },
      })),
    );
    const defaults = resolveBehaviour(undefined);
    expect(defaults).toMatchObject({
      pull: 'ok',
      startup: 2000,
      cpu: 0.05,
      memory: 64 * 2 ** 20,
      latency: { p50: 20, p99: 100 },
      readiness: 'ok',
      liveness: 'ok',
      errorRate: 0,
    });
  });

  it('sorts the timeline by time, ties in file order', () => {
    const scenario = parseScenario(
      `version: 1
id: order
title: Order
timeline:
  - at: 2m
    log: {target: Deployment/shop/web, lines: [b]}
  - at: 30s
    log: {target: Deployment/shop/web, lines: [a]}
  - at: 2m
    log: {target: Deployment/shop/web, lines: c}
  - at: 0
    node: {name: node-2, conditions: {DiskPressure: true}}
`,
      'order.yaml',
    );
    expect(
      scenario.timeline.map(s =>
        s.kind === 'log' ? s.lines.join() : `${s.kind}@${s.at}`,
      ),
    ).toEqual(['node@0', 'a', 'b', 'c']);
    expect(scenario.timeline.map(s => s.index)).toEqual([3, 1, 0, 2]);
  });

  it('parses every step kind', () => {
    const scenario = parseScenario(
      `version: 1
id: steps
title: Steps
timeline:
  - at: 1s
    delete: Pod/shop/web-0
  - at: 2s
    traffic: {target: Deployment/shop/web, multiplier: 2.5}
  - at: 3s
    image:
      ref: ghcr.io/x:1
      set: {errorRate: 0.5, latency: {p50: 200ms, p99: 2s}}
  - at: 4s
    block: {from: Deployment/shop/web, to: external/payments}
  - at: 5s
    unblock: {from: Deployment/shop/web, to: Service/shop/db}
  - at: 6s
    event:
      involvedObject: Deployment/shop/web
      type: Warning
      reason: Custom
      message: something happened
  - at: 7s
    status:
      target: Deployment/shop/web
      patch: {availableReplicas: 0}
  - at: 8s
    node: {name: node-1, ready: false, cordon: true}
`,
      'steps.yaml',
    );
    expect(scenario.timeline.map(s => s.kind)).toEqual([
      'delete',
      'traffic',
      'image',
      'block',
      'unblock',
      'event',
      'status',
      'node',
    ]);
    expect(scenario.timeline[2]).toMatchObject({
      set: { errorRate: 0.5, latency: { p50: 200, p99: 2000 } },
    });
    expect(scenario.timeline[3]).toMatchObject({
      to: { kind: 'external', name: 'payments' },
    });
  });

  it('parses rules and dependency overlays', () => {
    const scenario = parseScenario(
      `version: 1
id: rules
title: Rules
images:
  app:1:
    traffic: 10
    rules:
      - if: {envMissing: DB_URL}
        then: {exit: {after: 1s, code: 1, log: no DB_URL}}
      - if: {envEquals: {MODE: 2}}
        then: {errorRate: 0.2}
    dependsOn:
      - target: external/stripe
        onFailure: {errorRate: 0.5, logs: [stripe down]}
`,
      'rules.yaml',
    );
    const image = scenario.images['app:1'];
    expect(image.rules?.map(r => r.if)).toEqual([
      { kind: 'envMissing', name: 'DB_URL' },
      { kind: 'envEquals', values: { MODE: '2' } },
    ]);
    const effective = resolveBehaviour(image, [
      image.rules![1].then,
      image.dependsOn![0].onFailure,
    ]);
    expect(effective.errorRate).toBe(0.5);
    expect(effective.logs).toEqual(['stripe down']);
    expect(effective.traffic).toBe(10);
  });
});

describe('broken scenarios', () => {
  const replace = (from: string, to: string) => {
    if (!BASE.includes(from)) {
      throw new Error(`not in BASE: ${from}`);
    }
    return BASE.replace(from, to);
  };

  it.each([
    {
      name: 'unknown top-level key',
      text: `${BASE}extra: 1\n`,
      path: 'extra',
      expected: 'unknown key; expected one of: version, id, title, duration',
      line: 46,
    },
    {
      name: 'unknown image key',
      text: replace('    memory: 100Mi\n', '    memroy: 100Mi\n'),
      path: 'images["ghcr.io/x:1"].memroy',
      expected: 'unknown key; expected one of: pull, startup, cpu, memory',
      line: 31,
    },
    {
      name: 'bad memoryGrowth',
      text: replace('20Mi/min', 'fast'),
      path: 'images["ghcr.io/x:1"].memoryGrowth',
      expected: 'expected a rate like 20Mi/min, got "fast"',
      line: 32,
    },
    {
      name: 'compound duration',
      text: replace('duration: 5m', 'duration: 2m10s'),
      path: 'duration',
      expected:
        'expected a duration with a single unit, got "2m10s"; write 130s',
      line: 4,
    },
    {
      name: 'bad quantity',
      text: replace('memory: 100Mi', 'memory: 100MB'),
      path: 'images["ghcr.io/x:1"].memory',
      expected:
        'expected a Kubernetes quantity like 250m, 512Mi or 2, got "100MB"',
      line: 31,
    },
    {
      name: 'step with two actions',
      text: replace(
        '      replicas: 3\n',
        '      replicas: 3\n    delete: Deployment/shop/web\n',
      ),
      path: 'timeline[0]',
      expected:
        'expected exactly one action per step, got delete and scale; split it into 2 steps',
      line: 34,
    },
    {
      name: 'step without action',
      text: replace(
        '    scale:\n      target: Deployment/shop/web\n      replicas: 3\n',
        '',
      ),
      path: 'timeline[0]',
      expected: 'expected one action key: apply, delete, scale',
      line: 34,
    },
    {
      name: 'unknown field in a Deployment spec',
      text: replace(
        '        replicas: 2\n',
        '        replicas: 2\n        paused2: true\n',
      ),
      path: 'cluster.objects[1].spec.paused2',
      expected:
        'unknown field "paused2" (not in the Deployment apps/v1 schema)',
      line: 18,
    },
    {
      name: 'wrong type in a Deployment',
      text: replace('replicas: 2', 'replicas: two'),
      path: 'cluster.objects[1].spec.replicas',
      expected: 'expected an integer, got "two"',
      line: 17,
    },
    {
      name: 'wrong type in a step',
      text: replace('replicas: 3', 'replicas: "3"'),
      path: 'timeline[0].scale.replicas',
      expected: 'expected a number, got "3"',
      line: 37,
    },
    {
      name: 'bad reference',
      text: replace('target: Deployment/shop/web', 'target: Deployment/web'),
      path: 'timeline[0].scale.target',
      expected:
        'Deployment is namespaced: expected Deployment/namespace/name, got "Deployment/web"',
      line: 36,
    },
    {
      name: 'wrong version',
      text: replace('version: 1', 'version: 2'),
      path: 'version',
      expected: 'expected 1, got 2',
      line: 1,
    },
    {
      name: 'unknown category',
      text: replace('memory-leak', 'memory-leaks'),
      path: 'expect.rootCause.category',
      expected: 'expected one of bad-deploy, bad-config',
      line: 42,
    },
    {
      name: 'unknown action',
      text: replace('- restart-workload', '- reboot'),
      path: 'expect.actions[0]',
      expected: 'expected one of rollback-deployment, restart-workload',
      line: 45,
    },
    {
      name: 'missing id',
      text: replace('id: tiny\n', ''),
      path: 'id',
      expected: 'required key is missing (expected a string)',
      line: 1,
    },
  ])('$name', ({ text, path: issuePath, expected, line }) => {
    const error = parseError(text, 'broken.yaml');
    const issue = error.issues.find(i => i.path === issuePath);
    expect(issue).toBeDefined();
    expect(issue?.message).toContain(expected);
    expect(issue?.line).toBe(line);
    expect(error.message).toContain(`broken.yaml:${line}:`);
    expect(error.message).toContain(`${issuePath}: ${issue?.message}`);
  });

  it('collects every issue', () => {
    const text = BASE.replace('duration: 5m', 'duration: soon')
      .replace('memory: 100Mi', 'memory: lots')
      .replace('replicas: 2', 'replicas: two');
    const error = parseError(`${text}bogus: true\n`, 'many.yaml');
    expect(error.issues.map(i => i.path)).toEqual([
      'duration',
      'cluster.objects[1].spec.replicas',
      'images["ghcr.io/x:1"].memory',
      'bogus',
    ]);
    expect(error.message.split('\n')[0]).toBe('many.yaml: 4 problems');
  });

  it('checks expectations for consistency', () => {
    const error = parseError(
      `version: 1
id: x
title: X
expect:
  incident: true
  rootCause: {category: none}
`,
    );
    expect(error.issues.map(i => `${i.path}: ${i.message}`)).toEqual([
      'expect.entity: required when incident is true (expected an entity reference like component:default/inventory)',
      'expect.actions: expected at least one action when incident is true',
      'expect.rootCause.category: expected a category other than none when incident is true',
    ]);
  });

  it('checks node names in node steps', () => {
    const error = parseError(
      `version: 1
id: x
title: X
timeline:
  - at: 10s
    node: {name: node-9, ready: false}
`,
    );
    expect(error.message).toBe(
      'broken.yaml:6:18: timeline[0].node.name: expected the name of a node (node-1, node-2, node-3), got "node-9"',
    );
  });

  it('reports YAML syntax errors with their line', () => {
    const error = parseError('version: 1\nid: [unclosed\n');
    expect(error.issues[0].line).toBeGreaterThan(0);
    expect(error.message).toMatch(/^broken\.yaml:\d+:\d+: invalid YAML: /);
  });

  it('rejects a document that is not a map', () => {
    expect(parseError('- 1\n').message).toMatch(
      /broken\.yaml:1:1: expected a scenario \(a map with version, id/,
    );
  });

  it('reports an unreadable file', () => {
    expect(() => loadScenarioFile('/nonexistent/x.yaml')).toThrow(
      /\/nonexistent\/x\.yaml: cannot read the file/,
    );
  });
});

describe('loadScenarioDir', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scenarios-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sorts by file name and rejects duplicate ids', () => {
    fs.writeFileSync(path.join(dir, 'b.yaml'), 'version: 1\nid: b\ntitle: B\n');
    fs.writeFileSync(path.join(dir, 'a.yml'), 'version: 1\nid: a\ntitle: A\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    expect(loadScenarioDir(dir).map(s => s.id)).toEqual(['a', 'b']);

    fs.writeFileSync(path.join(dir, 'c.yaml'), 'version: 1\nid: a\ntitle: C\n');
    fs.writeFileSync(path.join(dir, 'd.yaml'), 'version: 1\nid: D\ntitle: D\n');
    const results = loadScenarioDirResults(dir);
    expect(
      results.map(r => [path.basename(r.file), r.error ? 'error' : 'ok']),
    ).toEqual([
      ['a.yml', 'ok'],
      ['b.yaml', 'ok'],
      ['c.yaml', 'error'],
      ['d.yaml', 'error'],
    ]);
    expect(() => loadScenarioDir(dir)).toThrow(/duplicate scenario id "a"/);
    expect(() => loadScenarioDir(dir)).toThrow(
      /d\.yaml:2:5: id: expected a kebab-case id/,
    );
  });
});
