import { parse } from '@babel/parser';
import type { Node, Statement } from '@babel/types';
import type { GateConfig } from '../../config/types.js';
import type { Format, Migration, MigrationPart } from '../../types.js';
import { applyAnnotations, newMigration, type SourceFile } from './sql.js';

/** File extensions of umzug migration modules. */
export const MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'] as const;

/** The module extension of a file name (`.ts`, …), or null for other files and declaration files. */
export function moduleExtensionOf(fileName: string): string | null {
  if (/\.d\.[mc]?ts$/i.test(fileName)) return null;
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return null;
  const ext = fileName.slice(dot).toLowerCase();
  return (MODULE_EXTENSIONS as readonly string[]).includes(ext) ? ext : null;
}

/** An exported `up` or `down` found in a module's source. */
export interface ExportedFunction {
  /** Source text of the function (or of the exported expression when it is not a literal function). */
  text: string;
  /** 1-based line where `text` starts. */
  line: number;
  /** True when the function body does nothing: empty, only comments, or throws first. */
  empty: boolean;
  /** The function's parameters (none for an expression that is not a literal function). */
  params: ParamShape[];
  /** True when the export is the literal `false` (node-pg-migrate's "no downgrade"). */
  isFalse: boolean;
}

/** One parameter of an exported function, as written. */
export interface ParamShape {
  /** The parameter's name; null for a destructuring pattern. */
  name: string | null;
  /** The keys a destructuring pattern `{ context }` reads; null for a plain name. */
  keys: string[] | null;
  /** The name of its TypeScript type annotation (`Knex`, `MigrationBuilder`, `QueryInterface`), or null. */
  type: string | null;
}

/** The `up` and `down` exports a module declares, read statically (the module is never executed). */
export interface ModuleExports {
  up: ExportedFunction | null;
  down: ExportedFunction | null;
  /** Set when the module cannot be parsed at all (then neither export is known). */
  syntaxError: ModuleSyntaxError | null;
  /** knex's `export const config = { transaction: false }`: the literal `transaction` value, else null. */
  transaction?: boolean | null;
  /** True when the module exports `shorthands` (node-pg-migrate's type shorthands). */
  shorthands?: boolean;
}

/** Where a module could not be parsed at all. */
export interface ModuleSyntaxError {
  line: number | null;
  message: string;
}

/** The module's statements, parsed as TypeScript (a superset of the JavaScript modules use), else as JSX. */
function parseModule(source: string): { body: Statement[] } | { error: ModuleSyntaxError } {
  let first: unknown = null;
  for (const plugins of [
    ['typescript', 'decorators-legacy'],
    ['jsx', 'decorators-legacy'],
  ] as const) {
    try {
      const file = parse(source, {
        sourceType: 'unambiguous',
        plugins: [...plugins],
        // Tolerant: only the shape of the exports matters here; running the module reports its errors.
        errorRecovery: true,
        allowReturnOutsideFunction: true,
        allowAwaitOutsideFunction: true,
        allowUndeclaredExports: true,
      });
      return { body: file.program.body };
    } catch (error) {
      first ??= error;
    }
  }
  const loc = (first as { loc?: { line?: number } }).loc;
  const message = first instanceof Error ? first.message.replace(/\s*\(\d+:\d+\)$/, '') : String(first);
  return { error: { line: loc?.line ?? null, message } };
}

/** What an export refers to: a function (its body), another expression, or a local name. */
interface Value {
  /** The node whose source text and first line are reported. */
  node: Node;
  /** The function's statements, or null for an expression or an arrow with an expression body. */
  body: Statement[] | null;
  /** The expression judged for emptiness when there is no body (an arrow's expression body, or the value). */
  expression: Node | null;
  /** Set when the value is a bare identifier that refers to another declaration. */
  reference: string | null;
}

