import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { readInputs, type ActionInputs } from './action/inputs.js';
import { clientLog, out } from './action/output.js';
import { defaultMarkerKey, publish } from './action/publish.js';
import { publishStoredReport } from './action/stored-report.js';
import { loadConfigFile, resolveConfig } from './config/load.js';
import type { ChangedFile } from './discover/git.js';
import { runGate } from './engine.js';
import { listPullRequestFiles } from './github/changes.js';
import { createOctokit, type GitHubClient } from './github/client.js';
import { readGitHubContext, type GitHubContext } from './github/context.js';
import { addSecret, onSecret, registerUrlPassword } from './redact.js';
import { GateError } from './types.js';

/**
 * The run's secrets (the token, the database passwords) are registered with the redaction and, through it,
 * with the runner, which masks them in the log.
 */
function registerSecrets(inputs: ActionInputs): void {
  addSecret(inputs.token);
  registerUrlPassword(inputs.settings['database-url']);
  registerUrlPassword(inputs.settings.database);
  addSecret(process.env.PGPASSWORD);
}

/** The Action: reads inputs and the event, runs the gate, publishes comment, summary, annotations and outputs. */
export async function run(): Promise<void> {
  const unsubscribe = onSecret((secret) => core.setSecret(secret));
  try {
    const inputs = readInputs();
    registerSecrets(inputs);
    out.info(`migration-gate: mode ${inputs.mode}`);
    const gh = readGitHubContext(process.env);
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    if (inputs.mode === 'report') {
      await publishStoredReport(inputs, gh, workspace);
      return;
    }
    if (gh.eventName === 'pull_request_target' && !inputs.allowPullRequestTarget) {
      throw new GateError(
        'refusing to run under pull_request_target: the checked-out migrations may come from the pull request ' +
          'and would run with a write token. Run mode check on pull_request and post the comment from a ' +
          'workflow_run job with mode report (see docs/action.md), or set allow-pull-request-target: true if this ' +
          'checkout is trusted.',
      );
    }

    const workDir = resolve(workspace, inputs.settings['working-directory'] ?? '.');
    const config = resolveConfig(workspace, await loadConfigFile(workDir, null), inputs.settings);
    config.base ??= gh.baseSha;
    config.pullRequestText = [gh.prTitle, gh.prBody].filter(Boolean).join('\n') || null;
    const reportPath = inputs.reportJson
      ? resolve(workspace, inputs.reportJson)
      : join(process.env.RUNNER_TEMP || tmpdir(), 'migration-gate-report.json');
    config.jsonPath = reportPath;
    const pathPrefix = relative(workspace, config.cwd).split('\\').join('/');

    let octokit: GitHubClient | null = null;
    if (inputs.token) octokit = createOctokit(inputs.token, { baseUrl: gh.apiUrl, log: clientLog });

    let changes: ChangedFile[] | undefined;
    if (gh.pullNumber !== null && octokit && config.base === gh.baseSha) {
      changes = await pullRequestChanges(octokit, gh, gh.pullNumber, pathPrefix);
    }

    const markerKey =
      inputs.commentKey ?? defaultMarkerKey(config.dirs, pathPrefix, inputs.settings['postgres-image']);
    const report = await runGate(config, {
      command: inputs.mode,
      progress: (line) => out.info(line),
      changes,
      markdown: { repoUrl: gh.repoUrl, headSha: gh.headSha ?? undefined },
    });
    await publish(report, octokit, {
      gh,
      inputs,
      pullNumber: gh.pullNumber,
      pathPrefix,
      baseRef: config.base === gh.baseSha ? gh.baseRef : null,
      markerKey,
      reportPath,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    out.setFailed(message);
    if (error instanceof Error && error.stack && !(error instanceof GateError)) out.debug(error.stack);
  } finally {
    unsubscribe();
  }
}

/**
 * The PR's files from the API, as changes relative to the working directory. Undefined (git diff decides)
 * when GitHub's listing is incomplete (over 3,000 files) or the API cannot be read.
 */
async function pullRequestChanges(
  octokit: GitHubClient,
  gh: GitHubContext,
  pullNumber: number,
  pathPrefix: string,
): Promise<ChangedFile[] | undefined> {
  try {
    const { files, complete } = await listPullRequestFiles(octokit, {
      owner: gh.owner,
      repo: gh.repo,
      pullNumber,
    });
    if (!complete) {
      out.info(
        'the pull request changes more files than GitHub lists (3,000): using git diff against the merge base',
      );
      return undefined;
    }
    const local = (p: string) =>
      pathPrefix ? (p.startsWith(`${pathPrefix}/`) ? p.slice(pathPrefix.length + 1) : null) : p;
    const changes: ChangedFile[] = [];
    for (const f of files) {
      const path = local(f.path);
      if (path === null || f.status === 'unchanged') continue;
      const previousPath = f.previousPath ? local(f.previousPath) : null;
      changes.push({
        status: f.status === 'deleted' ? 'deleted' : f.status,
        path,
        previousPath,
      } as ChangedFile);
    }
    return changes;
  } catch (error) {
    out.warning(
      `cannot list the pull request's files (${(error as Error).message}); using git diff against the merge base`,
    );
    return undefined;
  }
}
