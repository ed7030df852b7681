/**
 * frontend.bundle_added: gzipped JavaScript the AI SRE frontend plugin
 * (`@internal/plugin-ai-sre` and its `/alpha` export) adds to the demo app,
 * against the app without it (BENCHMARKS.md, goal <= 150 KB).
 *
 * The app (packages/app) finds the plugin by package discovery
 * (`app.packages: all` in app-config.yaml); nothing in its source imports
 * it. So both builds are the app's own production build
 * (`backstage-cli package build`, the same command as `yarn workspace app
 * build`, with the same config files), and the one without the plugin differs
 * only by the discovery exclusion `app.packages: { exclude:
 * ['@internal/plugin-ai-sre'] }`, given as the environment config
 * `APP_CONFIG_app_packages`, which the CLI reads on top of app-config.yaml
 * when it writes the discovered-plugins entry point at build time. Each
 * build is checked: the discovered-plugins module must (or must not) name
 * the plugin.
 *
 * The builds run in a copy of packages/app (src, public, package.json) in
 * a temporary directory under the repository root, so node_modules resolve
 * as for the app itself, while packages/app/dist and packages/app's
 * discovered-plugins module (which a running `yarn start` watches) are
 * never touched. The copy is removed afterwards.
 *
 * Size: every emitted .js file under dist/static (chunks in
 * subdirectories included), each gzipped with node:zlib at level 9, summed.
 * KB = 1024 bytes. The note adds where the bytes come from: the modules
 * (source-map sources) only the build with the plugin has, and the largest
 * chunks holding them. Builds are slow: one run, no warm-up.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Benchmark } from './harness';

const ROOT = path.resolve(__dirname, '..');
const APP = path.join(ROOT, 'packages/app');
const PLUGIN = '@internal/plugin-ai-sre';
const CLI = path.join(ROOT, 'node_modules/@backstage/cli/bin/backstage-cli');
const DISCOVERED = 'node_modules/__backstage-autodetected-plugins__.js';
const KB = 1024;

interface Chunk {
  file: string;
  gzip: number;
}

let work: string | undefined;

/** Every .js file under `dir`, relative to it, with its gzipped size. */
function gzippedChunks(dir: string): Chunk[] {
  const chunks: Chunk[] = [];
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), {
      withFileTypes: true,
    })) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.js')) {
        const bytes = fs.readFileSync(path.join(dir, rel));
        chunks.push({
          file: rel,
          gzip: zlib.gzipSync(bytes, { level: 9 }).length,
        });
      }
    }
  };
  walk('');
  return chunks.sort((a, b) => b.gzip - a.gzip);
}

function run(cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'package', 'build'], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    child.on('error', reject);
    child.on('exit', code =>
      code === 0
        ? resolve()
        : reject(
            new Error(`app build failed (${code}):\n${output.slice(-4000)}`),
          ),
    );
  });
}

/** Builds the app copy, checks discovery, and returns its gzipped chunks. */
async function build(app: string, withPlugin: boolean): Promise<Chunk[]> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  delete env.APP_CONFIG_app_packages;
  if (!withPlugin) {
    env.APP_CONFIG_app_packages = JSON.stringify({ exclude: [PLUGIN] });
  }
  await run(app, env);
  const discovered = fs.readFileSync(path.join(app, DISCOVERED), 'utf8');
  if (discovered.includes(JSON.stringify(PLUGIN)) !== withPlugin) {
    throw new Error(
      `discovered plugins ${withPlugin ? 'lack' : 'still include'} ${PLUGIN}`,
    );
  }
  return gzippedChunks(path.join(app, 'dist/static'));
}

/** The package (or workspace directory) a source-map source belongs to. */
function packageOf(source: string): string {
  const nodeModule = source.match(
    /node_modules\/((?:@[^/]+\/)?[^/]+)(?!.*node_modules)/,
  );
  if (nodeModule) return nodeModule[1];
  const workspace = source.match(/(?:plugins|packages)\/[^/]+/);
  return workspace ? workspace[0] : source;
}

/**
 * Every module source in the build's source maps, with the chunk it is in
 * and its original size, keyed by source path.
 */
function sourceMaps(app: string): Map<string, { chunk: string; size: number }> {
  const dir = path.join(app, 'dist/static');
  const sources = new Map<string, { chunk: string; size: number }>();
  const walk = (sub: string) => {
    for (const entry of fs.readdirSync(path.join(dir, sub), {
      withFileTypes: true,
    })) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.js.map')) {
        const map = JSON.parse(fs.readFileSync(path.join(dir, rel), 'utf8'));
        (map.sources as string[]).forEach((source, i) =>
          sources.set(source.replace(/^webpack:\/\/[^/]*\//, ''), {
            chunk: rel.slice(0, -'.map'.length),
            size: map.sourcesContent?.[i]?.length ?? 0,
          }),
        );
      }
    }
  };
  walk('');
  return sources;
}

/**
 * Where the added bytes come from: the modules only the build with the
 * plugin has, the two chunks holding most of them (by original size) with
 * their gzipped size, and the package most of each one's new modules come
 * from.
 */
function newModules(app: string, chunks: Chunk[], before: Set<string>): string {
  const added = [...sourceMaps(app)].filter(([source]) => !before.has(source));
  const perChunk = new Map<string, Map<string, number>>();
  for (const [source, { chunk, size }] of added) {
    const packages = perChunk.get(chunk) ?? new Map<string, number>();
    packages.set(
      packageOf(source),
      (packages.get(packageOf(source)) ?? 0) + size,
    );
    perChunk.set(chunk, packages);
  }
  const newBytes = (file: string) =>
    [...(perChunk.get(file)?.values() ?? [])].reduce((a, b) => a + b, 0);
  const largest = chunks
    .filter(c => perChunk.has(c.file))
    .sort((a, b) => newBytes(b.file) - newBytes(a.file))
    .slice(0, 2)
    .map(c => {
      const [top] = [...perChunk.get(c.file)!].sort((a, b) => b[1] - a[1]);
      return `${path.basename(c.file)} ${kb(c.gzip)} KB (mostly ${top[0]})`;
    });
  return (
    `${added.length} modules only with it, in ${perChunk.size} chunks; ` +
    `most in ${largest.join(', ')}`
  );
}

const total = (chunks: Chunk[]) => chunks.reduce((sum, c) => sum + c.gzip, 0);
const kb = (bytes: number) => Math.round((bytes / KB) * 10) / 10;

export const frontendBundleAdded: Benchmark = {
  name: 'frontend.bundle_added',
  unit: 'KB gzipped',
  goal: '<= 150 KB',
  better: 'lower',
  runs: 1,
  warmups: 0,
  async setup() {
    work = fs.mkdtempSync(path.join(ROOT, '.bench-frontend-'));
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    for (const entry of ['package.json', 'src', 'public']) {
      fs.cpSync(path.join(APP, entry), path.join(app, entry), {
        recursive: true,
      });
    }
  },
  async measure() {
    const app = path.join(work!, 'app');
    const without = await build(app, false);
    const withoutModules = new Set(sourceMaps(app).keys());
    const withPlugin = await build(app, true);
    const added = total(withPlugin) - total(without);
    return {
      value: added / KB,
      baseline: {
        name: 'KB gzipped, the app without it',
        value: total(without) / KB,
      },
      note:
        `with ${kb(total(withPlugin))} KB in ${withPlugin.length} chunks, ` +
        `without ${kb(total(without))} KB in ${without.length} chunks; ` +
        newModules(app, withPlugin, withoutModules),
    };
  },
  async teardown() {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    work = undefined;
  },
};
