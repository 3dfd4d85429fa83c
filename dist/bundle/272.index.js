export const id = 272;
export const ids = [272];
export const modules = {

/***/ 63272:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runSqliteRoundTrips: () => (/* binding */ runSqliteRoundTrips)
});

// UNUSED EXPORTS: applySqlite

// EXTERNAL MODULE: ./lib/types.js
var types = __webpack_require__(64170);
// EXTERNAL MODULE: ./lib/roundtrip/baseline.js
var baseline = __webpack_require__(584);
// EXTERNAL MODULE: ./lib/roundtrip/cleanup.js
var cleanup = __webpack_require__(80487);
// EXTERNAL MODULE: ./lib/roundtrip/executors/index.js + 5 modules
var executors = __webpack_require__(67812);
// EXTERNAL MODULE: ./lib/roundtrip/model-check.js + 2 modules
var model_check = __webpack_require__(85599);
// EXTERNAL MODULE: ./lib/roundtrip/outcome.js
var roundtrip_outcome = __webpack_require__(3007);
// EXTERNAL MODULE: ./lib/roundtrip/step.js
var step = __webpack_require__(85049);
// EXTERNAL MODULE: ./lib/roundtrip/trip.js
var trip = __webpack_require__(27908);
// EXTERNAL MODULE: ./lib/roundtrip/data/probe.js + 5 modules
var probe = __webpack_require__(74268);
// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: external "node:sqlite"
var external_node_sqlite_ = __webpack_require__(80099);
// EXTERNAL MODULE: ./lib/roundtrip/baseline-live.js
var baseline_live = __webpack_require__(36151);
// EXTERNAL MODULE: ./lib/roundtrip/snapshot/model.js
var model = __webpack_require__(55077);
// EXTERNAL MODULE: ./lib/roundtrip/sql-text.js
var sql_text = __webpack_require__(47007);
;// CONCATENATED MODULE: ./lib/roundtrip/sqlite/snapshot.js


