import {
  formatDuration,
  parseDuration,
  parseQuantity,
  parseRate,
  UnitError,
} from './units';
import { parseDependencyTarget, parseEntityRef, parseObjectRef } from './refs';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['130s', 130_000],
    ['1.5m', 90_000],
    ['0', 0],
    [0, 0],
  ])('parses %p', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('rejects compound durations and suggests one unit', () => {
    expect(() => parseDuration('2m10s')).toThrow(
      'expected a duration with a single unit, got "2m10s"; write 130s',
    );
  });

  it.each(['fast', '10', '5 min', '1d', '-5s', ''])('rejects %p', text => {
    expect(() => parseDuration(text)).toThrow(UnitError);
    expect(() => parseDuration(text)).toThrow(
      /expected a duration like 250ms, 30s, 5m or 2h, got/,
    );
  });

  it('rejects non-strings', () => {
    expect(() => parseDuration(30)).toThrow(
      'expected a duration like 250ms, 30s, 5m or 2h, got 30',
    );
  });

  it('formats durations', () => {
    expect(formatDuration(95_000)).toBe('95s');
    expect(formatDuration(900_000)).toBe('15m');
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(1500)).toBe('1500ms');
    expect(formatDuration(0)).toBe('0ms');
  });
});

describe('parseQuantity', () => {
  it.each([
    ['250m', 0.25],
    ['2', 2],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['512Mi', 512 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1Ki', 1024],
    ['1Ti', 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['100k', 100_000],
    ['1M', 1e6],
    ['2G', 2e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['1e3', 1000],
    ['1E3', 1000],
    ['5e-3', 0.005],
    ['100n', 1e-7],
    ['10u', 1e-5],
    ['+1', 1],
    ['-1', -1],
    ['300m', 0.3],
    [4, 4],
    [0.25, 0.25],
  ])('parses %p', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 12);
  });

  it.each(['abc', '1.5.5', '12Mb', 'Mi', '1 Gi', '1mi', '1e', ''])(
    'rejects %p',
    text => {
      expect(() => parseQuantity(text)).toThrow(
        `expected a Kubernetes quantity like 250m, 512Mi or 2, got ${JSON.stringify(
          text,
        )}`,
      );
    },
  );
});

describe('parseRate', () => {
  it.each([
    ['20Mi/min', (20 * 2 ** 20) / 60_000],
    ['1Mi/s', 2 ** 20 / 1000],
    ['1Gi/h', 2 ** 30 / 3_600_000],
    ['600k/min', 10],
  ])('parses %p into units per ms', (text, value) => {
    expect(parseRate(text)).toBeCloseTo(value, 9);
  });

  it.each(['fast', '20Mi', '20Mi/day', '/min', 'xMi/min', '20Mi/m'])(
    'rejects %p',
    text => {
      expect(() => parseRate(text)).toThrow(
        `expected a rate like 20Mi/min, got ${JSON.stringify(text)}`,
      );
    },
  );
});

describe('references', () => {
  it('parses object references', () => {
    expect(parseObjectRef('Deployment/shop/web')).toEqual({
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
      ref: 'Deployment/shop/web',
    });
    expect(parseObjectRef('Node/worker-1')).toEqual({
      kind: 'Node',
      name: 'worker-1',
      ref: 'Node/worker-1',
    });
    expect(parseObjectRef('Widget/x')).toMatchObject({ kind: 'Widget' });
  });

  it.each([
    ['web', /expected a reference like Kind\/namespace\/name or Kind\/name/],
    ['deployment/shop/web', /the kind must be like Deployment/],
    ['Deployment/web', /Deployment is namespaced/],
    ['Node/default/worker-1', /Node is cluster-scoped/],
    ['Deployment/Shop/web', /not a valid namespace/],
    ['Deployment/shop/', /not a valid name/],
    ['A/b/c/d', /expected a reference/],
  ])('rejects %p', (text, message) => {
    expect(() => parseObjectRef(text)).toThrow(message);
  });

  it('restricts kinds', () => {
    expect(() =>
      parseObjectRef('Service/shop/web', ['Deployment', 'StatefulSet']),
    ).toThrow(
      'expected a reference to a Deployment or StatefulSet (Kind/namespace/name), got "Service/shop/web"',
    );
  });

  it('parses dependency targets', () => {
    expect(parseDependencyTarget('Service/shop/db')).toEqual({
      kind: 'Service',
      namespace: 'shop',
      name: 'db',
      ref: 'Service/shop/db',
    });
    expect(parseDependencyTarget('external/stripe')).toEqual({
      kind: 'external',
      name: 'stripe',
      ref: 'external/stripe',
    });
    expect(() => parseDependencyTarget('Deployment/shop/db')).toThrow(
      /expected a dependency target like Service\/namespace\/name or external\/NAME/,
    );
  });

  it('checks entity references', () => {
    expect(parseEntityRef('component:default/inventory')).toBe(
      'component:default/inventory',
    );
    expect(() => parseEntityRef('inventory')).toThrow(
      /expected an entity reference like component:default\/inventory/,
    );
  });
});
