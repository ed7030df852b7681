import { Entity } from '@backstage/catalog-model';
import {
  ExecutionSummary,
  Incident,
  IncidentDetails,
  Signal,
} from '@internal/plugin-ai-sre-common';
import { AuditEntry } from '../api';

export const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'catalog-api',
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': 'catalog-api' },
  },
  spec: { type: 'service', owner: 'team-storefront', lifecycle: 'production' },
};

export const unmappedEntity: Entity = {
  ...entity,
  metadata: { name: 'docs-site', namespace: 'default' },
};

export const ENTITY_REF = 'component:default/catalog-api';

export const incident: Incident = {
  id: 'inc-1',
  title: 'catalog-api is crash-looping after rollout',
  summary:
    "crash-loop (Error: Cannot find module './search/ranker') on Deployment/bookstore/catalog-api began 52 s after revision 2",
  entityRef: ENTITY_REF,
  impactedEntityRefs: ['component:default/web'],
  ownerRef: 'group:default/team-storefront',
  systemRef: 'system:default/bookstore',
  cluster: 'sandbox',
  namespace: 'bookstore',
  severity: 'high',
  status: 'open',
  category: 'bad-deploy',
  startedAt: '2025-03-04T00:01:40.000Z',
  openedAt: '2025-03-04T00:02:10.000Z',
  acknowledgedAt: null,
  resolvedAt: null,
  updatedAt: '2025-03-04T00:02:10.000Z',
};

export const resolvedIncident: Incident = {
  ...incident,
  id: 'inc-0',
  title: 'web returned 502s while catalog-api was down',
  status: 'resolved',
  category: 'dependency-failure',
  startedAt: '2025-03-03T10:00:00.000Z',
  openedAt: '2025-03-03T10:01:00.000Z',
  acknowledgedAt: '2025-03-03T10:03:00.000Z',
  resolvedAt: '2025-03-03T10:21:00.000Z',
  updatedAt: '2025-03-03T10:21:00.000Z',
};

export const crashSignal: Signal = {
  schemaVersion: 1,
  id: 'sig-crash',
  fingerprint: 'fp-crash',
  detector: 'crash-loop',
  severity: 'high',
  cluster: 'sandbox',
  object: {
    kind: 'Pod',
    namespace: 'bookstore',
    name: 'catalog-api-7d9f-abcde',
  },
  ownerChain: [],
  workload: { kind: 'Deployment', namespace: 'bookstore', name: 'catalog-api' },
  labels: {},
  reason: 'CrashLoopBackOff',
  message: 'Container catalog-api has restarted 2 times; last exit code 1',
  status: 'active',
  firstSeen: '2025-03-04T00:01:50.000Z',
  lastSeen: '2025-03-04T00:02:30.000Z',
  resolvedAt: null,
  count: 2,
  evidence: {
    fields: { restartCount: 2, lastExitCode: 1 },
    events: [
      {
        object: {
          kind: 'Pod',
          namespace: 'bookstore',
          name: 'catalog-api-7d9f-abcde',
        },
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container catalog-api',
        count: 3,
        firstTimestamp: '2025-03-04T00:01:55.000Z',
        lastTimestamp: '2025-03-04T00:02:25.000Z',
      },
    ],
    logs: [
      {
        pod: 'catalog-api-7d9f-abcde',
        container: 'catalog-api',
        previous: true,
        lines: [
          'catalog-api listening on 0.0.0.0:3000',
          "Error: Cannot find module './search/ranker'",
          'DATABASE_PASSWORD=[REDACTED]',
        ],
        truncated: false,
      },
    ],
    metrics: [
      {
        name: 'container_restarts',
        labels: { pod: 'catalog-api-7d9f-abcde' },
        samples: [
          [Date.parse('2025-03-04T00:01:40.000Z'), 0],
          [Date.parse('2025-03-04T00:02:00.000Z'), 1],
          [Date.parse('2025-03-04T00:02:20.000Z'), 2],
        ],
        threshold: 1,
      },
    ],
  },
  entityRefs: [ENTITY_REF],
};

