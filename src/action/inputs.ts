import * as core from '@actions/core';
import type { Settings } from '../config/load.js';
import type { CommentPolicy } from '../github/comment.js';
import { GateError } from '../types.js';

/** The Action's inputs, read once. */
export interface ActionInputs {
  mode: 'check' | 'lint' | 'report';
  /** Settings for `resolveConfig`; inputs left at their action.yml default are omitted so `.migration-gate.yml` applies. */
  settings: Settings;
  token: string;
  comment: CommentPolicy;
  commentKey: string | null;
  /** `report-json`: where to write the report (check/lint) or what to read (report). */
  reportJson: string | null;
  allowPullRequestTarget: boolean;
  /** `pull-request-number`: the PR to comment on in report mode (the first workflow saves it). */
  pullRequestNumber: number | null;
}

/** Defaults of action.yml (a test keeps the two in step). An input equal to its default counts as unset. */
export const INPUT_DEFAULTS: Record<string, string> = {
  mode: 'check',
  migrations: 'migrations',
  format: 'auto',
  dialect: 'postgres',
  base: '',
  database: 'auto',
  'database-url': '',
  privileged: 'false',
  'column-order': 'warning',
  'postgres-image': 'postgres:18-alpine',
  'naming-pattern': 'utc-minute',
  'requirement-pattern': '[A-Z][A-Z0-9]+-\\d+',
  'require-requirements': 'false',
  comment: 'always',
  'comment-key': '',
  'fail-on': 'error',
  'step-timeout': '300',
  data: 'on',
  'working-directory': '.',
  'alembic-command': 'alembic',
  'baseline-schema': '',
  'baseline-database': '',
  'report-json': '',
  'allow-pull-request-target': 'false',
  'pull-request-number': '',
};

function input(name: string): string | undefined {
  const value = core.getInput(name).trim();
  if (value === '' || value === INPUT_DEFAULTS[name]) return undefined;
  return value;
}

function bool(name: string): boolean | undefined {
  const value = input(name);
  if (value === undefined) return undefined;
  if (/^(true|yes|on|1)$/i.test(value)) return true;
  if (/^(false|no|off|0)$/i.test(value)) return false;
  throw new GateError(`input ${name} must be true or false; got '${value}'`);
}

function number(name: string): number | undefined {
  const value = input(name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new GateError(`input ${name} must be a number; got '${value}'`);
  return n;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = core.getInput(name).trim() || fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new GateError(`input ${name} must be one of ${allowed.join(', ')}; got '${value}'`);
  }
  return value as T;
}

/** Reads every input into the typed settings the CLI uses too. */
export function readInputs(): ActionInputs {
  const migrations = core
    .getMultilineInput('migrations')
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
  const databaseUrl = input('database-url');
  if (databaseUrl) core.setSecret(databaseUrl);
  const settings: Settings = {
    migrations:
      migrations.length > 0 && migrations.join('\n') !== INPUT_DEFAULTS.migrations ? migrations : undefined,
    format: input('format'),
    dialect: input('dialect'),
    base: input('base'),
    database: input('database'),
    'database-url': databaseUrl,
    privileged: bool('privileged'),
    'column-order': input('column-order'),
    'postgres-image': input('postgres-image'),
    'naming-pattern': input('naming-pattern'),
    'requirement-pattern': input('requirement-pattern'),
    'require-requirements': bool('require-requirements'),
    'fail-on': input('fail-on'),
    'step-timeout': number('step-timeout'),
    data: input('data'),
    'working-directory': input('working-directory'),
    'alembic-command': input('alembic-command'),
    'baseline-schema': input('baseline-schema'),
    'baseline-database': input('baseline-database'),
  };
  const pr = number('pull-request-number');
  return {
    mode: oneOf('mode', ['check', 'lint', 'report'] as const, 'check'),
    settings,
    token: core.getInput('github-token').trim(),
    comment: oneOf('comment', ['always', 'on-failure', 'never'] as const, 'always'),
    commentKey: input('comment-key') ?? null,
    reportJson: input('report-json') ?? null,
    allowPullRequestTarget: bool('allow-pull-request-target') ?? false,
    pullRequestNumber: pr === undefined ? null : pr,
  };
}
