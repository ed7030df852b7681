import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main, parseArgs } from './cli';
import { runTargets } from './run';

jest.setTimeout(60_000);

const QUIET = `version: 1
id: quiet
title: An empty cluster for half a minute
duration: 30s
`;

describe('runTargets', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-sre-eval-'));
    fs.writeFileSync(
      path.join(dir, 'a-broken.yaml'),
      'version: 1\nid: broken\ntitle: Broken\nduration: soon\nsurprise: true\n',
    );
    fs.writeFileSync(path.join(dir, 'b-quiet.yaml'), QUIET);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports a broken scenario as an error and goes on', async () => {
    const results = await runTargets([
      dir,
      path.join(dir, 'missing.yaml'),
      path.join(dir, 'b-quiet.yaml'),
    ]);
    expect(results.map(r => r.report.id)).toEqual([
      'a-broken',
      'quiet',
      'missing',
      'quiet',
    ]);
    const [broken, quiet, missing] = results;
    expect(broken.scenario).toBeUndefined();
    expect(broken.report.error).toContain('a-broken.yaml');
    expect(broken.report.error).toContain('duration');
    expect(broken.report.incidents).toEqual([]);
    expect(missing.report.error).toMatch(/missing\.yaml/);
    expect(quiet.report).toMatchObject({
      incidents: [],
      resolved: true,
      error: null,
    });
  });

  it('writes the JSON report and exits 0 from the CLI', async () => {
    const file = path.join(dir, 'out', 'report.json');
    const lines: string[] = [];
    const code = await main(
      [
        '--json',
        file,
        path.join(dir, 'a-broken.yaml'),
        path.join(dir, 'b-quiet.yaml'),
      ],
      line => lines.push(line),
    );
    expect(code).toBe(0);
    const written = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(written.version).toBe(1);
    expect(written.scenarios.map((s: { id: string }) => s.id)).toEqual([
      'a-broken',
      'quiet',
    ]);
    expect(written.scenarios[0].error).toEqual(expect.any(String));
    expect(written.scores).toMatchObject({ scenarios: 2, errors: 1 });
    expect(lines.join('\n')).toContain('detection recall');
  });
});

describe('CLI usage', () => {
  it('parses --json in both spellings', () => {
    expect(parseArgs(['--json', 'r.json', 'a', 'b'])).toEqual({
      json: 'r.json',
      targets: ['a', 'b'],
    });
    expect(parseArgs(['a', '--json=r.json'])).toEqual({
      json: 'r.json',
      targets: ['a'],
    });
  });

  it('exits 2 on bad usage', async () => {
    const stderr = jest
      .spyOn(process.stderr, 'write')
      .mockImplementation(() => true);
    try {
      expect(await main([])).toBe(2);
      expect(await main(['--json'])).toBe(2);
      expect(await main(['--frobnicate', 'x'])).toBe(2);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining('usage:'));
    } finally {
      stderr.mockRestore();
    }
  });
});
