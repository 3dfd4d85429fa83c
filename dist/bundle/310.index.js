export const id = 310;
export const ids = [310];
export const modules = {

/***/ 18246:
/***/ ((module) => {

function webpackEmptyAsyncContext(req) {
	// Here Promise.resolve().then() is used instead of new Promise() to prevent
	// uncaught exception popping up in devtools
	return Promise.resolve().then(() => {
		var e = new Error("Cannot find module '" + req + "'");
		e.code = 'MODULE_NOT_FOUND';
		throw e;
	});
}
webpackEmptyAsyncContext.keys = () => ([]);
webpackEmptyAsyncContext.resolve = webpackEmptyAsyncContext;
webpackEmptyAsyncContext.id = 18246;
module.exports = webpackEmptyAsyncContext;

/***/ }),

/***/ 36151:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   IA: () => (/* binding */ checkLiveBaseline),
/* harmony export */   Wg: () => (/* binding */ liveName),
/* harmony export */   eU: () => (/* binding */ liveDriftFindings),
/* harmony export */   yj: () => (/* binding */ liveDatabase)
/* harmony export */ });
/* unused harmony exports withoutRoles, readLivePostgres */
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(76760);
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(83849);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(64170);
/* harmony import */ var _baseline_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(584);
/* harmony import */ var _diff_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(2056);
/* harmony import */ var _redact_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(25078);
/* harmony import */ var _providers_url_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(16592);
/* harmony import */ var _snapshot_index_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(85407);
/* harmony import */ var _storage_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(41870);
/* harmony import */ var _from_empty_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(76831);










/** Reads the `baseline-database` setting; a SQLite path is relative to the working directory. */
function liveDatabase(config) {
    const spec = config.baselineDatabase?.trim();
    if (!spec)
        return null;
    if (/^postgres(ql)?:\/\//i.test(spec))
        return { engine: 'postgres', url: spec };
    const sqlite = /^sqlite(?:\+\w+)?:\/\/\/(.*)$/i.exec(spec);
    if (sqlite)
        return { engine: 'sqlite', file: node_path__WEBPACK_IMPORTED_MODULE_0__.resolve(config.cwd, sqlite[1]) };
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
        throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .GateError */ .ue(`baseline-database must be a SQLite file, a sqlite:/// URL or a postgres:// URL, not ${spec.split(':')[0]}://…`);
    }
    return { engine: 'sqlite', file: node_path__WEBPACK_IMPORTED_MODULE_0__.resolve(config.cwd, spec) };
}
/** How the live database is named in findings: a SQLite path as configured, a server URL without its password. */
function liveName(config, live) {
    if (live.engine === 'postgres')
        return (0,_redact_js__WEBPACK_IMPORTED_MODULE_5__/* .redactUrl */ .BO)(live.url);
    const rel = node_path__WEBPACK_IMPORTED_MODULE_0__.relative(config.cwd, live.file).split(node_path__WEBPACK_IMPORTED_MODULE_0__.sep).join('/');
    return rel.startsWith('../') || node_path__WEBPACK_IMPORTED_MODULE_0__.isAbsolute(rel) ? live.file : rel;
}
/** Properties a live database's owners and grants give its objects: not a matter of the migrations. */
const ROLE_PROPS = ['owner', 'privileges'];
/** The snapshot without owners and privileges (the live database's roles are not the scratch database's). */
function withoutRoles(snapshot) {
    const objects = new Map([...snapshot.objects].map(([key, o]) => {
        const props = Object.fromEntries(Object.entries(o.props).filter(([k]) => !ROLE_PROPS.includes(k)));
        return [key, { ...o, props }];
    }));
    return { objects };
}
/**
 * Reads the schema of a live PostgreSQL database without writing: one session, one `READ ONLY` transaction
 * that only reads the catalogs, rolled back at the end.
 */
async function readLivePostgres(url, read) {
    const client = new pg__WEBPACK_IMPORTED_MODULE_1__/* ["default"].Client */ .Ay.Client({
        connectionString: url,
        application_name: 'migration-gate baseline (read only)',
    });
    try {
        await client.connect();
        await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await client.query(`SET LOCAL lock_timeout = '5s'`);
        return await read(client);
    }
    catch (error) {
        throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .GateError */ .ue(`cannot read baseline-database ${(0,_redact_js__WEBPACK_IMPORTED_MODULE_5__/* .redactUrl */ .BO)(url)}: ${(0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .errorText */ .kc)(error)}`, {
            cause: error,
        });
    }
    finally {
        await client.query('ROLLBACK').catch(() => undefined);
        await client.end().catch(() => undefined);
    }
}
/** The `baseline-drift` finding comparing the live database with every migration applied from empty, or none. */
function liveDriftFindings(name, expected, actual) {
    return (0,_from_empty_js__WEBPACK_IMPORTED_MODULE_9__/* .driftFinding */ .rl)(name, `the baseline database ${name}`, (0,_diff_js__WEBPACK_IMPORTED_MODULE_4__/* .diffSnapshots */ .V1)(expected, actual), {
        before: 'in the baseline database',
        after: 'after all migrations',
    });
}
/**
 * `baseline-drift` against a live PostgreSQL database (`baseline-database: postgres://…`): its schema, read in a
 * read-only transaction, must be the one every migration builds from empty on a scratch database. Owners and
 * privileges are left out (the live database's roles are not the run's); bookkeeping tables too.
 */
async function checkLiveBaseline(opts) {
    const live = liveDatabase(opts.config);
    if (!live)
        return [];
    const name = liveName(opts.config, live);
    if (live.engine !== 'postgres') {
        throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .GateError */ .ue(`baseline-database ${name} is a SQLite file, but the migrations run on PostgreSQL: add --database sqlite`);
    }
    const options = { excludeTables: _baseline_js__WEBPACK_IMPORTED_MODULE_3__/* .BOOKKEEPING_TABLES */ .XX, excludeSchemas: [_storage_js__WEBPACK_IMPORTED_MODULE_8__/* .STORAGE_SCHEMA */ .cl] };
    const expected = withoutRoles(await readLivePostgres(live.url, (c) => (0,_snapshot_index_js__WEBPACK_IMPORTED_MODULE_7__/* .takeSnapshot */ .W9)(c, options)));
    const db = await opts.provider.createScratch();
    try {
        const failed = await (0,_from_empty_js__WEBPACK_IMPORTED_MODULE_9__/* .applyFromEmpty */ .ak)(opts.sets, db, opts.applyAll);
        if (failed)
            return (0,_from_empty_js__WEBPACK_IMPORTED_MODULE_9__/* .cannotCompare */ .di)(name, 'the baseline database', failed);
        const client = db.connectAdmin ? await db.connectAdmin() : await db.connect();
        let actual;
        try {
            actual = withoutRoles(await (0,_snapshot_index_js__WEBPACK_IMPORTED_MODULE_7__/* .takeSnapshot */ .W9)(client, options));
        }
        finally {
            await (0,_providers_url_js__WEBPACK_IMPORTED_MODULE_6__/* .endClient */ .D9)(client);
        }
        return liveDriftFindings(name, expected, actual);
    }
    finally {
        await db.drop();
    }
}


/***/ }),

/***/ 584:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   XX: () => (/* binding */ BOOKKEEPING_TABLES),
/* harmony export */   iW: () => (/* binding */ checkBaseline)
/* harmony export */ });
/* unused harmony exports prepareBaselineSql, loadBaseline */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var _discover_sql_split_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(2194);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(64170);
/* harmony import */ var _diff_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(2056);
/* harmony import */ var _executors_alembic_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(18025);
/* harmony import */ var _executors_sql_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(31846);
/* harmony import */ var _providers_url_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(16592);
/* harmony import */ var _snapshot_index_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(85407);
/* harmony import */ var _from_empty_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(76831);










/**
 * Bookkeeping tables of migration tools, left out on both sides: a dump of a production database holds
 * them, a database the gate migrated does not (or holds its own).
 */
const BOOKKEEPING_TABLES = [
    ..._executors_alembic_js__WEBPACK_IMPORTED_MODULE_4__/* .ALEMBIC_EXCLUDED_TABLES */ .j$,
    'public.schema_migrations',
    'public.goose_db_version',
    'public.gorp_migrations',
    'public.SequelizeMeta',
    'public.knex_migrations',
    'public.knex_migrations_lock',
    'public.pgmigrations',
    'public.flyway_schema_history',
];
const LABELS = { before: 'in the baseline', after: 'after all migrations' };
/** The baseline file's SQL with psql meta-commands and `COPY … FROM stdin` data blanked out (lines kept). */
function prepareBaselineSql(text) {
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    let meta = 0;
    let copies = 0;
    let inCopy = false;
    const out = lines.map((line) => {
        if (inCopy) {
            if (line === '\\.')
                inCopy = false;
            return '';
        }
        if (/^\s*COPY\s.*\bFROM\s+stdin\b.*;\s*$/i.test(line)) {
            inCopy = true;
            copies++;
            return '';
        }
        if (/^\\/.test(line)) {
            meta++;
            return '';
        }
        return line;
    });
    const notes = [];
    if (meta > 0)
        notes.push(`${meta} psql meta-command line(s) (\\restrict, \\connect, …) were skipped`);
    if (copies > 0)
        notes.push(`the data of ${copies} COPY block(s) was ignored: the baseline check compares schemas only`);
    return { sql: out.join('\n'), notes };
}
/** Statements that only set owners or privileges: skipped when they name a role this server lacks. */
const ROLE_STATEMENT = /^(?:GRANT|REVOKE|ALTER\s+DEFAULT\s+PRIVILEGES)\b|\bOWNER\s+TO\b/i;
/**
 * Loads the baseline file into `client` like psql would: statement by statement, in autocommit, on one
 * session (so `SET` and `set_config('search_path', …)` carry over). Ownership and privilege statements for
 * roles that do not exist are skipped with a note; any other error is a `GateError` naming file and line.
 */
async function loadBaseline(client, text, file, notes) {
    const prepared = prepareBaselineSql(text);
    const skippedRoles = new Set();
    let skipped = 0;
    for (const statement of (0,_discover_sql_split_js__WEBPACK_IMPORTED_MODULE_9__/* .splitStatements */ .X)(prepared.sql)) {
        try {
            await client.query(statement.text);
        }
        catch (error) {
            const code = error.code;
            if ((code === '42704' || code === '42501') && ROLE_STATEMENT.test(statement.text)) {
                const role = /role "([^"]+)"/.exec(error.message)?.[1];
                if (role)
                    skippedRoles.add(role);
                skipped++;
                continue;
            }
            throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .GateError */ .ue(`cannot load baseline-schema ${file}:${(0,_executors_sql_js__WEBPACK_IMPORTED_MODULE_5__/* .errorLine */ .BP)(statement, error)}: ${(0,_executors_sql_js__WEBPACK_IMPORTED_MODULE_5__/* .pgErrorMessage */ .pS)(error)}`, {
                cause: error,
            });
        }
    }
    notes.push(...prepared.notes.map((n) => `baseline ${file}: ${n}`));
    if (skipped > 0) {
        const roles = skippedRoles.size > 0 ? ` (${[...skippedRoles].sort().join(', ')})` : '';
        notes.push(`baseline ${file}: ${skipped} ownership/privilege statement(s) for roles the scratch database lacks${roles} were skipped`);
    }
}
async function snapshotOf(db, options) {
    const client = await db.connect();
    try {
        return await (0,_snapshot_index_js__WEBPACK_IMPORTED_MODULE_7__/* .takeSnapshot */ .W9)(client, options);
    }
    finally {
        await (0,_providers_url_js__WEBPACK_IMPORTED_MODULE_6__/* .endClient */ .D9)(client);
    }
}
/**
 * The `baseline-drift` check: loads `config.baselineSchema` (relative to the working directory) into one
 * scratch database, applies every migration of every set from empty into another (`applyAll`), and compares
 * their catalog snapshots, bookkeeping tables left out. Returns one finding on the baseline file listing each
 * difference, or none. A missing or unloadable baseline file is a `GateError`.
 */
async function checkBaseline(opts) {
    const { provider, sets, config } = opts;
    if (!config.baselineSchema)
        return [];
    const absFile = node_path__WEBPACK_IMPORTED_MODULE_1__.resolve(config.cwd, config.baselineSchema);
    const relative = node_path__WEBPACK_IMPORTED_MODULE_1__.relative(config.cwd, absFile);
    const file = relative.startsWith('..') || node_path__WEBPACK_IMPORTED_MODULE_1__.isAbsolute(relative)
        ? config.baselineSchema
        : relative.split(node_path__WEBPACK_IMPORTED_MODULE_1__.sep).join('/');
    let text;
    try {
        text = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.readFile)(absFile, 'utf8');
    }
    catch (error) {
        const code = error.code;
        throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .GateError */ .ue(`baseline-schema ${file}: ${code === 'ENOENT' ? 'no such file' : (0,_types_js__WEBPACK_IMPORTED_MODULE_2__/* .errorText */ .kc)(error)} (paths are relative to ${config.cwd})`, { cause: error });
    }
    const notes = opts.notes ?? [];
    const snapshotOptions = { excludeTables: BOOKKEEPING_TABLES };
    let expected;
    const baselineDb = await provider.createScratch();
    try {
        const client = await baselineDb.connect();
        try {
            await loadBaseline(client, text, file, notes);
            expected = await (0,_snapshot_index_js__WEBPACK_IMPORTED_MODULE_7__/* .takeSnapshot */ .W9)(client, snapshotOptions);
        }
        finally {
            await (0,_providers_url_js__WEBPACK_IMPORTED_MODULE_6__/* .endClient */ .D9)(client);
        }
    }
    finally {
        await baselineDb.drop();
    }
    let actual;
    const migratedDb = await provider.createScratch();
    try {
        const failed = await (0,_from_empty_js__WEBPACK_IMPORTED_MODULE_8__/* .applyFromEmpty */ .ak)(sets, migratedDb, opts.applyAll);
        if (failed)
            return (0,_from_empty_js__WEBPACK_IMPORTED_MODULE_8__/* .cannotCompare */ .di)(file, 'the baseline', failed);
        actual = await snapshotOf(migratedDb, snapshotOptions);
    }
    finally {
        await migratedDb.drop();
    }
    return (0,_from_empty_js__WEBPACK_IMPORTED_MODULE_8__/* .driftFinding */ .rl)(file, `the baseline ${file}`, (0,_diff_js__WEBPACK_IMPORTED_MODULE_3__/* .diffSnapshots */ .V1)(expected, actual), LABELS);
}


/***/ }),

/***/ 74268:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  e: () => (/* binding */ TripProbe),
  y: () => (/* binding */ dataUpFailedFinding)
});

// EXTERNAL MODULE: ./lib/redact.js
var redact = __webpack_require__(25078);
// EXTERNAL MODULE: ./lib/roundtrip/step.js
var step = __webpack_require__(85049);
;// CONCATENATED MODULE: ./lib/roundtrip/impact/locks.js
const MODES = [
    'ACCESS SHARE',
    'ROW SHARE',
    'ROW EXCLUSIVE',
    'SHARE UPDATE EXCLUSIVE',
    'SHARE',
    'SHARE ROW EXCLUSIVE',
    'EXCLUSIVE',
    'ACCESS EXCLUSIVE',
];
const LOCKS_SQL = `
SELECT n.nspname AS schema, c.relname AS name, c.oid::pg_catalog.int8 AS oid, l.mode
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_class c ON c.oid = l.relation
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted
  AND c.relkind IN ('r', 'p', 'm', 'f')`;
/** `AccessExclusiveLock` → `ACCESS EXCLUSIVE`. */
function modeName(mode) {
    return mode
        .replace(/Lock$/, '')
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .toUpperCase();
}
/** Watches one step: `beforeCommit` reads the locks its session holds on the tables that existed before up. */
class LockObserver {
    before;
    /** Null until the step reached its commit (it ran without a transaction, or elsewhere). */
    locks = null;
    failure = null;
    constructor(before) {
        this.before = before;
    }
    beforeCommit = async (client) => {
        try {
            const strongest = new Map();
            for (const row of (await client.query(LOCKS_SQL)).rows) {
                const table = this.before.get(Number(row.oid));
                if (!table)
                    continue;
                const rank = MODES.indexOf(modeName(String(row.mode)));
                strongest.set(table.name, Math.max(rank, strongest.get(table.name) ?? -1));
            }
            this.locks = [...strongest]
                .filter(([, rank]) => rank >= 0)
                .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
                .map(([relation, rank]) => ({ relation, mode: MODES[rank] }));
        }
        catch (error) {
            this.failure = error instanceof Error ? error.message : String(error);
        }
    };
}
/** Tables of `before` (by oid) whose storage was replaced in `after`. */
function rewrittenTables(before, after) {
    const now = new Map(after.map((t) => [t.oid, t]));
    return before
        .filter((t) => {
        const later = now.get(t.oid);
        return later !== undefined && t.relfilenode !== 0 && later.relfilenode !== t.relfilenode;
    })
        .map((t) => t.name);
}

// EXTERNAL MODULE: ./lib/roundtrip/snapshot/sql.js
var snapshot_sql = __webpack_require__(72132);
// EXTERNAL MODULE: ./lib/roundtrip/sql-text.js
var sql_text = __webpack_require__(47007);
;// CONCATENATED MODULE: ./lib/roundtrip/data/catalog.js


const TABLES_SQL = `
SELECT c.oid::pg_catalog.int8 AS oid, n.nspname AS schema, c.relname AS name,
       c.relfilenode::pg_catalog.int8 AS relfilenode,
       ARRAY(SELECT a.attname::pg_catalog.text FROM pg_catalog.pg_index i
             JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true
             JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.pos) AS primary_key
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't'
  AND ${(0,snapshot_sql/* userSchema */.vJ)('n')} AND ${(0,snapshot_sql/* notExtensionMember */.RG)('pg_class', 'c.oid')}
ORDER BY n.nspname, c.relname`;
const COLUMNS_SQL = `
SELECT a.attrelid::pg_catalog.int8 AS oid, a.attnum, a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
       a.atthasdef AS has_default, a.attidentity <> '' AS identity, a.attgenerated <> '' AS generated,
       COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid) ~ 'nextval\\(', false) AS serial,
       b.typname AS base, b.typcategory AS category,
       CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod,
       ARRAY(SELECT e.enumlabel::pg_catalog.text FROM pg_catalog.pg_enum e WHERE e.enumtypid = b.oid ORDER BY e.enumsortorder) AS enum_labels,
       el.typname AS element,
       EXISTS (SELECT FROM pg_catalog.pg_constraint k
               WHERE k.conrelid = a.attrelid AND k.contype IN ('p', 'u') AND a.attnum = ANY (k.conkey)) AS key,
       ARRAY(SELECT pg_catalog.pg_get_constraintdef(k.oid) FROM pg_catalog.pg_constraint k
             WHERE k.conrelid = a.attrelid AND k.contype = 'c' AND k.conkey = ARRAY[a.attnum]) AS checks
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_catalog.pg_type el ON el.oid = b.typelem AND b.typcategory = 'A'
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY ($1::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`;
const FOREIGN_KEYS_SQL = `
SELECT k.conrelid::pg_catalog.int8 AS oid, k.confrelid::pg_catalog.int8 AS parent_oid,
       ARRAY(SELECT a.attname::pg_catalog.text FROM pg_catalog.unnest(k.conkey) WITH ORDINALITY AS u(attnum, pos)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.pos) AS columns,
       ARRAY(SELECT a.attname::pg_catalog.text FROM pg_catalog.unnest(k.confkey) WITH ORDINALITY AS u(attnum, pos)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.pos) AS parent_columns
FROM pg_catalog.pg_constraint k
WHERE k.contype = 'f' AND k.conrelid = ANY ($1::pg_catalog.oid[])
ORDER BY k.conrelid, k.conname`;
/** The quoted literals of a CHECK definition (`CHECK ((status = ANY (ARRAY['new'::text, 'paid'::text])))`). */
function checkLiterals(definitions) {
    const literals = [];
    for (const definition of definitions) {
        if (!/=\s*ANY|\bIN\b|=\s*'/i.test(definition))
            continue;
        for (const match of definition.matchAll(/'((?:[^']|'')*)'/g))
            literals.push(match[1].replace(/''/g, "'"));
    }
    return literals;
}
/** Array columns come back as arrays from a server, and as `{a,b}` text from some drivers. */
function list(value) {
    if (Array.isArray(value))
        return value.map(String);
    if (typeof value !== 'string' || value === '{}')
        return [];
    return value
        .slice(1, -1)
        .split(',')
        .map((item) => item.replace(/^"(.*)"$/, '$1'));
}
/**
 * The user tables of the database (partitioned tables once, not their partitions), in name order, leaving out
 * those named in `exclude` (`schema.table`, or a table name in any schema).
 */
async function readTables(db, exclude = []) {
    const excluded = (schema, name) => exclude.includes(`${schema}.${name}`) || exclude.includes(name);
    const tables = (await db.query(TABLES_SQL)).rows
        .filter((row) => !excluded(String(row.schema), String(row.name)))
        .map((row) => ({
        oid: Number(row.oid),
        name: `${row.schema}.${row.name}`,
        sql: `${(0,sql_text/* quoteIdent */.v)(String(row.schema))}.${(0,sql_text/* quoteIdent */.v)(String(row.name))}`,
        relfilenode: Number(row.relfilenode),
        columns: [],
        primaryKey: list(row.primary_key),
        foreignKeys: [],
    }));
    if (tables.length === 0)
        return tables;
    const byOid = new Map(tables.map((t) => [t.oid, t]));
    const oids = `{${tables.map((t) => t.oid).join(',')}}`;
    const [columns, foreignKeys] = await Promise.all([
        db.query(COLUMNS_SQL, [oids]),
        db.query(FOREIGN_KEYS_SQL, [oids]),
    ]);
    for (const row of columns.rows) {
        byOid.get(Number(row.oid))?.columns.push({
            attnum: Number(row.attnum),
            name: String(row.name),
            type: String(row.type),
            notNull: row.not_null === true || row.not_null === 't',
            hasDefault: row.has_default === true || row.has_default === 't',
            numbered: [row.identity, row.serial].some((v) => v === true || v === 't'),
            generated: row.generated === true || row.generated === 't',
            base: String(row.base),
            category: String(row.category),
            typmod: Number(row.typmod),
            enumLabels: list(row.enum_labels),
            element: row.element === null || row.element === undefined ? null : String(row.element),
            allowed: checkLiterals(list(row.checks)),
            key: row.key === true || row.key === 't',
        });
    }
    for (const row of foreignKeys.rows) {
        const parent = byOid.get(Number(row.parent_oid));
        byOid.get(Number(row.oid))?.foreignKeys.push({
            columns: list(row.columns),
            parent: parent?.name ?? '',
            parentColumns: list(row.parent_columns),
        });
    }
    return tables;
}
/**
 * The shapes of the tables named like `tables` (by quoted name) as they are now, by name; a name that is no longer
 * a table is left out. One light query, for reading rows again after down.
 */
async function readShapes(db, tables) {
    const out = new Map();
    if (tables.length === 0)
        return out;
    const names = tables.map((t) => (0,sql_text/* quoteLiteral */.c)(t.sql)).join(', ');
    const sql = `
SELECT c.oid::pg_catalog.int8 AS oid, n.nspname AS schema, c.relname AS name,
       (SELECT pg_catalog.json_agg(a.attname ORDER BY k.pos) FROM pg_catalog.pg_index i
        JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE i.indrelid = c.oid AND i.indisprimary)::pg_catalog.text AS primary_key,
       (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(a.attname, a.attnum) ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)::pg_catalog.text AS columns
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid IN (SELECT pg_catalog.to_regclass(t) FROM pg_catalog.unnest(ARRAY[${names}]::pg_catalog.text[]) AS t)
  AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't'
  AND ${(0,snapshot_sql/* notExtensionMember */.RG)('pg_class', 'c.oid')}`;
    for (const row of (await db.query(sql)).rows) {
        const columns = JSON.parse(String(row.columns ?? 'null'));
        const shape = {
            oid: Number(row.oid),
            name: `${row.schema}.${row.name}`,
            sql: `${(0,sql_text/* quoteIdent */.v)(String(row.schema))}.${(0,sql_text/* quoteIdent */.v)(String(row.name))}`,
            columns: (columns ?? []).map(([name, attnum]) => ({ name, attnum: Number(attnum) })),
            primaryKey: JSON.parse(String(row.primary_key ?? 'null')) ?? [],
        };
        out.set(shape.name, shape);
    }
    return out;
}

;// CONCATENATED MODULE: ./lib/roundtrip/data/rows.js

/** Rows read per table; a table with more is `capped`. */
const ROW_LIMIT = 1000;
/**
 * Scalar subqueries per statement, each a column of one row. PostgreSQL plans a `UNION ALL` of many in time that
 * grows faster than their number (250 per statement: ~190 ms for 500 small tables); as columns of one SELECT they
 * take ~22 ms.
 */
const PER_STATEMENT = 50;
/** Runs scalar subqueries `values` a few per statement; `each` gets each one's index and value. */
async function scalarChunks(db, values, each) {
    for (let i = 0; i < values.length; i += PER_STATEMENT) {
        const chunk = values.slice(i, i + PER_STATEMENT);
        const row = (await db.query(`SELECT ${chunk.map((v, j) => `${v} AS v${j}`).join(', ')}`)).rows[0];
        chunk.forEach((_, j) => each(i + j, row?.[`v${j}`]));
    }
}
/** The rows of each table (chunked into a few queries), by table name. */
async function readRows(db, tables) {
    const out = new Map();
    const plans = tables.map(({ table, columns }) => {
        const cols = table.columns.filter((c) => !columns || columns.includes(c.name));
        const key = table.primaryKey.every((k) => cols.some((c) => c.name === k))
            ? table.primaryKey.map((k) => cols.findIndex((c) => c.name === k))
            : [];
        const values = cols.map((c) => `(${(0,sql_text/* quoteIdent */.v)(c.name)})::pg_catalog.text`);
        const array = values.length > 0 ? `ARRAY[${values.join(', ')}]` : 'ARRAY[]::pg_catalog.text[]';
        const order = key.length > 0 ? table.primaryKey.map(sql_text/* quoteIdent */.v).join(', ') : values.length > 0 ? '1' : 'true';
        const sql = `(SELECT COALESCE(pg_catalog.json_agg(r.v), '[]') FROM ` +
            `(SELECT ${array} AS v FROM ${table.sql} ORDER BY ${order} LIMIT ${ROW_LIMIT + 1}) r)`;
        return { table, cols, key, sql };
    });
    await scalarChunks(db, plans.map((p) => `${p.sql}::pg_catalog.text`), (i, value) => {
        const plan = plans[i];
        const rows = JSON.parse(String(value));
        out.set(plan.table.name, {
            table: plan.table,
            columns: plan.cols.map((c) => ({ name: c.name, attnum: c.attnum })),
            key: plan.key,
            rows: rows.slice(0, ROW_LIMIT),
            capped: rows.length > ROW_LIMIT,
        });
    });
    return out;
}
/** The key of a row: its primary key values, or the whole row. */
function rowKey(rows, row) {
    return JSON.stringify(rows.key.length > 0 ? rows.key.map((i) => row[i]) : row);
}

;// CONCATENATED MODULE: ./lib/roundtrip/data/compare.js

function show(value) {
    if (value === null || value === undefined)
        return 'NULL';
    const text = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `'${text}'`;
}
/** Keys of the rows of `before` found in `after` by the same columns (attnum), or null when it cannot tell. */
function keysIn(before, after) {
    if (before.key.length === 0 || after.capped)
        return null;
    const at = before.key.map((i) => after.columns.findIndex((c) => c.attnum === before.columns[i].attnum));
    if (at.some((i) => i < 0))
        return null;
    return new Set(after.rows.map((row) => JSON.stringify(at.map((i) => row[i]))));
}
/** What up destroyed: `before` by table name (before up), `after` by table oid (after up). */
function upLosses(before, tablesAfter, after) {
    const losses = [];
    const present = new Set(tablesAfter.map((t) => t.oid));
    for (const rows of before.values()) {
        if (rows.rows.length === 0)
            continue;
        const name = rows.table.name;
        const later = after.get(rows.table.oid);
        if (!present.has(rows.table.oid) || !later) {
            losses.push({ table: name, what: 'table dropped', rows: rows.rows.length });
            continue;
        }
        rows.columns.forEach((column, i) => {
            if (later.columns.some((c) => c.attnum === column.attnum))
                return;
            const values = rows.rows.filter((row) => row[i] !== null).length;
            if (values > 0)
                losses.push({ table: name, column: column.name, what: 'column dropped', rows: values });
        });
        const keys = keysIn(rows, later);
        const deleted = keys
            ? rows.rows.filter((row) => !keys.has(rowKey(rows, row))).length
            : rows.capped || later.capped
                ? 0
                : rows.rows.length - later.rows.length;
        if (deleted > 0)
            losses.push({ table: name, what: 'rows deleted', rows: deleted });
    }
    return losses;
}
/**
 * Values of `before` (before up) lost or changed in `afterDown` (by table and column name), leaving out what up
 * destroyed (`afterUp`, by table oid: dropped tables and columns, deleted rows).
 */
function downLosses(before, afterUp, afterDown) {
    const losses = [];
    for (const rows of before.values()) {
        const up = afterUp.get(rows.table.oid);
        const down = afterDown.get(rows.table.name);
        if (rows.rows.length === 0 || !up || !down || rows.capped)
            continue;
        // Columns up kept (by attnum) that exist again after down (by name): index before → index after down.
        const pairs = [];
        rows.columns.forEach((column, i) => {
            if (!up.columns.some((c) => c.attnum === column.attnum))
                return;
            const j = down.columns.findIndex((c) => c.name === column.name);
            if (j >= 0)
                pairs.push([i, j]);
        });
        const upKeys = keysIn(rows, up);
        const changed = new Map();
        let example = null;
        let lostRows = 0;
        if (rows.key.length > 0 && down.key.length > 0) {
            if (!upKeys)
                continue;
            const afterRows = new Map(down.rows.map((row) => [rowKey(down, row), row]));
            for (const row of rows.rows) {
                const key = rowKey(rows, row);
                if (!upKeys.has(key))
                    continue;
                const later = afterRows.get(key);
                if (!later) {
                    if (down.capped)
                        continue;
                    lostRows++;
                    for (const [i] of pairs)
                        changed.set(rows.columns[i].name, (changed.get(rows.columns[i].name) ?? 0) + 1);
                    example ??= `row ${key} present before up, absent after down`;
                    continue;
                }
                let differs = false;
                for (const [i, j] of pairs) {
                    if (row[i] === later[j])
                        continue;
                    differs = true;
                    const name = rows.columns[i].name;
                    changed.set(name, (changed.get(name) ?? 0) + 1);
                    example ??= `${rows.table.name}.${name}: ${show(row[i])} before up, ${show(later[j])} after down`;
                }
                if (differs)
                    lostRows++;
            }
        }
        else {
            // Rows without a key compare as multisets, column by column.
            if (down.capped || up.rows.length < rows.rows.length)
                continue;
            for (const [i, j] of pairs) {
                const left = new Map();
                for (const row of down.rows)
                    left.set(row[j] ?? null, (left.get(row[j] ?? null) ?? 0) + 1);
                let missing = 0;
                for (const row of rows.rows) {
                    const n = left.get(row[i] ?? null) ?? 0;
                    if (n > 0)
                        left.set(row[i] ?? null, n - 1);
                    else {
                        missing++;
                        example ??= `${rows.table.name}.${rows.columns[i].name}: ${show(row[i])} before up, not found after down`;
                    }
                }
                if (missing > 0)
                    changed.set(rows.columns[i].name, missing);
            }
            lostRows = Math.max(0, ...changed.values());
        }
        if (changed.size > 0) {
            losses.push({ table: rows.table.name, columns: [...changed.keys()], rows: lostRows, example });
        }
    }
    return losses;
}
/** `public.orders.note (3 rows)` / `public.orders: 2 rows deleted`, for messages. */
function describeUpLoss(loss) {
    if (loss.what === 'column dropped')
        return `column ${loss.table}.${loss.column} dropped with ${loss.rows} value(s)`;
    if (loss.what === 'table dropped')
        return `table ${loss.table} dropped with ${loss.rows} row(s)`;
    return `${loss.rows} row(s) deleted from ${loss.table}`;
}
function describeDownLoss(loss) {
    const columns = loss.columns.map((c) => `${loss.table}.${c}`).join(', ');
    return `${columns}: ${loss.rows} row(s) lost or changed${loss.example ? ` (e.g. ${loss.example})` : ''}`;
}

