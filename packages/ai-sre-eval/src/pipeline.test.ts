import type { Scenario } from '@internal/k8s-sandbox';
import { deriveCatalog, formatSeconds, openedAtOrigin } from './pipeline';

describe('openedAt', () => {
  it('counts from the first timeline step', () => {
    const origin = openedAtOrigin(95_000, 120_000);
    expect(origin).toBe(95_000);
    expect(formatSeconds(120_000 - origin)).toBe('25s');
  });

  it('counts from the start when the fault is present from the start', () => {
    // The first incident opened before the first step.
    const origin = openedAtOrigin(95_000, 30_000);
    expect(origin).toBe(0);
    expect(formatSeconds(30_000 - origin)).toBe('30s');
    expect(formatSeconds(150_000 - origin)).toBe('150s');
  });

  it('counts from the start when the timeline is empty', () => {
    expect(openedAtOrigin(undefined, 45_000)).toBe(0);
    expect(openedAtOrigin(undefined, undefined)).toBe(0);
  });

  it('counts an incident opened at the first step from that step', () => {
    expect(openedAtOrigin(60_000, 60_000)).toBe(60_000);
    expect(formatSeconds(0)).toBe('0s');
  });

  it('rounds to whole seconds', () => {
    expect(formatSeconds(95_400)).toBe('95s');
    expect(formatSeconds(95_600)).toBe('96s');
  });
});

describe('deriveCatalog', () => {
  it('derives one Component per kubernetes-id, timeline included', () => {
    const scenario = {
      cluster: {
        nodes: [],
        objects: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: {
              name: 'web',
              labels: { 'backstage.io/kubernetes-id': 'web' },
            },
            spec: {
              template: {
                metadata: { labels: { 'backstage.io/kubernetes-id': 'web' } },
              },
            },
          },
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            metadata: { name: 'report' },
            spec: {
              jobTemplate: {
                spec: {
                  template: {
                    metadata: {
                      labels: { 'backstage.io/kubernetes-id': 'reports' },
                    },
                  },
                },
              },
            },
          },
        ],
      },
      timeline: [
        {
          kind: 'apply',
          at: 1000,
          manifest: {
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            metadata: {
              name: 'db',
              labels: { 'backstage.io/kubernetes-id': 'postgres' },
            },
          },
        },
      ],
    } as unknown as Scenario;
    const catalog = deriveCatalog(scenario);
    expect(
      catalog.map(e => `${e.kind}:${e.metadata.namespace}/${e.metadata.name}`),
    ).toEqual([
      'Component:default/postgres',
      'Component:default/reports',
      'Component:default/web',
    ]);
    expect(catalog[2].metadata.annotations).toEqual({
      'backstage.io/kubernetes-id': 'web',
    });
  });
});
