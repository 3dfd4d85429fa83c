import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  candidateKind,
  detectDirectoryFormat,
  detectFormat,
  fileVote,
  loadFile,
  mapLimit,
} from '../src/discover/detect.js';
import { GateError } from '../src/types.js';

const root = path.resolve(import.meta.dirname, '..');
const at = (rel: string) => path.join(root, rel);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'mg-detect-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

async function mixedMessage(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GateError);
  return (error as Error).message;
}

describe('detectDirectoryFormat', () => {
  it('detects every format fixture', async () => {
    const result: Record<string, unknown> = {};
    for (const dir of ['sql-pair', 'dbmate', 'goose', 'sql-migrate', 'umzug-js', 'umzug-ts']) {
      result[dir] = await detectDirectoryFormat(at(`fixtures/formats/${dir}`), `fixtures/formats/${dir}`);
    }
    expect(result).toEqual({
      'sql-pair': { format: 'sql', dialect: 'pair', moduleExtension: null },
      dbmate: { format: 'sql', dialect: 'dbmate', moduleExtension: null },
      goose: { format: 'sql', dialect: 'goose', moduleExtension: null },
      'sql-migrate': { format: 'sql', dialect: 'sql-migrate', moduleExtension: null },
      'umzug-js': { format: 'umzug', dialect: null, moduleExtension: '.js' },
      'umzug-ts': { format: 'umzug', dialect: null, moduleExtension: '.ts' },
    });
  });

  it('is null for an empty directory (README and .gitkeep only) and a missing one', async () => {
    expect(
      await detectDirectoryFormat(at('fixtures/bad-input/empty'), 'fixtures/bad-input/empty'),
    ).toBeNull();
    expect(await detectDirectoryFormat(at('fixtures/bad-input/nope'), 'fixtures/bad-input/nope')).toBeNull();
  });

  it('refuses a directory that mixes formats, naming two example files', async () => {
    expect(
      await mixedMessage(detectDirectoryFormat(at('fixtures/bad-input/mixed'), 'fixtures/bad-input/mixed')),
    ).toMatchInlineSnapshot(
      `"migration directory 'fixtures/bad-input/mixed' mixes formats: '202601011000_pair_style.down.sql' (SQL up/down pair) and '202601011010_dbmate_style.sql' (dbmate SQL): keep one migration format per directory"`,
    );
    expect(
      await mixedMessage(
        detectDirectoryFormat(at('fixtures/bad-input/mixed-modules'), 'fixtures/bad-input/mixed-modules'),
      ),
    ).toContain(
      "'202601011000_sql_first.up.sql' (SQL up/down pair) and '202601011010_module_second.js' (umzug module)",
    );
  });

  it('honours a configured format and then only detects the dialect', async () => {
    const dir = at('fixtures/bad-input/mixed-modules');
    expect(await detectDirectoryFormat(dir, 'm', 'umzug')).toEqual({
      format: 'umzug',
      dialect: null,
      moduleExtension: '.js',
    });
    expect(await detectDirectoryFormat(dir, 'm', 'sql')).toEqual({
      format: 'sql',
      dialect: 'pair',
      moduleExtension: null,
    });
    expect(await detectDirectoryFormat(dir, 'm', 'alembic')).toBeNull();
  });
});

describe('detectFormat', () => {
  it('detects alembic revisions (also annotated) and ignores env.py and __init__.py', () => {
    const files = [
      { name: 'env.py', text: 'revision = "not a migration"\n' },
      { name: '__init__.py', text: '' },
      { name: 'a1b2_add_x.py', text: '"""add x"""\nrevision: str = "a1b2"\ndown_revision = None\n' },
    ];
    expect(detectFormat(files, 'versions')).toEqual({
      format: 'alembic',
      dialect: null,
      moduleExtension: null,
    });
    expect(detectFormat([{ name: 'helper.py', text: '    revision = 1\n' }], 'versions')).toBeNull();
  });

  it('picks the most common module extension and ignores helpers without an up export', () => {
    const up = 'export async function up() { await x(); }';
    const files = [
      { name: '1_a.ts', text: up },
      { name: '2_b.mts', text: up },
      { name: '3_c.ts', text: up },
      { name: 'helpers.js', text: 'export const sql = 1;' },
      { name: 'types.d.ts', text: 'export function up(): void;' },
    ];
    expect(detectFormat(files, 'm')).toEqual({ format: 'umzug', dialect: null, moduleExtension: '.ts' });
  });

  it('lets unmarked SQL files and unreadable files show nothing, but pair names still count', () => {
    expect(fileVote('schema.sql', 'CREATE TABLE t ();')).toBeNull();
    expect(fileVote('1_a.sql', null)).toBeNull();
    expect(fileVote('1_a.up.sql', null)).toEqual({ format: 'sql', dialect: 'pair' });
    expect(candidateKind('.hidden.sql')).toBeNull();
    expect(candidateKind('README.md')).toBeNull();
  });

  it('refuses two marker dialects in one directory', () => {
    const files = [
      { name: '1_a.sql', text: '-- +goose Up\nSELECT 1;' },
      { name: '2_b.sql', text: '-- +migrate Up\nSELECT 1;' },
    ];
    expect(() => detectFormat(files, 'db')).toThrow(
      "migration directory 'db' mixes formats: '1_a.sql' (goose SQL) and '2_b.sql' (sql-migrate SQL)",
    );
  });
});

describe('loadFile', () => {
  it('reads UTF-8 text and drops a byte order mark', async () => {
    const file = path.join(tmp, 'bom.sql');
    writeFileSync(file, '\uFEFF-- é\nSELECT 1;\n');
    expect(await loadFile(file, 'bom.sql')).toEqual({
      name: 'bom.sql',
      absPath: file,
      text: '-- é\nSELECT 1;\n',
      problem: null,
    });
  });

  it('refuses a binary file with the line of its first NUL byte', async () => {
    const file = path.join(tmp, 'binary.sql');
    writeFileSync(
      file,
      Buffer.concat([Buffer.from('SELECT 1;\nSELECT 2;\n'), Buffer.from([0x89, 0x50, 0x00, 0x01])]),
    );
    expect((await loadFile(file, 'binary.sql')).problem).toEqual({
      line: 3,
      message: 'binary file (NUL byte): a migration must be a text file',
    });
  });

  it('refuses a 50 MB file without reading it', async () => {
    const file = path.join(tmp, 'huge.sql');
    writeFileSync(file, '');
    truncateSync(file, 50 * 1024 * 1024);
    const loaded = await loadFile(file, 'huge.sql');
    expect(loaded).toMatchObject({
      text: null,
      problem: { line: null, message: 'file is 50 MB, above the 10 MB limit for a migration file: not read' },
    });
  });

  it('refuses text that is not UTF-8, with the line', async () => {
    const file = path.join(tmp, 'latin1.sql');
    writeFileSync(file, Buffer.from('SELECT 1;\n-- caf\xe9\n', 'latin1'));
    expect((await loadFile(file, 'latin1.sql')).problem).toEqual({
      line: 2,
      message: 'not valid UTF-8 text: save the migration as UTF-8',
    });
  });

  it('turns a vanished file into a problem, not a throw', async () => {
    expect((await loadFile(path.join(tmp, 'gone.sql'), 'gone.sql')).problem).toEqual({
      line: null,
      message: 'cannot read the file: it vanished or is a broken symbolic link (ENOENT)',
    });
  });
});

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const result = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(result).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});