;// CONCATENATED MODULE: ./lib/roundtrip/data/generate.js


/** How many rows a table should hold before up. */
const SAMPLE_ROWS = 3;
/** The setting the fill block writes the tables it could not fill into (`table: message` lines). */
const FAILURES = 'migration_gate.sample_failures';
/** Text for a value of a string column, with a hint from the column's name where a format is usual. */
function sampleText(column, k) {
    const name = column.name.toLowerCase();
    if (name.includes('email'))
        return `sample${k}@example.com`;
    if (/(^|_)(url|link|website)($|_)/.test(name))
        return `https://example.com/${k}`;
    if (/phone/.test(name))
        return `+1555000000${k}`;
    return `sample ${k}`;
}
/** Maximum length of a `varchar(n)` / `char(n)` column, or null. */
function maxLength(column) {
    return (column.base === 'varchar' || column.base === 'bpchar') && column.typmod > 4
        ? column.typmod - 4
        : null;
}
/** The text of a value of base type `base` for row `k` (1-based), or null when the gate has none for it. */
function scalarText(column, base, category, k) {
    switch (base) {
        case 'int2':
        case 'int4':
        case 'int8':
        case 'oid':
            return String(column.key ? 30000 + k : k);
        case 'numeric': {
            const precision = column.typmod > 4 ? ((column.typmod - 4) >> 16) & 0xffff : null;
            const scale = column.typmod > 4 ? (column.typmod - 4) & 0xffff : 0;
            if (precision !== null && precision - scale < 1)
                return `0.${k}`;
            if (precision !== null && precision - scale < 5)
                return String(k);
            return String(column.key ? 30000 + k : k);
        }
        case 'float4':
        case 'float8':
            return `${k}.5`;
        case 'money':
            return `${k}.00`;
        case 'bool':
            return k % 2 === 1 ? 'true' : 'false';
        case 'date':
            return `2024-01-0${k}`;
        case 'timestamp':
            return `2024-01-0${k} 10:00:00`;
        case 'timestamptz':
            return `2024-01-0${k} 10:00:00+00`;
        case 'time':
            return `10:00:0${k}`;
        case 'timetz':
            return `10:00:0${k}+00`;
        case 'interval':
            return `${k} days`;
        case 'uuid':
            return `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
        case 'json':
        case 'jsonb':
            return `{"sample": ${k}}`;
        case 'bytea':
            return `\\x0${k}`;
        case 'inet':
            return `10.0.0.${k}`;
        case 'cidr':
            return `10.0.${k}.0/24`;
        case 'macaddr':
            return `08:00:2b:01:02:0${k}`;
        case 'xml':
            return `<sample>${k}</sample>`;
        case 'tsvector':
            return `sample${k}`;
        case 'point':
            return `(${k},${k})`;
        case 'int4range':
        case 'int8range':
        case 'numrange':
            return `[${k},${k + 10})`;
        case 'daterange':
            return `[2024-01-0${k},2024-02-0${k})`;
        case 'hstore':
            return `"sample"=>"${k}"`;
        case 'ltree':
            return `sample.n${k}`;
    }
    if (category === 'S') {
        const text = sampleText(column, k);
        const max = maxLength(column);
        return max !== null && text.length > max ? String(k).slice(0, max) : text;
    }
    if (category === 'N')
        return String(k);
    return null;
}
/** A SQL expression for the column's value in row `k`, or null when the gate cannot make one. */
function valueSql(column, k) {
    if (column.allowed.length > 0) {
        return `${(0,sql_text/* quoteLiteral */.c)(column.allowed[(k - 1) % column.allowed.length])}::${column.type}`;
    }
    if (column.enumLabels.length > 0) {
        return `${(0,sql_text/* quoteLiteral */.c)(column.enumLabels[(k - 1) % column.enumLabels.length])}::${column.type}`;
    }
    if (column.category === 'A') {
        if (column.element === null)
            return null;
        const element = scalarText(column, column.element, column.element === 'text' ? 'S' : '', k);
        return element === null ? null : `ARRAY[${(0,sql_text/* quoteLiteral */.c)(element)}]::${column.type}`;
    }
    const text = scalarText(column, column.base, column.category, k);
    return text === null ? null : `${(0,sql_text/* quoteLiteral */.c)(text)}::${column.type}`;
}
/** Tables ordered parents first (a cycle is broken in name order). */
function parentsFirst(tables) {
    const byName = new Map(tables.map((t) => [t.name, t]));
    const done = new Set();
    const ordered = [];
    const visiting = new Set();
    const visit = (table) => {
        if (done.has(table.name) || visiting.has(table.name))
            return;
        visiting.add(table.name);
        for (const fk of table.foreignKeys) {
            const parent = byName.get(fk.parent);
            if (parent && parent !== table)
                visit(parent);
        }
        visiting.delete(table.name);
        done.add(table.name);
        ordered.push(table);
    };
    for (const table of tables)
        visit(table);
    return ordered;
}
/**
 * One INSERT of row `k`: generated values, foreign keys from the parent's rows (the `k`-th, or the first in the
 * fallback), and the defaults of the columns that have one when `useDefaults` is set. Null when a NOT NULL
 * column without a default gets no value.
 */
function insertSql(table, byName, k, fallback) {
    const names = [];
    const values = [];
    const joins = [];
    const fkOf = new Map();
    table.foreignKeys.forEach((fk, i) => {
        fk.columns.forEach((column, index) => {
            if (!fkOf.has(column))
                fkOf.set(column, { fk, index, alias: `p${i}` });
        });
    });
    const joined = new Set();
    for (const column of table.columns) {
        if (column.generated || column.numbered)
            continue;
        const ref = fkOf.get(column.name);
        if (ref) {
            const parent = byName.get(ref.fk.parent);
            if (!parent) {
                if (column.notNull)
                    return null;
                continue;
            }
            if (!joined.has(ref.alias)) {
                joined.add(ref.alias);
                const cols = ref.fk.parentColumns.map(sql_text/* quoteIdent */.v).join(', ');
                const offset = fallback || parent === table ? 0 : k - 1;
                joins.push(`LEFT JOIN LATERAL (SELECT ${cols} FROM ${parent.sql} ORDER BY ${cols} LIMIT 1 OFFSET ${offset}) ${ref.alias} ON true`);
            }
            names.push((0,sql_text/* quoteIdent */.v)(column.name));
            values.push(`${ref.alias}.${(0,sql_text/* quoteIdent */.v)(ref.fk.parentColumns[ref.index])}`);
            continue;
        }
        if (fallback && column.hasDefault)
            continue;
        const value = valueSql(column, k);
        if (value === null) {
            if (column.notNull && !column.hasDefault)
                return null;
            continue;
        }
        names.push((0,sql_text/* quoteIdent */.v)(column.name));
        values.push(value);
    }
    if (names.length === 0)
        return `INSERT INTO ${table.sql} DEFAULT VALUES`;
    return (`INSERT INTO ${table.sql} (${names.join(', ')}) SELECT ${values.join(', ')} ` +
        `FROM (SELECT) AS g ${joins.join(' ')}`);
}
/**
 * Fills the tables with fewer than `SAMPLE_ROWS` rows (`counts`: rows each table holds) in one PL/pgSQL block:
 * each row tries the generated values, then the columns' defaults; a row refused both ways is skipped.
 */
async function fillSampleRows(db, tables, counts) {
    const result = { inserted: new Map(), notes: [] };
    const byName = new Map(tables.map((t) => [t.name, t]));
    const blocks = [];
    const wanted = new Map();
    for (const table of parentsFirst(tables)) {
        const have = counts.get(table.name) ?? 0;
        if (have >= SAMPLE_ROWS)
            continue;
        wanted.set(table.name, have);
        for (let k = have + 1; k <= SAMPLE_ROWS; k++) {
            const first = insertSql(table, byName, k, false);
            const second = insertSql(table, byName, k, true);
            const tries = [first, second].filter((s) => s !== null && s !== undefined);
            if (tries.length === 0)
                continue;
            const note = (0,sql_text/* quoteLiteral */.c)(`${table.name}: `);
            const fail = `PERFORM pg_catalog.set_config('${FAILURES}', pg_catalog.current_setting('${FAILURES}', true) || ${note} || SQLERRM || E'\\n', false);`;
            const inner = tries[1] && tries[1] !== tries[0]
                ? `BEGIN ${tries[1]}; EXCEPTION WHEN others THEN ${fail} END;`
                : fail;
            blocks.push(`BEGIN ${tries[0]}; EXCEPTION WHEN others THEN ${inner} END;`);
        }
    }
    if (wanted.size === 0)
        return result;
    const tag = '$migration_gate_sample$';
    const body = blocks.filter((b) => !b.includes(tag)).join('\n');
    await db.query(`SELECT pg_catalog.set_config('${FAILURES}', '', false)`);
    await db.query(`DO ${tag} BEGIN\n${body}\nEND ${tag}`);
    const failures = String((await db.query(`SELECT pg_catalog.current_setting('${FAILURES}', true) AS f`)).rows[0]?.f ?? '');
    const after = await countRows(db, [...wanted.keys()].map((name) => byName.get(name)));
    const lastError = new Map();
    for (const line of failures.split('\n')) {
        const at = line.indexOf(': ');
        if (at > 0)
            lastError.set(line.slice(0, at), line.slice(at + 2));
    }
    for (const [name, before] of wanted) {
        const added = (after.get(name) ?? before) - before;
        result.inserted.set(name, added);
        if (added === 0) {
            const why = lastError.get(name);
            result.notes.push(`sample rows: ${name} could not be filled${why ? ` (${why})` : ''}`);
        }
    }
    return result;
}
/** Rows of each table, counted up to 1,001 (enough to tell "a few" from "many"). */
async function countRows(db, tables) {
    const counts = new Map();
    await scalarChunks(db, tables.map((t) => `(SELECT pg_catalog.count(*) FROM (SELECT FROM ${t.sql} LIMIT 1001) x)`), (i, n) => counts.set(tables[i].name, Number(n)));
    return counts;
}

;// CONCATENATED MODULE: ./lib/roundtrip/data/probe.js
/**
 * One changed migration's look beyond the schema: the sample rows before up (setting `data`), what up destroyed
 * and what down lost of them, the locks up held and the tables it rewrote. `SetRun` calls it around the steps of
 * the round-trip; it never changes the verdict of the schema comparison.
 */







class TripProbe {
    db;
    m;
    options;
    before = [];
    rows0 = null;
    rows1 = null;
    after = [];
    rewrites = [];
    data = null;
    notes = [];
    /** Rows generated before up. */
    filled = 0;
    observer = new LockObserver(new Map());
    constructor(db, m, options) {
        this.db = db;
        this.m = m;
        this.options = options;
    }
    /** Reads the tables before up; with `data` on and `fill`, fills them and reads their rows back. */
    async beforeUp(fill) {
        this.before = await readTables(this.db(), this.options.exclude);
        this.observer = new LockObserver(new Map(this.before.map((t) => [t.oid, t])));
        this.rows0 = null;
        this.data = null;
        if (!this.options.data)
            return;
        this.data = { sampleRows: 0, up: [], down: null };
        if (!fill)
            return;
        // The rows already there tell which tables need more; only the tables filled are read again.
        this.rows0 = await readRows(this.db(), this.before.map((table) => ({ table })));
        const counts = new Map([...this.rows0].map(([name, r]) => [name, r.capped ? ROW_LIMIT + 1 : r.rows.length]));
        if (![...counts.values()].some((n) => n < SAMPLE_ROWS))
            return;
        const result = await fillSampleRows(this.db(), this.before, counts);
        for (const note of result.notes) {
            const line = `${note} before ${this.m.name}`;
            if (!this.options.runNotes.includes(line))
                this.options.runNotes.push(line);
        }
        this.filled = [...result.inserted.values()].reduce((a, b) => a + b, 0);
        this.data.sampleRows = this.filled;
        const filled = this.before.filter((t) => (result.inserted.get(t.name) ?? 0) > 0);
        for (const [name, rows] of await readRows(this.db(), filled.map((table) => ({ table })))) {
            this.rows0.set(name, rows);
        }
    }
    /** Up went through with rows refused, then without: the rows take no part in this migration's proof. */
    dropRows(why) {
        this.rows0 = null;
        this.notes.push(why);
    }
    /** After up: rewrites, locks, and what up destroyed of the rows (`up-data-loss`, a warning). */
    async afterUp() {
        this.after = await readTables(this.db(), this.options.exclude);
        this.rewrites = rewrittenTables(this.before, this.after);
        if (!this.rows0 || !this.data)
            return null;
        const kept = new Set(this.before.map((t) => t.oid));
        const rows = await readRows(this.db(), this.after.filter((t) => kept.has(t.oid)).map((table) => ({ table })));
        this.rows1 = new Map([...rows.values()].map((r) => [r.table.oid, r]));
        const losses = upLosses(this.rows0, this.after, this.rows1);
        this.data.up = losses;
        if (losses.length === 0)
            return null;
        const part = this.m.up;
        return {
            rule: 'up-data-loss',
            severity: 'warning',
            migration: this.m.name,
            path: part?.path ?? this.m.path,
            ...(part ? { line: (0,step/* partLine */.wY)(this.m, part) } : {}),
            message: (0,redact/* redact */.E$)(`up destroys data present before it: ${losses.map(describeUpLoss).join('; ')}`),
        };
    }
    /** After down: values of the rows before up that down lost or changed (`down-data-loss`). */
    async afterDown() {
        if (!this.rows0 || !this.rows1 || !this.data)
            return null;
        const held = [...this.rows0.values()].filter((r) => r.rows.length > 0);
        const now = await readShapes(this.db(), held.map((r) => r.table));
        const wanted = held
            .filter((r) => now.has(r.table.name))
            .map((r) => ({ table: now.get(r.table.name), columns: r.columns.map((c) => c.name) }));
        const losses = downLosses(this.rows0, this.rows1, await readRows(this.db(), wanted));
        this.data.down = losses;
        if (losses.length === 0)
            return null;
        const part = this.m.down;
        return {
            rule: 'down-data-loss',
            severity: 'error',
            migration: this.m.name,
            path: part?.path ?? this.m.path,
            ...(part ? { line: (0,step/* partLine */.wY)(this.m, part) } : {}),
            message: (0,redact/* redact */.E$)(`after down, sample rows present before up are lost or changed: ${losses.map(describeDownLoss).join('; ')}`),
            details: losses.map((l) => (0,redact/* redact */.E$)(describeDownLoss(l))),
        };
    }
    /** Down did not run; with a waiver, what it would have lost is the waiver's accepted risk. */
    downSkipped(waived) {
        if (!this.data)
            return;
        const waiver = this.m.waiver;
        this.notes.push(waived && waiver?.rationale
            ? `down not run (waiver by ${waiver.owner}): data it would lose is the accepted risk — ${waiver.rationale}`
            : 'down not run: no downgrade');
    }
    /** The impact of up: the schema's differences, the locks and rewrites measured, and what the rows went through. */
    impact(schema) {
        const notes = [...this.notes];
        const locks = this.observer.locks;
        if (locks === null)
            notes.push(`locks not observed: ${this.unobserved()}`);
        return {
            ...schema,
            locks: locks ?? [],
            rewrites: this.rewrites,
            data: this.data,
            ...(notes.length > 0 ? { notes } : {}),
        };
    }
    unobserved() {
        if (this.observer.failure)
            return this.observer.failure;
        if (this.m.format === 'alembic')
            return 'the up runs in an external Alembic process';
        if (!this.m.transaction)
            return 'the up runs outside a transaction';
        return "this format's runner does not report its commit";
    }
}
/** The table a PostgreSQL error names (its `table` field, else `relation "…"` in the message), or null. */
function failedTable(error) {
    for (const e of (0,step/* causes */.ps)(error)) {
        const fields = e;
        if (typeof fields.table === 'string' && fields.table) {
            return typeof fields.schema === 'string' && fields.schema
                ? `${fields.schema}.${fields.table}`
                : fields.table;
        }
        const match = typeof fields.message === 'string' ? /(?:relation|table) "([^"]+)"/.exec(fields.message) : null;
        if (match)
            return match[1];
    }
    return null;
}
/** `data-up-failed`: up failed with the sample rows present and passed on the same tables empty. */
function dataUpFailedFinding(record, config, kind, access) {
    const finding = (0,step/* stepFinding */.u8)(record, 'up', null, config, kind, access);
    const table = failedTable(record.error);
    const detail = finding.message.replace(/^up failed: /, '');
    return {
        ...finding,
        rule: 'data-up-failed',
        message: (0,redact/* redact */.E$)(`up fails when the tables hold rows (it passes on empty tables)${table ? ` on table ${table}` : ''}: ${detail}`),
    };
}


/***/ }),

/***/ 2056:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C2: () => (/* binding */ summarizeImpact),
/* harmony export */   G$: () => (/* binding */ columnOrderChanges),
/* harmony export */   V1: () => (/* binding */ diffSnapshots),
/* harmony export */   az: () => (/* binding */ nameDifferences),
/* harmony export */   hF: () => (/* binding */ describeDifference)
/* harmony export */ });
/* harmony import */ var _snapshot_model_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(55077);
/* harmony import */ var _snapshot_sql_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(72132);
/**
 * Compares two catalog snapshots and words the differences for people: the proof that a downgrade
 * restored the schema (S2 = S0) and that re-applying gives the first result (S3 = S1), and a
 * migration's impact (S0 → S1).
 */


const KIND_RANK = new Map(_snapshot_model_js__WEBPACK_IMPORTED_MODULE_0__/* .OBJECT_KINDS */ .cg.map((kind, index) => [kind, index]));
/**
 * Every difference between two snapshots, ordered by object kind (schemas, types, tables, columns,
 * constraints, indexes, views, functions, triggers, policies…) then by name.
 */
function diffSnapshots(before, after) {
    const differences = [];
    for (const [key, old] of before.objects) {
        const current = after.objects.get(key);
        if (current === undefined) {
            differences.push(entry('removed', old, []));
            continue;
        }
        const props = changedProps(old, current);
        if (props.length > 0)
            differences.push(entry('changed', current, props));
    }
    for (const [key, current] of after.objects) {
        if (!before.objects.has(key))
            differences.push(entry('added', current, []));
    }
    return differences.sort((a, b) => (KIND_RANK.get(a.kind) ?? 0) - (KIND_RANK.get(b.kind) ?? 0) ||
        (0,_snapshot_sql_js__WEBPACK_IMPORTED_MODULE_1__/* .compareText */ .n6)(a.name, b.name) ||
        (0,_snapshot_sql_js__WEBPACK_IMPORTED_MODULE_1__/* .compareText */ .n6)(a.change, b.change));
}
function entry(change, object, props) {
    return {
        change,
        kind: object.kind,
        name: object.name,
        ...(object.label === undefined ? {} : { label: object.label }),
        table: object.table,
        props,
    };
}
function changedProps(before, after) {
    const names = [...Object.keys(before.props)];
    for (const name of Object.keys(after.props))
        if (!(name in before.props))
            names.push(name);
    const changed = [];
    for (const prop of names) {
        const old = before.props[prop] ?? null;
        const current = after.props[prop] ?? null;
        if (!sameValue(old, current))
            changed.push({ prop, before: old, after: current });
    }
    return changed;
}
function sameValue(a, b) {
    if (Array.isArray(a) && Array.isArray(b))
        return a.length === b.length && a.every((item, i) => item === b[i]);
    return a === b;
}
/**
 * One line per difference, naming the object and saying, with the labels of the two states, what each
 * held. With labels `{ before: 'before up', after: 'after down' }`:
 * `index public.orders_created_at_idx: present after down, absent before up`,
 * `column public.users.active: default false before up, none after down`,
 * `constraint public.orders.orders_amount_check (CHECK): absent after down, present before up`.
 * Long values are cut down to the part that differs.
 */
function describeDifference(d, labels) {
    const subject = `${d.kind} ${d.name}${d.label === undefined ? '' : ` (${d.label})`}`;
    switch (d.change) {
        case 'added':
            return `${subject}: present ${labels.after}, absent ${labels.before}`;
        case 'removed':
            return `${subject}: absent ${labels.after}, present ${labels.before}`;
        case 'changed': {
            const parts = d.props.map((p) => {
                const [before, after] = showPair(p.before, p.after);
                return `${p.prop} ${before} ${labels.before}, ${after} ${labels.after}`;
            });
            return `${subject}: ${parts.join('; ')}`;
        }
    }
}
/** Values longer than this are shortened around the first difference. */
const MAX_VALUE = 80;
/** Characters of unchanged text kept on each side of a difference. */
const CONTEXT = 20;
function showPair(before, after) {
    let a = show(before);
    let b = show(after);
    if (a === b) {
        a = JSON.stringify(before);
        b = JSON.stringify(after);
    }
    if (a.length <= MAX_VALUE && b.length <= MAX_VALUE)
        return [a, b];
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start])
        start++;
    let end = 0;
    while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end])
        end++;
    return [excerpt(a, start, a.length - end), excerpt(b, start, b.length - end)];
}
function excerpt(value, from, to) {
    const start = Math.max(0, from - CONTEXT);
    const stop = Math.min(value.length, Math.max(to, from) + CONTEXT, start + MAX_VALUE);
    return `${start > 0 ? '…' : ''}${value.slice(start, stop)}${stop < value.length ? '…' : ''}`;
}
function show(value) {
    if (value === null || value === undefined)
        return 'none';
    if (Array.isArray(value))
        return `[${value.map((item) => show(item)).join(', ')}]`;
    if (typeof value === 'string')
        return value.replace(/\s+/g, ' ').trim() || `'${value}'`;
    return String(value);
}
/**
 * A migration's impact (differences from before to after `up`) as `<kind> <name>` lists, e.g.
 * `index public.orders_created_at_idx`. The columns and owned (serial, identity) sequences of a table
 * added or removed as a whole are left out: the table's entry stands for them.
 */
function summarizeImpact(diffs) {
    const wholeTables = {
        added: new Set(),
        removed: new Set(),
        changed: new Set(),
    };
    for (const d of diffs)
        if (d.kind === 'table')
            wholeTables[d.change].add(d.name);
    const impact = { added: [], removed: [], changed: [] };
    for (const d of diffs) {
        const implied = d.kind === 'column' || d.kind === 'sequence';
        if (implied && d.change !== 'changed' && d.table !== null && wholeTables[d.change].has(d.table))
            continue;
        impact[d.change].push(`${d.kind} ${d.name}`);
    }
    return impact;
}
/**
 * The objects of a diff named for a one-line message, e.g. `table public.a, index public.b_idx and 4 more`.
 * A table added or removed whole stands for its columns, constraints and indexes.
 */
function nameDifferences(diffs, max = 3) {
    const wholeTables = new Set(diffs.filter((d) => d.kind === 'table' && d.change !== 'changed').map((d) => d.name));
    const shown = diffs.filter((d) => d.kind === 'table' || d.table === null || !wholeTables.has(d.table));
    const named = shown.slice(0, max).map((d) => `${d.kind} ${d.name}`);
    return `${named.join(', ')}${shown.length > max ? ` and ${shown.length - max} more` : ''}`;
}
/** Each table's column names in table order (by position), from a snapshot's columns. */
function columnOrders(snapshot) {
    const byTable = new Map();
    for (const object of snapshot.objects.values()) {
        if (object.kind !== 'column' || object.table === null || object.position === undefined)
            continue;
        const list = byTable.get(object.table) ?? [];
        list.push({ name: object.name.slice(object.table.length + 1), position: object.position });
        byTable.set(object.table, list);
    }
    const orders = new Map();
    for (const [table, list] of byTable) {
        orders.set(table, list.sort((a, b) => a.position - b.position).map((c) => c.name));
    }
    return orders;
}
/**
 * Tables that hold the same columns in both snapshots, but in another order (a down that drops a column and
 * adds it back puts it last). The schema comparison keys columns by name and does not see this; it matters to
 * `SELECT *`, `INSERT` without a column list and `COPY`.
 */
function columnOrderChanges(before, after) {
    const old = columnOrders(before);
    const changes = [];
    for (const [table, current] of columnOrders(after)) {
        const previous = old.get(table);
        if (!previous || previous.length !== current.length)
            continue;
        if (previous.every((name, i) => name === current[i]))
            continue;
        const same = new Set(previous);
        if (current.every((name) => same.has(name)))
            changes.push({ table, before: previous, after: current });
    }
    return changes.sort((a, b) => (0,_snapshot_sql_js__WEBPACK_IMPORTED_MODULE_1__/* .compareText */ .n6)(a.table, b.table));
}


/***/ }),

/***/ 52313:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Bl: () => (/* binding */ commandWords),
/* harmony export */   Gy: () => (/* binding */ MESSAGE_LIMIT),
/* harmony export */   HV: () => (/* binding */ runAlembic),
/* harmony export */   il: () => (/* binding */ readAlembicFailure),
/* harmony export */   mX: () => (/* binding */ notFound)
/* harmony export */ });
/* unused harmony exports KILL_GRACE_MS, OUTPUT_LIMIT, splitCommand, FRAME */
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(31421);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(51455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(76760);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(64170);
/**
 * Running the project's own `alembic` command: its command line (`alembic-command`), the child process with a
 * time limit and bounded output, and the file and line of a failure read from Python's traceback.
 */




/** How long a stopped Alembic process gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2_000;
/** Output kept from one Alembic run (its end holds the error). */
const OUTPUT_LIMIT = 256 * 1024;
const MESSAGE_LIMIT = 500;
/**
 * Splits a command line into words like a POSIX shell does for quoting (`'…'`, `"…"`, `\`), without
 * expanding anything: `poetry run alembic -c "db/alembic.ini"` → `['poetry', 'run', 'alembic', '-c', 'db/alembic.ini']`.
 */
function splitCommand(command) {
    const words = [];
    let word = '';
    let inWord = false;
    let quote = null;
    for (let i = 0; i < command.length; i++) {
        const c = command[i];
        if (quote === "'") {
            if (c === "'")
                quote = null;
            else
                word += c;
        }
        else if (quote === '"') {
            if (c === '"')
                quote = null;
            else if (c === '\\' && i + 1 < command.length && '"\\$`'.includes(command[i + 1]))
                word += command[++i];
            else
                word += c;
        }
        else if (c === "'" || c === '"') {
            quote = c;
            inWord = true;
        }
        else if (c === '\\' && i + 1 < command.length) {
            word += command[++i];
            inWord = true;
        }
        else if (/\s/.test(c)) {
            if (inWord)
                words.push(word);
            word = '';
            inWord = false;
        }
        else {
            word += c;
            inWord = true;
        }
    }
    if (quote)
        throw new _types_js__WEBPACK_IMPORTED_MODULE_3__/* .GateError */ .ue(`alembic-command has an unterminated ${quote} quote: ${command}`);
    if (inWord)
        words.push(word);
    if (words.length === 0)
        throw new _types_js__WEBPACK_IMPORTED_MODULE_3__/* .GateError */ .ue('alembic-command is empty');
    return words;
}
/** The Alembic command line words (`config.alembicCommand`, default `alembic`). */
function commandWords(config) {
    return splitCommand(config.alembicCommand.trim() || 'alembic');
}
/** A traceback frame: `  File "/abs/versions/x.py", line 22, in upgrade`. */
const FRAME = /^\s*File "(.+)", line (\d+), in /;
/**
 * What went wrong in an Alembic run, read from its output: the exception line of the last traceback
 * (`sqlalchemy.exc.ProgrammingError: (psycopg2.errors.SyntaxError) …`) or Alembic's own `FAILED: …` line,
 * and the deepest traceback frame in `revisionFile` (else in another file of `versionsDir`).
 * Frame paths are resolved against `cwd`.
 */
async function readAlembicFailure(output, cwd, revisionFile, versionsDir) {
    const lines = output.split(/\r?\n/);
    const start = lines.findLastIndex((l) => /^Traceback \(most recent call last\):/.test(l));
    let message = null;
    let file = null;
    let line = null;
    if (start >= 0) {
        const frames = [];
        let k = start + 1;
        for (; k < lines.length; k++) {
            const text = lines[k];
            const frame = FRAME.exec(text);
            if (frame)
                frames.push({ file: node_path__WEBPACK_IMPORTED_MODULE_2__.resolve(cwd, frame[1]), line: Number(frame[2]) });
            else if (text.trim() !== '' && !/^\s/.test(text))
                break;
        }
        message = lines[k]?.trim() || null;
        const real = async (p) => (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_1__.realpath)(p).catch(() => node_path__WEBPACK_IMPORTED_MODULE_2__.resolve(p));
        const [revisionReal, dirReal] = await Promise.all([real(revisionFile), real(versionsDir)]);
        const resolved = await Promise.all(frames.map(async (f) => ({ ...f, real: await real(f.file) })));
        const own = resolved.findLast((f) => f.real === revisionReal);
        const sibling = resolved.findLast((f) => node_path__WEBPACK_IMPORTED_MODULE_2__.dirname(f.real) === dirReal && f.real.endsWith('.py'));
        if (own) {
            file = revisionFile;
            line = own.line;
        }
        else if (sibling) {
            file = node_path__WEBPACK_IMPORTED_MODULE_2__.join(versionsDir, node_path__WEBPACK_IMPORTED_MODULE_2__.basename(sibling.real));
            line = sibling.line;
        }
    }
    if (!message) {
        const failed = lines.findLast((l) => /^\s*FAILED:/.test(l));
        message = failed?.trim() ?? null;
    }
    if (!message) {
        message =
            lines
                .map((l) => l.trim())
                .filter((l) => l !== '' && !/^(INFO|DEBUG)\s+\[/.test(l))
                .pop() ?? null;
    }
    return { message: message ?? 'Alembic failed without saying why', file, line };
}
/** Runs one Alembic command without a shell; stops it (SIGTERM, then SIGKILL) when `signal` aborts. */
function runAlembic(words, cwd, env, signal) {
    return new Promise((resolve, reject) => {
        const child = (0,node_child_process__WEBPACK_IMPORTED_MODULE_0__.spawn)(words[0], words.slice(1), {
            cwd,
            env,
            stdio: ['ignore', 'pipe', 'pipe'],
            // Its own process group, so a wrapper (`poetry run alembic`) is stopped with everything it started.
            detached: process.platform !== 'win32',
        });
        let output = '';
        const keep = (chunk) => {
            output += chunk.toString('utf8');
            if (output.length > OUTPUT_LIMIT)
                output = output.slice(-OUTPUT_LIMIT);
        };
        child.stdout.on('data', keep);
        child.stderr.on('data', keep);
        let killTimer;
        const kill = (sig) => {
            try {
                if (child.pid !== undefined && process.platform !== 'win32')
                    process.kill(-child.pid, sig);
                else
                    child.kill(sig);
            }
            catch {
                // Already gone.
            }
        };
        const onAbort = () => {
            kill('SIGTERM');
            killTimer = setTimeout(() => kill('SIGKILL'), KILL_GRACE_MS);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        child.once('error', (error) => {
            signal.removeEventListener('abort', onAbort);
            clearTimeout(killTimer);
            reject(error);
        });
        child.once('close', (code, sig) => {
            signal.removeEventListener('abort', onAbort);
            clearTimeout(killTimer);
            resolve({ code, signal: sig, output });
        });
    });
}
function notFound(words, cwd, error) {
    const code = error.code;
    const reason = code === 'ENOENT'
        ? 'not found'
        : code === 'EACCES'
            ? 'not executable'
            : error.message || String(error);
    return new _types_js__WEBPACK_IMPORTED_MODULE_3__/* .GateError */ .ue(`cannot run the Alembic command '${words.join(' ')}' in ${cwd}: ${reason}; install Alembic or set alembic-command ` +
        `(e.g. 'poetry run alembic' or 'python -m alembic')`, { cause: error });
}


/***/ }),

