import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusMetricSource, promRange } from './PrometheusMetricSource';

interface Received {
  method: string;
  path: string;
  params: URLSearchParams;
  headers: http.IncomingHttpHeaders;
}

/** A tiny stand-in for the Prometheus HTTP API. */
async function fakePrometheus(
  answer: (request: Received) => { status?: number; body: unknown } | 'hang',
) {
  const received: Received[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const params = new URLSearchParams(url.search);
    for (const [key, value] of new URLSearchParams(
      Buffer.concat(chunks).toString('utf8'),
    )) {
      params.append(key, value);
    }
    const request = {
      method: req.method ?? '',
      path: url.pathname,
      params,
      headers: req.headers,
    };
    received.push(request);
    const result = answer(request);
    if (result === 'hang') return;
    const { status = 200, body } = result;
    res.writeHead(status, {
      'content-type':
        typeof body === 'string' ? 'text/plain' : 'application/json',
    });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const vector = (
  result: Array<{ metric: Record<string, string>; value: [number, string] }>,
) => ({ status: 'success', data: { resultType: 'vector', result } });

describe('PrometheusMetricSource', () => {
  let fake: Awaited<ReturnType<typeof fakePrometheus>>;
  let reply: (request: Received) => { status?: number; body: unknown } | 'hang';

  beforeEach(async () => {
    reply = () => ({ body: vector([]) });
    fake = await fakePrometheus(request => reply(request));
  });

  afterEach(async () => {
    await fake.close();
  });

  const queries = () => fake.received.map(r => r.params.get('query'));

  it('asks rate() per series and keeps every label but __name__', async () => {
    reply = () => ({
      body: vector([
        {
          metric: {
            __name__: 'ignored',
            namespace: 'shop',
            pod: 'api-1',
            container: 'api',
            instance: '10.0.0.1:10250',
          },
          value: [1741046400.5, '0.25'],
        },
        {
          metric: { namespace: 'shop', pod: 'api-1', code: '500' },
          value: [1741046400.5, '3'],
        },
      ]),
    });
    const source = new PrometheusMetricSource({ url: fake.url });
    await expect(
      source.rate('container_cpu_cfs_throttled_periods_total', {}, 120),
    ).resolves.toEqual([
      {
        labels: {
          namespace: 'shop',
          pod: 'api-1',
          container: 'api',
          instance: '10.0.0.1:10250',
        },
        samples: [[1741046400500, 0.25]],
      },
      {
        labels: { namespace: 'shop', pod: 'api-1', code: '500' },
        samples: [[1741046400500, 3]],
      },
    ]);
    expect(fake.received[0]).toMatchObject({
      method: 'POST',
      path: '/api/v1/query',
    });
    expect(queries()).toEqual([
      'rate(container_cpu_cfs_throttled_periods_total[120s])',
    ]);
    expect(fake.received[0].params.has('time')).toBe(false);
  });

  it('builds selectors from the source selector and the matchers', async () => {
    const source = new PrometheusMetricSource({
      url: fake.url,
      selector: { cluster: 'prod-eu', namespace: 'overridden' },
      headers: { authorization: 'Bearer t0ken' },
      time: () => 1741046400123,
    });
    await source.rate('http_requests_total', { namespace: 'shop' }, 90);
    await source.latest('container_memory_working_set_bytes', {
      pod: 'say "hi"\\\n',
    });
    await source.rate('http_requests_total', {}, 1.5);
    expect(queries()).toEqual([
      'rate(http_requests_total{cluster="prod-eu",namespace="shop"}[90s])',
      'container_memory_working_set_bytes{cluster="prod-eu",namespace="overridden",pod="say \\"hi\\"\\\\\\n"}',
      'rate(http_requests_total{cluster="prod-eu",namespace="overridden"}[1500ms])',
    ]);
    expect(fake.received[0].params.get('time')).toBe('1741046400.123');
    expect(fake.received[0].headers.authorization).toBe('Bearer t0ken');
  });

  it('asks histogram_quantile per pod, keeping namespace and pod', async () => {
    reply = () => ({
      body: vector([
        { metric: { namespace: 'shop', pod: 'api-1' }, value: [1, '0.95'] },
        { metric: { namespace: 'shop', pod: 'api-2' }, value: [1, 'NaN'] },
        { metric: { namespace: 'shop', pod: 'api-3' }, value: [1, '+Inf'] },
      ]),
    });
    const source = new PrometheusMetricSource({ url: fake.url });
    const result = await source.quantile(
      'http_request_duration_seconds',
      0.99,
      { namespace: 'shop' },
      120,
    );
    expect(queries()).toEqual([
      'histogram_quantile(0.99, sum by (le, namespace, pod) (rate(http_request_duration_seconds_bucket{namespace="shop"}[120s])))',
    ]);
    expect(result.map(s => [s.labels, s.samples[0][1]])).toEqual([
      [{ namespace: 'shop', pod: 'api-1' }, 0.95],
      [{ namespace: 'shop', pod: 'api-2' }, NaN],
      [{ namespace: 'shop', pod: 'api-3' }, Infinity],
    ]);
  });

  it('keeps a path prefix of the URL', async () => {
    const source = new PrometheusMetricSource({
      url: `${fake.url}/prometheus/`,
    });
    await source.latest('up', {});
    expect(fake.received[0].path).toBe('/prometheus/api/v1/query');
    expect(queries()).toEqual(['up']);
  });

  it('answers a scalar as one unlabelled series', async () => {
    reply = () => ({
      body: {
        status: 'success',
        data: { resultType: 'scalar', result: [1741046400, '2'] },
      },
    });
    const source = new PrometheusMetricSource({ url: fake.url });
    await expect(source.query('1 + 1')).resolves.toEqual([
      { labels: {}, samples: [[1741046400000, 2]] },
    ]);
  });

  it('rejects a range vector result', async () => {
    reply = () => ({
      body: { status: 'success', data: { resultType: 'matrix', result: [] } },
    });
    const source = new PrometheusMetricSource({ url: fake.url });
    await expect(source.query('up[1m]')).rejects.toThrow(
      /returned a matrix, not an instant vector \[up\[1m\]\]/,
    );
  });

  it('reports the API error with its type and the query', async () => {
    reply = () => ({
      status: 400,
      body: {
        status: 'error',
        errorType: 'bad_data',
        error: 'invalid parameter "query": 1:6: parse error',
      },
    });
    const source = new PrometheusMetricSource({ url: fake.url });
    await expect(source.latest('up', {})).rejects.toThrow(
      'Prometheus query failed (400): bad_data: invalid parameter "query": 1:6: parse error [up]',
    );
  });

  it('reports a non-JSON answer by its text', async () => {
    reply = () => ({ status: 502, body: 'upstream connect error' });
    const source = new PrometheusMetricSource({ url: fake.url });
    await expect(source.latest('up', {})).rejects.toThrow(
      'Prometheus query failed (502): upstream connect error [up]',
    );
  });

  it('reports an unreachable server and a timeout', async () => {
    const unreachable = new PrometheusMetricSource({
      url: 'http://127.0.0.1:1',
    });
    await expect(unreachable.latest('up', {})).rejects.toThrow(
      /Prometheus query failed: http:\/\/127\.0\.0\.1:1 unreachable .*\[up\]/,
    );
    reply = () => 'hang';
    const slow = new PrometheusMetricSource({ url: fake.url, timeoutMs: 100 });
    await expect(slow.latest('up', {})).rejects.toThrow(/unreachable.*\[up\]/);
  });

  it('refuses names and quantiles that would make bad PromQL', async () => {
    const source = new PrometheusMetricSource({ url: fake.url });
    await expect(source.rate('cpu{x="1"}', {}, 60)).rejects.toThrow(
      /Invalid metric name/,
    );
    await expect(source.latest('up', { 'bad-label': 'x' })).rejects.toThrow(
      /Invalid label name "bad-label"/,
    );
    await expect(source.latest('up', { __name__: 'x' })).rejects.toThrow(
      /Invalid label name/,
    );
    await expect(source.quantile('h', 1.5, {}, 60)).rejects.toThrow(
      /Invalid quantile 1.5/,
    );
    await expect(source.rate('up', {}, 0)).rejects.toThrow(
      /Invalid metrics window/,
    );
    expect(fake.received).toHaveLength(0);
  });
});

describe('promRange', () => {
  it('writes whole seconds or milliseconds', () => {
    expect(promRange(120)).toBe('120s');
    expect(promRange(0.25)).toBe('250ms');
    expect(() => promRange(NaN)).toThrow();
  });
});
