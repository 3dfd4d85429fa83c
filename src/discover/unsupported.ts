/**
 * Migrations of known tools in a form the gate cannot run. They are never skipped silently: each becomes a
 * migration with `unsupported` set, which the lint reports and before which the round-trip stops.
 */

/** A file recognised as a migration the gate cannot run, and why. */
export interface UnsupportedFile {
  /** File names inside the migration directory (both files of a fizz pair). */
  names: string[];
  /** Migration name: the file name without its suffixes. */
  stem: string;
  reason: string;
}

const GOOSE_REGISTRATION = /\bgoose\.Add(?:Named)?Migration(?:Context|NoTx|NoTxContext)?\s*\(/;

/**
 * Which files of a directory are migrations the gate cannot run: goose Go migrations (a `.go` file whose name
 * starts with a version and that registers itself with `goose.AddMigration…`), Flyway Java migrations
 * (`V<version>__<desc>.java`) and pop's fizz migrations (`<name>.up.fizz`). `read` returns a file's text (or
 * null when it cannot be read); only `.go` files are read.
 */
export async function findUnsupported(
  names: string[],
  read: (name: string) => Promise<string | null>,
): Promise<UnsupportedFile[]> {
  const found: UnsupportedFile[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const go = /^(\d+_.*)\.go$/.exec(name);
    if (go && !name.endsWith('_test.go')) {
      const text = await read(name);
      if (text !== null && GOOSE_REGISTRATION.test(text)) {
        found.push({
          names: [name],
          stem: go[1]!,
          reason:
            "a goose Go migration: it runs only inside the project's own Go binary, which migration-gate cannot build or call; write it as an SQL migration (-- +goose Up / -- +goose Down) to have it checked",
        });
      }
      continue;
    }
    const java = /^(V\d+(?:[._]\d+)*__.+)\.(?:java|kt|class)$/.exec(name);
    if (java) {
      found.push({
        names: [name],
        stem: java[1]!,
        reason:
          'a Flyway Java-based migration: migration-gate runs SQL migrations only; write it as V<version>__<desc>.sql to have it checked',
      });
      continue;
    }
    const fizz = /^(.+?)(?:\.[a-z0-9]+)?(?:\.autocommit)?\.(?:up|down)\.fizz$/i.exec(name);
    if (fizz) {
      found.push({
        names: [name],
        stem: fizz[1]!,
        reason:
          "a fizz migration (pop's migration language): migration-gate runs SQL migrations only; write it as <name>.up.sql / <name>.down.sql to have it checked",
      });
    }
  }
  // One migration per stem (a fizz pair is one migration).
  const byStem = new Map<string, UnsupportedFile>();
  for (const file of found) {
    const first = byStem.get(file.stem);
    if (first) first.names.push(...file.names);
    else byStem.set(file.stem, file);
  }
  return [...byStem.values()];
}