/***/ 18025:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   RH: () => (/* binding */ checkAlembicCommand),
/* harmony export */   XA: () => (/* binding */ sqlalchemyUrl),
/* harmony export */   ZV: () => (/* binding */ alembicPlace),
/* harmony export */   j$: () => (/* binding */ ALEMBIC_EXCLUDED_TABLES),
/* harmony export */   jq: () => (/* binding */ runAlembicStep),
/* harmony export */   li: () => (/* binding */ alembicExecutor),
/* harmony export */   v7: () => (/* binding */ upgradeHead)
/* harmony export */ });
/* unused harmony exports alembicWorkingDirectory, alembicTarget, assertUsesDatabaseUrl */
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(51455);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(76760);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(64170);
/* harmony import */ var _providers_url_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(16592);
/* harmony import */ var _alembic_process_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(52313);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(17134);






/** Alembic's bookkeeping table: the runner leaves it out of every snapshot. */
const ALEMBIC_EXCLUDED_TABLES = ['public.alembic_version'];
async function exists(file) {
    try {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_0__.access)(file);
        return true;
    }
    catch {
        return false;
    }
}
async function alembicPlace(config, dir) {
    const root = node_path__WEBPACK_IMPORTED_MODULE_1__.resolve(config.cwd);
    const words = (0,_alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .commandWords */ .Bl)(config);
    if (words.some((w) => w === '-c' || w === '--config' || w.startsWith('--config='))) {
        return { cwd: root, configured: true };
    }
    let current = node_path__WEBPACK_IMPORTED_MODULE_1__.resolve(root, dir);
    if (node_path__WEBPACK_IMPORTED_MODULE_1__.relative(root, current).startsWith('..'))
        return { cwd: root, configured: false };
    for (;;) {
        if (await exists(node_path__WEBPACK_IMPORTED_MODULE_1__.join(current, 'alembic.ini')))
            return { cwd: current, configured: true };
        const parent = node_path__WEBPACK_IMPORTED_MODULE_1__.dirname(current);
        if (current === root || parent === current)
            return { cwd: root, configured: false };
        current = parent;
    }
}
/**
 * The directory Alembic runs in: the nearest folder holding `alembic.ini`, from the migration directory up
 * to the working directory, so a project kept in a sub-folder finds its own configuration; the working
 * directory itself when none does, or when the command names its configuration (`-c`/`--config`).
 */
async function alembicWorkingDirectory(config, dir) {
    return (await alembicPlace(config, dir)).cwd;
}
/**
 * The Alembic target of a step. `up`: the revision itself (`alembic upgrade <rev>`). `down`: `<rev>@-1`,
 * one step down on the revision's own branch (for a root that is `base`, and other heads are left alone);
 * for a merge revision, its first parent: downgrading to one parent of a merge unapplies only the merge
 * and leaves every parent applied (`<merge>@-1` is an "ambiguous walk" for Alembic).
 */
function alembicTarget(migration, direction) {
    const alembic = migration.alembic;
    if (!alembic) {
        throw new _types_js__WEBPACK_IMPORTED_MODULE_5__/* .StepError */ .z(`cannot run '${migration.name}': its revision id could not be read`, migration.path, null);
    }
    if (direction === 'up')
        return alembic.revision;
    if (alembic.downRevisions.length > 1)
        return alembic.downRevisions[0];
    return `${alembic.revision}@-1`;
}
/** The URL handed to Alembic: SQLAlchemy only accepts the `postgresql://` scheme. */
function sqlalchemyUrl(url) {
    return url.replace(/^postgres:\/\//i, 'postgresql://');
}
/** A URL nothing answers at: `env.py` that honours `DATABASE_URL` cannot connect with it. */
const PROBE_URL = 'postgresql://migration_gate_probe:probe@127.0.0.1:1/migration_gate_probe';
const SQLITE_PROBE_URL = 'sqlite:////migration-gate-probe/no-such-folder/probe.db';
const PROBE_TIMEOUT_MS = 60_000;
const probes = new Map();
/** What Alembic prints when it tried to connect to the probe's closed port. */
const CONNECTION_FAILURE = /OperationalError|unable to open database file|could not connect|Connection refused|connection to server/i;
async function probeDatabaseUrl(config, cwd) {
    const words = (0,_alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .commandWords */ .Bl)(config);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
    let result;
    try {
        // A SQLite project's env.py may have no PostgreSQL driver: its probe names a file that cannot be opened.
        const probeUrl = config.database === 'sqlite' ? SQLITE_PROBE_URL : PROBE_URL;
        const env = { ...process.env, DATABASE_URL: probeUrl, PYTHONDONTWRITEBYTECODE: '1' };
        result = await (0,_alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .runAlembic */ .HV)([...words, 'current'], cwd, env, controller.signal);
    }
    catch (error) {
        throw (0,_alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .notFound */ .mX)(words, cwd, error);
    }
    finally {
        clearTimeout(timer);
    }
    const where = node_path__WEBPACK_IMPORTED_MODULE_1__.relative(config.cwd, cwd) || '.';
    if (result.code !== 0 && !CONNECTION_FAILURE.test(result.output)) {
        // Alembic could not even start (no config file, env.py raising before it connects…): a setup problem.
        const last = result.output
            .split(/\r?\n/)
            .map((l) => l.trim())
            .filter((l) => l.length > 0)
            .at(-1);
        throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .GateError */ .ue(`'${words.join(' ')} current' fails in ${where === '.' ? 'the working directory' : where} before reaching a database: ${last ?? `exit ${result.code}`}`);
    }
    if (result.code === 0) {
        throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .GateError */ .ue(`the Alembic project in ${where} does not connect to DATABASE_URL: 'alembic current' succeeded while ` +
            `DATABASE_URL pointed at a closed port, so env.py reaches another database (sqlalchemy.url?). migration-gate ` +
            `only migrates databases it creates: make env.py use os.environ["DATABASE_URL"] when it is set`);
    }
}
/**
 * Refuses an Alembic project whose `env.py` ignores `DATABASE_URL` (it would migrate, and downgrade, the
 * database its own configuration names): `alembic current` runs once per folder with `DATABASE_URL`
 * pointing at a closed port and must fail. Remembered per folder and command for the life of the process.
 */
function assertUsesDatabaseUrl(config, cwd) {
    const key = `${cwd}\0${config.alembicCommand}`;
    let probe = probes.get(key);
    if (!probe) {
        probe = probeDatabaseUrl(config, cwd);
        probes.set(key, probe);
    }
    return probe;
}
/**
 * Checks, before any database work, that the Alembic command starts (`<alembic-command> --version`) and
 * that each Alembic project among `dirs` (default: the configured directories) connects to `DATABASE_URL`
 * (see `assertUsesDatabaseUrl`). Throws `GateError` with one line; returns Alembic's version line.
 */
async function checkAlembicCommand(config, dirs = config.dirs) {
    const words = (0,_alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .commandWords */ .Bl)(config);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), PROBE_TIMEOUT_MS);
    let version;
    try {
        const result = await (0,_alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .runAlembic */ .HV)([...words, '--version'], config.cwd, process.env, controller.signal);
        if (result.code !== 0) {
            const last = result.output.trim().split('\n').pop() ?? '';
            throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .GateError */ .ue(`the Alembic command '${words.join(' ')}' does not work (exit status ${result.code ?? result.signal}): ${last}`);
        }
        version = result.output.trim();
    }
    catch (error) {
        if (error instanceof _types_js__WEBPACK_IMPORTED_MODULE_2__/* .GateError */ .ue)
            throw error;
        throw (0,_alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .notFound */ .mX)(words, config.cwd, error);
    }
    finally {
        clearTimeout(timer);
    }
    const places = await Promise.all(dirs.map((dir) => alembicPlace(config, dir)));
    const folders = [...new Set(places.filter((p) => p.configured).map((p) => p.cwd))];
    for (const folder of folders)
        await assertUsesDatabaseUrl(config, folder);
    return version;
}
/**
 * Alembic revisions, run by the project's own Alembic (`alembic-command`, default `alembic`, split into
 * words and started without a shell) in the folder of the project's `alembic.ini`, with `DATABASE_URL` set
 * to the scratch database: the project's `env.py` must connect to `DATABASE_URL`, and a project whose
 * `env.py` does not is refused before its first step (see `assertUsesDatabaseUrl`). `up` runs
 * `alembic upgrade <revision>`, `down` runs `alembic downgrade <target>` (see `alembicTarget`). Python does not
 * write bytecode next to the revisions. A failure becomes a `StepError` with Alembic's exception line and
 * the revision file and line from the traceback; the password never appears in it.
 */
const alembicExecutor = {
    run(migration, direction, ctx) {
        return runAlembicStep(migration, direction, {
            config: ctx.config,
            url: ctx.db.url,
            signal: ctx.signal,
        });
    },
};
/** One Alembic step against the database at `url` (a scratch PostgreSQL database or a scratch SQLite file). */
async function runAlembicStep(migration, direction, ctx) {
    const { config } = ctx;
    const target = alembicTarget(migration, direction);
    const words = [...(0,_alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .commandWords */ .Bl)(config), direction === 'up' ? 'upgrade' : 'downgrade', target];
    const place = await alembicPlace(config, migration.dir);
    const cwd = place.cwd;
    if (place.configured)
        await assertUsesDatabaseUrl(config, cwd);
    const env = {
        ...process.env,
        DATABASE_URL: sqlalchemyUrl(ctx.url),
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
    };
    if (ctx.signal.aborted)
        throw new _types_js__WEBPACK_IMPORTED_MODULE_5__/* .StepError */ .z('the step ran out of time before Alembic started', migration.path, null);
    const started = Date.now();
    let result;
    try {
        result = await (0,_alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .runAlembic */ .HV)(words, cwd, env, ctx.signal);
    }
    catch (error) {
        throw (0,_alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .notFound */ .mX)(words.slice(0, -2), cwd, error);
    }
    if (ctx.signal.aborted) {
        throw new _types_js__WEBPACK_IMPORTED_MODULE_5__/* .StepError */ .z(`Alembic was stopped after ${Math.round((Date.now() - started) / 1000)} s: the step ran out of time`, migration.path, null);
    }
    if (result.code === 0)
        return;
    const revisionFile = node_path__WEBPACK_IMPORTED_MODULE_1__.resolve(config.cwd, migration.path);
    const failure = await (0,_alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .readAlembicFailure */ .il)(result.output, cwd, revisionFile, node_path__WEBPACK_IMPORTED_MODULE_1__.resolve(config.cwd, migration.dir));
    let message = (0,_providers_url_js__WEBPACK_IMPORTED_MODULE_3__/* .scrubSecrets */ .Zg)(failure.message, ctx.url);
    if (message.length > _alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .MESSAGE_LIMIT */ .Gy)
        message = `${message.slice(0, _alembic_process_js__WEBPACK_IMPORTED_MODULE_4__/* .MESSAGE_LIMIT */ .Gy - 1)}…`;
    const blamed = failure.file
        ? node_path__WEBPACK_IMPORTED_MODULE_1__.relative(node_path__WEBPACK_IMPORTED_MODULE_1__.resolve(config.cwd), failure.file).split(node_path__WEBPACK_IMPORTED_MODULE_1__.sep).join('/')
        : null;
    const outside = blamed === null || blamed.startsWith('../');
    throw new _types_js__WEBPACK_IMPORTED_MODULE_5__/* .StepError */ .z(`alembic ${direction === 'up' ? 'upgrade' : 'downgrade'} ${target}: ${message}`, outside ? migration.path : blamed, outside ? null : failure.line);
}
/** `alembic upgrade <head>` of a directory (its last revision in graph order) on the database at `url`, in one process. */
async function upgradeHead(url, set, config) {
    const head = set.migrations.at(-1);
    if (!head)
        return;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(1, config.stepTimeoutSec * 1000));
    try {
        await runAlembicStep(head, 'up', { config, url, signal: controller.signal });
    }
    finally {
        clearTimeout(timer);
    }
}


/***/ }),

/***/ 67812:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  j$: () => (/* reexport */ alembic/* ALEMBIC_EXCLUDED_TABLES */.j$),
  RH: () => (/* reexport */ alembic/* checkAlembicCommand */.RH),
  lL: () => (/* binding */ executorFor)
});

// UNUSED EXPORTS: alembicExecutor, errorLine, lineInFile, runStatements, sqlExecutor, transactionControl, umzugExecutor

// EXTERNAL MODULE: ./lib/roundtrip/executors/alembic.js
var alembic = __webpack_require__(18025);
// EXTERNAL MODULE: ./lib/roundtrip/types.js
var types = __webpack_require__(17134);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:module"
var external_node_module_ = __webpack_require__(98995);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __webpack_require__(73136);
// EXTERNAL MODULE: ./lib/types.js
var lib_types = __webpack_require__(64170);
;// CONCATENATED MODULE: ./lib/roundtrip/executors/project-package.js





const loaded = new Map();
/**
 * Loads `name` as the project installed it: resolved like the project's own `require` from each of `fromDirs`
 * in turn (the migration directory, then the working directory), never from the gate's own dependencies. A
 * package that none of them reaches is a one-line `GateError` naming it and `npm ci`.
 */
async function projectPackage(name, fromDirs, usedBy) {
    const entry = resolveFrom(name, fromDirs);
    if (!entry) {
        const where = [...new Set(fromDirs)].join(' and ');
        throw new lib_types/* GateError */.ue(`${usedBy} needs the package '${name}', which is not installed for the project (looked from ${where}): ` +
            `run npm ci (or npm install ${name}) before migration-gate`);
    }
    let pending = loaded.get(entry);
    if (!pending) {
        pending = (async () => {
            // Computed at run time, so that no bundler follows it: the project's copy is the one that runs.
            const href = (0,external_node_url_.pathToFileURL)(entry).href;
            const module = (await import(/* webpackIgnore: true */ href));
            return { module, entry, version: packageVersion(entry, name) };
        })();
        loaded.set(entry, pending);
        pending.catch(() => loaded.delete(entry));
    }
    try {
        return await pending;
    }
    catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        throw new lib_types/* GateError */.ue(`cannot load the project's package '${name}' (${entry}): ${message}`, {
            cause: error,
        });
    }
}
/** The entry file `name` resolves to from the first of `fromDirs` that reaches it, or null. */
function resolveFrom(name, fromDirs) {
    for (const dir of fromDirs) {
        const require = (0,external_node_module_.createRequire)(external_node_path_.join(external_node_path_.resolve(dir), '__migration_gate__.js'));
        try {
            return require.resolve(name);
        }
        catch (error) {
            const code = error.code;
            if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED')
                throw error;
            // An ES-module-only package exports no `require` entry: read its `import` entry instead.
            const esm = importEntry(name, dir);
            if (esm)
                return esm;
        }
    }
    return null;
}
/** The `import` entry of `name`'s package as found in the `node_modules` folders above `dir`, or null. */
function importEntry(name, dir) {
    for (let at = external_node_path_.resolve(dir);; at = external_node_path_.dirname(at)) {
        const root = external_node_path_.join(at, 'node_modules', name);
        const manifest = external_node_path_.join(root, 'package.json');
        if ((0,external_node_fs_.existsSync)(manifest)) {
            const pkg = JSON.parse((0,external_node_fs_.readFileSync)(manifest, 'utf8'));
            const target = exportTarget(pkg.exports) ?? pkg.module ?? pkg.main ?? 'index.js';
            return external_node_path_.join(root, target);
        }
        if (external_node_path_.dirname(at) === at)
            return null;
    }
}
function exportTarget(exports) {
    if (typeof exports === 'string')
        return exports;
    if (!exports || typeof exports !== 'object')
        return null;
    const map = exports;
    const main = '.' in map ? map['.'] : map;
    if (typeof main === 'string')
        return main;
    if (!main || typeof main !== 'object')
        return null;
    for (const condition of ['import', 'node', 'default']) {
        const target = exportTarget(main[condition]);
        if (target)
            return target;
    }
    return null;
}
/** The version of the package whose entry is `entry`, from the nearest `package.json` named `name`. */
function packageVersion(entry, name) {
    for (let at = external_node_path_.dirname(entry); external_node_path_.dirname(at) !== at; at = external_node_path_.dirname(at)) {
        const manifest = external_node_path_.join(at, 'package.json');
        if (!(0,external_node_fs_.existsSync)(manifest))
            continue;
        try {
            const pkg = JSON.parse((0,external_node_fs_.readFileSync)(manifest, 'utf8'));
            if (pkg.name === name)
                return pkg.version ?? null;
        }
        catch {
            return null;
        }
    }
    return null;
}
/** The first of `names` that `module` (or its `default`) exports. */
function exported(module, ...names) {
    const fallback = module.default;
    for (const name of names) {
        if (module[name] !== undefined)
            return module[name];
        if (fallback && typeof fallback === 'object' && fallback[name] !== undefined)
            return fallback[name];
        if (fallback && typeof fallback === 'function' && name === 'default')
            return fallback;
    }
    return null;
}

// EXTERNAL MODULE: ./lib/discover/formats/tools.js
var tools = __webpack_require__(76995);
// EXTERNAL MODULE: ./lib/roundtrip/executors/sql.js
var sql = __webpack_require__(31846);
// EXTERNAL MODULE: ./lib/roundtrip/executors/umzug.js
var umzug = __webpack_require__(70438);
;// CONCATENATED MODULE: ./lib/roundtrip/executors/tool-module.js







/** Loads the module of `migration` for `direction`; a module that does not load fails the step at its line. */
async function loadMigration(migration, direction, ctx) {
    const part = direction === 'up' ? migration.up : migration.down;
    const loaded = await (0,umzug/* importMigrationModule */.Wy)(migration, direction, ctx.config.cwd);
    const { module: namespace, relPath, absPath } = loaded;
    // A CommonJS module's `module.exports` is the namespace's default; an ES module exports its functions by name.
    const exports = typeof namespace.up === 'function' || namespace.default === undefined
        ? namespace
        : namespace.default;
    return { exports, relPath, absPath, line: part?.startLine ?? null };
}
/** The tool's package as the project installed it (from the migration's directory, else the working directory). */
function toolPackage(format, loaded, ctx) {
    return projectPackage(tools/* TOOL_PACKAGE */.KE[format], [external_node_path_.dirname(loaded.absPath), ctx.config.cwd], `${loaded.relPath} (a ${tools/* TOOL_LABEL */.GB[format]} migration)`);
}
/** The step's error as a `StepError` at the module's line: where its stack points, else the step's function. */
function stepError(error, loaded, suffix = '') {
    if (error instanceof types/* StepError */.z || error instanceof lib_types/* GateError */.ue)
        return error;
    // Sequelize wraps the driver's error as `parent`.
    const original = error.parent ?? error;
    const line = (0,umzug/* lineInFile */.ml)(error, loaded.absPath) ?? loaded.line;
    return new types/* StepError */.z(`${(0,sql/* pgErrorMessage */.pS)(original)}${suffix}`, loaded.relPath, line, { cause: error });
}
/** `major.minor.0` of the server the step's client talks to (what the tools expect as a version). */
async function serverVersion(client) {
    const result = await client.query(`SELECT pg_catalog.current_setting('server_version') AS v`);
    const match = /^(\d+)(?:\.(\d+))?/.exec(result.rows[0]?.v ?? '');
    return match ? `${match[1]}.${match[2] ?? '0'}.0` : '15.0.0';
}
/** Ends a transaction a failed step may have left open on the client (a no-op otherwise). */
async function rollbackQuietly(client) {
    await client.query('ROLLBACK').catch(() => undefined);
}
/** The module's `up` or `down` function; a module without it fails the step. */
function stepFunction(loaded, direction) {
    const fn = loaded.exports[direction];
    if (typeof fn !== 'function') {
        throw new types/* StepError */.z(`the module exports no '${direction}' function`, loaded.relPath, null);
    }
    return fn;
}

;// CONCATENATED MODULE: ./lib/roundtrip/executors/knex.js



/** One knex instance per step session: its queries run on that session. */
const instances = new WeakMap();
async function knexFor(factory, client) {
    let byFactory = instances.get(client);
    if (!byFactory)
        instances.set(client, (byFactory = new Map()));
    let knex = byFactory.get(factory);
    if (!knex) {
        // No `connection`: knex opens no pool and loads no driver; every query runs on the step's session.
        knex = factory({ client: 'pg', version: await serverVersion(client) });
        knex.client.acquireConnection = () => Promise.resolve(client);
        knex.client.releaseConnection = () => Promise.resolve();
        byFactory.set(factory, knex);
    }
    return knex;
}
/**
 * knex migrations (`exports.up = function (knex) { … }`), called as knex's migrator calls them, with the
 * project's own `knex` package: inside a knex transaction (`up(trx)`), or with the knex instance itself when
 * the module exports `config = { transaction: false }`.
 */
const knexExecutor = {
    async run(migration, direction, ctx) {
        const loaded = await loadMigration(migration, direction, ctx);
        const fn = stepFunction(loaded, direction);
        const pkg = await toolPackage('knex', loaded, ctx);
        const factory = exported(pkg.module, 'knex', 'default');
        if (typeof factory !== 'function') {
            throw new types/* StepError */.z(`the package 'knex' (${pkg.entry}) exports no knex function`, loaded.relPath, null);
        }
        const knex = await knexFor(factory, ctx.client);
        const config = loaded.exports.config;
        const transactional = typeof config?.transaction === 'boolean' ? config.transaction : migration.transaction;
        const call = (k) => Promise.resolve(fn.call(loaded.exports, k));
        try {
            // The impact's locks are read on the step's session just before knex commits.
            if (transactional)
                await knex.transaction(async (trx) => {
                    await call(trx);
                    await ctx.beforeCommit?.(ctx.client);
                });
            else
                await call(knex);
        }
        catch (error) {
            await rollbackQuietly(ctx.client);
            throw stepError(error, loaded);
        }
    },
};

;// CONCATENATED MODULE: ./lib/roundtrip/executors/node-pg-migrate.js



const QUIET = { debug() { }, info() { }, warn() { }, error() { } };
const SHOWN = 300;
/**
 * node-pg-migrate migrations (`exports.up = (pgm) => { … }`), run as node-pg-migrate runs them, with the
 * project's own `node-pg-migrate`: `up` (or `down`) fills a `MigrationBuilder`, whose SQL then runs in one
 * transaction unless the migration called `pgm.noTransaction()`. Without a `down` export, the down is `up` in
 * the builder's reverse mode (the tool's automatic reversal); `down = false` is no downgrade.
 */
const nodePgMigrateExecutor = {
    async run(migration, direction, ctx) {
        const loaded = await loadMigration(migration, direction, ctx);
        let fn = loaded.exports[direction];
        const reverse = direction === 'down' && fn === undefined;
        if (reverse)
            fn = loaded.exports.up;
        if (typeof fn !== 'function') {
            const why = fn === false ? `sets '${direction} = false' (no downgrade)` : `exports no '${direction}' function`;
            throw new types/* StepError */.z(`the module ${why}`, loaded.relPath, null);
        }
        const pkg = await toolPackage('node-pg-migrate', loaded, ctx);
        const Builder = exported(pkg.module, 'MigrationBuilder');
        if (typeof Builder !== 'function') {
            throw new types/* StepError */.z(`the package 'node-pg-migrate' (${pkg.entry}) exports no MigrationBuilder`, loaded.relPath, null);
        }
        const client = ctx.client;
        const db = {
            query: (...args) => client.query(...args),
            select: async (...args) => (await client.query(...args)).rows,
        };
        const decamelize = Boolean(loaded.exports.decamelize);
        const pgm = new Builder(db, loaded.exports.shorthands, decamelize, QUIET);
        if (reverse)
            pgm.enableReverseMode();
        const action = fn;
        try {
            if (action.length === 2)
                await new Promise((resolve) => void action(pgm, resolve));
            else
                await action(pgm);
        }
        catch (error) {
            throw stepError(error, loaded, reverse ? ' (reversing up: write a down function)' : '');
        }
        const transactional = pgm.isUsingTransaction();
        let current = '';
        try {
            if (transactional)
                await client.query('BEGIN');
            for (const step of pgm.getSqlSteps()) {
                current = step;
                await client.query(step);
            }
            current = '';
            if (transactional)
                await ctx.beforeCommit?.(client);
            if (transactional)
                await client.query('COMMIT');
        }
        catch (error) {
            if (transactional)
                await rollbackQuietly(client);
            const statement = current.replace(/\s+/g, ' ').trim();
            const shown = statement.length > SHOWN ? `${statement.slice(0, SHOWN)}…` : statement;
            throw stepError(error, loaded, shown ? ` in: ${shown}` : '');
        }
    },
};

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
;// CONCATENATED MODULE: ./lib/roundtrip/executors/sequelize.js




/** One Sequelize per step session: its queries run on that session, like the other formats' statements. */
const sequelize_instances = new WeakMap();
async function sequelizeFor(Sequelize, client) {
    let byClass = sequelize_instances.get(client);
    if (!byClass)
        sequelize_instances.set(client, (byClass = new Map()));
    let sequelize = byClass.get(Sequelize);
    if (!sequelize) {
        sequelize = new Sequelize({
            dialect: 'postgres',
            // The driver of the session the queries run on; Sequelize opens no connection of its own.
            dialectModule: esm/* default */.Ay,
            databaseVersion: await serverVersion(client),
            logging: false,
        });
        // Every query (and `sequelize.transaction()`) runs on the step's session, with its role and time limits.
        sequelize.connectionManager.getConnection = () => Promise.resolve(client);
        sequelize.connectionManager.releaseConnection = () => undefined;
        byClass.set(Sequelize, sequelize);
    }
    return sequelize;
}
/**
 * sequelize-cli migrations (`module.exports = { async up(queryInterface, Sequelize) { … } }`), called as
 * sequelize-cli calls them, with the project's own `sequelize` package: `queryInterface` and the `Sequelize` class.
 * Like sequelize-cli, no transaction is wrapped around a migration; one that wants a transaction opens it
 * with `queryInterface.sequelize.transaction()`.
 */
const sequelizeExecutor = {
    async run(migration, direction, ctx) {
        const loaded = await loadMigration(migration, direction, ctx);
        const fn = stepFunction(loaded, direction);
        const pkg = await toolPackage('sequelize', loaded, ctx);
        const Sequelize = exported(pkg.module, 'Sequelize', 'default');
        if (typeof Sequelize !== 'function') {
            throw new types/* StepError */.z(`the package 'sequelize' (${pkg.entry}) exports no Sequelize class`, loaded.relPath, null);
        }
        const sequelize = await sequelizeFor(Sequelize, ctx.client);
        try {
            await fn.call(loaded.exports, sequelize.getQueryInterface(), Sequelize);
        }
        catch (error) {
            await rollbackQuietly(ctx.client);
            throw stepError(error, loaded);
        }
    },
};

;// CONCATENATED MODULE: ./lib/roundtrip/executors/index.js









const EXECUTORS = {
    sql: sql/* sqlExecutor */.sM,
    umzug: umzug/* umzugExecutor */.wo,
    alembic: alembic/* alembicExecutor */.li,
    sequelize: sequelizeExecutor,
    knex: knexExecutor,
    'node-pg-migrate': nodePgMigrateExecutor,
};
/** The executor that runs migrations of `format`. */
function executorFor(format) {
    return EXECUTORS[format];
}


/***/ }),

/***/ 31846:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   BP: () => (/* binding */ errorLine),
/* harmony export */   bC: () => (/* binding */ transactionControlMessage),
/* harmony export */   my: () => (/* binding */ transactionControl),
/* harmony export */   pS: () => (/* binding */ pgErrorMessage),
/* harmony export */   sM: () => (/* binding */ sqlExecutor)
/* harmony export */ });
/* unused harmony export runStatements */
/* harmony import */ var _discover_sql_split_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2194);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(17134);


// First keyword(s) of a statement that ends, starts or aborts the transaction the gate wraps a migration in.
// (`ROLLBACK TO SAVEPOINT` stays inside it and is fine.)
const TRANSACTION_CONTROL = /^(?:begin|commit|end|abort|start\s+transaction|prepare\s+transaction|rollback(?!\s+(?:work\s+|transaction\s+)?to\b))\b/i;
/** The transaction-control keyword a statement starts with, or null. */
function transactionControl(statement) {
    const match = TRANSACTION_CONTROL.exec(statement.trimStart());
    return match ? match[0].replace(/\s+/g, ' ').toUpperCase() : null;
}
/** How each SQL layout opts a migration out of the transaction. */
const OPT_OUT = {
    dbmate: "'-- migrate:up transaction:false'",
    goose: "'-- +goose NO TRANSACTION'",
    'sql-migrate': "'-- +migrate Up notransaction'",
    pair: "'-- no-transaction' as the file's first line",
    folder: "'run_in_transaction = false' in the folder's metadata.toml",
    'dialect-pair': "'.autocommit' before '.up.sql' in the file name, or '-- no-transaction' as its first line",
    flyway: "'executeInTransaction=false' in '<file>.sql.conf'",
};
/**
 * How a transactional migration that controls the transaction itself is reported, with the way out its own
 * layout offers (paired SQL files and modules have none).
 */
function transactionControlMessage(keyword, migration) {
    const optOut = migration?.dialect ? OPT_OUT[migration.dialect] : undefined;
    return (`${keyword} inside a migration that runs in a transaction: it would break the transaction migration-gate ` +
        `wraps every migration in. ` +
        (optOut
            ? `Remove it, or opt out of the transaction with ${optOut}`
            : migration
                ? 'Remove it: this migration format always runs in a transaction'
                : `Remove it, or opt out of the transaction ` +
                    `(dbmate: ${OPT_OUT.dbmate}, goose: ${OPT_OUT.goose}, sql-migrate: ${OPT_OUT['sql-migrate']})`));
}
/** The file line a PostgreSQL error points at: its `position` inside the statement, else the statement's line. */
function errorLine(statement, error) {
    const position = Number(error.position);
    if (!Number.isInteger(position) || position < 1)
        return statement.line;
    const before = Array.from(statement.text)
        .slice(0, position - 1)
        .join('');
    let newlines = 0;
    for (const c of before)
        if (c === '\n')
            newlines++;
    return statement.line + newlines;
}
/** One line from a PostgreSQL error: message, then its detail when there is one. */
function pgErrorMessage(error) {
    if (!(error instanceof Error))
        return String(error);
    const detail = error.detail;
    const message = error.message || error.code || error.name;
    return typeof detail === 'string' && detail ? `${message} (${detail.split('\n')[0]})` : message;
}
/** Runs statements one by one on the step's client, in one transaction unless the migration opts out. */
async function runStatements(client, statements, path, transactional, migration, beforeCommit) {
    if (transactional) {
        for (const statement of statements) {
            const keyword = transactionControl(statement.text);
            if (keyword)
                throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StepError */ .z(transactionControlMessage(keyword, migration), path, statement.line);
        }
        await client.query('BEGIN');
    }
    let current = null;
    try {
        for (const statement of statements) {
            current = statement;
            await client.query(statement.text);
        }
        current = null;
        if (transactional && beforeCommit)
            await beforeCommit(client);
        if (transactional)
            await client.query('COMMIT');
    }
    catch (error) {
        if (transactional)
            await client.query('ROLLBACK').catch(() => undefined);
        const last = statements[statements.length - 1];
        const line = current ? errorLine(current, error) : (last?.line ?? null);
        // "cannot run inside a transaction block": the way out this layout offers.
        const optOut = migration?.dialect ? OPT_OUT[migration.dialect] : undefined;
        const hint = transactional && optOut && error.code === '25001'
            ? `; opt out of the transaction with ${optOut}`
            : '';
        throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .StepError */ .z(pgErrorMessage(error) + hint, path, line, { cause: error });
    }
}
/** SQL migrations of every layout (paired files, dbmate, goose, sql-migrate). */
const sqlExecutor = {
    async run(migration, direction, ctx) {
        const part = direction === 'up' ? migration.up : migration.down;
        if (!part || part.empty)
            return;
        const statements = (0,_discover_sql_split_js__WEBPACK_IMPORTED_MODULE_1__/* .splitStatements */ .X)(part.text, part.startLine);
        await runStatements(ctx.client, statements, part.path, migration.transaction, migration, ctx.beforeCommit);
    },
};