/** The expression under TypeScript's `as`, `satisfies` and `!` wrappers. */
function unwrap(node: Node): Node {
  let n = node;
  while (
    n.type === 'TSAsExpression' ||
    n.type === 'TSSatisfiesExpression' ||
    n.type === 'TSNonNullExpression'
  ) {
    n = n.expression;
  }
  return n;
}

function valueOf(node: Node): Value {
  const inner = unwrap(node);
  if (
    inner.type === 'FunctionExpression' ||
    inner.type === 'ArrowFunctionExpression' ||
    inner.type === 'FunctionDeclaration' ||
    inner.type === 'ObjectMethod'
  ) {
    const block = inner.body.type === 'BlockStatement' ? inner.body.body : null;
    return { node, body: block, expression: block ? null : inner.body, reference: null };
  }
  const reference = inner.type === 'Identifier' && inner.name !== 'undefined' ? inner.name : null;
  return { node, body: null, expression: inner, reference };
}

function reference(node: Node, name: string): Value {
  return { node, body: null, expression: null, reference: name };
}

/** The name of a non-computed key (`up`, `'down'`), or null. */
function keyName(key: Node, computed: boolean): string | null {
  if (computed) return null;
  if (key.type === 'Identifier') return key.name;
  if (key.type === 'StringLiteral') return key.value;
  return null;
}

/** `module.exports`. */
function isModuleExports(node: Node): boolean {
  return (
    node.type === 'MemberExpression' &&
    !node.computed &&
    node.object.type === 'Identifier' &&
    node.object.name === 'module' &&
    keyName(node.property, false) === 'exports'
  );
}

/** The `x` of `exports.x` / `module.exports.x`, or null. */
function exportedMember(node: Node): string | null {
  if (node.type !== 'MemberExpression' || node.computed) return null;
  const exports =
    (node.object.type === 'Identifier' && node.object.name === 'exports') || isModuleExports(node.object);
  return exports ? keyName(node.property, false) : null;
}

/** Top-level `function name…` and `const name = …` declarations (exported or not), by name; the first wins. */
function declarations(body: Statement[]): Map<string, Value> {
  const found = new Map<string, Value>();
  for (const statement of body) {
    const declaration =
      statement.type === 'ExportNamedDeclaration' ? (statement.declaration ?? null) : statement;
    if (declaration?.type === 'FunctionDeclaration' && declaration.id && !found.has(declaration.id.name)) {
      found.set(declaration.id.name, valueOf(declaration));
    } else if (declaration?.type === 'VariableDeclaration') {
      for (const d of declaration.declarations) {
        if (d.id.type === 'Identifier' && d.init && !found.has(d.id.name))
          found.set(d.id.name, valueOf(d.init));
      }
    }
  }
  return found;
}

type Exported = Map<string, { value: Value | null; at: Node }>;

/** The exports read: the two directions, knex's `config` and node-pg-migrate's `shorthands`. */
const TRACKED = new Set(['up', 'down', 'config', 'shorthands']);

function paramsOf(node: Node): ParamShape[] {
  const fn = unwrap(node);
  if (
    fn.type !== 'FunctionExpression' &&
    fn.type !== 'ArrowFunctionExpression' &&
    fn.type !== 'FunctionDeclaration' &&
    fn.type !== 'ObjectMethod'
  ) {
    return [];
  }
  return fn.params.map((param) => {
    const p = param.type === 'AssignmentPattern' ? param.left : param;
    const annotation = 'typeAnnotation' in p ? p.typeAnnotation : null;
    const typeNode = annotation?.type === 'TSTypeAnnotation' ? annotation.typeAnnotation : null;
    const typeName =
      typeNode?.type === 'TSTypeReference'
        ? typeNode.typeName.type === 'Identifier'
          ? typeNode.typeName.name
          : typeNode.typeName.type === 'TSQualifiedName'
            ? typeNode.typeName.right.name
            : null
        : null;
    if (p.type === 'Identifier') return { name: p.name, keys: null, type: typeName };
    if (p.type === 'ObjectPattern') {
      const keys = p.properties.flatMap((prop) =>
        prop.type === 'ObjectProperty' ? [keyName(prop.key, prop.computed) ?? ''] : [],
      );
      return { name: null, keys, type: typeName };
    }
    return { name: null, keys: null, type: typeName };
  });
}

