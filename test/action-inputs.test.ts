import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INPUT_DEFAULTS, readInputs } from '../src/action/inputs.js';
import { HELP, parseCliArgs } from '../src/cli/args.js';

interface Spec {
  description?: string;
  default?: string;
}

const ROOT = join(import.meta.dirname, '..');
const yml = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, Spec>;
  outputs: Record<string, Spec>;
  runs: { using: string; main: string };
};
const INPUTS = Object.keys(yml.inputs);

/** Inputs that only make sense inside a workflow: they have no CLI flag. */
const ACTION_ONLY = [
  'mode',
  'github-token',
  'comment',
  'comment-key',
  'report-json',
  'allow-pull-request-target',
  'pull-request-number',
];
/** Inputs whose flag is spelled differently. */
const FLAG_OF: Record<string, string> = { migrations: 'dir' };

/** A valid value other than the default, for every input. */
const NON_DEFAULT: Record<string, string> = {
  mode: 'lint',
  migrations: 'db/migrations\nservices/billing/migrations',
  format: 'sql',
  dialect: 'cockroach',
  base: 'origin/release',
  database: 'embedded',
  'database-url': 'postgres://gate:s3cret@db.internal:5432/postgres',
  privileged: 'true',
  'column-order': 'error',
  data: 'off',
  'postgres-image': 'postgres:15-alpine',
  'naming-pattern': 'sequential',
  'requirement-pattern': 'JIRA-\\d+',
  'require-requirements': 'true',
  'github-token': 'ghs_token',
  comment: 'on-failure',
  'comment-key': 'pg-15',
  'fail-on': 'warning',
  'step-timeout': '60',
  'working-directory': 'services/api',
  'alembic-command': 'poetry run alembic',
  'baseline-schema': 'db/schema.sql',
  'baseline-database': 'fc_registration.db',
  'report-json': 'out/report.json',
  'pull-request-number': '12',
  'allow-pull-request-target': 'true',
};

function envName(input: string): string {
  return `INPUT_${input.replace(/ /g, '_').toUpperCase()}`;
}

function setInputs(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) process.env[envName(name)] = value;
}

let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
  // core.setSecret prints a workflow command; keep the test output clean.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.env = saved;
});

describe('action.yml', () => {
  it('declares the stable inputs and outputs and runs the bundle on node24', () => {
    expect(INPUTS).toEqual(
      expect.arrayContaining([
        'migrations',
        'format',
        'database',
        'database-url',
        'postgres-image',
        'naming-pattern',
        'requirement-pattern',
        'require-requirements',
        'github-token',
        'comment',
        'fail-on',
        'step-timeout',
        'working-directory',
        'alembic-command',
        'baseline-schema',
      ]),
    );
    expect(Object.keys(yml.outputs).sort()).toEqual([
      'changed-count',
      'comment-url',
      'report-path',
      'verdict',
    ]);
    expect(yml.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(yml.inputs['github-token']?.default).toBe('${{ github.token }}');
  });

  it('documents every input and output', () => {
    for (const [name, spec] of [...Object.entries(yml.inputs), ...Object.entries(yml.outputs)]) {
      expect(spec.description?.trim(), name).toMatch(/\S{2,}/);
    }
  });

  it('has the defaults INPUT_DEFAULTS mirrors (all but github-token)', () => {
    const fromYml = Object.fromEntries(
      Object.entries(yml.inputs)
        .filter(([name]) => name !== 'github-token')
        .map(([name, spec]) => [name, String(spec.default ?? '')]),
    );
    expect(INPUT_DEFAULTS).toEqual(fromYml);
  });
});

describe('readInputs', () => {
  it('has a test value for every input of action.yml', () => {
    expect(Object.keys(NON_DEFAULT).sort()).toEqual([...INPUTS].sort());
    for (const name of INPUTS) expect(NON_DEFAULT[name], name).not.toBe(yml.inputs[name]?.default);
  });

  it('reads every input', () => {
    setInputs(NON_DEFAULT);
    expect(readInputs()).toEqual({
      mode: 'lint',
      settings: {
        migrations: ['db/migrations', 'services/billing/migrations'],
        format: 'sql',
        dialect: 'cockroach',
        base: 'origin/release',
        database: 'embedded',
        'database-url': 'postgres://gate:s3cret@db.internal:5432/postgres',
        privileged: true,
        'column-order': 'error',
        data: 'off',
        'postgres-image': 'postgres:15-alpine',
        'naming-pattern': 'sequential',
        'requirement-pattern': 'JIRA-\\d+',
        'require-requirements': true,
        'fail-on': 'warning',
        'step-timeout': 60,
        'working-directory': 'services/api',
        'alembic-command': 'poetry run alembic',
        'baseline-schema': 'db/schema.sql',
        'baseline-database': 'fc_registration.db',
      },
      token: 'ghs_token',
      comment: 'on-failure',
      commentKey: 'pg-15',
      reportJson: 'out/report.json',
      allowPullRequestTarget: true,
      pullRequestNumber: 12,
    });
  });

  it('leaves inputs at their default unset, so .migration-gate.yml applies', () => {
    setInputs(INPUT_DEFAULTS);
    setInputs({ 'github-token': 'ghs_token' });
    const inputs = readInputs();
    expect(Object.values(inputs.settings).filter((v) => v !== undefined)).toEqual([]);
    expect(inputs).toMatchObject({
      mode: 'check',
      comment: 'always',
      commentKey: null,
      reportJson: null,
      allowPullRequestTarget: false,
      pullRequestNumber: null,
    });
  });

  it('rejects malformed values with the input named', () => {
    setInputs(INPUT_DEFAULTS);
    const bad: [string, string, string][] = [
      ['mode', 'deploy', "input mode must be one of check, lint, report; got 'deploy'"],
      ['comment', 'sometimes', "input comment must be one of always, on-failure, never; got 'sometimes'"],
      ['require-requirements', 'maybe', "input require-requirements must be true or false; got 'maybe'"],
      ['step-timeout', 'ten', "input step-timeout must be a number; got 'ten'"],
      ['pull-request-number', '#12', "input pull-request-number must be a number; got '#12'"],
    ];
    for (const [name, value, message] of bad) {
      setInputs(INPUT_DEFAULTS);
      setInputs({ [name]: value });
      expect(() => readInputs(), name).toThrow(message);
    }
  });
});

describe('the CLI', () => {
  const withFlags = INPUTS.filter((name) => !ACTION_ONLY.includes(name));

  it('has a flag in --help for every input that is not Action-only', () => {
    const flags = new Set([...HELP.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]));
    const missing = withFlags.filter((name) => !flags.has(FLAG_OF[name] ?? name));
    expect(missing).toEqual([]);
  });

  it('reads each flag into the same setting as the input', () => {
    setInputs(NON_DEFAULT);
    const fromInputs = readInputs().settings;
    const argv = ['check'];
    for (const name of withFlags) {
      const flag = `--${FLAG_OF[name] ?? name}`;
      if (name === 'require-requirements') argv.push(flag);
      else for (const value of NON_DEFAULT[name]!.split('\n')) argv.push(flag, value);
    }
    const fromFlags = parseCliArgs(argv).settings as Record<string, unknown>;
    for (const name of withFlags)
      expect(fromFlags[name], name).toEqual(fromInputs[name as keyof typeof fromInputs]);
  });
});