/***/ }),

/***/ 70438:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Wy: () => (/* binding */ importMigrationModule),
/* harmony export */   ml: () => (/* binding */ lineInFile),
/* harmony export */   vd: () => (/* binding */ loadUmzugStep),
/* harmony export */   wo: () => (/* binding */ umzugExecutor)
/* harmony export */ });
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(76760);
/* harmony import */ var node_url__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(73136);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(17134);
/* harmony import */ var _sql_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(31846);




function pickFunction(module, direction) {
    const candidates = [
        module,
        module.default,
        module.default?.default,
    ];
    for (const candidate of candidates) {
        if (candidate &&
            typeof candidate === 'object' &&
            typeof candidate[direction] === 'function') {
            return candidate[direction];
        }
    }
    return null;
}
function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
/** The line in `absPath` that an error's stack (or a syntax error's message) points at, or null. */
function lineInFile(error, absPath) {
    const texts = [];
    for (let e = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
        if (e instanceof Error)
            texts.push(e.stack ?? '', e.message);
    }
    const href = (0,node_url__WEBPACK_IMPORTED_MODULE_1__.pathToFileURL)(absPath).href;
    const place = new RegExp(`(?:${escapeRegExp(href)}|${escapeRegExp(absPath)}):(\\d+)`);
    for (const text of texts) {
        const match = place.exec(text);
        if (match)
            return Number(match[1]);
    }
    return null;
}
/** Fails when the module ended or opened a transaction of its own inside the gate's one. */
function watchTransactionNotices(client, migration) {
    let problem = null;
    const onNotice = (notice) => {
        if (notice.code === '25001')
            problem ??= (0,_sql_js__WEBPACK_IMPORTED_MODULE_3__/* .transactionControlMessage */ .bC)('BEGIN', migration);
        if (notice.code === '25P01')
            problem ??= (0,_sql_js__WEBPACK_IMPORTED_MODULE_3__/* .transactionControlMessage */ .bC)('COMMIT or ROLLBACK', migration);
    };
    client.on('notice', onNotice);
    return { problem: () => problem, stop: () => client.off('notice', onNotice) };
}
/**
 * Imports the module of `migration`'s `direction` (never bundled: the project's own file, at run time). A module
 * that does not load is a `StepError` at the line its error points to.
 */
async function importMigrationModule(migration, direction, cwd) {
    const relPath = (direction === 'up' ? migration.up?.path : migration.down?.path) ?? migration.path;
    const absPath = (0,node_path__WEBPACK_IMPORTED_MODULE_0__.isAbsolute)(relPath) ? relPath : (0,node_path__WEBPACK_IMPORTED_MODULE_0__.resolve)(cwd, relPath);
    try {
        const module = (await import(/* webpackIgnore: true */ (0,node_url__WEBPACK_IMPORTED_MODULE_1__.pathToFileURL)(absPath).href));
        return { module, relPath, absPath };
    }
    catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .StepError */ .z(`cannot load the module: ${message}`, relPath, lineInFile(error, absPath), {
            cause: error,
        });
    }
}
/**
 * Imports the module of `migration`'s `direction` and picks its function (`up`/`down`, a default export's or a
 * CommonJS `module.exports`'). A module that does not load or has no such function is a `StepError`.
 */
async function loadUmzugStep(migration, direction, cwd) {
    const { module, relPath, absPath } = await importMigrationModule(migration, direction, cwd);
    const fn = pickFunction(module, direction);
    if (!fn)
        throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .StepError */ .z(`the module exports no '${direction}' function`, relPath, null);
    return { fn, relPath, absPath };
}
/** JS/TS modules exporting Umzug-style `up` and `down` functions. */
const umzugExecutor = {
    async run(migration, direction, ctx) {
        const { fn, relPath, absPath } = await loadUmzugStep(migration, direction, ctx.config.cwd);
        const client = ctx.client;
        const context = { client, sql: (text, params) => client.query(text, params) };
        const transactional = migration.transaction;
        const notices = transactional ? watchTransactionNotices(client, migration) : null;
        try {
            if (transactional)
                await client.query('BEGIN');
            await fn({ name: migration.name, path: absPath, context });
            const problem = notices?.problem();
            if (problem)
                throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .StepError */ .z(problem, relPath, null);
            if (transactional)
                await ctx.beforeCommit?.(client);
            if (transactional)
                await client.query('COMMIT');
            const late = notices?.problem();
            if (late)
                throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .StepError */ .z(late, relPath, null);
        }
        catch (error) {
            if (transactional)
                await client.query('ROLLBACK').catch(() => undefined);
            if (error instanceof _types_js__WEBPACK_IMPORTED_MODULE_2__/* .StepError */ .z)
                throw error;
            throw new _types_js__WEBPACK_IMPORTED_MODULE_2__/* .StepError */ .z((0,_sql_js__WEBPACK_IMPORTED_MODULE_3__/* .pgErrorMessage */ .pS)(error), relPath, lineInFile(error, absPath), { cause: error });
        }
        finally {
            notices?.stop();
        }
    },
};


/***/ }),

/***/ 76831:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ak: () => (/* binding */ applyFromEmpty),
/* harmony export */   di: () => (/* binding */ cannotCompare),
/* harmony export */   rl: () => (/* binding */ driftFinding)
/* harmony export */ });
/* unused harmony export stepLocation */
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(64170);
/* harmony import */ var _diff_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2056);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(17134);
/**
 * Every migration applied from empty on a scratch database, for the checks that compare the result with
 * something else (the baseline schema file, a live baseline database, the ORM models), and the
 * `baseline-drift` finding they share.
 */



/** Where a failed step points, as ` (path:line)`; empty when the error names no file. */
function stepLocation(error) {
    return error instanceof _types_js__WEBPACK_IMPORTED_MODULE_2__/* .StepError */ .z && error.path
        ? ` (${error.path}${error.line ? `:${error.line}` : ''})`
        : '';
}
/**
 * Applies each set's migrations on `db` in turn. Null when all applied; else why the first set failed:
 * `applying the migrations of db/migrations from empty failed (file:line): reason`. A `GateError` (exit 2) is
 * thrown on.
 */
async function applyFromEmpty(sets, db, applyAll, what = 'migrations') {
    for (const set of sets) {
        try {
            await applyAll(db, set);
        }
        catch (error) {
            if (error instanceof _types_js__WEBPACK_IMPORTED_MODULE_0__/* .GateError */ .ue)
                throw error;
            return `applying the ${what} of ${set.dir} from empty failed${stepLocation(error)}: ${(0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .errorText */ .kc)(error)}`;
        }
    }
    return null;
}
/** A `baseline-drift` finding on `path`: the message, or the differences named one a line. */
function driftFinding(path, what, differences, labels) {
    if (differences.length === 0)
        return [];
    return [
        {
            rule: 'baseline-drift',
            severity: 'error',
            migration: null,
            path,
            message: `the schema the migrations build from empty differs from ${what} ` +
                `(${differences.length} difference${differences.length === 1 ? '' : 's'}): ${(0,_diff_js__WEBPACK_IMPORTED_MODULE_1__/* .nameDifferences */ .az)(differences)}`,
            details: differences.map((d) => (0,_diff_js__WEBPACK_IMPORTED_MODULE_1__/* .describeDifference */ .hF)(d, labels)),
        },
    ];
}
/** The `baseline-drift` finding for migrations that could not be applied from empty. */
function cannotCompare(path, what, why) {
    return [
        {
            rule: 'baseline-drift',
            severity: 'error',
            migration: null,
            path,
            message: `cannot compare with ${what}: ${why}`,
        },
    ];
}


/***/ }),

/***/ 71369:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runRoundTrips: () => (/* reexport */ runRoundTrips)
});

// EXTERNAL MODULE: ./lib/redact.js
var redact = __webpack_require__(25078);
// EXTERNAL MODULE: ./lib/types.js
var types = __webpack_require__(64170);
// EXTERNAL MODULE: ./lib/roundtrip/baseline.js
var roundtrip_baseline = __webpack_require__(584);
// EXTERNAL MODULE: ./lib/roundtrip/baseline-live.js
var baseline_live = __webpack_require__(36151);
// EXTERNAL MODULE: ./lib/roundtrip/cleanup.js
var cleanup = __webpack_require__(80487);
// EXTERNAL MODULE: ./lib/roundtrip/executors/index.js + 5 modules
var executors = __webpack_require__(67812);
// EXTERNAL MODULE: ./lib/roundtrip/executors/alembic.js
var executors_alembic = __webpack_require__(18025);
// EXTERNAL MODULE: ./lib/roundtrip/model-check.js + 2 modules
var model_check = __webpack_require__(85599);
// EXTERNAL MODULE: ./lib/roundtrip/outcome.js
var roundtrip_outcome = __webpack_require__(3007);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(37067);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
;// CONCATENATED MODULE: ./lib/roundtrip/providers/docker.js