/** The literal `transaction` of an exported `config = { transaction: … }` object, else null. */
function transactionSetting(value: Value | null): boolean | null {
  const object = value?.expression ? unwrap(value.expression) : null;
  if (object?.type !== 'ObjectExpression') return null;
  for (const member of object.properties) {
    if (member.type !== 'ObjectProperty' || keyName(member.key, member.computed) !== 'transaction') continue;
    const v = unwrap(member.value);
    return v.type === 'BooleanLiteral' ? v.value : null;
  }
  return null;
}

/** The `up` and `down` a module exports: ESM `export`, `export default { … }`, CommonJS `module.exports` / `exports.x`. */
function exportsOf(body: Statement[]): Exported {
  const found: Exported = new Map();
  const add = (name: string | null, value: Value | null, at: Node) => {
    if (name !== null && TRACKED.has(name) && !found.has(name)) found.set(name, { value, at });
  };
  const members = (object: Node) => {
    if (object.type !== 'ObjectExpression') return;
    for (const member of object.properties) {
      if (member.type === 'SpreadElement') continue;
      const name = keyName(member.key, member.computed);
      if (member.type === 'ObjectMethod') add(name, valueOf(member), member);
      else if (member.shorthand && member.value.type === 'Identifier')
        add(name, reference(member, member.value.name), member);
      else add(name, valueOf(member.value), member);
    }
  };
  for (const statement of body) {
    if (statement.type === 'ExportNamedDeclaration') {
      if (statement.exportKind === 'type') continue;
      const declaration = statement.declaration;
      if (declaration?.type === 'FunctionDeclaration')
        add(declaration.id?.name ?? null, valueOf(declaration), statement);
      else if (declaration?.type === 'VariableDeclaration') {
        for (const d of declaration.declarations) {
          if (d.id.type === 'Identifier') add(d.id.name, d.init ? valueOf(d.init) : null, statement);
        }
      }
      for (const specifier of statement.specifiers) {
        if (specifier.type !== 'ExportSpecifier' || specifier.exportKind === 'type') continue;
        const name = keyName(specifier.exported, false);
        // Re-exported from another module: there, out of sight.
        add(name, statement.source ? null : reference(specifier, specifier.local.name), statement);
      }
    } else if (statement.type === 'ExportDefaultDeclaration') {
      members(unwrap(statement.declaration));
    } else if (
      statement.type === 'ExpressionStatement' &&
      statement.expression.type === 'AssignmentExpression' &&
      statement.expression.operator === '='
    ) {
      const { left, right } = statement.expression;
      if (isModuleExports(left)) members(unwrap(right));
      else add(exportedMember(left), valueOf(right), statement);
    }
  }
  return found;
}

/** True when a body does nothing: no statements, a bare `return`, or an unconditional `throw` first. */
function bodyIsEmpty(body: Statement[]): boolean {
  const [first] = body;
  if (!first) return true;
  if (first.type === 'ThrowStatement') return true;
  return body.length === 1 && first.type === 'ReturnStatement' && first.argument === null;
}

const EMPTY_EXPRESSIONS = new Set(['undefined', 'null', 'void 0', 'Promise.resolve()', '{}']);

