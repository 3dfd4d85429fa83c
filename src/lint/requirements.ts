import type { GateConfig } from '../config/types.js';
import type { Finding, MigrationSet } from '../types.js';
import { requirementsInText } from '../discover/annotations.js';
import { unreadable } from './downgrade.js';

/** Requirement IDs named in the pull request's title or body, in order, deduplicated. */
export function pullRequestRequirements(
  config: Pick<GateConfig, 'pullRequestText' | 'requirementPattern'>,
): string[] {
  return requirementsInText(config.pullRequestText, config.requirementPattern);
}

/**
 * `requirement-missing` for every changed migration that has no `requirements:` tag while the pull request
 * names no requirement either. A warning, or an error under `require-requirements`.
 */
export function lintRequirements(set: MigrationSet, config: GateConfig, prRequirements: string[]): Finding[] {
  if (prRequirements.length > 0) return [];
  const findings: Finding[] = [];
  for (const m of set.migrations) {
    if (m.change === 'unchanged' || m.requirements.length > 0 || unreadable(m)) continue;
    findings.push({
      rule: 'requirement-missing',
      severity: config.requireRequirements ? 'error' : 'warning',
      migration: m.name,
      path: m.path,
      ...(m.requirementsLine === null ? {} : { line: m.requirementsLine }),
      message:
        m.requirementsLine === null
          ? `'${m.name}' is mapped to no requirement; add a comment line 'requirements: <ID>' ` +
            `(IDs match /${config.requirementPattern.source}/) or name the ID in the pull request title or body`
          : `the requirements line of '${m.name}' names no ID matching /${config.requirementPattern.source}/`,
    });
  }
  return findings;
}