const PING_TIMEOUT_MS = 1_500;
/** Unix sockets where Docker-compatible runtimes usually listen (Docker, rootless Docker, Docker Desktop, Podman). */
function candidateSockets(env = process.env) {
    const sockets = [
        env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE,
        '/var/run/docker.sock',
        (0,external_node_path_.join)((0,external_node_os_.homedir)(), '.docker', 'run', 'docker.sock'),
        (0,external_node_path_.join)((0,external_node_os_.homedir)(), '.docker', 'desktop', 'docker.sock'),
        env.XDG_RUNTIME_DIR ? (0,external_node_path_.join)(env.XDG_RUNTIME_DIR, 'docker.sock') : undefined,
        env.XDG_RUNTIME_DIR ? (0,external_node_path_.join)(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock') : undefined,
    ];
    return [...new Set(sockets.filter((s) => Boolean(s)))];
}
function ping(options) {
    return new Promise((resolve) => {
        const req = (0,external_node_http_.request)({ ...options, path: '/_ping', method: 'GET', timeout: PING_TIMEOUT_MS }, (res) => {
            res.resume();
            resolve(res.statusCode === 200);
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(false));
        req.end();
    });
}
/** True when a Docker-compatible API answers `/_ping` on this unix socket. */
function pingDocker(socketPath) {
    return ping({ socketPath });
}
/**
 * True when the API at `DOCKER_HOST` answers `/_ping`. `unix://` and plain `tcp://` are asked; other forms
 * (TLS, `ssh://`, `npipe://`) are left to the container library, which knows their credentials.
 */
async function pingDockerHost(dockerHost, env = process.env) {
    let url;
    try {
        url = new URL(dockerHost);
    }
    catch {
        return false;
    }
    if (url.protocol === 'unix:')
        return pingDocker(url.pathname);
    if (url.protocol === 'tcp:' || url.protocol === 'http:') {
        if (env.DOCKER_TLS_VERIFY === '1')
            return true;
        return ping({ host: url.hostname, port: Number(url.port || 2375) });
    }
    return true;
}
/**
 * The Docker API this machine offers, or null. `DOCKER_HOST` is authoritative when set (as for the docker
 * CLI): when it does not answer, no other socket is tried. Loads nothing of testcontainers.
 */
async function findDocker(env = process.env) {
    if (env.DOCKER_HOST) {
        return (await pingDockerHost(env.DOCKER_HOST, env))
            ? { host: env.DOCKER_HOST, source: 'DOCKER_HOST' }
            : null;
    }
    for (const socket of candidateSockets(env)) {
        if ((0,external_node_fs_.existsSync)(socket) && (await pingDocker(socket)))
            return { host: `unix://${socket}`, source: 'socket' };
    }
    return null;
}
/** A fast answer to "does a Docker runtime answer here?" (see `findDocker`). */
async function dockerAnswers(env = process.env) {
    return (await findDocker(env)) !== null;
}
/** Where the runtime was looked for, for the one-line error. */
function whereDockerWasLookedFor(env = process.env) {
    if (env.DOCKER_HOST)
        return `DOCKER_HOST=${env.DOCKER_HOST} does not answer`;
    const present = candidateSockets(env).filter((s) => (0,external_node_fs_.existsSync)(s));
    if (present.length > 0)
        return `${present.join(', ')} does not answer`;
    return 'DOCKER_HOST is not set and there is no /var/run/docker.sock';
}

// EXTERNAL MODULE: ./lib/roundtrip/providers/url.js + 3 modules
var url = __webpack_require__(16592);
;// CONCATENATED MODULE: ./lib/roundtrip/providers/container.js







const PREFLIGHT_TIMEOUT_MS = 15_000;
/** The label every container of the gate carries; its value is the run's own id. */
const CONTAINER_LABEL = 'dev.migration-gate.run';
/** What the container provider passes to testcontainers for this configuration. */
function containerOptions(config, password = (0,external_node_crypto_.randomBytes)(12).toString('hex'), runId = (0,external_node_crypto_.randomBytes)(6).toString('hex')) {
    // Not `migration_gate`: the default search_path starts with "$user", and a role of the storage schema's
    // name would put every migration's tables into the gate's own (unsnapshotted) schema.
    const username = 'postgres';
    const database = 'postgres';
    return {
        image: config.postgresImage,
        username,
        password,
        database,
        command: ['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
        waitStrategy: 'health-check',
        startupTimeoutMs: 120_000,
        environment: { POSTGRES_USER: username, POSTGRES_PASSWORD: password, POSTGRES_DB: database },
        labels: { [CONTAINER_LABEL]: runId },
    };
}
/** The one-line error when no container runtime answers. */
function noDockerError(reason) {
    return new types/* GateError */.ue(`no Docker runtime found (${reason}): use --database embedded or a postgres:// URL`);
}
/** The one-line error for a container that did not start, with the fix that fits the cause. */
function startError(image, error, facts = { imageIsLocal: false, ryukEnabled: false }) {
    const reason = (0,types/* errorText */.kc)(error).trim();
    const pullFailed = /pull access denied|registry|manifest (?:unknown|for)|no such image|repository does not exist|lookup \S+ .*no such host/i.test(reason);
    // With the image here, a failed pull can only be testcontainers' own helper image.
    if (/ryuk/i.test(reason) || (pullFailed && facts.imageIsLocal && facts.ryukEnabled)) {
        return new types/* GateError */.ue(`testcontainers' Ryuk container did not start (${reason}): set TESTCONTAINERS_RYUK_DISABLED=true ` +
            '(the gate removes its own container), or use --database embedded', { cause: error });
    }
    if (pullFailed) {
        return new types/* GateError */.ue(`the image ${image} is not on this machine and cannot be pulled (${reason}): pull or build it, name a ` +
            'local image with --postgres-image, or use --database embedded', { cause: error });
    }
    return new types/* GateError */.ue(`the PostgreSQL container ${image} did not start (${reason}): check the image with 'docker run ${image}', ` +
        'name another with --postgres-image, or use --database embedded', { cause: error });
}
/** The one-line error when the container runs but its mapped port does not answer from this process. */
function unreachableError(image, error) {
    const inContainer = (0,external_node_fs_.existsSync)('/.dockerenv');
    return new types/* GateError */.ue(`the PostgreSQL container ${image} runs, but its port does not answer from here (${(0,types/* errorText */.kc)(error)}): ` +
        (inContainer
            ? 'this process runs inside a container; set TESTCONTAINERS_HOST_OVERRIDE to the address where the ' +
                'Docker host publishes ports (127.0.0.1 when dockerd runs with --ip 127.0.0.1), or use --database embedded'
            : 'set TESTCONTAINERS_HOST_OVERRIDE to the address where the Docker host publishes ports, or use ' +
                '--database embedded'), { cause: error });
}
function withTimeout(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
/** The unstarted testcontainers `PostgreSqlContainer` for these options (imports testcontainers). */
async function buildContainer(options) {
    const [{ PostgreSqlContainer }, { Wait }] = await Promise.all([
        Promise.all(/* import() */[__webpack_require__.e(491), __webpack_require__.e(688)]).then(__webpack_require__.t.bind(__webpack_require__, 20688, 19)),
        __webpack_require__.e(/* import() */ 491).then(__webpack_require__.t.bind(__webpack_require__, 2491, 19)),
    ]);
    return new PostgreSqlContainer(options.image)
        .withUsername(options.username)
        .withPassword(options.password)
        .withDatabase(options.database)
        .withCommand(options.command)
        .withLabels(options.labels)
        .withWaitStrategy(Wait.forHealthCheck())
        .withStartupTimeout(options.startupTimeoutMs);
}
/** testcontainers' dockerode (the runtime client was made by the preflight). */
async function dockerode() {
    const { getContainerRuntimeClient } = await __webpack_require__.e(/* import() */ 491).then(__webpack_require__.t.bind(__webpack_require__, 2491, 19));
    const client = await getContainerRuntimeClient();
    return client.container.dockerode;
}
/** True when the image is on this machine (no pull needed). Never throws. */
async function imageIsLocal(image) {
    try {
        await (await dockerode()).getImage(image).inspect();
        return true;
    }
    catch {
        return false;
    }
}
/**
 * Removes every container labelled with this run's id, running or not (a container created while a signal
 * arrived, or one testcontainers failed to remove). Never throws.
 */
async function removeLabelled(runId) {
    try {
        const docker = await dockerode();
        const found = await docker.listContainers({
            all: true,
            filters: { label: [`${CONTAINER_LABEL}=${runId}`] },
        });
        await Promise.all(found.map((c) => docker
            .getContainer(c.Id)
            .remove({ force: true, v: true })
            .catch(() => undefined)));
    }
    catch {
        // Nothing to remove, or no runtime left to ask.
    }
}
/**
 * A PostgreSQL container started once (testcontainers `PostgreSqlContainer`), then used like a server URL.
 * testcontainers is imported only when this provider starts. The container is removed when the provider
 * closes, when starting fails, and on SIGINT / SIGTERM.
 */
class ContainerProvider {
    config;
    preflightTimeoutMs;
    env;
    kind = 'container';
    ownNotes = [];
    container = null;
    server = null;
    info = null;
    runId = null;
    unregister = null;
    /** The server's notes, kept when it is closed (the report is written after). */
    serverNotes = [];
    constructor(config, preflightTimeoutMs = PREFLIGHT_TIMEOUT_MS, env = process.env) {
        this.config = config;
        this.preflightTimeoutMs = preflightTimeoutMs;
        this.env = env;
    }
    async start() {
        if (this.info)
            return this.info;
        const endpoint = await findDocker(this.env);
        if (!endpoint)
            throw noDockerError(whereDockerWasLookedFor(this.env));
        const options = containerOptions(this.config);
        (0,redact/* addSecret */.Ck)(options.password);
        this.runId = options.labels[CONTAINER_LABEL];
        this.unregister = (0,cleanup/* registerCleanup */.qE)(() => this.close());
        const testcontainers = await __webpack_require__.e(/* import() */ 491).then(__webpack_require__.t.bind(__webpack_require__, 2491, 19));
        // testcontainers tries several places in turn; it is pointed at the one that answered.
        const savedHost = process.env.DOCKER_HOST;
        process.env.DOCKER_HOST = endpoint.host;
        try {
            await withTimeout(testcontainers.getContainerRuntimeClient(), this.preflightTimeoutMs, 'the container runtime');
        }
        catch (error) {
            await this.close();
            throw noDockerError(`${endpoint.host} answers, but ${(0,types/* errorText */.kc)(error)}`);
        }
        finally {
            if (savedHost === undefined)
                delete process.env.DOCKER_HOST;
            else
                process.env.DOCKER_HOST = savedHost;
        }
        try {
            this.container = await (await buildContainer(options)).start();
        }
        catch (error) {
            const facts = {
                imageIsLocal: await imageIsLocal(options.image),
                ryukEnabled: !/^(true|1)$/i.test(this.env.TESTCONTAINERS_RYUK_DISABLED ?? ''),
            };
            await this.close();
            throw startError(options.image, error, facts);
        }
        this.server = new url/* UrlProvider */.n2(this.container.getConnectionUri(), { kind: 'container' });
        try {
            this.info = await this.server.start();
        }
        catch (error) {
            await this.close();
            throw unreachableError(options.image, error);
        }
        this.ownNotes.push(`PostgreSQL ${this.info.serverVersion} in a container (${options.image})`);
        return this.info;
    }
    /** This provider's notes, then the server's (cluster-wide objects a step left and the run removed, …). */
    get notes() {
        return [...this.ownNotes, ...(this.server?.notes ?? this.serverNotes)];
    }
    async createScratch() {
        await this.start();
        return this.server.createScratch();
    }
    async copyScratch(source) {
        await this.start();
        return this.server.copyScratch(source);
    }
    async close() {
        const { server, container, runId, unregister } = this;
        if (server)
            this.serverNotes = server.notes;
        this.server = null;
        this.container = null;
        this.info = null;
        this.runId = null;
        this.unregister = null;
        try {
            await server?.close();
        }
        finally {
            // The server is thrown away: no shutdown wait, volumes removed with it.
            await container?.stop({ timeout: 0 }).catch(() => undefined);
            if (runId)
                await removeLabelled(runId);
            unregister?.();
        }
    }
}

// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __webpack_require__(73136);
// EXTERNAL MODULE: external "node:worker_threads"
var external_node_worker_threads_ = __webpack_require__(75919);
;// CONCATENATED MODULE: ./lib/roundtrip/providers/embedded.js





const START_TIMEOUT_MS = 60_000;
/** What the output says about the embedded database. */
const EMBEDDED_NOTE = 'embedded PostgreSQL (PGlite, WebAssembly): extensions must be loaded when it is created ' +
    '(available: btree_gist, citext, hstore, ltree, pg_trgm, pgcrypto, uuid-ossp); it serves one connection at a time; ' +
    'step timeouts are enforced by the gate, not by statement_timeout';
/**
 * The worker's entry: the compiled `.js` next to this module (in `lib/`, or the worker bundle next to the
 * engine bundle), or the `.ts` source when run from `src/`. `webpackIgnore` keeps the bundler from
 * replacing the URL with a copy of the unbundled file.
 */
function workerEntry() {
    const compiled = new URL(/* webpackIgnore: true */ './embedded-worker.js', __webpack_require__.b);
    if ((0,external_node_fs_.existsSync)((0,external_node_url_.fileURLToPath)(compiled)))
        return compiled;
    return new URL(/* webpackIgnore: true */ './embedded-worker.ts', __webpack_require__.b);
}
/** One PGlite instance in its own worker thread, served on a loopback port. */
class EmbeddedInstance {
    worker;
    port;
    serverVersion;
    exited = false;
    exitPromise;
    constructor(worker, port, serverVersion) {
        this.worker = worker;
        this.port = port;
        this.serverVersion = serverVersion;
        this.exitPromise = new Promise((resolve) => worker.once('exit', () => resolve()));
        worker.once('exit', () => {
            this.exited = true;
        });
    }
    get alive() {
        return !this.exited;
    }
    static async spawn(dataDir) {
        const worker = new external_node_worker_threads_.Worker(workerEntry(), {
            workerData: { dataDir },
            stdout: true,
            stderr: true,
        });
        const output = [];
        const keep = (chunk) => {
            output.push(chunk.toString());
            if (output.length > 20)
                output.shift();
        };
        worker.stdout.on('data', keep);
        worker.stderr.on('data', keep);
        return new Promise((resolve, reject) => {
            const fail = (reason) => {
                clearTimeout(timer);
                void worker.terminate();
                const tail = output.join('').trim().split('\n').pop();
                reject(new types/* GateError */.ue(`the embedded database did not start: ${reason}${tail ? ` (${tail})` : ''}`));
            };
            const timer = setTimeout(() => fail(`no answer within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
            worker.once('error', (error) => fail((0,types/* errorText */.kc)(error)));
            worker.once('exit', (code) => fail(`its worker exited with code ${code}`));
            worker.once('message', (message) => {
                if (message.type === 'ready') {
                    clearTimeout(timer);
                    worker.removeAllListeners('exit');
                    worker.removeAllListeners('error');
                    worker.on('error', () => undefined);
                    resolve(new EmbeddedInstance(worker, message.port, message.serverVersion));
                }
                else {
                    fail(message.message);
                }
            });
        });
    }
    /** The data directory as an uncompressed tar. */
    async dump() {
        return new Promise((resolve, reject) => {
            const onMessage = (message) => {
                if (message.type === 'dump' && message.data) {
                    this.worker.off('message', onMessage);
                    resolve(message.data);
                }
                else if (message.type === 'error') {
                    this.worker.off('message', onMessage);
                    reject(new types/* GateError */.ue(`the embedded database could not copy its data directory: ${message.message}`));
                }
            };
            this.worker.on('message', onMessage);
            this.worker.postMessage({ type: 'dump' });
        });
    }
    async terminate() {
        if (this.exited)
            return;
        await this.worker.terminate();
        await this.exitPromise;
    }
}
class EmbeddedScratch {
    provider;
    name;
    instance;
    url;
    displayUrl;
    dropped = false;
    constructor(provider, name, instance) {
        this.provider = provider;
        this.name = name;
        this.instance = instance;
        // PGlite accepts any user, password and database name; it serves its one database.
        this.url = `postgresql://postgres:postgres@127.0.0.1:${instance.port}/postgres`;
        this.displayUrl = `postgresql://postgres:***@127.0.0.1:${instance.port}/postgres`;
    }
    async connect() {
        if (this.dropped || !this.instance.alive) {
            throw new types/* GateError */.ue(`the embedded database ${this.name} is gone (it was stopped after a timeout or a crash)`);
        }
        return (0,url/* connectClient */.mh)(this.url, { what: 'the embedded database' });
    }
    /** The only way to stop PGlite mid-statement: the worker ends, and this database with it. */
    async terminateSessions() {
        await this.instance.terminate();
    }
    async drop() {
        if (this.dropped)
            return;
        this.dropped = true;
        await this.instance.terminate();
        this.provider.forget(this);
    }
}
/**
 * PGlite (PostgreSQL in WebAssembly) in worker threads. Every scratch database is its own instance; after the
 * first, instances start from a copy of a pristine data directory, which skips initdb.
 */
class EmbeddedProvider {
    kind = 'embedded';
    notes = [EMBEDDED_NOTE];
    info = null;
    starting = null;
    pristine = null;
    spare = null;
    live = new Set();
    async start() {
        if (this.info)
            return this.info;
        this.starting ??= (async () => {
            const first = await EmbeddedInstance.spawn(null);
            try {
                this.pristine = await first.dump();
            }
            catch (error) {
                await first.terminate();
                throw error;
            }
            this.spare = first;
            this.info = { provider: 'embedded', serverVersion: first.serverVersion };
            return this.info;
        })();
        try {
            return await this.starting;
        }
        finally {
            this.starting = null;
        }
    }
    async createScratch() {
        await this.start();
        let instance = this.spare;
        this.spare = null;
        if (!instance || !instance.alive)
            instance = await EmbeddedInstance.spawn(this.pristine);
        const scratch = new EmbeddedScratch(this, (0,url/* scratchName */.U2)(), instance);
        this.live.add(scratch);
        return scratch;
    }
    /** Called by a scratch database once it is dropped. */
    forget(scratch) {
        this.live.delete(scratch);
    }
    async close() {
        const spare = this.spare;
        this.spare = null;
        await Promise.all([...[...this.live].map((s) => s.drop()), spare?.terminate()]);
        this.pristine = null;
    }
}

;// CONCATENATED MODULE: ./lib/roundtrip/providers/auto.js




/**
 * `--database auto`: the container provider when Docker answers, else the embedded one; when Docker answers
 * but no container starts, a note and the embedded database.
 */
class AutoProvider {
    config;
    probe;
    delegate = null;
    ownNotes = [];
    constructor(config, probe = () => dockerAnswers()) {
        this.config = config;
        this.probe = probe;
    }
    get kind() {
        return this.delegate?.kind ?? 'embedded';
    }
    get notes() {
        return [...this.ownNotes, ...(this.delegate?.notes ?? [])];
    }
    async start() {
        if (!this.delegate) {
            if (await this.probe()) {
                const container = new ContainerProvider(this.config);
                try {
                    this.delegate = container;
                    return await container.start();
                }
                catch (error) {
                    // Docker answers but gives no database: the pull request is not failed for the runner's sake.
                    if (!(error instanceof types/* GateError */.ue))
                        throw error;
                    this.delegate = new EmbeddedProvider();
                    this.ownNotes.push(`Docker answers, but no PostgreSQL container started (${error.message}): using the embedded database`);
                }
            }
            else {
                this.delegate = new EmbeddedProvider();
                this.ownNotes.push('no Docker runtime answered: using the embedded database');
            }
        }
        return this.delegate.start();
    }
    async createScratch() {
        await this.start();
        return this.delegate.createScratch();
    }
    get copyScratch() {
        const delegate = this.delegate;
        return delegate?.copyScratch ? (source) => delegate.copyScratch(source) : undefined;
    }
    async close() {
        await this.delegate?.close();
    }
}

;// CONCATENATED MODULE: ./lib/roundtrip/providers/index.js





/** The database provider the configuration asks for (nothing is started until `start()`). */
function createProvider(config) {
    switch (config.database) {
        case 'url':
            if (!config.databaseUrl) {
                throw new types/* GateError */.ue('database url needs a server URL: --database postgres://user@host/db');
            }
            return new url/* UrlProvider */.n2(config.databaseUrl, {
                privileged: config.privileged,
                staleAfterHours: config.staleAfterHours,
            });
        case 'embedded':
            return new EmbeddedProvider();
        case 'container':
            return new ContainerProvider(config);
        case 'auto':
            return new AutoProvider(config);
        case 'sqlite':
            // The SQLite round-trip runs on files, not on a PostgreSQL server (see ../sqlite/run.ts).
            throw new types/* GateError */.ue('database sqlite has no PostgreSQL provider');
    }
}

// EXTERNAL MODULE: ./node_modules/umzug/lib/index.js
var lib = __webpack_require__(21252);
// EXTERNAL MODULE: ./lib/discover/sql-split.js
var sql_split = __webpack_require__(2194);
// EXTERNAL MODULE: ./lib/roundtrip/executors/sql.js
var sql = __webpack_require__(31846);
// EXTERNAL MODULE: ./lib/roundtrip/step.js
var step = __webpack_require__(85049);
// EXTERNAL MODULE: ./lib/roundtrip/storage.js
var storage = __webpack_require__(41870);
;// CONCATENATED MODULE: ./lib/roundtrip/history.js





/** Migrations of one history batch (one transaction, one round trip). */
const HISTORY_BATCH = 100;
/**
 * A migration the history batch may run: SQL, in a transaction, with an up part none of whose statements
 * controls transactions itself (PL/pgSQL `BEGIN … END` inside a function body is fine).
 */
function batchable(m) {
    return (m.format === 'sql' &&
        m.transaction &&
        m.up !== null &&
        !m.up.empty &&
        m.parseProblems.length === 0 &&
        (0,sql_split/* splitStatements */.X)(m.up.text, m.up.startLine).every((statement) => (0,sql/* transactionControl */.my)(statement.text) === null));
}
/**
 * The fast path for history on a server: consecutive transactional SQL migrations go up in one transaction
 * per batch, with their storage rows. Returns how many leading migrations it applied; at the first batch that
 * fails, or that touched the gate's storage, it rolls back and stops, and the caller applies the rest one by one
 * through Umzug, which then names the failing migration, its line, or its timeout. When the steps' session
 * cannot reach the storage (a role of the run's own), the rows are written after the commit by the gate's own.
 */
async function applyBatches(migrations, place) {
    let end = 0;
    while (end < migrations.length && batchable(migrations[end]))
        end++;
    const client = place.client;
    let applied = 0;
    while (applied < end) {
        const batch = migrations.slice(applied, Math.min(end, applied + HISTORY_BATCH));
        const text = batch.map((m) => `${m.up.text}\n;`).join('\n');
        const log = (0,storage/* logSql */.bO)(batch.map((m) => m.name));
        const same = place.storage === client;
        try {
            const before = same ? await (0,storage/* readStorage */.GJ)(client) : null;
            await place.prepare(client);
            await client.query(`BEGIN;\n${text}`);
            if (same && (0,storage/* storageTampering */.$X)(before, await (0,storage/* readStorage */.GJ)(client)) !== null) {
                await client.query('ROLLBACK');
                break;
            }
            await client.query(same ? `${log};\nCOMMIT;` : 'COMMIT');
        }
        catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            if ((0,step/* isConnectionLoss */.y7)(error)) {
                throw new types/* GateError */.ue(`lost the connection to the ${place.kind} database while applying the history: ${(0,types/* errorText */.kc)(error)}`, { cause: error });
            }
            break;
        }
        if (!same) {
            await place.storage.query(log).catch((error) => {
                throw new types/* GateError */.ue(`cannot record the history in the gate's storage: ${(0,types/* errorText */.kc)(error)}`, {
                    cause: error,
                });
            });
        }
        place.applied(batch);
        applied += batch.length;
    }
    return applied;
}

;// CONCATENATED MODULE: ./lib/roundtrip/scratch.js




/** A fresh scratch database (or a copy of `from`) with its session, storage and Umzug. */
async function openScratch(provider, from, umzugFor) {
    const db = from ? await provider.copyScratch(from) : await provider.createScratch();
    const release = (0,cleanup/* registerCleanup */.qE)(() => db.drop());
    try {
        return { ...(await attachScratch(db, umzugFor)), db, release };
    }
    catch (error) {
        await db.drop().catch(() => undefined);
        release();
        throw error;
    }
}
/** The sessions on `db` with the storage schema in place, and the Umzug that runs there. */
async function attachScratch(db, umzugFor) {
    const admin = db.connectAdmin ? await db.connectAdmin() : await db.connect();
    let client = admin;
    try {
        await admin.query(storage/* STORAGE_SQL */.H1);
        if (db.connectAdmin)
            client = await db.connect();
    }
    catch (error) {
        await (0,url/* endClient */.D9)(admin);
        if (error instanceof types/* GateError */.ue)
            throw error;
        throw new types/* GateError */.ue(`cannot prepare the scratch database ${db.name}: ${(0,types/* errorText */.kc)(error)}`, {
            cause: error,
        });
    }
    return { client, admin, umzug: umzugFor(admin) };
}
/** Ends the session and drops the database. */
async function closeScratch(scratch) {
    if (!scratch)
        return;
    await (0,url/* endClient */.D9)(scratch.client);
    if (scratch.admin !== scratch.client)
        await (0,url/* endClient */.D9)(scratch.admin);
    await scratch.db.drop();
    scratch.release();
}

// EXTERNAL MODULE: ./lib/roundtrip/data/probe.js + 5 modules
var probe = __webpack_require__(74268);
// EXTERNAL MODULE: ./lib/roundtrip/snapshot/index.js + 17 modules
var snapshot = __webpack_require__(85407);
// EXTERNAL MODULE: ./lib/roundtrip/trip.js
var trip = __webpack_require__(27908);
// EXTERNAL MODULE: ./lib/roundtrip/types.js
var roundtrip_types = __webpack_require__(17134);
;// CONCATENATED MODULE: ./lib/roundtrip/set-run.js














/** The round-trip of one migration directory. */
class SetRun {
    set;
    config;
    provider;
    progress;
    counter;
    outcome;
    scratch = null;
    /** A copy of the database right after the history, and how many `applied` names it holds. */
    historyCopy = null;
    /** How many of `applied` are the history before the first changed migration. */
    historyCount = 0;
    /** Names of the migrations the current state should hold, in order. */
    applied = [];
    /** The scratch database no longer holds exactly `applied`: rebuild before the next step. */
    dirty = false;
    last = null;
    /** The snapshot of the database's current state, when one was taken since it last changed. */
    current = null;
    byName;
    /** Which cluster-wide objects the snapshots hold (read once). */
    cluster = null;
    timeoutMs;
    /** Reads the locks of the first up of a changed migration just before it commits. */
    observer = null;
    /** What the round-trip of one migration (trip.ts) asks of this run. */
    host;
    constructor(set, config, provider, progress, counter, outcome) {
        this.set = set;
        this.config = config;
        this.provider = provider;
        this.progress = progress;
        this.counter = counter;
        this.outcome = outcome;
        this.byName = new Map(set.migrations.map((m) => [m.name, m]));
        this.timeoutMs = Math.max(1, Math.round(config.stepTimeoutSec * 1000));
        this.host = {
            config: this.config,
            set: this.set,
            outcome: this.outcome,
            progress: (line) => this.progress(line),
            probe: (m) => new probe/* TripProbe */.e(() => this.scratch.client, m, {
                data: this.config.data,
                exclude: [
                    ...(this.set.format === 'alembic' ? executors/* ALEMBIC_EXCLUDED_TABLES */.j$ : []),
                    ...(this.set.historyTables ?? []),
                ],
                runNotes: this.outcome.notes,
            }),
            snapshot: () => this.snapshot(),
            step: (m, direction, label, quiet) => this.step(m, direction, label, quiet),
            report: (record, label) => this.report(record, label, null),
            dataUpFailed: (record) => (0,probe/* dataUpFailedFinding */.y)(record, this.config, this.provider.kind, this.scratch?.db.access),
            rebuild: () => this.rebuild(),
            observe: (observer) => {
                this.observer = observer;
            },
            takeCurrent: () => {
                const current = this.current;
                this.current = null;
                return current;
            },
            setCurrent: (snapshot) => {
                this.current = snapshot;
            },
            markDirty: () => {
                this.dirty = true;
            },
            markApplied: (name) => {
                this.applied.push(name);
            },
        };
    }
    async run() {
        let failed = true;
        try {
            await this.runChain();
            failed = false;
        }
        finally {
            for (const m of this.set.migrations.filter(roundtrip_outcome/* isChanged */.Hq)) {
                if (!this.outcome.results.has(m.path)) {
                    this.counter.done++;
                    this.outcome.results.set(m.path, { roundtrip: null, impact: null, waived: (0,roundtrip_outcome/* hasCompleteWaiver */.IX)(m) });
                }
            }
            // When the run already failed, that error is the one to report, not a failing cleanup.
            await Promise.all([this.close(), this.dropHistoryCopy()]).catch((error) => {
                if (!failed)
                    throw error;
            });
        }
    }
    /** Applies every migration of this directory (up only) on `db`: the baseline check's "from empty". */
    async applyAll(db) {
        const { client, admin, umzug } = await attachScratch(db, (c) => this.umzugFor(c));
        this.scratch = { client, admin, umzug, db, release: () => undefined };
        try {
            await umzug.up();
        }
        catch (error) {
            const all = (0,step/* causes */.ps)(error);
            throw all.find((e) => e instanceof types/* GateError */.ue) ?? all.find((e) => e instanceof roundtrip_types/* StepError */.z) ?? error;
        }
        finally {
            this.scratch = null;
            await (0,url/* endClient */.D9)(client);
            if (admin !== client)
                await (0,url/* endClient */.D9)(admin);
        }
    }
    async runChain() {
        const chain = this.set.migrations;
        const first = chain.findIndex(roundtrip_outcome/* isChanged */.Hq);
        const history = chain.slice(0, first);
        this.scratch = await this.open();
        if (history.length > 0) {
            const started = Date.now();
            if (!(await this.applyHistory(history, 'history')))
                return;
            this.historyCount = history.length;
            this.progress(`${this.set.dir}: history of ${history.length} migration(s) applied (${(0,roundtrip_outcome/* seconds */.YA)(Date.now() - started)})`);
        }
        for (const m of chain.slice(first)) {
            if (this.dirty && !(await this.rebuild()))
                return;
            if ((0,roundtrip_outcome/* isChanged */.Hq)(m) && m.up === null && m.format !== 'alembic') {
                // Nothing to run: no up part, or a file that could not be read (the lint reports why); the
                // migrations after it run without it.
                this.counter.done++;
                this.outcome.results.set(m.path, { roundtrip: null, impact: null, waived: (0,roundtrip_outcome/* hasCompleteWaiver */.IX)(m) });
            }
            else if ((0,roundtrip_outcome/* isChanged */.Hq)(m)) {
                await this.roundTrip(m);
            }
            else if (!(await this.applyHistory([m], 'history'))) {
                return;
            }
        }
    }
    /** Applies unchanged migrations (up only); a failure is reported on the migration and stops this directory. */
    async applyHistory(migrations, why) {
        this.current = null;
        migrations = migrations.slice(await this.applyFast(migrations, why));
        if (migrations.length === 0)
            return true;
        try {
            await this.umzug().up({ migrations: migrations.map((m) => m.name) });
            this.markApplied(migrations);
            return true;
        }
        catch (error) {
            const record = (0,step/* failedStep */.cG)(error, this.set.dir, this.provider.kind);
            const rest = this.set.migrations.filter((m) => (0,roundtrip_outcome/* isChanged */.Hq)(m) && !this.outcome.results.has(m.path)).length;
            const context = why === 'history'
                ? `the history of ${this.set.dir} does not apply, so the round-trip of this directory stopped here`
                : `re-applying it on a fresh database for the migrations after it failed, so the round-trip of this directory stopped here`;
            this.report(record, 'up', `${context} (${rest} changed migration(s) not run)`);
            this.dirty = true;
            return false;
        }
    }
    markApplied(migrations) {
        this.applied.push(...migrations.map((m) => m.name).filter((n) => !this.applied.includes(n)));
    }
    /** History in bulk where the format allows it; returns how many leading migrations went up. */
    async applyFast(migrations, why) {
        if (this.set.format === 'alembic')
            return why === 'history' ? this.applyAlembicHistory(migrations) : 0;
        if (this.provider.kind === 'embedded')
            return 0;
        return applyBatches(migrations, {
            client: this.scratch.client,
            storage: this.scratch.admin,
            kind: this.provider.kind,
            prepare: (client) => (0,step/* prepareSession */.aK)(client, this.provider.kind, this.timeoutMs),
            applied: (batch) => this.markApplied(batch),
        });
    }
    /**
     * An Alembic history in one process: `alembic upgrade <last>` applies every revision before it too, instead
     * of one process per revision. All or nothing: when it fails, the scratch database is replaced by a fresh
     * one and the caller applies the revisions one by one, which names the one that fails.
     */
    async applyAlembicHistory(migrations) {
        if (migrations.length < 2 || this.applied.length > 0)
            return 0;
        const last = migrations.at(-1);
        try {
            await this.guarded(last, 'up');
        }
        catch (error) {
            const gateError = (0,step/* causes */.ps)(error).find((e) => e instanceof types/* GateError */.ue);
            if (gateError)
                throw gateError;
            await this.close();
            this.scratch = await this.open();
            return 0;
        }
        await this.scratch.admin.query((0,storage/* logSql */.bO)(migrations.map((m) => m.name)));
        this.applied.push(...migrations.map((m) => m.name));
        return migrations.length;
    }
    async roundTrip(m) {
        const index = ++this.counter.done;
        await (0,trip/* runTrip */.d)(this.host, m, `[${index}/${this.counter.total}] ${m.name}`);
    }
    /**
     * Runs one step through Umzug; failures are reported here (unless `quiet`: then the record is handed back)
     * and returned as `ok: false`.
     */
    async step(m, direction, label, quiet = false) {
        try {
            if (direction === 'up')
                await this.umzug().up({ migrations: [m.name] });
            else
                await this.umzug().down({ migrations: [m.name] });
            return { ok: true, timedOut: false, result: { status: 'pass', ms: this.last?.ms ?? 0 } };
        }
        catch (error) {
            const record = (0,step/* failedStep */.cG)(error, this.set.dir, this.provider.kind);
            if (!quiet)
                this.report(record, label, null);
            return { ok: false, timedOut: record.timedOut, result: { status: 'fail', ms: record.ms }, record };
        }
    }
    report(record, stepName, context) {
        this.outcome.findings.push((0,step/* stepFinding */.u8)(record, stepName, context, this.config, this.provider.kind, this.scratch?.db.access));
    }
    /** Runs one migration step with the watchdog; Umzug calls this through the migration's resolver. */
    async guarded(m, direction) {
        const scratch = this.scratch;
        const record = {
            migration: m,
            direction,
            ms: 0,
            error: null,
            timedOut: false,
            stopped: false,
        };
        this.last = record;
        await (0,step/* runWatched */.ox)({
            client: scratch.client,
            admin: scratch.admin,
            db: scratch.db,
            config: this.config,
            kind: this.provider.kind,
            timeoutMs: this.timeoutMs,
            ...(direction === 'up' && this.observer ? { beforeCommit: this.observer.beforeCommit } : {}),
        }, record);
    }
    umzug() {
        return this.scratch.umzug;
    }
    async snapshot() {
        const tables = [
            ...(this.set.format === 'alembic' ? executors/* ALEMBIC_EXCLUDED_TABLES */.j$ : []),
            ...(this.set.historyTables ?? []),
        ];
        const exclude = tables.length > 0 ? { excludeTables: tables } : {};
        const scratch = this.scratch;
        this.cluster ??= await (0,snapshot/* clusterScope */.VF)(scratch.admin, scratch.db.access);
        return (0,snapshot/* takeSnapshot */.W9)(scratch.admin, {
            excludeSchemas: [storage/* STORAGE_SCHEMA */.cl],
            cluster: this.cluster,
            ...exclude,
        });
    }
    open(from = null) {
        return openScratch(this.provider, from, (client) => this.umzugFor(client));
    }
    /** The Umzug that runs this directory's migrations through the watchdog and logs them through `client`. */
    umzugFor(client) {
        return new lib.Umzug({
            migrations: this.set.migrations.map((m) => ({
                name: m.name,
                path: m.path,
                up: () => this.guarded(m, 'up'),
                ...((0,roundtrip_outcome/* hasDown */.b6)(m) ? { down: () => this.guarded(m, 'down') } : {}),
            })),
            storage: (0,storage/* scratchStorage */.mz)(client),
            context: {},
            logger: undefined,
        });
    }
    /**
     * Keeps a copy of the database right after the history (when the provider copies cheaply), so that a
     * rebuild does not apply the whole history again.
     */
    async keepHistoryCopy(applied) {
        const scratch = this.scratch;
        if (!this.provider.copyScratch)
            return;
        await (0,url/* endClient */.D9)(scratch.client);
        if (scratch.admin !== scratch.client)
            await (0,url/* endClient */.D9)(scratch.admin);
        const db = await this.provider.copyScratch(scratch.db);
        this.historyCopy = { db, release: (0,cleanup/* registerCleanup */.qE)(() => db.drop()), applied };
        Object.assign(scratch, await attachScratch(scratch.db, (c) => this.umzugFor(c)));
    }
    async close() {
        const scratch = this.scratch;
        this.scratch = null;
        await closeScratch(scratch);
    }
    async dropHistoryCopy() {
        const copy = this.historyCopy;
        this.historyCopy = null;
        if (copy) {
            await copy.db.drop();
            copy.release();
        }
    }
    /** Replaces a scratch database in an unknown state by a fresh one holding exactly `applied`. */
    async rebuild() {
        this.current = null;
        await this.close();
        const copy = this.historyCopy;
        this.scratch = await this.open(copy?.db ?? null);
        this.dirty = false;
        const started = Date.now();
        let from = copy?.applied ?? 0;
        if (!copy && this.historyCount > 1 && this.provider.copyScratch) {
            // The first rebuild applies the history again and keeps a copy of that state for the rebuilds after it:
            // a run without failures never pays for the copy.
            const history = this.applied.slice(0, this.historyCount).map((name) => this.byName.get(name));
            if (!(await this.applyHistory(history, 'rebuild')))
                return false;
            await this.keepHistoryCopy(this.historyCount);
            from = this.historyCount;
        }
        const migrations = this.applied.slice(from).map((name) => this.byName.get(name));
        const ok = migrations.length === 0 || (await this.applyHistory(migrations, 'rebuild'));
        if (ok) {
            const how = copy
                ? 'a copy of the database after the history'
                : from > 0
                    ? `a fresh database, history of ${from} migration(s) kept as a copy`
                    : 'a fresh database';
            this.progress(`${this.set.dir}: rebuilt from ${how}, ${migrations.length} migration(s) re-applied (${(0,roundtrip_outcome/* seconds */.YA)(Date.now() - started)})`);
        }
        return ok;
    }
}

;// CONCATENATED MODULE: ./lib/roundtrip/runner.js











/**
 * The round-trip of `check`: for each directory, one scratch database; its base history goes up first,
 * then each changed migration, in order, goes S0 → up → S1 → down → S2 → up → S3, and the gate requires
 * S2 = S0 and S3 = S1. A failure is reported and the run continues from a correct state (a fresh scratch
 * database with everything before the next migration applied). Every scratch database is dropped and the
 * provider closed at the end, on failure too. Infrastructure problems throw `GateError`.
 */
async function runRoundTrips(sets, config, opts = {}) {
    if (config.database === 'sqlite') {
        const { runSqliteRoundTrips } = await __webpack_require__.e(/* import() */ 272).then(__webpack_require__.bind(__webpack_require__, 63272));
        return runSqliteRoundTrips(sets, config, opts);
    }
    const outcome = { database: null, notes: [], results: new Map(), findings: [] };
    const work = sets.filter((s) => s.migrations.some(roundtrip_outcome/* isChanged */.Hq));
    // Every Alembic directory's models are compared with its revisions, changed or not.
    const models = (0,model_check/* modelSets */.z)(sets);
    const baseline = config.baselineSchema !== null || config.baselineDatabase !== null;
    if (work.length === 0 && !baseline && models.length === 0) {
        outcome.notes.push('no changed migration: no database was started');
        return outcome;
    }
    // A missing Alembic is one configuration error, before any database is started.
    const alembic = models.length > 0 || (baseline ? sets : work).some((s) => s.format === 'alembic');
    if (alembic)
        await (0,executors/* checkAlembicCommand */.RH)(config);
    const provider = opts.provider ?? createProvider(config);
    const endRun = (0,cleanup/* beginRun */.Te)();
    const unregister = (0,cleanup/* registerCleanup */.qE)(() => provider.close());
    try {
        try {
            outcome.database = await provider.start();
            opts.progress?.(`database: ${provider.kind}, PostgreSQL ${outcome.database.serverVersion}`);
            const total = work.reduce((n, s) => n + s.migrations.filter(roundtrip_outcome/* isChanged */.Hq).length, 0);
            const counter = { done: 0, total };
            const progress = opts.progress ?? (() => undefined);
            for (const set of work) {
                await new SetRun(set, config, provider, progress, counter, outcome).run();
            }
            // Every migration of a directory from empty, through the same Umzug and watchdog as the round-trip.
            const applyAll = (db, set) => new SetRun(set, config, provider, progress, counter, outcome).applyAll(db);
            if (config.baselineSchema) {
                progress(`baseline: ${config.baselineSchema} against every migration applied from empty`);
                const findings = await (0,roundtrip_baseline/* checkBaseline */.iW)({
                    provider,
                    sets,
                    config,
                    notes: outcome.notes,
                    applyAll,
                });
                outcome.findings.push(...findings);
            }
            if (config.baselineDatabase) {
                progress(`baseline: ${(0,redact/* redactUrl */.BO)(config.baselineDatabase)} (read only) against every migration applied from empty`);
                const findings = await (0,baseline_live/* checkLiveBaseline */.IA)({
                    provider,
                    sets,
                    config,
                    applyAll,
                });
                outcome.findings.push(...findings);
            }
            if (models.length > 0) {
                const findings = await (0,model_check/* checkModels */.h)({
                    createScratch: () => provider.createScratch(),
                    sets: models,
                    config,
                    notes: outcome.notes,
                    progress,
                    changed: opts.changedFiles ?? (async (files) => new Set(files)),
                    // One Alembic process to head, on the steps' own role.
                    applyAll: (db, set) => (0,executors_alembic/* upgradeHead */.v7)(db.url, set, config),
                });
                outcome.findings.push(...findings);
            }
        }
        catch (error) {
            // The run's own error is the one to report; a failing cleanup after it only adds what was left behind.
            await provider.close().catch((closeError) => {
                if (error instanceof types/* GateError */.ue)
                    error.message += `; ${(0,types/* errorText */.kc)(closeError)}`;
            });
            if (error instanceof types/* GateError */.ue)
                error.message = (0,redact/* redact */.E$)(error.message);
            throw error;
        }
        try {
            await provider.close();
        }
        catch (error) {
            if (error instanceof types/* GateError */.ue)
                error.message = (0,redact/* redact */.E$)(error.message);
            throw error;
        }
        // After the close: it notes what it removed from the server.
        outcome.notes = [...outcome.notes, ...provider.notes].map((note) => (0,redact/* redact */.E$)(note));
        return outcome;
    }
    finally {
        unregister();
        endRun();
    }
}

;// CONCATENATED MODULE: ./lib/roundtrip/index.js
/**
 * The round-trip stage: scratch databases (providers), format executors, and the runner that proves each
 * changed migration's downgrade on a real PostgreSQL. The engine loads it lazily, only for `check`.
 */



/***/ }),

/***/ 85599:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  h: () => (/* binding */ checkModels),
  z: () => (/* binding */ modelSets)
});

// EXTERNAL MODULE: ./lib/types.js
var types = __webpack_require__(64170);
// EXTERNAL MODULE: ./lib/roundtrip/cleanup.js
var cleanup = __webpack_require__(80487);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
// EXTERNAL MODULE: ./lib/roundtrip/executors/alembic.js
var alembic = __webpack_require__(18025);
// EXTERNAL MODULE: ./lib/roundtrip/executors/alembic-process.js
var alembic_process = __webpack_require__(52313);
;// CONCATENATED MODULE: ./lib/roundtrip/model-drift-script.js
/** The comparison of the project's models with a migrated database, run with the project's own Python and Alembic. */
// Alembic's autogenerate comparison (what `alembic check` runs, on every Alembic version since 1.0), printed as JSON.
const MODEL_DRIFT_SCRIPT = String.raw `
import argparse, inspect, json, os, sys

MARK = "MIGRATION_GATE_MODEL_DRIFT "


def main():
    args = json.loads(sys.argv[1])
    sys.path.insert(0, os.getcwd())
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    cfg = Config(args["config"], ini_section=args["name"], cmd_opts=argparse.Namespace(x=args["x"] or None))
    script = ScriptDirectory.from_config(cfg)
    out = {"metadata": None, "diffs": [], "files": []}

    def compare(rev, context):
        metadata = context.opts.get("target_metadata")
        if metadata is None:
            out["metadata"] = False
            return []
        out["metadata"] = True
        out["diffs"] = [d for diff in compare_metadata(context, metadata) for d in describe(diff)]
        return []

    with EnvironmentContext(cfg, script, fn=compare, as_sql=False):
        script.run_env()
    out["sources"] = sources()
    sys.stdout.write("\n" + MARK + json.dumps(out) + "\n")


def table_name(table):
    return table.fullname if table is not None else None


def qualified(schema, table):
    return f"{schema}.{table}" if schema else table


def describe(diff):
    if isinstance(diff, list):
        for change in diff:
            yield modify(change)
        return
    op = diff[0]
    if op in ("add_table", "remove_table"):
        yield {"op": op, "table": table_name(diff[1]), "object": table_name(diff[1]), "detail": None}
    elif op in ("add_column", "remove_column"):
        column = diff[3]
        table = qualified(diff[1], diff[2])
        yield {"op": op, "table": table, "object": f"{table}.{column.name}", "detail": str(column.type)}
    elif op in ("add_index", "remove_index"):
        index = diff[1]
        cols = ", ".join(str(getattr(c, "name", c)) for c in index.expressions)
        unique = "unique " if index.unique else ""
        yield {"op": op, "table": table_name(index.table), "object": str(index.name),
               "detail": f"{unique}on {table_name(index.table)} ({cols})"}
    elif op in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        constraint = diff[1]
        table = table_name(constraint.table)
        cols = ", ".join(c.name for c in getattr(constraint, "columns", []))
        name = constraint.name or f"({cols})"
        yield {"op": op, "table": table, "object": f"{table}.{name}",
               "detail": f"{type(constraint).__name__} on {table} ({cols})"}
    elif op in ("add_table_comment", "remove_table_comment"):
        yield {"op": op, "table": table_name(diff[1]), "object": table_name(diff[1]), "detail": None}
    else:
        yield {"op": str(op), "table": None, "object": str(diff[1:])[:200], "detail": None}


def modify(change):
    op, schema, table, column = change[0], change[1], change[2], change[3]
    old, new = change[-2], change[-1]
    full = qualified(schema, table)
    return {"op": op, "table": full, "object": f"{full}.{column}", "detail": f"{render(old)} -> {render(new)}"}


def render(value):
    text = getattr(value, "text", None)
    if text is None and hasattr(value, "arg"):
        text = getattr(value.arg, "text", value.arg)
    return str(text if text is not None else value)


def sources():
    # Model classes by table: file and line of each mapped class the project loaded.
    found = {}
    root = os.path.realpath(os.getcwd())
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path or not os.path.realpath(path).startswith(root + os.sep):
            continue
        for value in list(vars(module).values()):
            table = getattr(value, "__table__", None) if inspect.isclass(value) else None
            if table is None or not hasattr(table, "fullname"):
                continue
            try:
                file = inspect.getsourcefile(value)
                line = inspect.getsourcelines(value)[1]
            except (OSError, TypeError):
                continue
            if file and os.path.realpath(file).startswith(root + os.sep):
                found.setdefault(table.fullname, {"file": os.path.realpath(file), "line": line})
    return found


main()
`;
/** The line prefix the script prints its JSON result after. */
const MODEL_DRIFT_MARK = 'MIGRATION_GATE_MODEL_DRIFT ';

// EXTERNAL MODULE: ./lib/roundtrip/providers/url.js + 3 modules
var providers_url = __webpack_require__(16592);
// EXTERNAL MODULE: ./lib/roundtrip/storage.js
var storage = __webpack_require__(41870);
;// CONCATENATED MODULE: ./lib/roundtrip/model-drift.js







const DRIFT_TIMEOUT_MS = 300_000;
async function shebang(command) {
    const dirs = command.includes('/') ? [''] : (process.env.PATH ?? '').split(external_node_path_.delimiter);
    for (const dir of dirs) {
        const file = dir ? external_node_path_.join(dir, command) : command;
        try {
            await (0,promises_.access)(file);
        }
        catch {
            continue;
        }
        const first = (await (0,promises_.readFile)(file, 'latin1')).split('\n', 1)[0] ?? '';
        const match = /^#!\s*(.+)$/.exec(first);
        if (match && /python/.test(match[1]))
            return match[1].trim().split(/\s+/);
        return null;
    }
    return null;
}
/**
 * The project's interpreter, read from `alembic-command`: `python -m alembic …` → `python`; a wrapper
 * (`poetry run alembic`, `uv run alembic`) → the wrapper running `python`; a plain `alembic` → the interpreter
 * of its script's `#!` line (a console script names the environment it was installed into), else `python3`.
 * The Alembic options `-c`/`--config`, `-n`/`--name` and `-x` are kept for the comparison.
 */
async function pythonCommand(words) {
    let at = words.findIndex((w) => /^alembic(\.exe)?$/i.test(external_node_path_.basename(w)));
    if (at === -1)
        at = 0;
    let python;
    if (at >= 2 && words[at - 1] === '-m')
        python = words.slice(0, at - 1);
    else if (at > 0)
        python = [...words.slice(0, at), 'python'];
    else
        python = (await shebang(words[0])) ?? ['python3'];
    const result = { python, config: 'alembic.ini', name: 'alembic', x: [] };
    const rest = words.slice(at + 1);
    for (let i = 0; i < rest.length; i++) {
        const word = rest[i];
        const [flag, inline] = word.startsWith('--') && word.includes('=') ? word.split(/=(.*)/s) : [word];
        const value = inline ?? rest[i + 1];
        if (value === undefined)
            continue;
        if (flag === '-c' || flag === '--config')
            result.config = value;
        else if (flag === '-n' || flag === '--name')
            result.name = value;
        else if (flag === '-x')
            result.x.push(value);
        else
            continue;
        if (inline === undefined)
            i++;
    }
    return result;
}
/** Reads the script's JSON result from Alembic's output; throws when it is missing or unreadable. */
function readComparison(output) {
    const line = output.split(/\r?\n/).find((l) => l.startsWith(MODEL_DRIFT_MARK));
    if (!line)
        throw new Error('no result');
    const raw = JSON.parse(line.slice(MODEL_DRIFT_MARK.length));
    return {
        metadata: raw.metadata === true,
        operations: raw.diffs.filter((d) => !(d.table ?? d.object).startsWith(`${storage/* STORAGE_SCHEMA */.cl}.`)),
        sources: raw.sources ?? {},
    };
}
/** The last meaningful line of a failed run (the exception), scrubbed of the database password. */
function failureLine(result, url) {
    const lines = result.output
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '' && !/^(INFO|DEBUG)\s+\[/.test(l));
    return (0,providers_url/* scrubSecrets */.Zg)(lines.at(-1) ?? `exit status ${result.code ?? result.signal}`, url);
}
/**
 * Runs Alembic's autogenerate comparison of the project's `target_metadata` with the database at `url`
 * (already at head), through the project's own Python and `env.py`, so `include_object`, `compare_type` and
 * the other options of its `context.configure` apply as they do for `alembic check`.
 */
async function compareModels(config, set, url) {
    const words = (0,alembic_process/* commandWords */.Bl)(config);
    const place = await (0,alembic/* alembicPlace */.ZV)(config, set.dir);
    const py = await pythonCommand(words);
    const args = JSON.stringify({ config: py.config, name: py.name, x: py.x });
    const env = {
        ...process.env,
        DATABASE_URL: (0,alembic/* sqlalchemyUrl */.XA)(url),
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
    };
    // The interpreter read from the command first; then the one of `alembic` on PATH, then python3 (a wrapper
    // such as `sh -c '… exec alembic "$@"'` names no interpreter the gate can see).
    const candidates = [py.python, (await shebang('alembic')) ?? [], ['python3']].filter((c, i, all) => c.length > 0 && all.findIndex((o) => o.join(' ') === c.join(' ')) === i);
    let first = null;
    for (const python of candidates) {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), Math.max(DRIFT_TIMEOUT_MS, config.stepTimeoutSec * 1000));
        let result;
        try {
            result = await (0,alembic_process/* runAlembic */.HV)([...python, '-c', MODEL_DRIFT_SCRIPT, args], place.cwd, env, controller.signal);
        }
        catch (error) {
            first ??= (0,alembic_process/* notFound */.mX)(python, place.cwd, error);
            continue;
        }
        finally {
            clearTimeout(timer);
        }
        try {
            return readComparison(result.output);
        }
        catch {
            first ??= new Error(result.code !== 0
                ? `the models could not be compared (${python.join(' ')}): ${failureLine(result, url)}`
                : `the model comparison printed no result: ${failureLine(result, url)}`);
        }
    }
    throw first ?? new Error('no Python interpreter to compare the models with');
}
function relative(config, file) {
    const rel = external_node_path_.relative(external_node_path_.resolve(config.cwd), file).split(external_node_path_.sep).join('/');
    return rel.startsWith('../') || external_node_path_.isAbsolute(rel) ? file : rel;
}
/** `add_column users.nickname (VARCHAR(40))`. */
function describeOperation(op) {
    return `${op.op} ${op.object}${op.detail ? ` (${op.detail})` : ''}`;
}
/**
 * The `model-drift` finding of one directory, or null when the models match. It points at the model class of
 * the first drifting table whose file the change set touched, else at the first drifting table's model, else
 * at the migration directory.
 */
function modelDriftFinding(config, set, comparison, changed) {
    const ops = comparison.operations;
    if (ops.length === 0)
        return null;
    const places = ops
        .map((op) => (op.table ? comparison.sources[op.table] : undefined))
        .filter((p) => p !== undefined)
        .map((p) => ({ path: relative(config, p.file), line: p.line }));
    const place = places.find((p) => changed.has(p.path)) ?? places[0];
    const names = ops.slice(0, 5).map(describeOperation);
    const more = ops.length > 5 ? ` and ${ops.length - 5} more` : '';
    return {
        rule: 'model-drift',
        severity: 'error',
        migration: null,
        path: place?.path ?? set.dir,
        ...(place ? { line: place.line } : {}),
        message: `after every migration of ${set.dir}, the models (target_metadata) differ from the schema: ` +
            `autogenerate would emit ${ops.length} operation${ops.length === 1 ? '' : 's'}: ${names.join(', ')}${more}; ` +
            `add a revision for them (alembic revision --autogenerate) or change the models back`,
        details: ops.map(describeOperation),
    };
}
/** Files among `sources` the change set touched, by the caller's reckoning. */
function modelFiles(config, comparison) {
    return [...new Set(Object.values(comparison.sources).map((s) => relative(config, s.file)))];
}

// EXTERNAL MODULE: ./lib/roundtrip/from-empty.js
var from_empty = __webpack_require__(76831);
;// CONCATENATED MODULE: ./lib/roundtrip/model-check.js




/** The Alembic directories whose models are compared: every one holding revisions. */
function modelSets(sets) {
    return sets.filter((s) => s.format === 'alembic' && s.migrations.length > 0);
}
/**
 * The `model-drift` check of every Alembic directory: every revision goes up from empty on a scratch database,
 * then the project's own Alembic compares its `target_metadata` with that schema. It runs whether or not a
 * revision changed: a pull request that changes the models and no revision is the one it exists for. A project
 * without `target_metadata` gets a note.
 */
async function checkModels(opts) {
    const findings = [];
    for (const set of modelSets(opts.sets)) {
        const started = Date.now();
        const db = await opts.createScratch();
        const release = (0,cleanup/* registerCleanup */.qE)(() => db.drop());
        try {
            const failed = await (0,from_empty/* applyFromEmpty */.ak)([set], db, opts.applyAll, 'revisions');
            if (failed) {
                opts.notes.push(`the models of ${set.dir} were not compared: ${failed}`);
                continue;
            }
            let comparison;
            try {
                comparison = await compareModels(opts.config, set, db.url);
            }
            catch (error) {
                if (error instanceof types/* GateError */.ue)
                    throw error;
                findings.push({
                    rule: 'model-drift',
                    severity: 'error',
                    migration: null,
                    path: set.dir,
                    message: `cannot compare the models of ${set.dir} with its revisions: ${(0,types/* errorText */.kc)(error)}`,
                });
                continue;
            }
            if (!comparison.metadata) {
                opts.notes.push(`${set.dir}: env.py configures no target_metadata, so the models were not compared with the revisions ` +
                    `(set target_metadata = Base.metadata to gate model drift)`);
                continue;
            }
            const changed = await opts.changed(modelFiles(opts.config, comparison));
            const finding = modelDriftFinding(opts.config, set, comparison, changed);
            if (finding)
                findings.push(finding);
            opts.progress(`models: ${set.dir} ${finding ? `differ (${comparison.operations.length} operation(s))` : 'match the revisions'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        }
        finally {
            await db.drop();
            release();
        }
    }
    return findings;
}


/***/ }),

/***/ 3007:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Hq: () => (/* binding */ isChanged),
/* harmony export */   IX: () => (/* binding */ hasCompleteWaiver),
/* harmony export */   YA: () => (/* binding */ seconds),
/* harmony export */   b6: () => (/* binding */ hasDown)
/* harmony export */ });
const CHANGED = new Set(['added', 'modified', 'renamed']);
/** True for the migrations the round-trip proves (added, modified, renamed). */
function isChanged(m) {
    return CHANGED.has(m.change);
}
function hasCompleteWaiver(m) {
    return Boolean(m.waiver?.owner && m.waiver.rationale);
}
function hasDown(m) {
    return m.down !== null && !m.down.empty;
}
function seconds(ms) {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}


/***/ }),

/***/ 16592:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  n2: () => (/* binding */ UrlProvider),
  mh: () => (/* reexport */ connectClient),
  D9: () => (/* reexport */ endClient),
  U2: () => (/* reexport */ scratchName),
  Zg: () => (/* reexport */ scrubSecrets)
});

// UNUSED EXPORTS: SCRATCH_PREFIX, displayUrl, urlForDatabase

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./lib/redact.js
var redact = __webpack_require__(25078);
// EXTERNAL MODULE: ./lib/types.js
var types = __webpack_require__(64170);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
;// CONCATENATED MODULE: ./lib/roundtrip/providers/pg-connect.js




/** Prefix of every scratch database (and role) the gate creates. */
const SCRATCH_PREFIX = 'migration_gate_';
/** Milliseconds to wait for a connection to a server. */
const CONNECT_TIMEOUT_MS = 10_000;
/** The URL with its password replaced by `***` (safe for output). */
function displayUrl(url) {
    try {
        const parsed = new URL(url);
        if (parsed.password)
            parsed.password = '***';
        return (0,redact/* redactUrl */.BO)(parsed.toString());
    }
    catch {
        return (0,redact/* redactUrl */.BO)(url);
    }
}
/**
 * Removes the password of `url` from a text: URL-shaped passwords always, and the bare password wherever it
 * occurs unless it is also the user or database name (which the output shows anyway); every other secret of
 * the run too.
 */
function scrubSecrets(text, url) {
    (0,redact/* registerUrlPassword */.M1)(url);
    return (0,redact/* redact */.E$)(text);
}
/** The URL of database `name` on the same server (user, password, host and parameters kept). */
function urlForDatabase(url, name) {
    try {
        const parsed = new URL(url);
        parsed.pathname = `/${encodeURIComponent(name)}`;
        return parsed.toString();
    }
    catch {
        const match = /^(postgres(?:ql)?:\/\/[^/?#]*)(\/[^?#]*)?(.*)$/i.exec(url);
        if (!match)
            return url;
        return `${match[1]}/${encodeURIComponent(name)}${match[3] ?? ''}`;
    }
}
/** A new scratch database name: `migration_gate_` + 12 random characters. */
function scratchName() {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const bytes = (0,external_node_crypto_.randomBytes)(12);
    let suffix = '';
    for (const b of bytes)
        suffix += alphabet[b % alphabet.length];
    return SCRATCH_PREFIX + suffix;
}
/** Ends a session without waiting more than a moment on a server that no longer answers. */
async function endClient(client) {
    let timer;
    await Promise.race([
        client.end().catch(() => undefined),
        new Promise((resolve) => {
            timer = setTimeout(resolve, 2_000);
        }),
    ]);
    clearTimeout(timer);
}
/** A connected node-postgres client that never crashes the process on a dropped connection. */
async function connectClient(connectionString, options) {
    let client;
    try {
        client = new esm/* default.Client */.Ay.Client({
            connectionString,
            connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
            keepAlive: true,
            keepAliveInitialDelayMillis: 10_000,
            ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
        });
    }
    catch (error) {
        throw new types/* GateError */.ue(scrubSecrets(`cannot connect to ${options.what} at ${displayUrl(connectionString)}: ${(0,types/* errorText */.kc)(error)} ` +
            '(percent-encode characters such as / @ : # ? in the user name and password)', connectionString), { cause: error });
    }
    // A terminated session emits 'error' on an idle client; the next query reports it instead.
    client.on('error', () => undefined);
    try {
        await client.connect();
    }
    catch (error) {
        await client.end().catch(() => undefined);
        throw new types/* GateError */.ue(scrubSecrets(`cannot connect to ${options.what} at ${displayUrl(connectionString)}: ${(0,types/* errorText */.kc)(error)}`, connectionString), { cause: error });
    }
    return client;
}
/** The URL with another user and password (host, database and parameters kept). */
function urlWithLogin(url, user, password) {
    const parsed = new URL(url);
    parsed.username = encodeURIComponent(user);
    parsed.password = encodeURIComponent(password);
    parsed.searchParams.delete('user');
    parsed.searchParams.delete('password');
    return parsed.toString();
}

// EXTERNAL MODULE: ./lib/roundtrip/sql-text.js
var sql_text = __webpack_require__(47007);
;// CONCATENATED MODULE: ./lib/roundtrip/providers/server-objects.js





/**
 * What the gate keeps track of on a server besides its scratch databases: the run's own role, the comments
 * that date every database and role it creates (so that a later run finds what a killed one left), the
 * cluster-wide objects migrations create, and the lock that keeps privileged runs on one server apart.
 */
const COMMENT_PREFIX = 'migration-gate scratch created ';
const COMMENT = /^migration-gate scratch created (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)$/;
/** The comment on every scratch database and run role: `migration-gate scratch created 2026-12-02T15:00:00Z`. */
function creationComment(now) {
    return COMMENT_PREFIX + now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
/** The creation time a gate comment states, or null when the text is not one. */
function createdAt(comment) {
    const match = COMMENT.exec(comment ?? '');
    if (!match)
        return null;
    const time = new Date(match[1]);
    return Number.isNaN(time.getTime()) ? null : time;
}
/** A SCRAM-SHA-256 verifier of `password`: the server stores it as is and never sees the password itself. */
function scramVerifier(password, salt = (0,external_node_crypto_.randomBytes)(16), iterations = 4096) {
    const salted = (0,external_node_crypto_.pbkdf2Sync)(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
    const clientKey = (0,external_node_crypto_.createHmac)('sha256', salted).update('Client Key').digest();
    const storedKey = (0,external_node_crypto_.createHash)('sha256').update(clientKey).digest();
    const serverKey = (0,external_node_crypto_.createHmac)('sha256', salted).update('Server Key').digest();
    return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
/**
 * Creates the run's login role (`migration_gate_<random>`, random password, no SUPERUSER, CREATEDB, CREATEROLE,
 * REPLICATION or BYPASSRLS), dated by its comment, and makes the current role a member of it so that it may
 * create databases owned by it and drop them again.
 */
async function createRunRole(client, now) {
    const name = scratchName();
    const password = (0,external_node_crypto_.randomBytes)(24).toString('base64url');
    await client.query(`CREATE ROLE ${(0,sql_text/* quoteIdent */.v)(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS ` +
        `INHERIT PASSWORD ${esm/* default.escapeLiteral */.Ay.escapeLiteral(scramVerifier(password))}`);
    await client.query(`COMMENT ON ROLE ${(0,sql_text/* quoteIdent */.v)(name)} IS ${esm/* default.escapeLiteral */.Ay.escapeLiteral(creationComment(now))};
     GRANT ${(0,sql_text/* quoteIdent */.v)(name)} TO CURRENT_USER`);
    return { name, password };
}
/** Ends every session of `role`, drops what it owns in the current database, then the role. */
async function dropRole(client, role) {
    const exists = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role]);
    if (exists.rowCount === 0)
        return;
    await client.query('SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = $1', [role]);
    await client.query(`DROP OWNED BY ${(0,sql_text/* quoteIdent */.v)(role)}`);
    await client.query(`DROP ROLE IF EXISTS ${(0,sql_text/* quoteIdent */.v)(role)}`);
}
/** Drops a database, ending its sessions first. */
async function dropDatabase(client, name, versionNum) {
    if (versionNum >= 130000) {
        await client.query(`DROP DATABASE IF EXISTS ${(0,sql_text/* quoteIdent */.v)(name)} WITH (FORCE)`);
        return;
    }
    await client.query('SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()', [name]);
    await client.query(`DROP DATABASE IF EXISTS ${(0,sql_text/* quoteIdent */.v)(name)}`);
}
/**
 * Drops the scratch databases and run roles of earlier runs (gate prefix AND a gate comment) created more than
 * `hours` ago: what a run killed with SIGKILL, or on a machine that went away, left behind.
 */
async function dropStale(client, hours, now, versionNum) {
    const pattern = `${SCRATCH_PREFIX.replace(/_/g, '\\_')}%`;
    const rows = await client.query(`SELECT 'database' AS kind, datname AS name, pg_catalog.shobj_description(oid, 'pg_database') AS comment
       FROM pg_catalog.pg_database WHERE datname LIKE $1
     UNION ALL
     SELECT 'role', rolname, pg_catalog.shobj_description(oid, 'pg_authid')
       FROM pg_catalog.pg_roles WHERE rolname LIKE $1`, [pattern]);
    const limit = now.getTime() - hours * 3_600_000;
    const stale = rows.rows.filter((r) => {
        const created = createdAt(r.comment);
        return created !== null && created.getTime() < limit;
    });
    const result = { dropped: [], failed: [] };
    // Databases first: a role that still owns one cannot be dropped.
    for (const kind of ['database', 'role']) {
        for (const { name } of stale.filter((r) => r.kind === kind)) {
            try {
                if (kind === 'database')
                    await dropDatabase(client, name, versionNum);
                else
                    await dropRole(client, name);
                result.dropped.push(name);
            }
            catch (error) {
                result.failed.push(`${name}: ${(0,types/* errorText */.kc)(error)}`);
            }
        }
    }
    return result;
}
/** Key of the advisory lock that keeps privileged runs on one server apart from every other run. */
const SERVER_LOCK_KEY = 7236284517420151n;
const LOCK_POLL_MS = 500;
/**
 * Takes the server lock on `client`'s session: shared for runs whose migrations cannot change anything outside
 * their scratch database, exclusive for privileged ones (their roles, tablespaces and server settings would
 * otherwise show up in the other runs' snapshots, and two of them would create the same role). Returns the
 * milliseconds spent waiting.
 */
async function lockServer(client, exclusive) {
    const started = Date.now();
    const fn = exclusive ? 'pg_try_advisory_lock' : 'pg_try_advisory_lock_shared';
    for (;;) {
        const result = await client.query(`SELECT pg_catalog.${fn}($1::bigint) AS ok`, [
            SERVER_LOCK_KEY.toString(),
        ]);
        if (result.rows[0]?.ok)
            return Date.now() - started;
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
}
/**
 * The cluster-wide objects migrations create when they run with the rights to (privileged): recorded around every
 * step, and removed or restored at the end of the run. Only what appeared while a step ran counts, so objects
 * that others create on the same server meanwhile are left alone.
 */
class ClusterTracker {
    client;
    notes;
    roles = new Set();
    tablespaces = new Set();
    /** Value of each `ALTER SYSTEM` setting a step changed, before the first change (null: not set). */
    system = new Map();
    canReadSystem = null;
    constructor(client, notes) {
        this.client = client;
        this.notes = notes;
    }
    /** Runs `step`, noting what it created. */
    async watch(label, step) {
        const before = await this.read();
        try {
            return await step();
        }
        finally {
            const after = await this.read().catch(() => null);
            if (after)
                this.record(label, before, after);
        }
    }
    record(label, before, after) {
        for (const role of after.roles)
            if (!before.roles.has(role))
                this.roles.add(role);
        for (const space of after.tablespaces)
            if (!before.tablespaces.has(space))
                this.tablespaces.add(space);
        if (!before.system || !after.system)
            return;
        const names = new Set([...before.system.keys(), ...after.system.keys()]);
        for (const name of names) {
            const old = before.system.get(name) ?? null;
            if (old === (after.system.get(name) ?? null) || this.system.has(name))
                continue;
            this.system.set(name, old);
            this.notes.push(`${label} changed the server setting ${name} with ALTER SYSTEM; migration-gate restored it at the end of the run`);
        }
    }
    async read() {
        const client = await this.client();
        if (this.canReadSystem === null) {
            const result = await client.query("SELECT pg_catalog.has_table_privilege('pg_catalog.pg_file_settings', 'SELECT') AS ok");
            this.canReadSystem = result.rows[0]?.ok === true;
        }
        const result = await client.query(`SELECT 'role' AS kind, rolname AS name, NULL AS value FROM pg_catalog.pg_roles
       UNION ALL SELECT 'tablespace', spcname, NULL FROM pg_catalog.pg_tablespace` +
            (this.canReadSystem
                ? ` UNION ALL SELECT 'system', name, setting FROM pg_catalog.pg_file_settings
               WHERE sourcefile LIKE '%postgresql.auto.conf'`
                : ''));
        const state = {
            roles: new Set(),
            tablespaces: new Set(),
            system: this.canReadSystem ? new Map() : null,
        };
        for (const row of result.rows) {
            if (row.kind === 'role')
                state.roles.add(row.name);
            else if (row.kind === 'tablespace')
                state.tablespaces.add(row.name);
            else
                state.system?.set(row.name, row.value ?? '');
        }
        return state;
    }
    /**
     * Removes what the steps created (tablespaces, then roles) and restores the `ALTER SYSTEM` settings they
     * changed. Returns one line per object that could not be removed; notes what it removed.
     */
    async undo() {
        const client = await this.client();
        const problems = [];
        const removed = [];
        for (const space of this.tablespaces) {
            try {
                const exists = await client.query('SELECT 1 FROM pg_catalog.pg_tablespace WHERE spcname = $1', [
                    space,
                ]);
                if (exists.rowCount === 0)
                    continue;
                await client.query(`DROP TABLESPACE ${(0,sql_text/* quoteIdent */.v)(space)}`);
                removed.push(`tablespace ${space}`);
            }
            catch (error) {
                problems.push(`tablespace ${space}: ${(0,types/* errorText */.kc)(error)}`);
            }
        }
        for (const role of this.roles) {
            try {
                const exists = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role]);
                if (exists.rowCount === 0)
                    continue;
                await dropRole(client, role);
                removed.push(`role ${role}`);
            }
            catch (error) {
                problems.push(`role ${role}: ${(0,types/* errorText */.kc)(error)}`);
            }
        }
        if (this.system.size > 0) {
            try {
                for (const [name, value] of this.system) {
                    await client.query(value === null
                        ? `ALTER SYSTEM RESET ${(0,sql_text/* quoteIdent */.v)(name)}`
                        : `ALTER SYSTEM SET ${(0,sql_text/* quoteIdent */.v)(name)} = ${esm/* default.escapeLiteral */.Ay.escapeLiteral(value)}`);
                }
                await client.query('SELECT pg_catalog.pg_reload_conf()');
            }
            catch (error) {
                problems.push(`server settings ${[...this.system.keys()].join(', ')}: ${(0,types/* errorText */.kc)(error)}`);
            }
        }
        this.tablespaces.clear();
        this.roles.clear();
        this.system.clear();
        if (removed.length > 0) {
            this.notes.push(`migration-gate removed what the migrations created on the server: ${removed.join(', ')}`);
        }
        return problems;
    }
}

;// CONCATENATED MODULE: ./lib/roundtrip/providers/url-scratch.js


/** A scratch database on a server reached by URL. */
class UrlScratch {
    provider;
    name;
    access;
    role;
    connectTimeoutMs;
    url;
    displayUrl;
    adminUrl;
    dropped = false;
    dropping = null;
    constructor(provider, name, serverUrl, access, role, connectTimeoutMs) {
        this.provider = provider;
        this.name = name;
        this.access = access;
        this.role = role;
        this.connectTimeoutMs = connectTimeoutMs;
        this.adminUrl = urlForDatabase(serverUrl, name);
        this.url = role ? urlWithLogin(this.adminUrl, role.name, role.password) : this.adminUrl;
        this.displayUrl = displayUrl(this.url);
        if (role)
            this.connectAdmin = () => this.open(this.adminUrl, 'the scratch database (bookkeeping)');
    }
    /** With a role of the run's own: a session as the URL's role, for the gate's storage and snapshots. */
    connectAdmin;
    async connect() {
        return this.open(this.url, 'the scratch database');
    }
    async open(url, what) {
        if (this.dropped)
            throw new types/* GateError */.ue(`the scratch database ${this.name} was dropped`);
        return connectClient(url, { connectTimeoutMs: this.connectTimeoutMs, what });
    }
    watchStep(label, step) {
        return this.provider.watchStep(label, step);
    }
    async terminateSessions() {
        // The steps' sessions: every session of the run's own role (a module may have opened more), else every
        // session on this database.
        if (!this.dropped)
            await this.provider.terminate(this.name, this.role?.name ?? null);
    }
    drop() {
        this.dropping ??= this.provider.dropDatabase(this.name).then(() => {
            this.dropped = true;
        }, (error) => {
            this.dropping = null;
            throw error;
        });
        return this.dropping;
    }
}

;// CONCATENATED MODULE: ./lib/roundtrip/providers/url.js








const MAINTENANCE_QUERY_TIMEOUT_MS = 60_000;
const DEFAULT_STALE_AFTER_HOURS = 6;
/**
 * Scratch databases on a PostgreSQL server reached by URL. The URL's database is only the maintenance
 * connection; every migration runs in a `migration_gate_<random>` database created here and dropped at the end,
 * as a login role of the run's own that owns the scratch database and nothing else (unless `privileged`).
 */
class UrlProvider {
    url;
    kind;
    notes;
    maintenance = null;
    maintenanceBroken = false;
    versionNum = 0;
    info = null;
    live = new Map();
    /** `CREATE DATABASE` statements the server may still be running. */
    creating = new Set();
    connectTimeoutMs;
    privileged;
    staleAfterHours;
    now;
    /** The role the steps run as: the run's own, or the URL's when privileged. */
    access = null;
    role = null;
    tracker = null;
    /** The server lock is held by the maintenance session: taken again when that session is replaced. */
    locked = false;
    constructor(url, options = {}) {
        this.url = url;
        this.kind = options.kind ?? 'url';
        this.notes = options.notes ?? [];
        this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
        this.privileged = options.privileged ?? this.kind === 'container';
        this.staleAfterHours = options.staleAfterHours ?? DEFAULT_STALE_AFTER_HOURS;
        this.now = options.now ?? (() => new Date());
        (0,redact/* registerUrlPassword */.M1)(url);
    }
    /** The server URL with the password hidden. */
    get displayUrl() {
        return displayUrl(this.url);
    }
    /** The run's own role, while it exists (null when privileged). */
    get runRole() {
        return this.role?.name ?? null;
    }
    async start() {
        if (this.info)
            return this.info;
        const client = await this.maintenanceClient();
        const row = await this.query(client, `SELECT current_user AS role, r.rolcreatedb, r.rolcreaterole, r.rolsuper,
              current_setting('server_version') AS version, current_setting('server_version_num') AS num
         FROM pg_roles r WHERE r.rolname = current_user`);
        const me = row.rows[0];
        if (!me)
            throw new types/* GateError */.ue(`cannot read the current role at ${this.displayUrl}`);
        if (!me.rolcreatedb && !me.rolsuper) {
            await this.close();
            throw new types/* GateError */.ue(`the role '${me.role}' may not create databases: migration-gate needs a scratch database of its own ` +
                `(grant CREATEDB, or use --database embedded)`);
        }
        if (!this.privileged && !me.rolcreaterole && !me.rolsuper) {
            await this.close();
            throw new types/* GateError */.ue(`the role '${me.role}' may not create roles: on a server, migration-gate runs the migrations as a role of ` +
                `the run's own that can change only its scratch database (grant CREATEROLE, or set privileged: true ` +
                `to run them as '${me.role}')`);
        }
        this.versionNum = Number(me.num);
        const waited = await this.lock(client);
        if (waited >= 1_000) {
            this.notes.push(`waited ${Math.round(waited / 1000)} s for ${this.privileged ? 'the other runs' : 'a privileged run'} ` +
                `of migration-gate on this server`);
        }
        await this.dropLeftovers(client);
        if (this.privileged) {
            this.access = { role: me.role, restricted: false };
            this.tracker = new ClusterTracker(() => this.maintenanceClient(), this.notes);
            if (this.kind === 'url') {
                this.notes.push(`privileged: the migrations ran as the server URL's role '${me.role}', not as a role of the run's own: ` +
                    `they could change the whole server (other databases, roles, settings), not only the scratch database`);
            }
        }
        else {
            try {
                this.role = await createRunRole(client, this.now());
            }
            catch (error) {
                throw this.gateError('cannot create the role the migrations run as', error);
            }
            (0,redact/* addSecret */.Ck)(this.role.password);
            this.access = { role: this.role.name, restricted: true };
        }
        this.info = { provider: this.kind, serverVersion: me.version.split(' ')[0] ?? me.version };
        return this.info;
    }
    async lock(client) {
        try {
            const waited = await lockServer(client, this.privileged);
            this.locked = true;
            return waited;
        }
        catch (error) {
            throw this.gateError('cannot take the server lock', error);
        }
    }
    /** Drops the gate's own databases and roles left by earlier runs, older than the configured age. */
    async dropLeftovers(client) {
        let cleanup;
        try {
            cleanup = await dropStale(client, this.staleAfterHours, this.now(), this.versionNum);
        }
        catch (error) {
            this.notes.push(scrubSecrets(`could not look for leftovers of earlier runs: ${(0,types/* errorText */.kc)(error)}`, this.url));
            return;
        }
        const age = `older than ${this.staleAfterHours} h`;
        if (cleanup.dropped.length > 0) {
            this.notes.push(`dropped ${cleanup.dropped.length} leftover(s) of earlier runs on this server (${age}): ${cleanup.dropped.join(', ')}`);
        }
        if (cleanup.failed.length > 0) {
            this.notes.push(scrubSecrets(`could not drop leftovers of earlier runs (${age}): ${cleanup.failed.join('; ')}`, this.url));
        }
    }
    async createScratch() {
        return this.create(null);
    }
    /** `CREATE DATABASE … TEMPLATE`: a copy of one of this provider's scratch databases. */
    async copyScratch(source) {
        if (this.live.get(source.name) !== source) {
            throw new types/* GateError */.ue(`${source.name} is not a live scratch database of this server`);
        }
        return this.create(source.name);
    }
    async create(template) {
        await this.start();
        const client = await this.maintenanceClient();
        const owner = this.role ? ` OWNER ${(0,sql_text/* quoteIdent */.v)(this.role.name)}` : '';
        for (let attempt = 0;; attempt++) {
            const name = scratchName();
            const creation = client.query(`CREATE DATABASE ${(0,sql_text/* quoteIdent */.v)(name)}${template ? ` TEMPLATE ${(0,sql_text/* quoteIdent */.v)(template)}` : ''}${owner}`);
            this.creating.add(creation);
            try {
                await creation;
            }
            catch (error) {
                if (error.code === '42P04' && attempt < 3)
                    continue;
                throw this.gateError(`cannot create the scratch database ${name}`, error);
            }
            finally {
                this.creating.delete(creation);
            }
            const scratch = new UrlScratch(this, name, this.url, this.access, this.role, this.connectTimeoutMs);
            this.live.set(name, scratch);
            // The comment dates it for the leftover cleanup of later runs. A throwaway database needs no durable
            // commits: each migration's COMMIT then skips the WAL flush.
            await client
                .query(`COMMENT ON DATABASE ${(0,sql_text/* quoteIdent */.v)(name)} IS ${esm/* default.escapeLiteral */.Ay.escapeLiteral(creationComment(this.now()))};
           ALTER DATABASE ${(0,sql_text/* quoteIdent */.v)(name)} SET synchronous_commit = off`)
                .catch((error) => {
                throw this.gateError(`cannot configure the scratch database ${name}`, error);
            });
            return scratch;
        }
    }
    /** Runs one step, noting the roles, tablespaces and server settings it creates (privileged runs only). */
    watchStep(label, step) {
        return this.tracker ? this.tracker.watch(label, step) : step();
    }
    async close() {
        // A database being created (say, when SIGINT arrives) exists once the server finishes: wait for it, so that
        // it is live, and dropped below, instead of created after the drops and left behind.
        if (this.creating.size > 0)
            await Promise.allSettled([...this.creating]);
        const left = [];
        let reason = null;
        for (const scratch of [...this.live.values()]) {
            // After one failure the server is most likely gone: do not wait on it once per database.
            if (reason !== null) {
                left.push(scratch.name);
                continue;
            }
            try {
                await scratch.drop();
            }
            catch (error) {
                left.push(scratch.name);
                reason = (0,types/* errorText */.kc)(error);
            }
        }
        const problems = [];
        if (reason === null) {
            if (this.tracker)
                problems.push(...(await this.tracker.undo().catch((e) => [(0,types/* errorText */.kc)(e)])));
            const role = this.role;
            if (role) {
                try {
                    await dropRole(await this.maintenanceClient(), role.name);
                    this.role = null;
                }
                catch (error) {
                    problems.push(`role ${role.name}: ${(0,types/* errorText */.kc)(error)}`);
                }
            }
        }
        else if (this.role) {
            problems.push(`role ${this.role.name}`);
        }
        const client = this.maintenance;
        this.maintenance = null;
        this.locked = false;
        this.info = null;
        if (client)
            await client.end().catch(() => undefined);
        const messages = [
            ...(left.length > 0 ? [`could not drop the scratch database(s) ${left.join(', ')}: ${reason}`] : []),
            ...(problems.length > 0 ? [`could not remove ${problems.join('; ')}`] : []),
        ];
        if (messages.length > 0)
            throw new types/* GateError */.ue(scrubSecrets(messages.join('; '), this.url));
    }
    /** Terminates every session on database `name` (or, with `role`, every session of that role). */
    async terminate(name, role = null) {
        const client = await this.maintenanceClient();
        await this.query(client, role
            ? 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()'
            : 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [role ?? name]);
    }
    /** Drops database `name` (sessions on it are terminated first). */
    async dropDatabase(name) {
        const client = await this.maintenanceClient();
        try {
            await dropDatabase(client, name, this.versionNum);
        }
        catch (error) {
            if (!error.code)
                this.maintenanceBroken = true;
            throw this.gateError('PostgreSQL failed', error);
        }
        this.live.delete(name);
    }
    async maintenanceClient() {
        if (this.maintenance && !this.maintenanceBroken)
            return this.maintenance;
        if (this.maintenance)
            await this.maintenance.end().catch(() => undefined);
        this.maintenance = null;
        this.maintenanceBroken = false;
        const client = await connectClient(this.url, {
            connectTimeoutMs: this.connectTimeoutMs,
            queryTimeoutMs: MAINTENANCE_QUERY_TIMEOUT_MS,
            what: 'PostgreSQL',
        });
        client.on('error', () => {
            this.maintenanceBroken = true;
        });
        client.on('end', () => {
            this.maintenanceBroken = true;
        });
        this.maintenance = client;
        if (this.locked)
            await lockServer(client, this.privileged);
        return client;
    }
    async query(client, text, values) {
        try {
            return await client.query(text, values);
        }
        catch (error) {
            if (!error.code)
                this.maintenanceBroken = true;
            throw this.gateError('PostgreSQL failed', error);
        }
    }
    gateError(what, error) {
        if (error instanceof types/* GateError */.ue)
            return error;
        return new types/* GateError */.ue(scrubSecrets(`${what} at ${this.displayUrl}: ${(0,types/* errorText */.kc)(error)}`, this.url), {
            cause: error,
        });
    }
}


/***/ }),

/***/ 85407:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  VF: () => (/* reexport */ clusterScope),
  W9: () => (/* binding */ takeSnapshot)
});