/** Tables every SQLite database may hold for itself (`sqlite_sequence`, `sqlite_stat1`, …). */
const INTERNAL = /^sqlite_/i;
/** SQL text compared without its layout: whitespace collapsed, identifier quotes dropped, case folded outside literals. */
function normalizeSql(sql) {
    if (sql === null)
        return null;
    return sql
        .replace(/'(?:[^']|'')*'|"([^"]*)"|`([^`]*)`|\[([^\]]*)\]|([^'"`[]+)/g, (m, dq, bq, br, plain) => {
        if (plain !== undefined)
            return plain.toLowerCase().replace(/\s+/g, ' ');
        if (dq !== undefined)
            return dq.toLowerCase();
        if (bq !== undefined)
            return bq.toLowerCase();
        if (br !== undefined)
            return br.toLowerCase();
        return m;
    })
        .replace(/\s*([(),;])\s*/g, '$1')
        .trim();
}
/** Reads the snapshot of `db`'s `main` schema. */
function sqliteSnapshot(db, options = {}) {
    const excluded = new Set((options.excludeTables ?? []).map((t) => t.replace(/^(main|public)\./, '')));
    const objects = new Map();
    const add = (o) => objects.set((0,model/* objectKey */.T5)(o.kind, o.name), o);
    const rows = db
        .prepare(`SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY type, name`)
        .all();
    const skip = (table) => INTERNAL.test(table) || excluded.has(table);
    for (const row of rows) {
        if (skip(row.tbl_name))
            continue;
        const table = `main.${row.tbl_name}`;
        if (row.type === 'table') {
            const list = db.prepare(`PRAGMA main.table_list(${(0,sql_text/* quoteIdent */.v)(row.name)})`).get();
            add({
                kind: 'table',
                name: table,
                schema: 'main',
                table: null,
                props: { without_rowid: list?.wr === 1, strict: list?.strict === 1 },
            });
            const columns = db.prepare(`PRAGMA main.table_xinfo(${(0,sql_text/* quoteIdent */.v)(row.name)})`).all();
            for (const c of columns) {
                if (c.hidden === 1)
                    continue; // a virtual table's hidden column
                add({
                    kind: 'column',
                    name: `${table}.${c.name}`,
                    schema: 'main',
                    table,
                    props: {
                        type: c.type.toUpperCase(),
                        not_null: c.notnull === 1,
                        default: c.dflt_value,
                        primary_key_position: c.pk === 0 ? null : String(c.pk),
                        generated: c.hidden === 2 ? 'virtual' : c.hidden === 3 ? 'stored' : null,
                    },
                    position: c.cid + 1,
                });
            }
            const fks = db.prepare(`PRAGMA main.foreign_key_list(${(0,sql_text/* quoteIdent */.v)(row.name)})`).all();
            const byId = new Map();
            for (const fk of fks)
                byId.set(fk.id, [...(byId.get(fk.id) ?? []), fk]);
            for (const parts of byId.values()) {
                parts.sort((a, b) => a.seq - b.seq);
                const first = parts[0];
                const from = parts.map((p) => p.from).join(', ');
                const to = parts.map((p) => p.to ?? '').join(', ');
                add({
                    kind: 'constraint',
                    name: `${table}.(${from}) -> ${first.table}(${to})`,
                    schema: 'main',
                    table,
                    label: 'FOREIGN KEY',
                    props: {
                        references: `${first.table}(${to})`,
                        on_update: first.on_update,
                        on_delete: first.on_delete,
                        match: first.match,
                    },
                });
            }
        }
        else if (row.type === 'index') {
            const list = db.prepare(`PRAGMA main.index_list(${(0,sql_text/* quoteIdent */.v)(row.tbl_name)})`).all();
            const info = list.find((i) => i.name === row.name);
            const keys = db.prepare(`PRAGMA main.index_xinfo(${(0,sql_text/* quoteIdent */.v)(row.name)})`).all()
                .filter((k) => k.key === 1)
                .sort((a, b) => a.seqno - b.seqno)
                .map((k) => `${k.name ?? (k.cid === -2 ? '<expression>' : 'rowid')}${k.desc ? ' DESC' : ''}`);
            add({
                kind: 'index',
                name: `main.${row.name}`,
                schema: 'main',
                table,
                props: {
                    unique: info?.unique === 1,
                    origin: info?.origin ?? null,
                    partial: info?.partial === 1,
                    columns: keys.join(', '),
                    // The definition itself (expressions, WHERE), for indexes created by CREATE INDEX.
                    definition: normalizeSql(row.sql),
                },
            });
        }
        else if (row.type === 'view' || row.type === 'trigger') {
            add({
                kind: row.type,
                name: row.type === 'trigger' ? `${table}.${row.name}` : `main.${row.name}`,
                schema: 'main',
                table: row.type === 'trigger' ? table : null,
                props: { definition: normalizeSql(row.sql) },
            });
        }
    }
    return { objects };
}

// EXTERNAL MODULE: ./lib/roundtrip/from-empty.js
var from_empty = __webpack_require__(76831);
;// CONCATENATED MODULE: ./lib/roundtrip/sqlite/baseline.js







/**
 * Reads a live SQLite file's schema, opened read-only (no journal, no lock beyond a shared one while it reads):
 * the file's bytes are the same after the run.
 */
async function readLiveSqlite(file, name) {
    try {
        await (0,promises_.access)(file);
    }
    catch {
        throw new types/* GateError */.ue(`baseline-database ${name}: no such file`);
    }
    let db;
    try {
        db = new external_node_sqlite_.DatabaseSync(file, { readOnly: true });
    }
    catch (error) {
        throw new types/* GateError */.ue(`cannot open baseline-database ${name} read-only: ${(0,types/* errorText */.kc)(error)}`, {
            cause: error,
        });
    }
    try {
        return sqliteSnapshot(db, { excludeTables: baseline/* BOOKKEEPING_TABLES */.XX });
    }
    catch (error) {
        throw new types/* GateError */.ue(`cannot read the schema of baseline-database ${name}: ${(0,types/* errorText */.kc)(error)}`, {
            cause: error,
        });
    }
    finally {
        db.close();
    }
}
/**
 * `baseline-drift` against a live SQLite database: every migration of every directory applied from empty to a
 * scratch file must give the live file's schema (bookkeeping tables left out on both sides).
 */