/** Reads the exported `up` and `down` of a JavaScript/TypeScript migration module without executing it. */
export function findModuleExports(source: string): ModuleExports {
  const parsed = parseModule(source);
  if ('error' in parsed) return { up: null, down: null, syntaxError: parsed.error };
  const local = declarations(parsed.body);
  const exported = exportsOf(parsed.body);
  const text = (node: Node) => source.slice(node.start!, node.end!);
  const describe = (name: 'up' | 'down'): ExportedFunction | null => {
    const entry = exported.get(name);
    if (!entry) return null;
    let value = entry.value;
    for (let hops = 0; value?.reference && hops < 5; hops++) {
      const target = local.get(value.reference);
      if (!target || target === value) break;
      value = target;
    }
    if (!value) {
      return {
        text: text(entry.at),
        line: entry.at.loc!.start.line,
        empty: false,
        params: [],
        isFalse: false,
      };
    }
    let empty: boolean;
    if (value.body) empty = bodyIsEmpty(value.body);
    else if (value.reference || !value.expression) empty = false;
    else empty = EMPTY_EXPRESSIONS.has(text(value.expression).replace(/\s+/g, ' ').trim());
    const isFalse = value.expression?.type === 'BooleanLiteral' && !value.expression.value && !value.body;
    const params = paramsOf(value.node);
    return { text: text(value.node), line: value.node.loc!.start.line, empty, params, isFalse };
  };
  let config = exported.get('config')?.value ?? null;
  if (config?.reference) config = local.get(config.reference) ?? config;
  return {
    up: describe('up'),
    down: describe('down'),
    syntaxError: null,
    transaction: transactionSetting(config),
    shorthands: exported.has('shorthands'),
  };
}

/** What an absent `down` export means for node-pg-migrate: the tool reverses `up` itself. */
export const AUTOMATIC_DOWN = '(automatic reversal of up)';

/** The hint of the missing-up problem, in the form the module's tool writes. */
const UP_FORM: Partial<Record<Format, string>> = {
  sequelize: 'module.exports = { async up(queryInterface, Sequelize) { … } }',
  knex: 'exports.up = async function (knex) { … }',
  'node-pg-migrate': 'exports.up = (pgm) => { … }',
};

/**
 * Parses a migration module statically: `up`/`down` exports with their lines, `down: null` when there is no
 * down export, `down.empty` when the down does nothing; waiver and requirements from its comments. `format` is
 * the module's tool: node-pg-migrate reverses an `up` without `down` itself, and `down = false` is no
 * downgrade; a knex module's `config = { transaction: false }` runs it outside a transaction; sequelize-cli runs
 * its migrations outside one (a migration opens its own with `queryInterface.sequelize.transaction()`).
 */
export function parseUmzugModule(file: SourceFile, config: GateConfig, format: Format = 'umzug'): Migration {
  const fileName = file.relPath.slice(file.relPath.lastIndexOf('/') + 1);
  const ext = moduleExtensionOf(fileName);
  const name = ext ? fileName.slice(0, -ext.length) : fileName;
  const migration = newMigration(
    { name, dir: file.dir, path: file.relPath, files: [file.relPath], format, dialect: null },
    config,
  );
  const found = findModuleExports(file.text);
  const part = (fn: ExportedFunction | null): MigrationPart | null =>
    fn ? { path: file.relPath, text: fn.text, startLine: fn.line, empty: fn.empty } : null;
  migration.up = part(found.up);
  migration.down = part(found.down);
  if (format === 'node-pg-migrate' && found.down?.isFalse)
    migration.down = { ...migration.down!, empty: true };
  if (format === 'node-pg-migrate' && !found.down && found.up && !found.syntaxError) {
    migration.down = { path: file.relPath, text: AUTOMATIC_DOWN, startLine: found.up.line, empty: false };
  }
  if (format === 'sequelize' || (format === 'knex' && found.transaction === false))
    migration.transaction = false;
  if (found.syntaxError) {
    migration.parseProblems.push({
      path: file.relPath,
      line: found.syntaxError.line,
      message: `cannot parse the module: ${found.syntaxError.message}`,
    });
  } else if (!found.up) {
    migration.parseProblems.push({
      path: file.relPath,
      line: null,
      message: `no exported 'up' function found (write '${UP_FORM[format] ?? 'export async function up({ context }) { … }'}')`,
    });
  }
  applyAnnotations(migration, [file], config);
  return migration;
}
