/**
 * SQL dialect names as migration tools write them in file names (`<name>.<dialect>.up.sql`), each spelling
 * mapped to one canonical name.
 */
const SPELLINGS: Record<string, string> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  pg: 'postgres',
  cockroach: 'cockroach',
  cockroachdb: 'cockroach',
  crdb: 'cockroach',
  mysql: 'mysql',
  mariadb: 'mysql',
  sqlite: 'sqlite3',
  sqlite3: 'sqlite3',
  mssql: 'sqlserver',
  sqlserver: 'sqlserver',
  oracle: 'oracle',
  clickhouse: 'clickhouse',
  tidb: 'tidb',
  yugabyte: 'yugabyte',
  yugabytedb: 'yugabyte',
};

/** The canonical name of a dialect spelling (`postgresql` → `postgres`), or null for a word that is none. */
export function canonicalDialect(word: string): string | null {
  return SPELLINGS[word.toLowerCase()] ?? null;
}

/** The canonical dialect names, for messages. */
export function knownDialects(): string[] {
  return [...new Set(Object.values(SPELLINGS))];
}