export const execution: ExecutionSummary = {
  id: 'exec-1',
  incidentId: 'inc-1',
  status: 'succeeded',
  dryRun: false,
  requestedBy: 'user:default/guest',
  steps: [
    {
      action: 'rollback-deployment',
      status: 'applied',
      operations: [
        {
          type: 'patch',
          object: {
            kind: 'Deployment',
            namespace: 'bookstore',
            name: 'catalog-api',
          },
          summary: 'catalog-api back to revision 1',
          diff: [
            {
              path: 'spec.template.spec.containers[0].image',
              before: 'ghcr.io/example-bookstore/catalog-api:2.5.0',
              after: 'ghcr.io/example-bookstore/catalog-api:2.4.0',
            },
          ],
          status: 'applied',
        },
      ],
    },
  ],
  details: 'catalog-api rolled back to revision 1',
  startedAt: '2025-03-04T00:05:00.000Z',
  finishedAt: '2025-03-04T00:05:20.000Z',
};

export const details: IncidentDetails = {
  incident,
  workflow: 'awaiting-approval',
  analysis: {
    hypotheses: [
      {
        category: 'bad-deploy',
        object: {
          kind: 'Deployment',
          namespace: 'bookstore',
          name: 'catalog-api',
        },
        entityRef: ENTITY_REF,
        confidence: 0.72,
        summary:
          "catalog-api crashes with Error: Cannot find module './search/ranker' since revision 2",
        evidence: {
          signalIds: ['sig-crash'],
          changeIds: ['chg-1'],
          facts: [
            'change: catalog-api: image ghcr.io/example-bookstore/catalog-api:2.4.0 -> 2.5.0',
            'Container catalog-api has restarted 2 times; last exit code 1',
          ],
        },
      },
      {
        category: 'dependency-failure',
        object: { kind: 'Service', namespace: 'bookstore', name: 'postgres' },
        entityRef: 'component:default/postgres',
        confidence: 0.2,
        summary: 'postgres may be unreachable',
        evidence: { signalIds: [], changeIds: [], facts: [] },
      },
    ],
    modelHypotheses: [],
    plan: [
      {
        action: 'rollback-deployment',
        target: {
          kind: 'Deployment',
          namespace: 'bookstore',
          name: 'catalog-api',
        },
        params: { revision: 1, fromRevision: 2 },
        risk: 'medium',
        expectedEffect: 'catalog-api returns to revision 1',
        verification: 'All replicas are Ready and stop restarting',
        inverse: 'Roll catalog-api forward again to revision 2.',
      },
    ],
    decision: {
      decision: 'ask-human',
      steps: [
        {
          index: 0,
          action: 'rollback-deployment',
          allowed: true,
          needsApproval: true,
          reasons: [
            'Needs approval: component:default/catalog-api is production.',
          ],
        },
      ],
      reasons: ['Ask a human: 1 step needs approval.'],
      notify: true,
      dryRun: false,
    },
  },
  trace: [
    {
      node: 'detect',
      input: '2 signals',
      output: '{"outcome":"incident"}',
      durationMs: 13,
      at: '2025-03-04T00:02:10.000Z',
    },
    {
      node: 'rootCause',
      input: '2 signals, 1 changes',
      output: '{"hypotheses":[]}',
      durationMs: 9,
      at: '2025-03-04T00:02:10.500Z',
    },
  ],
  executions: [],
};

export const audit: AuditEntry[] = [
  {
    id: 1,
    at: '2025-03-04T00:04:00.000Z',
    actor: 'user:default/guest',
    action: 'incident.acknowledge',
    incidentId: 'inc-1',
    entityRef: ENTITY_REF,
    executionId: null,
    outcome: 'succeeded',
    details: {},
  },
];
