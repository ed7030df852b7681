/* eslint-disable no-console */
/**
 * Generates docs/configuration.md, the reference of every `aiSre` setting,
 * from the doc comments of plugins/ai-sre-backend/config.d.ts (the schema
 * Backstage validates the configuration with), by walking its `Config`
 * interface with the TypeScript compiler API.
 *
 *   yarn tsx scripts/config-reference.ts           # writes docs/configuration.md
 *   yarn tsx scripts/config-reference.ts --check   # exits 1 if it is stale
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

// Prettier 2 ships no type declarations.
const prettier: {
  resolveConfig(file: string): Promise<Record<string, unknown> | null>;
  format(text: string, options: Record<string, unknown>): string;
} = require('prettier');

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'plugins/ai-sre-backend/config.d.ts');
const TARGET = path.join(ROOT, 'docs/configuration.md');

interface Setting {
  /** e.g. `aiSre.clusters[].metrics.prometheusUrl` */
  key: string;
  type: string;
  required: boolean;
  secret: boolean;
  description: string;
  /** Has settings below it (an object or a list of objects). */
  group: boolean;
}

/** The text of the JSDoc block right before a node (the last, if several). */
function docOf(node: ts.Node): { text: string; tags: Map<string, string> } {
  const blocks = (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
  const block = blocks[blocks.length - 1];
  const tags = new Map<string, string>();
  if (!block) return { text: '', tags };
  for (const tag of block.tags ?? []) {
    tags.set(tag.tagName.text, ts.getTextOfJSDocComment(tag.comment) ?? '');
  }
  const text = ts.getTextOfJSDocComment(block.comment) ?? '';
  return { text: text.replace(/\s*\n\s*/g, ' ').trim(), tags };
}

/** A type as a reader writes it in YAML. */
function describeType(type: ts.TypeNode, source: ts.SourceFile): string {
  if (ts.isArrayTypeNode(type)) {
    const element = type.elementType;
    if (ts.isTypeLiteralNode(element)) return 'list of objects';
    return `list of ${describeType(element, source)}`;
  }
  if (
    ts.isTypeReferenceNode(type) &&
    type.typeName.getText(source) === 'Array'
  ) {
    const [element] = type.typeArguments ?? [];
    if (element && ts.isTypeLiteralNode(element)) return 'list of objects';
    return `list of ${element ? describeType(element, source) : 'values'}`;
  }
  if (ts.isParenthesizedTypeNode(type)) return describeType(type.type, source);
  if (ts.isUnionTypeNode(type)) {
    return type.types.map(t => describeType(t, source)).join(' or ');
  }
  if (ts.isLiteralTypeNode(type))
    return type.getText(source).replace(/'/g, '`');
  if (ts.isTypeLiteralNode(type)) {
    const index = type.members.find(ts.isIndexSignatureDeclaration);
    if (index && type.members.length === 1) {
      const key = index.parameters[0]?.name.getText(source) ?? 'key';
      const value = index.type ? describeType(index.type, source) : 'value';
      return `map of ${key} to ${value}`;
    }
    return 'object';
  }
  return type.getText(source);
}

/** The object type of a list of objects (`Array<{...}>` or `{...}[]`). */
function listElement(type: ts.TypeNode, source: ts.SourceFile) {
  const element = ts.isArrayTypeNode(type)
    ? type.elementType
    : ts.isTypeReferenceNode(type) && type.typeName.getText(source) === 'Array'
    ? type.typeArguments?.[0]
    : undefined;
  return element && ts.isTypeLiteralNode(element) ? element : undefined;
}

/** An object with named settings (not a map such as `{ [label: string]: string }`). */
function objectType(type: ts.TypeNode) {
  return ts.isTypeLiteralNode(type) &&
    !type.members.every(ts.isIndexSignatureDeclaration)
    ? type
    : undefined;
}

function walk(
  members: ts.NodeArray<ts.TypeElement>,
  prefix: string,
  source: ts.SourceFile,
  out: Setting[],
) {
  for (const member of members) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const key = `${prefix}${member.name.getText(source)}`;
    const { text, tags } = docOf(member);
    const element = listElement(member.type, source);
    const nested = element ?? objectType(member.type);
    out.push({
      key,
      type: describeType(member.type, source),
      required: !member.questionToken,
      secret: tags.get('visibility') === 'secret',
      description: text,
      group: !!nested,
    });
    if (nested)
      walk(nested.members, `${key}${element ? '[]' : ''}.`, source, out);
  }
}

function settingsOf(file: string): Setting[] {
  const source = ts.createSourceFile(
    file,
    fs.readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const config = source.statements.find(
    (s): s is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(s) && s.name.text === 'Config',
  );
  if (!config) throw new Error(`${file} declares no Config interface`);
  const out: Setting[] = [];
  walk(config.members, '', source, out);
  return out;
}

function render(settings: Setting[]): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated by `yarn tsx scripts/config-reference.ts` from',
    '     plugins/ai-sre-backend/config.d.ts: edit the doc comments there. -->',
    '',
    'Every setting of the AI SRE backend plugin, under `aiSre` in',
    '`app-config.yaml` (or any file passed with `--config`). Nothing is',
    'required: without an `aiSre` block the plugin watches the Kubernetes',
    "plugin's clusters with the default detectors and the safe default policy",
    "(every change needs a human's approval). Values can come from the",
    'environment (`${VAR}`); settings marked **secret** are never sent to the',
    'browser. `[]` in a key means "each item of the list".',
    '',
    'The production file `app-config.production.yaml` and the overlays in',
    '`deploy/kubernetes/overlays` show them in use; [safety.md](safety.md)',
    'explains the policy.',
    '',
  ];
  const sections = settings.filter(
    s => s.key.split('.').length === 2 && s.key.startsWith('aiSre.'),
  );
  for (const section of sections) {
    lines.push(`## \`${section.key}\``, '');
    const rows = section.group
      ? settings.filter(
          s =>
            s.key.startsWith(`${section.key}.`) ||
            s.key.startsWith(`${section.key}[].`),
        )
      : [];
    for (const s of [section, ...rows]) {
      const type = [
        s.type,
        s.required && s !== section ? 'required' : '',
        s.secret ? '**secret**' : '',
      ]
        .filter(Boolean)
        .join(', ');
      const depth = s === section ? 0 : 1;
      const text = s.description || (s.group ? '' : '(undocumented)');
      lines.push(
        `${'  '.repeat(depth)}- \`${s.key}\` (${type})${
          text ? `: ${text}` : ''
        }`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main() {
  const settings = settingsOf(SOURCE);
  const options = (await prettier.resolveConfig(TARGET)) ?? {};
  const text = prettier.format(render(settings), {
    ...options,
    parser: 'markdown',
  });
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(TARGET)
      ? fs.readFileSync(TARGET, 'utf8')
      : '';
    if (current !== text) {
      console.error(
        `${path.relative(
          ROOT,
          TARGET,
        )} is out of date: run yarn tsx scripts/config-reference.ts`,
      );
      process.exit(1);
    }
    console.log(`${path.relative(ROOT, TARGET)} is up to date`);
    return;
  }
  fs.mkdirSync(path.dirname(TARGET), { recursive: true });
  fs.writeFileSync(TARGET, text);
  console.log(
    `wrote ${path.relative(ROOT, TARGET)}: ${settings.length} settings`,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