async function checkSqliteBaseline(opts) {
    const live = (0,baseline_live/* liveDatabase */.yj)(opts.config);
    if (!live)
        return [];
    const name = (0,baseline_live/* liveName */.Wg)(opts.config, live);
    if (live.engine !== 'sqlite') {
        throw new types/* GateError */.ue(`baseline-database ${name} is a PostgreSQL database, but the migrations run on SQLite (database sqlite): give a SQLite file`);
    }
    const expected = await readLiveSqlite(live.file, name);
    const scratch = await opts.folder.createScratch();
    try {
        const failed = await (0,from_empty/* applyFromEmpty */.ak)(opts.sets, scratch, opts.applyAll);
        if (failed)
            return (0,from_empty/* cannotCompare */.di)(name, 'the baseline database', failed);
        const db = scratch.open();
        let actual;
        try {
            actual = sqliteSnapshot(db, { excludeTables: baseline/* BOOKKEEPING_TABLES */.XX });
        }
        finally {
            db.close();
        }
        return (0,baseline_live/* liveDriftFindings */.eU)(name, expected, actual);
    }
    finally {
        await scratch.drop();
    }
}

// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
;// CONCATENATED MODULE: ./lib/roundtrip/sqlite/database.js





/** The SQLite version Node ships, e.g. `3.50.2`. */
function sqliteVersion() {
    const db = new external_node_sqlite_.DatabaseSync(':memory:');
    try {
        return db.prepare('SELECT sqlite_version() AS v').get().v;
    }
    finally {
        db.close();
    }
}
/**
 * Where the scratch SQLite files of one run live: a temporary folder, removed with everything in it by
 * `close` (and by the run's signal cleanup when the process is stopped).
 */
class SqliteFolder {
    dir = null;
    count = 0;
    release = null;
    async createScratch() {
        if (!this.dir) {
            this.dir = await (0,promises_.mkdtemp)(external_node_path_.join((0,external_node_os_.tmpdir)(), 'migration-gate-sqlite-'));
            const dir = this.dir;
            this.release = (0,cleanup/* registerCleanup */.qE)(() => (0,promises_.rm)(dir, { recursive: true, force: true }));
        }
        const file = external_node_path_.join(this.dir, `scratch-${++this.count}.db`);
        // Created empty, so that every tool opening it finds a database file.
        new external_node_sqlite_.DatabaseSync(file).close();
        return {
            file,
            url: `sqlite:///${file}`,
            open: () => {
                const db = new external_node_sqlite_.DatabaseSync(file);
                db.exec('PRAGMA foreign_keys = ON');
                return db;
            },
            drop: async () => {
                await (0,promises_.rm)(file, { force: true });
                await (0,promises_.rm)(`${file}-journal`, { force: true });
                await (0,promises_.rm)(`${file}-wal`, { force: true });
                await (0,promises_.rm)(`${file}-shm`, { force: true });
            },
        };
    }
    /** Removes the folder and every file in it. */
    async close() {
        const dir = this.dir;
        this.dir = null;
        if (dir)
            await (0,promises_.rm)(dir, { recursive: true, force: true });
        this.release?.();
        this.release = null;
    }
}

// EXTERNAL MODULE: ./lib/roundtrip/types.js
var roundtrip_types = __webpack_require__(17134);
;// CONCATENATED MODULE: ./lib/roundtrip/sqlite/quirks.js

/**
 * What SQLite's ALTER TABLE cannot do, as SQLAlchemy, Alembic and SQLite say it: Alembic's refusal of constraint
 * changes (`NotImplementedError: No support for ALTER of constraints in SQLite dialect`), and the statements
 * SQLite rejects (`ALTER TABLE … ALTER COLUMN` → `near "ALTER": syntax error`, `ADD CONSTRAINT` → `near
 * "CONSTRAINT"`, a column that an index, a key or a view still uses, a column it cannot add).
 */