// UNUSED EXPORTS: CLUSTER_KINDS, INSPECTORS, OBJECT_KINDS, objectKey

// EXTERNAL MODULE: ./lib/types.js
var types = __webpack_require__(64170);
// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(83849);
// EXTERNAL MODULE: ./lib/roundtrip/snapshot/sql.js
var sql = __webpack_require__(72132);
;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/cluster.js


/**
 * Cluster-wide objects in the snapshot: roles, role memberships, tablespaces, per-database and per-role settings
 * and `ALTER SYSTEM` settings. A migration that creates a role in up and leaves it after down is a
 * `down-mismatch` like a table would be.
 */
/** The gate's own scratch databases and run roles, left out (concurrent runs create and drop them). */
const GATE_NAME = "LIKE 'migration\\_gate\\_%'";
/** The scope for snapshots on `client`, given who runs the steps. */
async function clusterScope(client, access) {
    const full = !access?.restricted;
    if (!full)
        return { full, role: access.role, system: false };
    const result = await client.query("SELECT pg_catalog.has_table_privilege('pg_catalog.pg_file_settings', 'SELECT') AS ok");
    return { full, role: access?.role ?? null, system: (0,sql/* bool */.lc)(result.rows[0]?.ok) };
}
function roleExpr(scope) {
    return scope.role === null ? 'CURRENT_USER' : esm/* default.escapeLiteral */.Ay.escapeLiteral(scope.role);
}
const ROLE_PROPS = [
    ['superuser', 'rolsuper'],
    ['inherit', 'rolinherit'],
    ['createrole', 'rolcreaterole'],
    ['createdb', 'rolcreatedb'],
    ['login', 'rolcanlogin'],
    ['replication', 'rolreplication'],
    ['bypassrls', 'rolbypassrls'],
];
const roles = {
    what: 'roles',
    sql: `
SELECT r.rolname AS name, ${ROLE_PROPS.map(([, c]) => `r.${c}`).join(', ')},
       r.rolconnlimit::text AS connlimit, r.rolvaliduntil::text AS validuntil,
       pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment
FROM pg_catalog.pg_roles r
WHERE r.rolname !~ '^pg_' AND r.rolname NOT ${GATE_NAME}`,
    toObject: (row) => ({
        kind: 'role',
        name: row.name,
        schema: null,
        table: null,
        props: {
            ...Object.fromEntries(ROLE_PROPS.map(([prop, column]) => [prop, (0,sql/* bool */.lc)(row[column])])),
            'connection limit': (0,sql/* text */.Qq)(row.connlimit),
            'valid until': (0,sql/* text */.Qq)(row.validuntil),
            comment: (0,sql/* text */.Qq)(row.comment),
        },
    }),
};
const memberships = {
    what: 'role memberships',
    sql: `
SELECT g.rolname AS role, m.rolname AS member,
       (pg_catalog.to_jsonb(a) - ARRAY['oid', 'roleid', 'member', 'grantor'])::text AS options
FROM pg_catalog.pg_auth_members a
JOIN pg_catalog.pg_roles g ON g.oid = a.roleid
JOIN pg_catalog.pg_roles m ON m.oid = a.member
WHERE g.rolname NOT ${GATE_NAME} AND m.rolname NOT ${GATE_NAME}`,
    toObject: (row) => ({
        kind: 'role membership',
        name: `${row.role} granted to ${row.member}`,
        schema: null,
        table: null,
        props: { options: (0,sql/* text */.Qq)(row.options) },
    }),
};
const tablespaces = {
    what: 'tablespaces',
    sql: `
SELECT t.spcname AS name, pg_catalog.pg_get_userbyid(t.spcowner) AS owner,
       pg_catalog.pg_tablespace_location(t.oid) AS location, t.spcoptions::text[] AS options,
       ${(0,sql/* aclText */.E9)('t.spcacl', 't', 't.spcowner')} AS acl,
       pg_catalog.shobj_description(t.oid, 'pg_tablespace') AS comment
FROM pg_catalog.pg_tablespace t`,
    toObject: (row) => ({
        kind: 'tablespace',
        name: row.name,
        schema: null,
        table: null,
        props: {
            owner: (0,sql/* text */.Qq)(row.owner),
            location: (0,sql/* text */.Qq)(row.location),
            options: (0,sql/* sortedArray */.ZA)(row.options),
            privileges: (0,sql/* sortedArray */.ZA)(row.acl),
            comment: (0,sql/* text */.Qq)(row.comment),
        },
    }),
};
/** `ALTER DATABASE … SET` / `ALTER ROLE … SET` settings (`pg_db_role_setting`). */
function settings(scope) {
    const role = roleExpr(scope);
    const filter = scope.full
        ? `(s.setdatabase = 0 OR d.datname = pg_catalog.current_database() OR d.datname NOT ${GATE_NAME})
       AND (s.setrole = 0 OR r.rolname = ${role} OR r.rolname NOT ${GATE_NAME})`
        : `(s.setdatabase = 0 OR d.datname = pg_catalog.current_database())
       AND (s.setrole = 0 AND s.setdatabase <> 0 OR r.rolname = ${role})`;
    return {
        what: 'database and role settings',
        sql: `
SELECT CASE WHEN s.setdatabase = 0 THEN NULL
            WHEN d.datname = pg_catalog.current_database() THEN '(the scratch database)'
            ELSE d.datname END AS database,
       CASE WHEN s.setrole = 0 THEN NULL
            WHEN r.rolname = ${role} THEN '(the migration role)'
            ELSE r.rolname END AS role,
       s.setconfig AS config
FROM pg_catalog.pg_db_role_setting s
LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
WHERE ${filter}`,
        toObject: (row) => ({
            kind: 'setting',
            name: row.role === null
                ? `database ${row.database}`
                : row.database === null
                    ? `role ${row.role}`
                    : `role ${row.role} in database ${row.database}`,
            schema: null,
            table: null,
            props: { settings: (0,sql/* sortedArray */.ZA)(row.config) },
        }),
    };
}
const systemSettings = {
    what: 'server settings (ALTER SYSTEM)',
    sql: `
SELECT f.name, f.setting
FROM pg_catalog.pg_file_settings f
WHERE f.sourcefile LIKE '%postgresql.auto.conf'`,
    toObject: (row) => ({
        kind: 'server setting',
        name: row.name,
        schema: null,
        table: null,
        props: { value: (0,sql/* text */.Qq)(row.setting) },
    }),
};
/** The inspectors of the cluster-wide objects in `scope`. */
function clusterInspectors(scope) {
    if (!scope.full)
        return [settings(scope)];
    return [roles, memberships, tablespaces, settings(scope), ...(scope.system ? [systemSettings] : [])];
}

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/columns.js

