import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from '@babel/parser';
import type { Node } from '@babel/types';
import { relativeDir } from '../../repository.js';
import type { ToolFormat } from './tools.js';

/** Where a tool's configuration puts its migrations and its history table. */
export interface ToolConvention {
  tool: ToolFormat;
  /** Migration directory, relative to the working directory (`/`-separated); null when not named. */
  dir: string | null;
  /** History table, schema-qualified (`public.knex_migrations`); null when not named. */
  table: string | null;
  /** The file that says so (`.sequelizerc`, `knexfile.js`, `package.json`, …). */
  source: string;
}

const KNEXFILES = [
  'knexfile.js',
  'knexfile.cjs',
  'knexfile.mjs',
  'knexfile.ts',
  'knexfile.mts',
  'knexfile.cts',
];

/**
 * The migration tools' own configurations in `cwd`, read without running them: `.sequelizerc`'s
 * `migrations-path`; a knexfile's `migrations.directory` and `migrations.tableName` (its first environment that
 * names them); node-pg-migrate's `migrations-dir` / `migrations-table` from `config/default.json`'s `db` section
 * or the `node-pg-migrate` command in `package.json`'s scripts.
 */
export async function toolConventions(cwd: string): Promise<ToolConvention[]> {
  const found: ToolConvention[] = [];
  const read = (name: string) => readFile(path.join(cwd, name), 'utf8').catch(() => null);
  const rc = await read('.sequelizerc');
  if (rc !== null) {
    const dir = stringProperty(rc, 'migrations-path', cwd);
    found.push({ tool: 'sequelize', dir: dir && relativeDir(cwd, dir), table: null, source: '.sequelizerc' });
  }
  for (const name of KNEXFILES) {
    const text = await read(name);
    if (text === null) continue;
    const dir = stringProperty(text, 'directory', cwd);
    const table = stringProperty(text, 'tableName', null);
    const schema = stringProperty(text, 'schemaName', null);
    found.push({
      tool: 'knex',
      dir: dir && relativeDir(cwd, dir),
      table: table && `${schema ?? 'public'}.${table}`,
      source: name,
    });
    break;
  }
  const pgm = await nodePgMigrateSettings(read);
  if (pgm) {
    found.push({
      tool: 'node-pg-migrate',
      dir: pgm.dir && relativeDir(cwd, path.resolve(cwd, pgm.dir)),
      table: pgm.table && `${pgm.schema ?? 'public'}.${pgm.table}`,
      source: pgm.source,
    });
  }
  return found;
}

async function nodePgMigrateSettings(
  read: (name: string) => Promise<string | null>,
): Promise<{ dir: string | null; table: string | null; schema: string | null; source: string } | null> {
  const config = await read('config/default.json');
  if (config !== null) {
    const db = (JSON.parse(config) as { db?: Record<string, unknown> } | null)?.db;
    const get = (key: string) => (typeof db?.[key] === 'string' ? (db[key] as string) : null);
    if (get('migrations-dir') || get('migrations-table')) {
      return {
        dir: get('migrations-dir'),
        table: get('migrations-table'),
        schema: get('migrations-schema'),
        source: 'config/default.json',
      };
    }
  }
  const manifest = await read('package.json');
  if (manifest === null) return null;
  let scripts: Record<string, unknown>;
  try {
    scripts = (JSON.parse(manifest) as { scripts?: Record<string, unknown> }).scripts ?? {};
  } catch {
    return null;
  }
  for (const script of Object.values(scripts)) {
    if (typeof script !== 'string' || !/\bnode-pg-migrate\b/.test(script)) continue;
    const option = (short: string, long: string) =>
      new RegExp(`(?:^|\\s)(?:-${short}|--${long})(?:\\s+|=)(['"]?)([^\\s'"]+)\\1`).exec(script)?.[2] ?? null;
    return {
      dir: option('m', 'migrations-dir'),
      table: option('t', 'migrations-table'),
      schema: option('s', 'migrations-schema'),
      source: 'package.json',
    };
  }
  return null;
}

/**
 * The first property `key` in a JavaScript/TypeScript configuration whose value reads statically as a string:
 * a literal, a template without expressions, or `path.resolve(…)` / `path.join(…)` of literals, `__dirname`
 * and `process.cwd()` (resolved against `cwd`; with `cwd` null only literals count).
 */
export function stringProperty(source: string, key: string, cwd: string | null): string | null {
  let program: Node;
  try {
    program = parse(source, {
      sourceType: 'unambiguous',
      plugins: ['typescript'],
      errorRecovery: true,
    }).program;
  } catch {
    return null;
  }
  let result: string | null = null;
  const visit = (node: unknown): void => {
    if (result !== null || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    const n = node as Node;
    if (n.type === 'ObjectProperty' && !n.computed) {
      const name =
        n.key.type === 'Identifier' ? n.key.name : n.key.type === 'StringLiteral' ? n.key.value : null;
      if (name === key) {
        const value = staticString(n.value, cwd);
        if (value !== null) {
          result = value;
          return;
        }
      }
    }
    for (const [field, child] of Object.entries(n)) {
      if (field !== 'loc' && field !== 'leadingComments' && field !== 'trailingComments') visit(child);
    }
  };
  visit(program);
  return result;
}

function staticString(node: Node, cwd: string | null): string | null {
  if (node.type === 'StringLiteral') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0)
    return node.quasis[0]?.value.cooked ?? null;
  if (cwd === null) return null;
  if (node.type === 'Identifier' && node.name === '__dirname') return cwd;
  if (
    node.type === 'MemberExpression' &&
    node.object.type === 'MetaProperty' &&
    node.property.type === 'Identifier' &&
    node.property.name === 'dirname'
  ) {
    return cwd;
  }
  if (node.type === 'CallExpression') {
    const callee = node.callee;
    const name =
      callee.type === 'MemberExpression' && callee.property.type === 'Identifier'
        ? callee.property.name
        : callee.type === 'Identifier'
          ? callee.name
          : null;
    if (name === 'cwd') return cwd;
    if (name === 'resolve' || name === 'join') {
      const parts = node.arguments.map((a) =>
        a.type === 'SpreadElement' ? null : staticString(a as Node, cwd),
      );
      if (parts.some((p) => p === null)) return null;
      return name === 'resolve'
        ? path.resolve(cwd, ...(parts as string[]))
        : path.join(...(parts as string[]));
    }
  }
  return null;
}
