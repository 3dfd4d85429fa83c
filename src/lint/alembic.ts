import type { GateConfig } from '../config/types.js';
import type { Finding, Migration, MigrationSet } from '../types.js';

type Revision = Migration & { alembic: NonNullable<Migration['alembic']> };

const byName = (a: Migration, b: Migration) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Where to point at a revision's place in the graph: its `down_revision` line, else its `revision` line. */
function graphLine(m: Revision): { line?: number } {
  const line = m.alembic.downRevisionLine ?? m.alembic.revisionLine;
  return line === undefined || line === null ? {} : { line };
}

function finding(rule: Finding['rule'], m: Revision, message: string, details?: string[]): Finding {
  return {
    rule,
    severity: 'error',
    migration: m.name,
    path: m.path,
    ...graphLine(m),
    message,
    ...(details ? { details } : {}),
  };
}

const label = (m: Revision) => `${m.alembic.revision} (${m.name})`;

/** Strongly connected groups of revisions along `down_revision` that form a cycle (self-loops included). */
function cycles(revisions: Revision[], parentsOf: (m: Revision) => Revision[]): Revision[][] {
  const index = new Map<Revision, number>();
  const low = new Map<Revision, number>();
  const stack: Revision[] = [];
  const onStack = new Set<Revision>();
  const found: Revision[][] = [];
  let counter = 0;

  // Iterative Tarjan: the graph comes from user files and may be deep.
  for (const root of revisions) {
    if (index.has(root)) continue;
    const work: { node: Revision; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const parents = parentsOf(frame.node);
      if (frame.next < parents.length) {
        const parent = parents[frame.next++]!;
        if (!index.has(parent)) {
          index.set(parent, counter);
          low.set(parent, counter++);
          stack.push(parent);
          onStack.add(parent);
          work.push({ node: parent, next: 0 });
        } else if (onStack.has(parent)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(parent)!));
        }
        continue;
      }
      work.pop();
      const caller = work[work.length - 1];
      if (caller) low.set(caller.node, Math.min(low.get(caller.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const group: Revision[] = [];
        let member: Revision;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          group.push(member);
        } while (member !== frame.node);
        if (group.length > 1 || parents.includes(frame.node)) found.push(group.sort(byName));
      }
    }
  }
  return found;
}

/**
 * The revision-graph rules of an Alembic directory: `alembic-broken-chain` (a `down_revision` naming no
 * revision of the directory, two files declaring one revision, more than one root, a cycle) and
 * `alembic-multiple-heads` (more than one revision that no other revision names as its parent; a head
 * whose chain ends in a missing parent is left to the broken-chain finding).
 * Findings point at the `down_revision` assignment. Files whose revision could not be read are left to
 * `parse-error`.
 */
export function lintAlembic(set: MigrationSet, _config: GateConfig): Finding[] {
  if (set.format !== 'alembic') return [];
  const revisions = set.migrations.filter((m): m is Revision => m.alembic !== null).sort(byName);
  const findings: Finding[] = [];

  const byRevision = new Map<string, Revision>();
  for (const m of revisions) {
    const first = byRevision.get(m.alembic.revision);
    if (first) {
      findings.push({
        rule: 'alembic-broken-chain',
        severity: 'error',
        migration: m.name,
        path: m.path,
        ...(m.alembic.revisionLine === undefined ? {} : { line: m.alembic.revisionLine }),
        message: `revision '${m.alembic.revision}' of '${m.name}' is already declared by '${first.name}'; give each revision its own id`,
      });
    } else {
      byRevision.set(m.alembic.revision, m);
    }
  }

  for (const m of revisions) {
    const missing = m.alembic.downRevisions.filter((id) => !byRevision.has(id));
    for (const id of missing) {
      findings.push(
        finding(
          'alembic-broken-chain',
          m,
          `down_revision '${id}' of '${m.name}' names no revision in ${set.dir}; the chain is broken here`,
        ),
      );
    }
  }

  // A revision whose down_revision could not be read is reported by parse-error, not counted as a root.
  const roots = revisions.filter(
    (m) => m.alembic.downRevisions.length === 0 && m.alembic.downRevisionLine !== null,
  );
  if (roots.length > 1) {
    const last = roots[roots.length - 1]!;
    findings.push(
      finding(
        'alembic-broken-chain',
        last,
        `${roots.length} root revisions (down_revision = None): ${roots.map(label).join(', ')}; ` +
          `only the first revision may have no parent: set down_revision of the others`,
      ),
    );
  }

  const parentsOf = (m: Revision) =>
    m.alembic.downRevisions.map((id) => byRevision.get(id)).filter((p): p is Revision => p !== undefined);
  for (const group of cycles([...byRevision.values()], parentsOf)) {
    findings.push(
      finding(
        'alembic-broken-chain',
        group[0]!,
        group.length === 1
          ? `'${group[0]!.name}' names itself as its down_revision`
          : `the revisions ${group.map(label).join(', ')} form a cycle through their down_revision`,
      ),
    );
  }

  // A head whose chain ends in a missing parent is already reported as a broken chain.
  const reachesMissing = (start: Revision): boolean => {
    const seen = new Set<Revision>();
    const stack = [start];
    while (stack.length > 0) {
      const m = stack.pop()!;
      if (seen.has(m)) continue;
      seen.add(m);
      if (m.alembic.downRevisions.some((id) => !byRevision.has(id))) return true;
      stack.push(...parentsOf(m));
    }
    return false;
  };
  const named = new Set(revisions.flatMap((m) => m.alembic.downRevisions));
  const heads = [...byRevision.values()].filter((m) => !named.has(m.alembic.revision) && !reachesMissing(m));
  if (heads.length > 1) {
    const last = heads[heads.length - 1]!;
    findings.push(
      finding(
        'alembic-multiple-heads',
        last,
        `${heads.length} head revisions: ${heads.map(label).join(', ')}; the history must be one line: ` +
          `rebase the newest revision onto the other head (set its down_revision) or add a merge revision ('alembic merge heads')`,
      ),
    );
  }
  return findings;
}