/**
 * Table columns, keyed by name (never by position, so a column dropped and re-added compares equal):
 * type, nullability, default, identity, generation expression, collation, privileges, comment. The position
 * is kept beside the compared properties, for the `column-order` rule.
 */
const columns = {
    what: 'columns',
    sql: `
SELECT n.nspname AS schema, c.relname AS table_name, a.attname AS name, a.attnum AS position,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS default_expr,
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
       CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
            || CASE a.attgenerated WHEN 's' THEN ' STORED' ELSE ' VIRTUAL' END END AS generated,
       CASE WHEN a.attcollation <> t.typcollation
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END AS collation,
       a.attacl::pg_catalog.text[] AS acl,
       ${(0,sql/* commentOf */.vm)('pg_class', 'c.oid', 'a.attnum')} AS comment
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
  AND ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_class', 'c.oid')}`,
    toObject: (row) => ({
        kind: 'column',
        name: (0,sql/* qualify */.Ss)(row.schema, row.table_name, row.name),
        schema: row.schema,
        table: (0,sql/* qualify */.Ss)(row.schema, row.table_name),
        position: Number(row.position),
        props: {
            type: (0,sql/* text */.Qq)(row.type),
            'not null': (0,sql/* bool */.lc)(row.not_null),
            default: (0,sql/* text */.Qq)(row.default_expr),
            identity: (0,sql/* text */.Qq)(row.identity),
            generated: (0,sql/* text */.Qq)(row.generated),
            collation: (0,sql/* text */.Qq)(row.collation),
            privileges: (0,sql/* sortedArray */.ZA)(row.acl),
            comment: (0,sql/* text */.Qq)(row.comment),
        },
    }),
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/composite-types.js

/**
 * Composite types (`CREATE TYPE … AS (…)`): attributes as `name type [COLLATE c]` in declared order
 * (the order is part of the type), owner, privileges, comment.
 */
const compositeTypes = {
    what: 'composite types',
    sql: `
SELECT n.nspname AS schema, t.typname AS name,
       ARRAY(SELECT a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
                    || CASE WHEN a.attcollation <> at.typcollation
                            THEN ' COLLATE ' || pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                            ELSE '' END
             FROM pg_catalog.pg_attribute a
             JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
             LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
             LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
             WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum) AS attributes,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       ${(0,sql/* aclText */.E9)('t.typacl', 'T', 't.typowner')} AS acl,
       ${(0,sql/* commentOf */.vm)('pg_type', 't.oid')} AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
WHERE t.typtype = 'c' AND c.relkind = 'c' AND ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_type', 't.oid')}`,
    toObject: (row) => ({
        kind: 'composite type',
        name: (0,sql/* qualify */.Ss)(row.schema, row.name),
        schema: row.schema,
        table: null,
        props: {
            attributes: (0,sql/* textArray */.TS)(row.attributes),
            owner: (0,sql/* text */.Qq)(row.owner),
            privileges: (0,sql/* sortedArray */.ZA)(row.acl),
            comment: (0,sql/* text */.Qq)(row.comment),
        },
    }),
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/constraints.js

const TYPES = {
    p: 'PRIMARY KEY',
    u: 'UNIQUE',
    f: 'FOREIGN KEY',
    c: 'CHECK',
    x: 'EXCLUDE',
};
/**
 * Table constraints (primary key, unique, foreign key, check, exclusion), keyed by table and name:
 * definition, deferrability, validation, comment. Not-null constraints are the columns' `not null`.
 * A foreign key to a partitioned table is one constraint: the copies PostgreSQL adds on the same table
 * for each referenced partition (numbered names) are left out.
 */
const constraints = {
    what: 'constraints',
    sql: `
SELECT n.nspname AS schema, c.relname AS table_name, con.conname AS name, con.contype::pg_catalog.text AS type,
       pg_catalog.pg_get_constraintdef(con.oid) AS definition,
       con.condeferrable AS deferrable, con.condeferred AS deferred, con.convalidated AS validated,
       ${(0,sql/* commentOf */.vm)('pg_constraint', 'con.oid')} AS comment
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_constraint parent ON parent.oid = con.conparentid
WHERE con.contype IN ('p', 'u', 'f', 'c', 'x')
  AND parent.conrelid IS DISTINCT FROM con.conrelid
  AND ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_class', 'c.oid')}`,
    toObject: (row) => {
        const type = TYPES[row.type] ?? String(row.type);
        return {
            kind: 'constraint',
            name: (0,sql/* qualify */.Ss)(row.schema, row.table_name, row.name),
            schema: row.schema,
            table: (0,sql/* qualify */.Ss)(row.schema, row.table_name),
            label: type,
            props: {
                type,
                definition: (0,sql/* text */.Qq)(row.definition),
                deferrable: (0,sql/* bool */.lc)(row.deferrable),
                deferred: (0,sql/* bool */.lc)(row.deferred),
                validated: (0,sql/* bool */.lc)(row.validated),
                comment: (0,sql/* text */.Qq)(row.comment),
            },
        };
    },
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/default-privileges.js

const OBJECTS = {
    r: 'tables',
    S: 'sequences',
    f: 'functions',
    T: 'types',
    n: 'schemas',
    L: 'large objects',
};
/**
 * `ALTER DEFAULT PRIVILEGES` entries, named `<role> on <objects>[ in <schema>]`
 * (e.g. `app on tables in public`): the privileges new objects receive.
 */
const defaultPrivileges = {
    what: 'default privileges',
    sql: `
SELECT pg_catalog.pg_get_userbyid(a.defaclrole) AS role, n.nspname AS schema,
       a.defaclobjtype::pg_catalog.text AS objtype, a.defaclacl::pg_catalog.text[] AS acl
FROM pg_catalog.pg_default_acl a
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = a.defaclnamespace
WHERE a.defaclnamespace = 0 OR (${(0,sql/* userSchema */.vJ)('n')})`,
    toObject: (row) => {
        const objects = OBJECTS[row.objtype] ?? String(row.objtype);
        const schema = row.schema ?? null;
        return {
            kind: 'default privileges',
            name: `${row.role} on ${objects}${schema === null ? '' : ` in ${schema}`}`,
            schema,
            table: null,
            props: { privileges: (0,sql/* sortedArray */.ZA)(row.acl) },
        };
    },
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/domains.js

/** Domains: base type, default, not null, collation, check constraints (`name definition`), owner, privileges, comment. */
const domains = {
    what: 'domains',
    sql: `
SELECT n.nspname AS schema, t.typname AS name,
       pg_catalog.format_type(t.typbasetype, t.typtypmod) AS base_type,
       pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS default_expr,
       t.typnotnull AS not_null,
       CASE WHEN t.typcollation <> bt.typcollation
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END AS collation,
       ARRAY(SELECT con.conname || ' ' || pg_catalog.pg_get_constraintdef(con.oid)
             FROM pg_catalog.pg_constraint con
             WHERE con.contypid = t.oid AND con.contype = 'c') AS checks,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       ${(0,sql/* aclText */.E9)('t.typacl', 'T', 't.typowner')} AS acl,
       ${(0,sql/* commentOf */.vm)('pg_type', 't.oid')} AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE t.typtype = 'd' AND ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_type', 't.oid')}`,
    toObject: (row) => ({
        kind: 'domain',
        name: (0,sql/* qualify */.Ss)(row.schema, row.name),
        schema: row.schema,
        table: null,
        props: {
            'base type': (0,sql/* text */.Qq)(row.base_type),
            default: (0,sql/* text */.Qq)(row.default_expr),
            'not null': (0,sql/* bool */.lc)(row.not_null),
            collation: (0,sql/* text */.Qq)(row.collation),
            checks: (0,sql/* sortedArray */.ZA)(row.checks),
            owner: (0,sql/* text */.Qq)(row.owner),
            privileges: (0,sql/* sortedArray */.ZA)(row.acl),
            comment: (0,sql/* text */.Qq)(row.comment),
        },
    }),
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/enums.js

/** Enum types: labels in their declared order, owner, privileges, comment. */
const enums = {
    what: 'enum types',
    sql: `
SELECT n.nspname AS schema, t.typname AS name,
       ARRAY(SELECT e.enumlabel FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)::pg_catalog.text[] AS labels,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       ${(0,sql/* aclText */.E9)('t.typacl', 'T', 't.typowner')} AS acl,
       ${(0,sql/* commentOf */.vm)('pg_type', 't.oid')} AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_type', 't.oid')}`,
    toObject: (row) => ({
        kind: 'enum',
        name: (0,sql/* qualify */.Ss)(row.schema, row.name),
        schema: row.schema,
        table: null,
        props: {
            labels: (0,sql/* textArray */.TS)(row.labels),
            owner: (0,sql/* text */.Qq)(row.owner),
            privileges: (0,sql/* sortedArray */.ZA)(row.acl),
            comment: (0,sql/* text */.Qq)(row.comment),
        },
    }),
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/extensions.js

/** Extensions: the schema they live in and their version (their members are not listed one by one). */
const extensions = {
    what: 'extensions',
    sql: `
SELECT e.extname AS name, n.nspname AS schema, e.extversion AS version
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace`,
    toObject: (row) => ({
        kind: 'extension',
        name: row.name,
        schema: null,
        table: null,
        props: { schema: (0,sql/* text */.Qq)(row.schema), version: (0,sql/* text */.Qq)(row.version) },
    }),
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/functions.js

const KINDS = { f: 'function', w: 'function', p: 'procedure', a: 'aggregate' };
const VOLATILITY = { i: 'immutable', s: 'stable', v: 'volatile' };
const PARALLEL = { s: 'safe', r: 'restricted', u: 'unsafe' };
/**
 * Functions, procedures and aggregates, keyed by identity signature (`public.total(integer, integer)`):
 * language, arguments (with defaults), return type, body, volatility, strictness, security definer,
 * parallel safety, cost, settings, owner, privileges, comment; aggregates add their support functions.
 */
const functions = {
    what: 'functions',
    sql: `
SELECT n.nspname AS schema, p.proname AS name, p.prokind::pg_catalog.text AS prokind,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS identity,
       l.lanname AS language,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_function_result(p.oid) AS result,
       CASE WHEN p.prosqlbody IS NOT NULL THEN pg_catalog.pg_get_function_sqlbody(p.oid) ELSE p.prosrc END AS body,
       p.probin AS library,
       p.provolatile::pg_catalog.text AS volatility,
       p.proisstrict AS strict,
       p.prosecdef AS security_definer,
       p.proleakproof AS leakproof,
       p.proparallel::pg_catalog.text AS parallel,
       p.procost::pg_catalog.text AS cost,
       p.prorows::pg_catalog.text AS rows,
       p.proconfig AS config,
       ag.aggtransfn::pg_catalog.text AS agg_transition,
       pg_catalog.format_type(ag.aggtranstype, NULL) AS agg_state_type,
       NULLIF(ag.aggfinalfn::pg_catalog.text, '-') AS agg_final,
       NULLIF(ag.aggcombinefn::pg_catalog.text, '-') AS agg_combine,
       ag.agginitval AS agg_initial,
       pg_catalog.pg_get_userbyid(p.proowner) AS owner,
       ${(0,sql/* aclText */.E9)('p.proacl', 'f', 'p.proowner')} AS acl,
       ${(0,sql/* commentOf */.vm)('pg_proc', 'p.oid')} AS comment
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
LEFT JOIN pg_catalog.pg_aggregate ag ON ag.aggfnoid = p.oid
WHERE ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_proc', 'p.oid')}
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend own
                  WHERE own.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND own.objid = p.oid AND own.deptype = 'i')`,
    toObject: (row) => {
        const kind = KINDS[row.prokind] ?? 'function';
        const props = {
            language: (0,sql/* text */.Qq)(row.language),
            arguments: (0,sql/* text */.Qq)(row.arguments),
            returns: (0,sql/* text */.Qq)(row.result),
            body: kind === 'aggregate' ? null : (0,sql/* text */.Qq)(row.body),
            library: (0,sql/* text */.Qq)(row.library),
            volatility: VOLATILITY[row.volatility] ?? (0,sql/* text */.Qq)(row.volatility),
            strict: (0,sql/* bool */.lc)(row.strict),
            'security definer': (0,sql/* bool */.lc)(row.security_definer),
            leakproof: (0,sql/* bool */.lc)(row.leakproof),
            parallel: PARALLEL[row.parallel] ?? (0,sql/* text */.Qq)(row.parallel),
            cost: (0,sql/* text */.Qq)(row.cost),
            rows: (0,sql/* text */.Qq)(row.rows),
            settings: (0,sql/* sortedArray */.ZA)(row.config),
        };
        if (kind === 'aggregate') {
            props['transition function'] = (0,sql/* text */.Qq)(row.agg_transition);
            props['state type'] = (0,sql/* text */.Qq)(row.agg_state_type);
            props['final function'] = (0,sql/* text */.Qq)(row.agg_final);
            props['combine function'] = (0,sql/* text */.Qq)(row.agg_combine);
            props['initial value'] = (0,sql/* text */.Qq)(row.agg_initial);
        }
        props.owner = (0,sql/* text */.Qq)(row.owner);
        props.privileges = (0,sql/* sortedArray */.ZA)(row.acl);
        props.comment = (0,sql/* text */.Qq)(row.comment);
        return {
            kind,
            name: `${row.schema}.${row.name}(${row.identity})`,
            schema: row.schema,
            table: null,
            props,
        };
    },
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/indexes.js

/**
 * Indexes on tables, partitioned tables and materialized views, keyed by schema and name: definition,
 * uniqueness, predicate, INCLUDE columns, validity (an index left invalid by a failed
 * `CREATE INDEX CONCURRENTLY` shows), clustering, comment.
 */
const indexes = {
    what: 'indexes',
    sql: `
SELECT n.nspname AS schema, i.relname AS name, tn.nspname AS table_schema, t.relname AS table_name,
       pg_catalog.pg_get_indexdef(i.oid) AS definition,
       x.indisunique AS is_unique,
       pg_catalog.pg_get_expr(x.indpred, x.indrelid) AS predicate,
       ARRAY(SELECT ta.attname
             FROM pg_catalog.generate_series(x.indnkeyatts, x.indnatts - 1) AS k
             JOIN pg_catalog.pg_attribute ta ON ta.attrelid = x.indrelid AND ta.attnum = x.indkey[k]
             ORDER BY k)::pg_catalog.text[] AS include,
       x.indisvalid AS valid,
       x.indisclustered AS clustered,
       ${(0,sql/* commentOf */.vm)('pg_class', 'i.oid')} AS comment
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_namespace n ON n.oid = i.relnamespace
JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
WHERE ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_class', 't.oid')}`,
    toObject: (row) => ({
        kind: 'index',
        name: (0,sql/* qualify */.Ss)(row.schema, row.name),
        schema: row.schema,
        table: (0,sql/* qualify */.Ss)(row.table_schema, row.table_name),
        props: {
            table: (0,sql/* qualify */.Ss)(row.table_schema, row.table_name),
            definition: (0,sql/* text */.Qq)(row.definition),
            unique: (0,sql/* bool */.lc)(row.is_unique),
            predicate: (0,sql/* text */.Qq)(row.predicate),
            include: (0,sql/* textArray */.TS)(row.include),
            valid: (0,sql/* bool */.lc)(row.valid),
            clustered: (0,sql/* bool */.lc)(row.clustered),
            comment: (0,sql/* text */.Qq)(row.comment),
        },
    }),
};

// EXTERNAL MODULE: ./lib/roundtrip/snapshot/model.js
var model = __webpack_require__(55077);
;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/policies.js

/** Row-level security policies, keyed by table and name: command, permissive, roles, USING, WITH CHECK, comment. */
const policies = {
    what: 'policies',
    sql: `
SELECT n.nspname AS schema, c.relname AS table_name, p.polname AS name,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
       p.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN r.oid = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r.oid) END
             FROM pg_catalog.unnest(p.polroles) AS r(oid))::pg_catalog.text[] AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr,
       ${(0,sql/* commentOf */.vm)('pg_policy', 'p.oid')} AS comment
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_class', 'c.oid')}`,
    toObject: (row) => ({
        kind: 'policy',
        name: (0,sql/* qualify */.Ss)(row.schema, row.table_name, row.name),
        schema: row.schema,
        table: (0,sql/* qualify */.Ss)(row.schema, row.table_name),
        props: {
            command: (0,sql/* text */.Qq)(row.command),
            permissive: (0,sql/* bool */.lc)(row.permissive),
            roles: (0,sql/* sortedArray */.ZA)(row.roles),
            using: (0,sql/* text */.Qq)(row.using_expr),
            'with check': (0,sql/* text */.Qq)(row.check_expr),
            comment: (0,sql/* text */.Qq)(row.comment),
        },
    }),
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/range-types.js

/** Range types: subtype, collation, operator class, canonical and subtype-difference functions, owner, privileges, comment. */
const rangeTypes = {
    what: 'range types',
    sql: `
SELECT n.nspname AS schema, t.typname AS name,
       pg_catalog.format_type(r.rngsubtype, NULL) AS subtype,
       CASE WHEN r.rngcollation <> 0
            THEN pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END AS collation,
       opn.nspname || '.' || opc.opcname AS opclass,
       NULLIF(r.rngcanonical::pg_catalog.text, '-') AS canonical,
       NULLIF(r.rngsubdiff::pg_catalog.text, '-') AS subdiff,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       ${(0,sql/* aclText */.E9)('t.typacl', 'T', 't.typowner')} AS acl,
       ${(0,sql/* commentOf */.vm)('pg_type', 't.oid')} AS comment
FROM pg_catalog.pg_range r
JOIN pg_catalog.pg_type t ON t.oid = r.rngtypid
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace
LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
WHERE ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_type', 't.oid')}`,
    toObject: (row) => ({
        kind: 'range type',
        name: (0,sql/* qualify */.Ss)(row.schema, row.name),
        schema: row.schema,
        table: null,
        props: {
            subtype: (0,sql/* text */.Qq)(row.subtype),
            collation: (0,sql/* text */.Qq)(row.collation),
            'operator class': (0,sql/* text */.Qq)(row.opclass),
            canonical: (0,sql/* text */.Qq)(row.canonical),
            'subtype diff': (0,sql/* text */.Qq)(row.subdiff),
            owner: (0,sql/* text */.Qq)(row.owner),
            privileges: (0,sql/* sortedArray */.ZA)(row.acl),
            comment: (0,sql/* text */.Qq)(row.comment),
        },
    }),
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/schemas.js

/** Schemas: owner, privileges, comment. */
const schemas = {
    what: 'schemas',
    sql: `
SELECT n.nspname AS name,
       pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
       ${(0,sql/* aclText */.E9)('n.nspacl', 'n', 'n.nspowner')} AS acl,
       ${(0,sql/* commentOf */.vm)('pg_namespace', 'n.oid')} AS comment
FROM pg_catalog.pg_namespace n
WHERE ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_namespace', 'n.oid')}`,
    toObject: (row) => ({
        kind: 'schema',
        name: row.name,
        schema: row.name,
        table: null,
        props: { owner: (0,sql/* text */.Qq)(row.owner), privileges: (0,sql/* sortedArray */.ZA)(row.acl), comment: (0,sql/* text */.Qq)(row.comment) },
    }),
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/sequences.js

/**
 * Sequences (standalone, serial and identity): type, start, increment, bounds, cycle, cache, the column
 * that owns them, persistence, owner, privileges, comment. Never the current value.
 */
const sequences = {
    what: 'sequences',
    sql: `
SELECT n.nspname AS schema, c.relname AS name,
       pg_catalog.format_type(s.seqtypid, NULL) AS type,
       s.seqstart::pg_catalog.text AS start, s.seqincrement::pg_catalog.text AS increment,
       s.seqmin::pg_catalog.text AS min, s.seqmax::pg_catalog.text AS max,
       s.seqcycle AS cycle, s.seqcache::pg_catalog.text AS cache,
       own.schema AS owner_schema, own.table_name AS owner_table, own.column_name AS owner_column,
       CASE c.relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary' ELSE 'permanent' END AS persistence,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       ${(0,sql/* aclText */.E9)('c.relacl', 's', 'c.relowner')} AS acl,
       ${(0,sql/* commentOf */.vm)('pg_class', 'c.oid')} AS comment
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
  SELECT tn.nspname AS schema, t.relname AS table_name, a.attname AS column_name
  FROM pg_catalog.pg_depend dep
  JOIN pg_catalog.pg_class t ON t.oid = dep.refobjid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
  WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.objid = c.oid
    AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.refobjsubid > 0
    AND dep.deptype IN ('a', 'i')
  LIMIT 1
) own ON true
WHERE ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_class', 'c.oid')}`,
    toObject: (row) => {
        const ownedBy = row.owner_column ? (0,sql/* qualify */.Ss)(row.owner_schema, row.owner_table, row.owner_column) : null;
        return {
            kind: 'sequence',
            name: (0,sql/* qualify */.Ss)(row.schema, row.name),
            schema: row.schema,
            table: row.owner_column ? (0,sql/* qualify */.Ss)(row.owner_schema, row.owner_table) : null,
            props: {
                type: (0,sql/* text */.Qq)(row.type),
                start: (0,sql/* text */.Qq)(row.start),
                increment: (0,sql/* text */.Qq)(row.increment),
                min: (0,sql/* text */.Qq)(row.min),
                max: (0,sql/* text */.Qq)(row.max),
                cycle: (0,sql/* bool */.lc)(row.cycle),
                cache: (0,sql/* text */.Qq)(row.cache),
                'owned by': ownedBy,
                persistence: (0,sql/* text */.Qq)(row.persistence),
                owner: (0,sql/* text */.Qq)(row.owner),
                privileges: (0,sql/* sortedArray */.ZA)(row.acl),
                comment: (0,sql/* text */.Qq)(row.comment),
            },
        };
    },
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/tables.js

/**
 * Tables, partitioned tables, partitions and foreign tables: partitioning, inheritance, persistence,
 * row-level security, storage options, replica identity, owner, privileges, comment.
 */
const tables = {
    what: 'tables',
    sql: `
SELECT n.nspname AS schema, c.relname AS name,
       CASE c.relkind WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table' ELSE 'table' END AS type,
       CASE c.relpersistence WHEN 'u' THEN 'unlogged' WHEN 't' THEN 'temporary' ELSE 'permanent' END AS persistence,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       ARRAY(SELECT pn.nspname || '.' || pc.relname
             FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
             JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE i.inhrelid = c.oid
             ORDER BY i.inhseqno) AS parents,
       c.relispartition AS is_partition,
       c.relrowsecurity AS row_security,
       c.relforcerowsecurity AS force_row_security,
       c.reloptions::pg_catalog.text[] AS options,
       CASE c.relreplident WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full' WHEN 'i' THEN 'index' ELSE 'default' END AS replica_identity,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       ${(0,sql/* aclText */.E9)('c.relacl', 'r', 'c.relowner')} AS acl,
       ${(0,sql/* commentOf */.vm)('pg_class', 'c.oid')} AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f') AND ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_class', 'c.oid')}`,
    toObject: (row) => {
        const parents = (0,sql/* textArray */.TS)(row.parents);
        const partition = (0,sql/* bool */.lc)(row.is_partition);
        return {
            kind: 'table',
            name: (0,sql/* qualify */.Ss)(row.schema, row.name),
            schema: row.schema,
            table: (0,sql/* qualify */.Ss)(row.schema, row.name),
            props: {
                type: (0,sql/* text */.Qq)(row.type),
                persistence: (0,sql/* text */.Qq)(row.persistence),
                'partition key': (0,sql/* text */.Qq)(row.partition_key),
                'partition of': partition ? (parents[0] ?? null) : null,
                'partition bound': (0,sql/* text */.Qq)(row.partition_bound),
                inherits: partition ? [] : parents,
                'row security': (0,sql/* bool */.lc)(row.row_security),
                'force row security': (0,sql/* bool */.lc)(row.force_row_security),
                options: (0,sql/* sortedArray */.ZA)(row.options),
                'replica identity': (0,sql/* text */.Qq)(row.replica_identity),
                owner: (0,sql/* text */.Qq)(row.owner),
                privileges: (0,sql/* sortedArray */.ZA)(row.acl),
                comment: (0,sql/* text */.Qq)(row.comment),
            },
        };
    },
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/triggers.js

/** User triggers (internal foreign-key triggers excluded), keyed by table and name: definition, firing state, comment. */
const triggers = {
    what: 'triggers',
    sql: `
SELECT n.nspname AS schema, c.relname AS table_name, t.tgname AS name,
       pg_catalog.pg_get_triggerdef(t.oid) AS definition,
       CASE t.tgenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' ELSE 'origin' END AS enabled,
       ${(0,sql/* commentOf */.vm)('pg_trigger', 't.oid')} AS comment
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_class', 'c.oid')}`,
    toObject: (row) => ({
        kind: 'trigger',
        name: (0,sql/* qualify */.Ss)(row.schema, row.table_name, row.name),
        schema: row.schema,
        table: (0,sql/* qualify */.Ss)(row.schema, row.table_name),
        props: { definition: (0,sql/* text */.Qq)(row.definition), enabled: (0,sql/* text */.Qq)(row.enabled), comment: (0,sql/* text */.Qq)(row.comment) },
    }),
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/views.js

/** Views and materialized views: definition, options, owner, privileges, comment (and whether a materialized view holds data). */
const views = {
    what: 'views',
    sql: `
SELECT n.nspname AS schema, c.relname AS name, c.relkind::pg_catalog.text AS relkind,
       pg_catalog.pg_get_viewdef(c.oid) AS definition,
       c.relispopulated AS populated,
       c.reloptions::pg_catalog.text[] AS options,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       ${(0,sql/* aclText */.E9)('c.relacl', 'r', 'c.relowner')} AS acl,
       ${(0,sql/* commentOf */.vm)('pg_class', 'c.oid')} AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND ${(0,sql/* userSchema */.vJ)('n')} AND ${(0,sql/* notExtensionMember */.RG)('pg_class', 'c.oid')}`,
    toObject: (row) => {
        const materialized = row.relkind === 'm';
        return {
            kind: materialized ? 'materialized view' : 'view',
            name: (0,sql/* qualify */.Ss)(row.schema, row.name),
            schema: row.schema,
            table: (0,sql/* qualify */.Ss)(row.schema, row.name),
            props: {
                definition: (0,sql/* text */.Qq)(row.definition),
                ...(materialized ? { populated: (0,sql/* bool */.lc)(row.populated) } : {}),
                options: (0,sql/* sortedArray */.ZA)(row.options),
                owner: (0,sql/* text */.Qq)(row.owner),
                privileges: (0,sql/* sortedArray */.ZA)(row.acl),
                comment: (0,sql/* text */.Qq)(row.comment),
            },
        };
    },
};

;// CONCATENATED MODULE: ./lib/roundtrip/snapshot/index.js
/**
 * The catalog snapshot: every user-visible schema object of a PostgreSQL database as plain, comparable
 * data. One catalog query per object kind, run one after another on the given connection.
 */





















/** Every inspector, in the order their queries run. */
const INSPECTORS = [
    schemas,
    extensions,
    enums,
    domains,
    compositeTypes,
    rangeTypes,
    sequences,
    tables,
    columns,
    constraints,
    indexes,
    views,
    functions,
    triggers,
    policies,
    defaultPrivileges,
];
/**
 * Reads the schema of the database `db` is connected to. The session's `search_path` is emptied while
 * the catalogs are read (so definitions come out schema-qualified) and restored afterwards.
 * Throws `GateError` naming the object kind when a catalog query fails.
 */
async function takeSnapshot(db, options = {}) {
    const excluded = exclusionFilter(options);
    const saved = await run(db, 'the search_path', "SELECT pg_catalog.current_setting('search_path') AS value");
    const searchPath = String(saved[0]?.value ?? '');
    await run(db, 'the search_path', "SELECT pg_catalog.set_config('search_path', '', false)");
    let objects;
    try {
        const inspectors = options.cluster ? [...INSPECTORS, ...clusterInspectors(options.cluster)] : INSPECTORS;
        objects = await readObjects(db, inspectors, excluded);
    }
    catch (error) {
        await restoreSearchPath(db, searchPath).catch(() => undefined);
        throw error;
    }
    await restoreSearchPath(db, searchPath);
    return { objects };
}
async function readObjects(db, inspectors, excluded) {
    const objects = new Map();
    for (const inspector of inspectors) {
        const rows = await run(db, inspector.what, inspector.sql);
        for (const row of rows) {
            const object = inspector.toObject(row);
            if (!excluded(object))
                objects.set((0,model/* objectKey */.T5)(object.kind, object.name), object);
        }
    }
    return objects;
}
async function restoreSearchPath(db, searchPath) {
    try {
        await db.query("SELECT pg_catalog.set_config('search_path', $1, false)", [searchPath]);
    }
    catch (error) {
        throw readError('the search_path', error);
    }
}
async function run(db, what, sql) {
    try {
        const result = await db.query(sql);
        return result.rows;
    }
    catch (error) {
        throw readError(what, error);
    }
}
function readError(what, error) {
    const message = error instanceof Error ? error.message : String(error);
    return new types/* GateError */.ue(`Could not read ${what} from the database catalogs: ${message}`, { cause: error });
}
function exclusionFilter(options) {
    const schemaSet = new Set(options.excludeSchemas ?? []);
    const qualified = new Set();
    const anySchema = new Set();
    for (const name of options.excludeTables ?? []) {
        if (name.includes('.'))
            qualified.add(name);
        else
            anySchema.add(name);
    }
    return (object) => {
        if (object.schema !== null && schemaSet.has(object.schema))
            return true;
        if (object.table === null)
            return false;
        if (qualified.has(object.table))
            return true;
        return anySchema.size > 0 && anySchema.has(object.table.slice(object.table.indexOf('.') + 1));
    };
}


/***/ }),

/***/ 55077:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   T5: () => (/* binding */ objectKey),
/* harmony export */   cg: () => (/* binding */ OBJECT_KINDS)
/* harmony export */ });
/* unused harmony export CLUSTER_KINDS */
/**
 * The snapshot's data model: what a catalog snapshot holds and how each object kind is read.
 * A snapshot is plain data (no OIDs, no current values; column positions only beside the compared
 * properties), so two snapshots of the same schema compare equal whichever database, session or server run
 * produced them.
 */
/** Object kinds a snapshot records, in the order differences are listed. */
const OBJECT_KINDS = [
    'schema',
    'extension',
    'enum',
    'domain',
    'composite type',
    'range type',
    'sequence',
    'table',
    'column',
    'constraint',
    'index',
    'view',
    'materialized view',
    'function',
    'procedure',
    'aggregate',
    'trigger',
    'policy',
    'default privileges',
    'role',
    'role membership',
    'tablespace',
    'setting',
    'server setting',
];
/** The kinds read only with `SnapshotOptions.cluster`: objects of the whole server, not of one database. */
const CLUSTER_KINDS = (/* unused pure expression or super */ null && ([
    'role',
    'role membership',
    'tablespace',
    'setting',
    'server setting',
]));
/** The key an object is stored under in `Snapshot.objects`. */
function objectKey(kind, name) {
    return `${kind} ${name}`;
}


/***/ }),

/***/ 72132:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   E9: () => (/* binding */ aclText),
/* harmony export */   Qq: () => (/* binding */ text),
/* harmony export */   RG: () => (/* binding */ notExtensionMember),
/* harmony export */   Ss: () => (/* binding */ qualify),
/* harmony export */   TS: () => (/* binding */ textArray),
/* harmony export */   ZA: () => (/* binding */ sortedArray),
/* harmony export */   lc: () => (/* binding */ bool),
/* harmony export */   n6: () => (/* binding */ compareText),
/* harmony export */   vJ: () => (/* binding */ userSchema),
/* harmony export */   vm: () => (/* binding */ commentOf)
/* harmony export */ });
/**
 * SQL fragments and row helpers shared by the inspectors. Queries run with an empty `search_path`,
 * so every name the `pg_get_*` functions print comes out schema-qualified.
 */
/**
 * Condition keeping user schemas only. Users cannot create `pg_*` schemas, so the prefix covers
 * `pg_catalog`, `pg_toast*` and `pg_temp*`.
 */
function userSchema(nsp) {
    return `${nsp}.nspname !~ '^pg_' AND ${nsp}.nspname NOT IN ('information_schema', 'migration_gate')`;
}
/** Condition dropping objects that belong to an extension (the extension itself is recorded instead). */
function notExtensionMember(catalog, oid) {
    return `NOT EXISTS (SELECT FROM pg_catalog.pg_depend ext WHERE ext.classid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND ext.objid = ${oid} AND ext.deptype = 'e')`;
}
/**
 * The comment on an object (sub-object 0 unless given), as a scalar subquery: one index probe per row,
 * whatever the number of comments in the database.
 */
function commentOf(catalog, oid, subId = '0') {
    return `(SELECT d.description FROM pg_catalog.pg_description d WHERE d.objoid = ${oid} AND d.classoid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND d.objsubid = ${subId})`;
}
/**
 * Effective privileges as text, never null: an ACL left at its default equals the default written out,
 * so GRANT followed by REVOKE compares equal to never granting.
 */
function aclText(acl, type, owner) {
    return `COALESCE(${acl}, pg_catalog.acldefault('${type}', ${owner}))::pg_catalog.text[]`;
}
/** Code-point order, independent of any locale. */
function compareText(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
}
/** A text array from a row, sorted; an absent array is empty. */
function sortedArray(value) {
    return textArray(value).sort(compareText);
}
/** A text array from a row in catalog order; an absent array is empty. */
function textArray(value) {
    if (value === null || value === undefined)
        return [];
    if (!Array.isArray(value))
        return [String(value)];
    return value.map((item) => String(item));
}
/** A nullable text column. */
function text(value) {
    return value === null || value === undefined ? null : String(value);
}
/** A boolean column (drivers may hand back `t`/`f`). */
function bool(value) {
    return value === true || value === 't' || value === 'true';
}
/** `schema.name` for display and keys (identifiers unquoted). */
function qualify(...parts) {
    return parts.filter((part) => part !== null && part !== undefined).join('.');
}


/***/ }),

/***/ 47007:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   c: () => (/* binding */ quoteLiteral),
/* harmony export */   v: () => (/* binding */ quoteIdent)
/* harmony export */ });
/** Quoting for SQL text the gate writes itself (PostgreSQL and SQLite quote alike). */
/** A quoted identifier: `"name"`, inner quotes doubled. */
function quoteIdent(name) {
    return `"${name.replace(/"/g, '""')}"`;
}
/** A quoted string literal: `'value'`, inner quotes doubled (standard_conforming_strings). */
function quoteLiteral(value) {
    return `'${value.replace(/'/g, "''")}'`;
}


/***/ }),