const IN_PLACE_LIMITS = [
    /No support for ALTER of constraints in SQLite dialect/i,
    /NotImplementedError\b.*\bSQLite\b/i,
    /near "(?:ALTER|CONSTRAINT|DROP|SET)": syntax error/i,
    /cannot drop (?:PRIMARY KEY|UNIQUE) column/i,
    /error in (?:index|trigger|view) \S+ after drop column/i,
    /Cannot add a (?:NOT NULL|PRIMARY KEY|UNIQUE|column with non-constant default)/i,
];
/** The words appended to such a failure. */
const BATCH_MODE_HINT = "SQLite cannot do this in place; use op.batch_alter_table(…) (Alembic's batch mode, which rebuilds the table)";
/** An Alembic step's failure on SQLite, with the batch-mode hint when SQLite's ALTER TABLE is what failed. */
function withBatchModeHint(error) {
    if (!(error instanceof roundtrip_types/* StepError */.z) || !IN_PLACE_LIMITS.some((limit) => limit.test(error.message)))
        return error;
    return new roundtrip_types/* StepError */.z(`${error.message}: ${BATCH_MODE_HINT}`, error.path, error.line, { cause: error });
}
/** Each table of `db` (bookkeeping included) by name, with the page its storage starts at. */
function tableRoots(db) {
    const rows = db
        .prepare("SELECT name, rootpage FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
        .all();
    return new Map(rows.map((r) => [r.name, Number(r.rootpage)]));
}
/**
 * The impact notes of tables that were there before a step and after it, but in new storage: the step created
 * the table anew and copied its rows (Alembic's batch "move and copy", or SQLite's twelve-step ALTER by hand).
 */
function rebuiltTableNotes(before, after) {
    return [...before]
        .filter(([name, root]) => after.has(name) && after.get(name) !== root)
        .map(([name]) => `main.${name}: table rebuilt (created anew, its rows copied and the old table dropped, as Alembic's ` +
        'batch mode does)');
}

// EXTERNAL MODULE: ./lib/discover/sql-split.js
var sql_split = __webpack_require__(2194);
// EXTERNAL MODULE: ./lib/roundtrip/executors/alembic.js
var alembic = __webpack_require__(18025);
// EXTERNAL MODULE: ./lib/roundtrip/executors/umzug.js
var umzug = __webpack_require__(70438);
// EXTERNAL MODULE: ./lib/roundtrip/executors/sql.js
var sql = __webpack_require__(31846);
;// CONCATENATED MODULE: ./lib/roundtrip/sqlite/umzug.js



/**
 * `$1`, `$2`… outside string literals, quoted identifiers and comments become SQLite's `?1`, `?2`…, which
 * bind by number as PostgreSQL's do (SQLite reads `$1` as a name, numbered by first appearance).
 */
function numberedParameters(text) {
    return text.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|\$(\d+)/g, (whole, n) => (n === undefined ? whole : `?${n}`));
}
const CONTROL = /^\s*(?:(BEGIN)|(COMMIT|END|ROLLBACK))\b(?!\s+TO\b)/i;
/** Runs one statement (or, without parameters, a script) on `db`, as `context.sql` does. */
function sqliteQuery(db, text, params = []) {
    const statement = db.prepare(numberedParameters(text));
    const values = params;
    if (statement.columns().length > 0) {
        const rows = statement.all(...values);
        return { rows, rowCount: rows.length };
    }
    if (params.length === 0) {
        // A script of several statements runs whole, as a PostgreSQL query without parameters does.
        db.exec(text);
        return { rows: [], rowCount: Number(db.prepare('SELECT changes() AS n').get().n) };
    }
    return { rows: [], rowCount: Number(statement.run(...values).changes) };
}
/**
 * Runs one direction of an Umzug-style module on the SQLite connection `db`: the module is loaded as on
 * PostgreSQL, and the step runs in one transaction (BEGIN/COMMIT on `db`) unless the migration opts out. A
 * module that opens, commits or rolls back the transaction itself fails with the message PostgreSQL gives.
 */
