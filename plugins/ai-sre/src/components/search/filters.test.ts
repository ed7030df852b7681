import { DateTime } from 'luxon';
import {
  EMPTY_FILTERS,
  filtersToParams,
  filtersToRequest,
  hasFilters,
  parseFilters,
} from './filters';

describe('incident search filters', () => {
  it('round-trips through the URL, dropping unknown values', () => {
    const params = new URLSearchParams(
      'owner=group:default/team-a&owner=group:default/team-b&system=system:default/bookstore&entity=component:default/web&namespace=bookstore&cluster=sandbox&severity=high&severity=bogus&status=open&category=bad-deploy&range=7d&q=crash',
    );
    const filters = parseFilters(params);
    expect(filters).toEqual({
      ...EMPTY_FILTERS,
      owner: ['group:default/team-a', 'group:default/team-b'],
      system: ['system:default/bookstore'],
      entity: ['component:default/web'],
      namespace: ['bookstore'],
      cluster: ['sandbox'],
      severity: ['high'],
      status: ['open'],
      category: ['bad-deploy'],
      range: '7d',
      q: 'crash',
    });
    expect(parseFilters(filtersToParams(filters))).toEqual(filters);
    expect(hasFilters(filters)).toBe(true);
    expect(hasFilters(EMPTY_FILTERS)).toBe(false);
    expect(filtersToParams(EMPTY_FILTERS).toString()).toBe('');
  });

  it('turns a time range into from/to', () => {
    const now = DateTime.fromISO('2025-03-10T12:00:00Z');
    expect(filtersToRequest({ ...EMPTY_FILTERS, range: '24h' }, now).from).toBe(
      '2025-03-09T12:00:00.000Z',
    );
    const custom = filtersToRequest(
      {
        ...EMPTY_FILTERS,
        range: 'custom',
        from: '2025-03-01T00:00',
        to: '',
      },
      now,
    );
    expect(custom.from).toBe(
      DateTime.fromISO('2025-03-01T00:00').toUTC().toISO(),
    );
    expect(custom.to).toBeUndefined();
    expect(filtersToRequest(EMPTY_FILTERS, now)).toEqual({
      entityRef: [],
      owner: [],
      system: [],
      namespace: [],
      cluster: [],
      severity: [],
      status: [],
      category: [],
    });
  });
});