/***/ 85049:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   E4: () => (/* binding */ columnOrderFinding),
/* harmony export */   _7: () => (/* binding */ mismatchFinding),
/* harmony export */   aK: () => (/* binding */ prepareSession),
/* harmony export */   cG: () => (/* binding */ failedStep),
/* harmony export */   ox: () => (/* binding */ runWatched),
/* harmony export */   ps: () => (/* binding */ causes),
/* harmony export */   u8: () => (/* binding */ stepFinding),
/* harmony export */   wY: () => (/* binding */ partLine),
/* harmony export */   y7: () => (/* binding */ isConnectionLoss)
/* harmony export */ });
/* unused harmony exports StepFailed, runGuarded */
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(64170);
/* harmony import */ var _redact_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(25078);
/* harmony import */ var _diff_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2056);
/* harmony import */ var _executors_index_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(67812);
/* harmony import */ var _types_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(17134);
/* harmony import */ var _storage_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(41870);






/** Time past the step timeout before the watchdog ends the session (statement_timeout fires first on a server). */
const WATCHDOG_GRACE_MS = 1_000;
/** How much later than `lock_timeout` the server's `statement_timeout` fires. */
const STATEMENT_TIMEOUT_LAG_MS = 200;
/** Time a step gets to settle after its session was ended. */
const SETTLE_MS = 2_000;
const FAILED_RULE = { up: 'up-failed', down: 'down-failed', 're-up': 'reup-failed' };
/** The error and its causes, outermost first. */
function causes(error) {
    const chain = [];
    for (let e = error; e && chain.length < 8; e = e.cause)
        chain.push(e);
    return chain;
}
/** True when PostgreSQL cancelled the statement for `statement_timeout` or `lock_timeout`. */
function isServerTimeout(error) {
    return causes(error).some((e) => {
        const code = e.code;
        const message = e instanceof Error ? e.message : '';
        return ((code === '57014' && /statement timeout/i.test(message)) ||
            (code === '55P03' && /lock timeout/i.test(message)));
    });
}
/**
 * Socket error codes of a lost connection. Other system errors (`ENOENT`, `EACCES`…) come from the migration
 * itself, e.g. a module reading a missing file, and are its failure.
 */
const NETWORK_ERROR_CODES = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'EPIPE',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'EHOSTDOWN',
    'ENETUNREACH',
    'ENETDOWN',
    'ENETRESET',
    'ENOTCONN',
]);
/** True when the connection itself went away (not an error PostgreSQL reported for a statement). */
function isConnectionLoss(error) {
    return causes(error).some((e) => {
        const code = e.code;
        if (code === '57P01' || code === '57P02' || code === '57P03')
            return true;
        if (typeof code === 'string' && NETWORK_ERROR_CODES.has(code))
            return true;
        const message = e instanceof Error ? e.message : '';
        return /Connection terminated|connection error|not queryable|Client was closed/i.test(message);
    });
}
/** A failed step, as the runner reports it. */
class StepFailed extends Error {
    record;
    constructor(record) {
        super(`${record.migration.name} ${record.direction} failed`);
        this.record = record;
    }
}
/**
 * Every step starts from the same session state, with the step timeout as lock timeout and statement
 * timeout (a little later, so that a statement waiting on a lock is reported as such).
 */
async function prepareSession(client, kind, timeoutMs) {
    await client.query(kind === 'embedded'
        ? 'RESET ALL'
        : `RESET ALL; SET statement_timeout = ${timeoutMs + STATEMENT_TIMEOUT_LAG_MS}; SET lock_timeout = ${timeoutMs}`);
}
/**
 * Runs one migration step with the watchdog: past the step timeout (and a grace period) the step's sessions
 * are terminated. `record` is filled in; a failure is thrown as `StepFailed` (a configuration or
 * infrastructure problem as `GateError`).
 */
async function runGuarded(place, record) {
    const { migration: m, direction } = record;
    const controller = new AbortController();
    const ctx = {
        client: place.client,
        db: place.db,
        config: place.config,
        timeoutMs: place.timeoutMs,
        signal: controller.signal,
        ...(place.beforeCommit ? { beforeCommit: place.beforeCommit } : {}),
    };
    let watchdog;
    let settle;
    const expired = new Promise((_, reject) => {
        watchdog = setTimeout(() => {
            record.stopped = true;
            controller.abort();
            place.db.terminateSessions().catch(() => undefined);
            settle = setTimeout(() => reject(new Error('the step did not end after its session was terminated')), SETTLE_MS);
        }, place.timeoutMs + WATCHDOG_GRACE_MS);
    });
    const started = Date.now();
    try {
        await prepareSession(place.client, place.kind, place.timeoutMs);
        await Promise.race([(0,_executors_index_js__WEBPACK_IMPORTED_MODULE_3__/* .executorFor */ .lL)(m.format).run(m, direction, ctx), expired]);
    }
    catch (error) {
        // A configuration or infrastructure problem (e.g. no Alembic command) is not the migration's fault.
        if (error instanceof _types_js__WEBPACK_IMPORTED_MODULE_0__/* .GateError */ .ue && !controller.signal.aborted)
            throw error;
        record.error = error;
        record.timedOut = controller.signal.aborted || isServerTimeout(error);
        throw new StepFailed(record);
    }
    finally {
        record.ms = Date.now() - started;
        clearTimeout(watchdog);
        clearTimeout(settle);
    }
}
/**
 * `runGuarded`, noting what the step creates on the server (`watchStep`) and checking the gate's storage before
 * and after it: a step that dropped or wrote into it fails as `tampered`, the migration's finding, not a broken
 * run. `place.admin` is the gate's own session on the database.
 */
async function runWatched(place, record) {
    const before = await (0,_storage_js__WEBPACK_IMPORTED_MODULE_5__/* .readStorage */ .GJ)(place.admin);
    let failure = null;
    const label = `${record.migration.name} ${record.direction}`;
    try {
        await (place.db.watchStep
            ? place.db.watchStep(label, () => runGuarded(place, record))
            : runGuarded(place, record));
    }
    catch (error) {
        // A stopped session or a lost connection: the database is rebuilt, or the run ends, either way.
        if (!(error instanceof StepFailed) || record.stopped || isConnectionLoss(record.error))
            throw error;
        failure = error;
    }
    const tampered = (0,_storage_js__WEBPACK_IMPORTED_MODULE_5__/* .storageTampering */ .$X)(before, await (0,_storage_js__WEBPACK_IMPORTED_MODULE_5__/* .readStorage */ .GJ)(place.admin));
    if (tampered) {
        record.tampered = tampered;
        throw new StepFailed(record);
    }
    if (failure)
        throw failure;
}
/**
 * The record of the step that failed; anything else (the storage, the connection) is an infrastructure error.
 */
function failedStep(error, dir, kind) {
    const gateError = causes(error).find((e) => e instanceof _types_js__WEBPACK_IMPORTED_MODULE_0__/* .GateError */ .ue);
    if (gateError)
        throw gateError;
    const failed = causes(error).find((e) => e instanceof StepFailed);
    if (!failed) {
        throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .GateError */ .ue(`the round-trip of ${dir} failed: ${(0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .errorText */ .kc)(error)}`, { cause: error });
    }
    const record = failed.record;
    if (!record.timedOut && isConnectionLoss(record.error)) {
        throw new _types_js__WEBPACK_IMPORTED_MODULE_0__/* .GateError */ .ue(`lost the connection to the ${kind} database while running ${record.migration.name} ` +
            `${record.direction}: ${(0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .errorText */ .kc)(record.error)}`, { cause: record.error });
    }
    return record;
}
/** PostgreSQL's `insufficient_privilege`. */
const INSUFFICIENT_PRIVILEGE = '42501';
const STORAGE_NOTICE = `the schema ${_storage_js__WEBPACK_IMPORTED_MODULE_5__/* .STORAGE_SCHEMA */ .cl} is migration-gate's own record of the applied migrations: a migration must ` +
    'leave it alone';
/**
 * The finding of a failed or timed-out step, or of a step that touched the gate's storage (`storage-tampered`).
 * A permission error of a step that ran as the run's own role says how to run with the URL's role. The message
 * is redacted: the step's error may quote any secret of the run.
 */
function stepFinding(record, stepName, context, config, kind, access) {
    const m = record.migration;
    const stepError = causes(record.error).find((e) => e instanceof _types_js__WEBPACK_IMPORTED_MODULE_4__/* .StepError */ .z);
    const code = causes(record.error)
        .map((e) => e.code)
        .find((c) => typeof c === 'string');
    const detail = record.stopped
        ? kind === 'embedded'
            ? 'the gate stopped the embedded database'
            : 'the gate terminated its session'
        : (stepError?.message ?? (0,_types_js__WEBPACK_IMPORTED_MODULE_0__/* .errorText */ .kc)(record.error));
    const denied = !record.timedOut && code === INSUFFICIENT_PRIVILEGE;
    const storage = denied && new RegExp(`\\b${_storage_js__WEBPACK_IMPORTED_MODULE_5__/* .STORAGE_SCHEMA */ .cl}\\b`).test(detail);
    let rule = record.timedOut ? 'timeout' : FAILED_RULE[stepName];
    let base = record.timedOut
        ? `${stepName} did not finish within the step timeout of ${config.stepTimeoutSec} s` +
            (detail ? ` (${detail})` : '')
        : `${stepName} failed: ${detail}`;
    if (record.tampered || storage) {
        rule = 'storage-tampered';
        base = record.tampered
            ? `${stepName} ${record.tampered}${record.error ? ` (and failed: ${detail})` : ''}: ${STORAGE_NOTICE}`
            : `${stepName} tried to change the gate's storage (${detail}): ${STORAGE_NOTICE}`;
    }
    else if (denied && access?.restricted) {
        base +=
            `: the migrations run as a role of the run's own that owns the scratch database and nothing else; ` +
                "run with `privileged: true` (--privileged) to run them as the server URL's role";
    }
    const finding = {
        rule,
        severity: 'error',
        migration: m.name,
        path: stepError?.path ?? m.path,
        message: (0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redact */ .E$)(context ? `${base}; ${context}` : base),
    };
    if (stepError?.line != null)
        finding.line = stepError.line;
    return finding;
}
/** The finding of a schema that differs after down (from before up) or after the second up (from the first). */
function mismatchFinding(m, rule, diffs, labels) {
    const what = rule === 'down-mismatch'
        ? 'after down, the schema differs from before up'
        : 'after up, down and up again, the schema differs from after the first up';
    const part = rule === 'down-mismatch' ? m.down : m.up;
    return {
        rule,
        severity: 'error',
        migration: m.name,
        path: part?.path ?? m.path,
        ...(part ? { line: partLine(m, part) } : {}),
        message: (0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redact */ .E$)(`${what}: ${(0,_diff_js__WEBPACK_IMPORTED_MODULE_2__/* .nameDifferences */ .az)(diffs)}`),
        details: diffs.map((d) => (0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redact */ .E$)((0,_diff_js__WEBPACK_IMPORTED_MODULE_2__/* .describeDifference */ .hF)(d, labels))),
    };
}
/**
 * `column-order`: after down, a table holds the same columns as before up, in another order (named both ways).
 */
function columnOrderFinding(m, change, severity) {
    const part = m.down;
    return {
        rule: 'column-order',
        severity,
        migration: m.name,
        path: part?.path ?? m.path,
        ...(part ? { line: partLine(m, part) } : {}),
        message: (0,_redact_js__WEBPACK_IMPORTED_MODULE_1__/* .redact */ .E$)(`after down, the columns of ${change.table} are in another order: (${change.before.join(', ')}) before up, ` +
            `(${change.after.join(', ')}) after down`),
    };
}
/**
 * The line a finding about a whole part points at: its marker line in a single SQL file (the part starts on the
 * line after it), line 1 of a file of its own, the function of a module or revision.
 */
function partLine(m, part) {
    if (m.format !== 'sql')
        return part.startLine;
    return m.dialect === 'pair' ? 1 : Math.max(1, part.startLine - 1);
}


/***/ }),

/***/ 41870:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $X: () => (/* binding */ storageTampering),
/* harmony export */   GJ: () => (/* binding */ readStorage),
/* harmony export */   H1: () => (/* binding */ STORAGE_SQL),
/* harmony export */   bO: () => (/* binding */ logSql),
/* harmony export */   cl: () => (/* binding */ STORAGE_SCHEMA),
/* harmony export */   mz: () => (/* binding */ scratchStorage)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(83849);

/** The schema of the scratch database where the Umzug storage keeps its log (left out of snapshots). */
const STORAGE_SCHEMA = 'migration_gate';
/** SQL that creates the storage schema and its table when they are missing. */
const STORAGE_SQL = `CREATE SCHEMA IF NOT EXISTS ${STORAGE_SCHEMA};
         CREATE TABLE IF NOT EXISTS ${STORAGE_SCHEMA}.executed (
           name text PRIMARY KEY,
           seq bigint GENERATED ALWAYS AS IDENTITY
         )`;
/** SQL that records migrations as applied in the gate's storage (what Umzug's `logMigration` does, in bulk). */
function logSql(names) {
    return `INSERT INTO ${STORAGE_SCHEMA}.executed (name) VALUES ${names.map((n) => `(${pg__WEBPACK_IMPORTED_MODULE_0__/* ["default"].escapeLiteral */ .Ay.escapeLiteral(n)})`).join(', ')}`;
}
/** Umzug's storage contract, kept in the scratch database itself. */
function scratchStorage(client) {
    return {
        async logMigration({ name }) {
            await client.query(`INSERT INTO ${STORAGE_SCHEMA}.executed (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [name]);
        },
        async unlogMigration({ name }) {
            await client.query(`DELETE FROM ${STORAGE_SCHEMA}.executed WHERE name = $1`, [name]);
        },
        async executed() {
            const result = await client.query(`SELECT name FROM ${STORAGE_SCHEMA}.executed ORDER BY seq`);
            return result.rows.map((r) => r.name);
        },
    };
}
/** Reads the storage's state (one query); null when the schema or its table no longer exists. */
async function readStorage(client) {
    const result = await client
        .query(`SELECT pg_catalog.concat_ws('|',
              (SELECT pg_catalog.string_agg(
                        pg_catalog.concat_ws(':', c.relname, c.relkind, c.relowner, c.relrowsecurity, c.relacl),
                        ',' ORDER BY c.relname)
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = '${STORAGE_SCHEMA}'),
              (SELECT pg_catalog.string_agg(pg_catalog.concat_ws(':', a.attname, a.atttypid), ',' ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped),
              (SELECT count(*) FROM pg_catalog.pg_trigger g WHERE g.tgrelid = t.oid),
              (SELECT count(*) FROM pg_catalog.pg_rewrite r WHERE r.ev_class = t.oid),
              (SELECT count(*) FROM pg_catalog.pg_policy p WHERE p.polrelid = t.oid)) AS structure,
            (SELECT pg_catalog.array_agg(e.name ORDER BY e.seq) FROM ${STORAGE_SCHEMA}.executed e) AS names
       FROM pg_catalog.pg_class t
      WHERE t.oid = pg_catalog.to_regclass('${STORAGE_SCHEMA}.executed')`)
        .catch((error) => {
        // The table's name resolves, but its schema or the table went away meanwhile, or it is no table any more.
        if (['42P01', '3F000', '42809'].includes(error.code ?? ''))
            return { rows: [] };
        throw error;
    });
    const row = result.rows[0];
    if (!row)
        return null;
    return { structure: row.structure ?? '', names: row.names ?? [] };
}
/**
 * What a step did to the storage, from its state before and after (null when it is untouched): `dropped …`,
 * or `wrote into …`.
 */
function storageTampering(before, after) {
    if (before === null)
        return null;
    if (after === null)
        return `dropped the gate's storage (${STORAGE_SCHEMA}.executed)`;
    if (after.structure !== before.structure)
        return `changed the gate's storage schema ${STORAGE_SCHEMA}`;
    if (after.names.join('\n') !== before.names.join('\n')) {
        return `wrote into the gate's storage table ${STORAGE_SCHEMA}.executed`;
    }
    return null;
}


/***/ }),

/***/ 27908:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   d: () => (/* binding */ runTrip)
/* harmony export */ });
/* harmony import */ var _diff_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2056);
/* harmony import */ var _outcome_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3007);
/* harmony import */ var _step_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(85049);



function skipped() {
    return { status: 'skipped', ms: 0 };
}
async function runTrip(host, m, tag) {
    const waived = (0,_outcome_js__WEBPACK_IMPORTED_MODULE_1__/* .hasCompleteWaiver */ .IX)(m);
    const result = {
        roundtrip: { up: skipped(), down: skipped(), reup: skipped() },
        impact: null,
        waived,
    };
    const trip = result.roundtrip;
    host.outcome.results.set(m.path, result);
    const probe = host.probe(m);
    await probe?.beforeUp(true);
    const s0 = host.takeCurrent() ?? (await host.snapshot());
    const upNotes = await host.watchUp?.();
    const up = probe ? await upWithRows(host, m, probe) : await host.step(m, 'up', 'up');
    if (!up)
        return;
    trip.up = up.result;
    host.progress(`${tag}: up${up.ok ? '' : up.timedOut ? ' TIMEOUT' : ' FAILED'} (${(0,_outcome_js__WEBPACK_IMPORTED_MODULE_1__/* .seconds */ .YA)(up.result.ms)})`);
    if (!up.ok) {
        // A failed step may have left anything behind (no transaction, or one the migration broke): the next
        // migration starts on a fresh database holding everything before it, without this one.
        host.markDirty();
        return;
    }
    host.markApplied(m.name);
    const s1 = await host.snapshot();
    const upLoss = await probe?.afterUp();
    if (upLoss)
        host.outcome.findings.push(upLoss);
    const schemaImpact = (0,_diff_js__WEBPACK_IMPORTED_MODULE_0__/* .summarizeImpact */ .C2)((0,_diff_js__WEBPACK_IMPORTED_MODULE_0__/* .diffSnapshots */ .V1)(s0, s1));
    const engineNotes = upNotes ? await upNotes() : [];
    if (engineNotes.length > 0)
        schemaImpact.notes = [...(schemaImpact.notes ?? []), ...engineNotes];
    result.impact = probe ? probe.impact(schemaImpact) : schemaImpact;
    if (waived || !(0,_outcome_js__WEBPACK_IMPORTED_MODULE_1__/* .hasDown */ .b6)(m)) {
        probe?.downSkipped(waived);
        if (probe)
            result.impact = probe.impact(schemaImpact);
        host.setCurrent(s1);
        host.progress(`${tag}: down skipped (${waived ? 'waived' : 'no downgrade'})`);
        return;
    }
    const down = await host.step(m, 'down', 'down');
    trip.down = down.result;
    host.progress(`${tag}: down${down.ok ? '' : down.timedOut ? ' TIMEOUT' : ' FAILED'} (${(0,_outcome_js__WEBPACK_IMPORTED_MODULE_1__/* .seconds */ .YA)(down.result.ms)})`);
    if (!down.ok) {
        host.markDirty();
        return;
    }
    const s2 = await host.snapshot();
    const downLoss = await probe?.afterDown();
    if (downLoss)
        host.outcome.findings.push(downLoss);
    const downDiffs = (0,_diff_js__WEBPACK_IMPORTED_MODULE_0__/* .diffSnapshots */ .V1)(s0, s2);
    if (downDiffs.length > 0) {
        host.outcome.findings.push((0,_step_js__WEBPACK_IMPORTED_MODULE_2__/* .mismatchFinding */ ._7)(m, 'down-mismatch', downDiffs, { before: 'before up', after: 'after down' }));
    }
    const columnOrder = host.config.columnOrder;
    if (columnOrder !== 'off') {
        for (const change of (0,_diff_js__WEBPACK_IMPORTED_MODULE_0__/* .columnOrderChanges */ .G$)(s0, s2)) {
            host.outcome.findings.push((0,_step_js__WEBPACK_IMPORTED_MODULE_2__/* .columnOrderFinding */ .E4)(m, change, columnOrder));
        }
    }
    const reup = await host.step(m, 'up', 're-up');
    trip.reup = reup.result;
    host.progress(`${tag}: re-up${reup.ok ? '' : reup.timedOut ? ' TIMEOUT' : ' FAILED'} (${(0,_outcome_js__WEBPACK_IMPORTED_MODULE_1__/* .seconds */ .YA)(reup.result.ms)})`);
    if (!reup.ok) {
        host.markDirty();
        return;
    }
    const s3 = await host.snapshot();
    const reupDiffs = (0,_diff_js__WEBPACK_IMPORTED_MODULE_0__/* .diffSnapshots */ .V1)(s1, s3);
    if (reupDiffs.length > 0) {
        host.outcome.findings.push((0,_step_js__WEBPACK_IMPORTED_MODULE_2__/* .mismatchFinding */ ._7)(m, 'reup-mismatch', reupDiffs, {
            before: 'after the first up',
            after: 'after the second up',
        }));
        host.markDirty();
    }
    else {
        host.setCurrent(s3);
    }
}
/**
 * The first up, with the sample rows in the tables. When it fails with them, it runs again on a fresh database
 * without them: a pass there makes the first failure `data-up-failed` (the round-trip goes on without rows), a
 * failure there is `up-failed` as without rows. Null when the fresh database could not be built.
 */
async function upWithRows(host, m, probe) {
    try {
        host.observe(probe.observer);
        const withRows = probe.filled > 0;
        const up = await host.step(m, 'up', 'up', withRows);
        if (up.ok || !withRows || !up.record)
            return up;
        if (up.timedOut) {
            host.report(up.record, 'up');
            return up;
        }
        host.markDirty();
        if (!(await host.rebuild()))
            return null;
        await probe.beforeUp(false);
        host.observe(probe.observer);
        const empty = await host.step(m, 'up', 'up');
        if (empty.ok) {
            host.outcome.findings.push(host.dataUpFailed(up.record));
            probe.dropRows('sample rows not used: up fails with rows present (data-up-failed)');
        }
        return empty;
    }
    finally {
        host.observe(null);
    }
}


/***/ }),

/***/ 17134:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   z: () => (/* binding */ StepError)
/* harmony export */ });
/** A step failed: carries the place to blame. */
class StepError extends Error {
    path;
    line;
    name = 'StepError';
    constructor(message, path, line, options) {
        super(message, options);
        this.path = path;
        this.line = line;
    }
}


/***/ })

};