async function runSqliteUmzug(db, m, direction, cwd) {
    const { fn, relPath, absPath } = await (0,umzug/* loadUmzugStep */.vd)(m, direction, cwd);
    const transactional = m.transaction;
    const context = {
        db,
        sql: async (text, params) => {
            const control = transactional ? CONTROL.exec(text) : null;
            if (control)
                throw new Error((0,sql/* transactionControlMessage */.bC)(control[1] ? 'BEGIN' : 'COMMIT or ROLLBACK', m));
            return sqliteQuery(db, text, params);
        },
    };
    if (transactional)
        db.exec('BEGIN');
    try {
        await fn({ name: m.name, path: absPath, context });
        if (transactional && !db.isTransaction)
            throw new roundtrip_types/* StepError */.z((0,sql/* transactionControlMessage */.bC)('COMMIT or ROLLBACK', m), relPath, null);
        if (transactional)
            db.exec('COMMIT');
    }
    catch (error) {
        if (transactional && db.isTransaction)
            db.exec('ROLLBACK');
        if (error instanceof roundtrip_types/* StepError */.z)
            throw error;
        let message = error instanceof Error ? error.message.split('\n')[0] : String(error);
        // The module reached past `context.sql` to `context.db` with a BEGIN of its own.
        if (transactional && /cannot start a transaction within a transaction/.test(message))
            message = (0,sql/* transactionControlMessage */.bC)('BEGIN', m);
        throw new roundtrip_types/* StepError */.z(message, relPath, (0,umzug/* lineInFile */.ml)(error, absPath), { cause: error });
    }
}

;// CONCATENATED MODULE: ./lib/roundtrip/sqlite/steps.js





/**
 * Statements of a SQLite script: the PostgreSQL-style split, with the pieces of a `CREATE TRIGGER … BEGIN …
 * END` body joined back into one statement.
 */
function sqliteStatements(text, startLine) {
    const out = [];
    let open = null;
    for (const piece of (0,sql_split/* splitStatements */.X)(text, startLine)) {
        if (open !== null) {
            open = { text: `${open.text};\n${piece.text}`, line: open.line };
        }
        else if (/^\s*CREATE\s+(?:TEMP(?:ORARY)?\s+)?TRIGGER\b/i.test(piece.text)) {
            open = piece;
        }
        else {
            out.push(piece);
            continue;
        }
        if (/\bEND\s*;?\s*$/i.test(open.text)) {
            out.push(open);
            open = null;
        }
    }
    if (open)
        out.push(open);
    return out;
}
function sqlPart(m, direction) {
    const part = direction === 'up' ? m.up : m.down;
    if (!part)
        throw new roundtrip_types/* StepError */.z(`'${m.name}' has no ${direction} part`, m.path, null);
    return part;
}
/**
 * Runs one SQL part on SQLite, statement by statement, in one transaction unless the migration opts out.
 * A failure is a `StepError` naming the statement's file and line.
 */
function runSqliteSql(db, m, direction) {
    const part = sqlPart(m, direction);
    const statements = sqliteStatements(part.text, part.startLine);
    if (m.transaction)
        db.exec('BEGIN');
    try {
        for (const statement of statements) {
            try {
                db.exec(statement.text);
            }
            catch (error) {
                throw new roundtrip_types/* StepError */.z(error.message, part.path, statement.line, { cause: error });
            }
        }
        if (m.transaction)
            db.exec('COMMIT');
    }
    catch (error) {
        if (m.transaction && db.isTransaction)
            db.exec('ROLLBACK');
        throw error;
    }
}
/**
 * Runs one step of `m` on the scratch file: Alembic through the project's own command, SQL and Umzug modules in
 * process.
 */
async function runSqliteStep(scratch, m, direction, config) {
    if (m.format === 'alembic') {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), Math.max(1, config.stepTimeoutSec * 1000));
        try {
            await (0,alembic/* runAlembicStep */.jq)(m, direction, { config, url: scratch.url, signal: controller.signal });
        }
        catch (error) {
            throw withBatchModeHint(error);
        }
        finally {
            clearTimeout(timer);
        }
        return;
    }
    if (m.format !== 'sql' && m.format !== 'umzug') {
        throw new roundtrip_types/* StepError */.z(`database sqlite runs Alembic, SQL and Umzug migrations; '${m.name}' is a ${m.format} migration, ` +
            `which runs on PostgreSQL only (database container, embedded or a URL)`, m.path, null);
    }
    const db = scratch.open();
    try {
        if (m.format === 'umzug')
            await runSqliteUmzug(db, m, direction, config.cwd);
        else
            runSqliteSql(db, m, direction);
    }
    finally {
        db.close();
    }
}

// EXTERNAL MODULE: ./lib/redact.js
var redact = __webpack_require__(25078);
;// CONCATENATED MODULE: ./lib/roundtrip/sqlite/run.js















