import { ExpositionError, parseExposition } from './exposition';

describe('parseExposition', () => {
  it('reads names, labels, values and timestamps, skipping comments', () => {
    const text = [
      '# HELP http_requests_total Total HTTP requests served.',
      '# TYPE http_requests_total counter',
      'http_requests_total{namespace="shop",pod="api-1",code="200"} 1027 1741046400000',
      'http_requests_total{namespace="shop",pod="api-1",code="500"} 3 1741046400000',
      '',
      'process_start_time_seconds 1.7410464e9',
      'up 1',
      '   ',
      '# EOF',
    ].join('\n');
    expect(parseExposition(text)).toEqual([
      {
        name: 'http_requests_total',
        labels: { namespace: 'shop', pod: 'api-1', code: '200' },
        value: 1027,
        timestamp: 1741046400000,
      },
      {
        name: 'http_requests_total',
        labels: { namespace: 'shop', pod: 'api-1', code: '500' },
        value: 3,
        timestamp: 1741046400000,
      },
      { name: 'process_start_time_seconds', labels: {}, value: 1741046400 },
      { name: 'up', labels: {}, value: 1 },
    ]);
  });

  it('unescapes label values: \\\\, \\" and \\n', () => {
    const [sample] = parseExposition(
      String.raw`m{a="back\\slash",b="say \"hi\"",c="two\nlines",d="C:\\dir\\",e="{x=1, y}"} 1`,
    );
    expect(sample.labels).toEqual({
      a: 'back\\slash',
      b: 'say "hi"',
      c: 'two\nlines',
      d: 'C:\\dir\\',
      e: '{x=1, y}',
    });
  });

  it('keeps unknown escapes as written, as Prometheus does', () => {
    const [sample] = parseExposition(String.raw`m{path="a\tb"} 1`);
    expect(sample.labels.path).toBe('a\\tb');
  });

  it('reads +Inf, -Inf and NaN values and le="+Inf" buckets', () => {
    const samples = parseExposition(
      [
        'h_bucket{le="0.5"} 3',
        'h_bucket{le="+Inf"} 7',
        'g{kind="up"} +Inf',
        'g{kind="down"} -Inf',
        'g{kind="none"} NaN',
        'g{kind="go"} inf',
      ].join('\n'),
    );
    expect(samples.map(s => [s.labels.le ?? s.labels.kind, s.value])).toEqual([
      ['0.5', 3],
      ['+Inf', 7],
      ['up', Infinity],
      ['down', -Infinity],
      ['none', NaN],
      ['go', Infinity],
    ]);
  });

  it('accepts tabs, spaces, a trailing comma, CRLF and an empty label set', () => {
    const samples = parseExposition(
      'a{x="1",} 2 3\r\nb {y = "2"}\t4\t5\r\nc{} 6\r\n',
    );
    expect(samples).toEqual([
      { name: 'a', labels: { x: '1' }, value: 2, timestamp: 3 },
      { name: 'b', labels: { y: '2' }, value: 4, timestamp: 5 },
      { name: 'c', labels: {}, value: 6 },
    ]);
  });

  it('keeps fractional and negative timestamps and exponent values', () => {
    expect(parseExposition('a 1e-3 1741046400000.5\nb -2.5E2 -10')).toEqual([
      { name: 'a', labels: {}, value: 0.001, timestamp: 1741046400000.5 },
      { name: 'b', labels: {}, value: -250, timestamp: -10 },
    ]);
  });

  it.each([
    ['a metric without a value', 'up', /line 1: missing value of up/],
    ['a metric with labels but no value', 'up{a="1"}', /missing value/],
    ['a bad value', 'up one', /malformed value "one"/],
    ['an empty-ish value', 'up 0x10', /malformed value "0x10"/],
    ['a bad timestamp', 'up 1 soon', /malformed timestamp "soon"/],
    ['extra fields', 'up 1 2 3', /unexpected "3" after the timestamp/],
    ['an unclosed label set', 'up{a="1" 1', /expected , or }/],
    ['an unterminated label value', 'up{a="1} 1', /unterminated value/],
    ['a label without quotes', 'up{a=1} 1', /expected " to open label a/],
    ['a label without =', 'up{a "1"} 1', /expected = after label a/],
    ['a bad label name', 'up{1a="x"} 1', /malformed label name/],
    ['labels without a comma', 'up{a="1" b="2"} 1', /expected , or }/],
    ['a duplicate label', 'up{a="1",a="2"} 1', /duplicate label a/],
    ['a bad metric name', '1up 1', /malformed metric name/],
    ['junk after the name', 'up-time 1', /unexpected "-" after metric name/],
    ['junk after the labels', 'up{a="1"}x 1', /unexpected "x" after the label/],
  ])('rejects %s', (_what, line, message) => {
    expect(() => parseExposition(`# TYPE up gauge\n${line}`)).toThrow(
      ExpositionError,
    );
    expect(() => parseExposition(line)).toThrow(message);
  });

  it('names the line of the error', () => {
    expect(() => parseExposition('a 1\nb 2\nc three\n')).toThrow(
      /^line 3: malformed value "three"$/,
    );
  });
});
