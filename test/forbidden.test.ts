import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../src/config/defaults.js';
import { resolveConfig } from '../src/config/load.js';
import { codeLines, MAX_SCANNED_BYTES, scanForbidden } from '../src/lint/forbidden.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/forbidden/', import.meta.url));
const REPO = fileURLToPath(new URL('../', import.meta.url));

const CREATE_ALL =
  'SQLAlchemy metadata.create_all() changes the schema outside the migration history (sqlalchemy-create-all)';
const SYNC = 'Sequelize sync() changes the schema outside the migration history (sequelize-sync)';

describe('scanForbidden', () => {
  const temps: string[] = [];
  afterAll(() => {
    for (const dir of temps) rmSync(dir, { recursive: true, force: true });
  });

  it('finds create_all( and .sync( in application code, not in tests or comments', async () => {
    const findings = await scanForbidden(defaultConfig(FIXTURE));
    expect(findings.map((f) => `${f.path}:${f.line} ${f.message}`)).toEqual([
      `app/database.py:14 ${CREATE_ALL}`,
      `app/database.py:15 ${CREATE_ALL}`,
      `scripts/reset.py:3 ${CREATE_ALL}`,
      `src/db.js:9 ${SYNC}`,
    ]);
    expect(findings[0]).toEqual({
      rule: 'forbidden-pattern',
      severity: 'error',
      migration: null,
      path: 'app/database.py',
      line: 14,
      message: CREATE_ALL,
      details: ['Base.metadata.create_all(engine)  # forbidden: bypasses the migration history'],
    });
  });

  it('honours custom patterns with their own include and exclude globs', async () => {
    const config = defaultConfig(FIXTURE);
    config.forbiddenPatterns = [
      {
        id: 'no-raw-engine',
        pattern: /create_engine\(/g,
        reason: 'engines come from the app factory',
        include: ['**/*.py'],
        exclude: ['scripts/**'],
      },
    ];
    const findings = await scanForbidden(config);
    expect(findings.map((f) => [f.path, f.line, f.message])).toEqual([
      ['app/database.py', 9, 'engines come from the app factory (no-raw-engine)'],
    ]);
    config.forbiddenPatterns = [];
    expect(await scanForbidden(config)).toEqual([]);
  });

  it("never scans an installed package's files, with the README's configuration example", async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'mg-forbidden-'));
    temps.push(work);
    cpSync(path.join(FIXTURE, 'app'), path.join(work, 'node_modules/some-tool/fixtures/forbidden/app'), {
      recursive: true,
    });
    cpSync(path.join(FIXTURE, 'src'), path.join(work, 'vendor-build/dist/src'), { recursive: true });
    const example = resolveConfig(work, {
      'forbidden-patterns': [
        {
          id: 'sqlalchemy-create-all',
          pattern: '\\bcreate_all\\s*\\(',
          include: ['**/*.py'],
          exclude: ['app/legacy/**'],
        },
      ],
    });
    expect(await scanForbidden(example)).toEqual([]);
    // Even a pattern built in code with no exclusions at all leaves node_modules and build output alone.
    const bare = defaultConfig(work);
    bare.forbiddenPatterns = [
      { id: 'any', pattern: /create_all|sync\(/, reason: 'r', include: ['**/*'], exclude: [] },
    ];
    expect(await scanForbidden(bare)).toEqual([]);
    writeFileSync(path.join(work, 'app.py'), 'metadata.create_all(engine)\n');
    expect((await scanForbidden(example)).map((f) => f.path)).toEqual(['app.py']);
  });

  it('skips node_modules, binary and huge files', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'mg-forbidden-'));
    temps.push(work);
    cpSync(FIXTURE, work, { recursive: true });
    mkdirSync(path.join(work, 'node_modules/sequelize/lib'), { recursive: true });
    writeFileSync(path.join(work, 'node_modules/sequelize/lib/model.js'), 'await this.sync();\n');
    writeFileSync(path.join(work, 'app/compiled.py'), Buffer.from('\0\0metadata.create_all(engine)\n'));
    writeFileSync(
      path.join(work, 'app/huge.py'),
      `metadata.create_all(engine)\n${'#'.repeat(MAX_SCANNED_BYTES)}\n`,
    );
    writeFileSync(path.join(work, 'app/crlf.py'), 'x = 1\r\nmetadata.create_all(engine)\r\n');
    const findings = await scanForbidden(defaultConfig(work));
    expect(findings.map((f) => `${f.path}:${f.line}`)).toEqual([
      'app/crlf.py:2',
      'app/database.py:14',
      'app/database.py:15',
      'scripts/reset.py:3',
      'src/db.js:9',
    ]);
  });

  it('scans this repository with its fixtures (test data) left out', async () => {
    const findings = await scanForbidden(defaultConfig(REPO));
    expect(findings.filter((f) => f.path!.startsWith('fixtures/'))).toEqual([]);
    const inFixture = await scanForbidden(defaultConfig(`${REPO}/fixtures/forbidden`));
    expect(inFixture.map((f) => `${f.path}:${f.line}`)).toContain('app/database.py:14');
  });
});

describe('codeLines', () => {
  it('leaves out hash comments and docstrings but keeps strings', () => {
    const text = `"""module doc: create_all()"""\nx = "#1"  # note\ndef f():\n    """doc\n    create_all()\n    """\n    y = g(\n        """create_all()"""\n    )`;
    expect(codeLines(text, 'hash')).toEqual([
      '',
      'x = "#1"  ',
      'def f():',
      '    ',
      '',
      '',
      '    y = g(',
      '        """create_all()"""',
      '    )',
    ]);
  });

  it('leaves out slash comments and block comments, not // inside strings or templates', () => {
    expect(codeLines("a('//x') // c\n/* one\ntwo */ b(); /* c */ d()\n`x\n// y`.sync()", 'slash')).toEqual([
      "a('//x') ",
      '',
      ' b();  d()',
      '`x',
      '// y`.sync()',
    ]);
  });

  it('only drops whole comment lines in other files', () => {
    expect(codeLines('# a\nb # c\n// d', 'unknown')).toEqual(['', 'b # c', '']);
  });
});