/**
 * Applies `migrations` (up, in order) to `scratch`: an Alembic history as one `alembic upgrade <last>`, SQL
 * migrations one by one. Throws the failing step's error.
 */
async function applySqlite(scratch, migrations, config) {
    const last = migrations.at(-1);
    if (!last)
        return;
    if (last.format === 'alembic') {
        await runSqliteStep(scratch, last, 'up', config);
        return;
    }
    for (const m of migrations)
        if (m.up && !m.up.empty)
            await runSqliteStep(scratch, m, 'up', config);
}
/** The round-trip of one directory on scratch SQLite files. */
class SqliteSetRun {
    set;
    config;
    folder;
    progress;
    counter;
    outcome;
    scratch = null;
    applied = [];
    dirty = false;
    /** The snapshot of the file's current state, when one was taken since it last changed. */
    current = null;
    constructor(set, config, folder, progress, counter, outcome) {
        this.set = set;
        this.config = config;
        this.folder = folder;
        this.progress = progress;
        this.counter = counter;
        this.outcome = outcome;
    }
    async run() {
        try {
            const chain = this.set.migrations;
            const first = chain.findIndex(roundtrip_outcome/* isChanged */.Hq);
            this.scratch = await this.folder.createScratch();
            if (first > 0 && !(await this.apply(chain.slice(0, first), 'history')))
                return;
            for (const m of chain.slice(first)) {
                if (this.dirty && !(await this.rebuild()))
                    return;
                if (!(0,roundtrip_outcome/* isChanged */.Hq)(m)) {
                    if (!(await this.apply([m], 'history')))
                        return;
                }
                else if (m.up === null && m.format !== 'alembic') {
                    this.skip(m);
                }
                else {
                    await this.roundTrip(m);
                }
            }
        }
        finally {
            for (const m of this.set.migrations.filter(roundtrip_outcome/* isChanged */.Hq))
                if (!this.outcome.results.has(m.path))
                    this.skip(m);
            await this.scratch?.drop();
        }
    }
    skip(m) {
        this.counter.done++;
        this.outcome.results.set(m.path, { roundtrip: null, impact: null, waived: (0,roundtrip_outcome/* hasCompleteWaiver */.IX)(m) });
    }
    snapshot() {
        const db = this.scratch.open();
        try {
            return sqliteSnapshot(db, {
                excludeTables: [...baseline/* BOOKKEEPING_TABLES */.XX, ...(this.set.historyTables ?? [])],
            });
        }
        finally {
            db.close();
        }
    }
    tableRoots() {
        const db = this.scratch.open();
        try {
            return tableRoots(db);
        }
        finally {
            db.close();
        }
    }
    /** Applies unchanged migrations; a failure is reported and stops this directory. */
    async apply(migrations, why) {
        const started = Date.now();
        this.current = null;
        try {
            await applySqlite(this.scratch, migrations, this.config);
        }
        catch (error) {
            if (error instanceof types/* GateError */.ue)
                throw error;
            const m = migrations.at(-1);
            const record = {
                migration: m,
                direction: 'up',
                ms: 0,
                error,
                timedOut: false,
                stopped: false,
            };
            const context = why === 'history'
                ? `the history of ${this.set.dir} does not apply, so the round-trip of this directory stopped here`
                : 're-applying it on a fresh database failed, so the round-trip of this directory stopped here';
            this.outcome.findings.push((0,step/* stepFinding */.u8)(record, 'up', context, this.config, 'sqlite'));
            return false;
        }
        this.applied.push(...migrations);
        if (why === 'history' && migrations.length > 1)
            this.progress(`${this.set.dir}: history of ${migrations.length} migration(s) applied (${(0,roundtrip_outcome/* seconds */.YA)(Date.now() - started)})`);
        return true;
    }
    async rebuild() {
        this.current = null;
        await this.scratch?.drop();
        this.scratch = await this.folder.createScratch();
        this.dirty = false;
        const again = this.applied.splice(0);
        const ok = await this.apply(again, 'rebuild');
        if (ok)
            this.progress(`${this.set.dir}: rebuilt from a fresh file, ${again.length} migration(s) re-applied`);
        return ok;
    }
    /** Runs one step; a failure is reported (unless `quiet`) and returned as `ok: false`. */
    async step(m, direction, label, quiet = false) {
        const started = Date.now();
        try {
            await runSqliteStep(this.scratch, m, direction, this.config);
            return { ok: true, timedOut: false, result: { status: 'pass', ms: Date.now() - started } };
        }
        catch (error) {
            if (error instanceof types/* GateError */.ue)
                throw error;
            const ms = Date.now() - started;
            const record = { migration: m, direction, ms, error, timedOut: false, stopped: false };
            if (!quiet)
                this.report(record, label);
            return { ok: false, timedOut: false, result: { status: 'fail', ms }, record };
        }
    }
    report(record, label) {
        this.outcome.findings.push((0,step/* stepFinding */.u8)(record, label, null, this.config, 'sqlite'));
    }
    /** The same trip as on PostgreSQL (trip.ts), without sample rows; SQLite adds the tables a step rebuilt. */
    roundTrip(m) {
        const host = {
            config: this.config,
            set: this.set,
            outcome: this.outcome,
            progress: (line) => this.progress(line),
            probe: () => null,
            watchUp: async () => {
                const before = this.tableRoots();
                return async () => rebuiltTableNotes(before, this.tableRoots());
            },
            snapshot: async () => this.snapshot(),
            step: (step, direction, label, quiet) => this.step(step, direction, label, quiet),
            report: (record, label) => this.report(record, label),
            dataUpFailed: (record) => (0,probe/* dataUpFailedFinding */.y)(record, this.config, 'sqlite'),
            rebuild: () => this.rebuild(),
            observe: () => undefined,
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
            markApplied: () => {
                this.applied.push(m);
            },
        };
        return (0,trip/* runTrip */.d)(host, m, `[${++this.counter.done}/${this.counter.total}] ${m.name}`);
    }
}
/**
 * The round-trip of `check` on SQLite (`database: sqlite`): each directory on scratch files in a temporary
 * folder (removed at the end, on failure too), the same S0 → up → S1 → down → S2 → up → S3 proof as on
 * PostgreSQL, with SQLite snapshots; then the live baseline database and the Alembic models, when configured.
 */
async function runSqliteRoundTrips(sets, config, opts = {}) {
    const outcome = { database: null, notes: [], results: new Map(), findings: [] };
    const work = sets.filter((s) => s.migrations.some(roundtrip_outcome/* isChanged */.Hq));
    const models = (0,model_check/* modelSets */.z)(sets);
    if (work.length === 0 && !config.baselineDatabase && models.length === 0) {
        outcome.notes.push('no changed migration: no database was started');
        return outcome;
    }
    if ([...work, ...models, ...(config.baselineDatabase ? sets : [])].some((s) => s.format === 'alembic'))
        await (0,executors/* checkAlembicCommand */.RH)(config);
    const progress = opts.progress ?? (() => undefined);
    const folder = new SqliteFolder();
    const endRun = (0,cleanup/* beginRun */.Te)();
    try {
        outcome.database = { provider: 'sqlite', serverVersion: sqliteVersion() };
        progress(`database: sqlite, SQLite ${outcome.database.serverVersion} (scratch files in a temporary folder)`);
        const counter = { done: 0, total: work.reduce((n, s) => n + s.migrations.filter(roundtrip_outcome/* isChanged */.Hq).length, 0) };
        for (const set of work)
            await new SqliteSetRun(set, config, folder, progress, counter, outcome).run();
        const applyAll = (db, set) => applySqlite(db, set.migrations, config);
        if (config.baselineDatabase) {
            progress(`baseline: ${(0,redact/* redactUrl */.BO)(config.baselineDatabase)} (read only) against every migration applied from empty`);
            outcome.findings.push(...(await checkSqliteBaseline({ folder, sets, config, applyAll, notes: outcome.notes })));
        }
        if (models.length > 0) {
            outcome.findings.push(...(await (0,model_check/* checkModels */.h)({
                createScratch: () => folder.createScratch(),
                sets: models,
                config,
                notes: outcome.notes,
                progress,
                changed: opts.changedFiles ?? (async (files) => new Set(files)),
                applyAll,
            })));
        }
        return outcome;
    }
    finally {
        await folder.close();
        endRun();
    }
}


/***/ })

};
