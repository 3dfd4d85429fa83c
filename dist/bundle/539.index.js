export const id = 539;
export const ids = [539];
export const modules = {

/***/ 73539:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   orderAlembic: () => (/* binding */ orderAlembic),
/* harmony export */   parseAlembicFile: () => (/* binding */ parseAlembicFile)
/* harmony export */ });
/* harmony import */ var _annotations_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(11469);
/* harmony import */ var _sql_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(27172);


/**
 * Splits Python source into logical lines, the way the tokenizer does: strings (single, triple, any
 * prefix), brackets and backslash continuations join physical lines; `#` comments are dropped.
 */
function scanPython(text) {
    const lines = [];
    const problems = [];
    const n = text.length;
    let i = 0;
    let lineNo = 1;
    let depth = 0;
    const openers = [];
    let current = null;
    const finish = (end) => {
        if (!current)
            return;
        const code = current.code;
        lines.push({ start: current.start, end, indent: current.indent, code, blank: code.trim() === '' });
        current = null;
    };
    while (i < n) {
        if (!current) {
            let indent = 0;
            while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\f')) {
                indent = text[i] === '\t' ? indent + 8 - (indent % 8) : text[i] === ' ' ? indent + 1 : 0;
                i++;
            }
            current = { start: lineNo, indent, code: '' };
        }
        const ch = text[i];
        if (ch === '#') {
            while (i < n && text[i] !== '\n')
                i++;
            continue;
        }
        if (ch === '\r') {
            i++;
            continue;
        }
        if (ch === '\n') {
            i++;
            lineNo++;
            if (depth > 0) {
                current.code += '\n';
            }
            else {
                finish(lineNo - 1);
            }
            continue;
        }
        if (ch === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
            i += text[i + 1] === '\n' ? 2 : 3;
            lineNo++;
            current.code += ' ';
            continue;
        }
        if (ch === '"' || ch === "'") {
            const triple = text.startsWith(ch.repeat(3), i);
            const quote = triple ? ch.repeat(3) : ch;
            const startLine = lineNo;
            let j = i + quote.length;
            let closed = false;
            while (j < n) {
                const c = text[j];
                if (c === '\\') {
                    if (text[j + 1] === '\n')
                        lineNo++;
                    j += 2;
                    continue;
                }
                if (c === '\n') {
                    if (!triple)
                        break;
                    lineNo++;
                }
                if (text.startsWith(quote, j)) {
                    j += quote.length;
                    closed = true;
                    break;
                }
                j++;
            }
            if (!closed) {
                problems.push({ line: startLine, message: `unterminated string starting on line ${startLine}` });
                if (triple)
                    j = n;
            }
            current.code += text.slice(i, j);
            i = j;
            continue;
        }
        if (ch === '(' || ch === '[' || ch === '{') {
            depth++;
            openers.push({ ch, line: lineNo });
        }
        else if (ch === ')' || ch === ']' || ch === '}') {
            if (depth === 0) {
                problems.push({ line: lineNo, message: `unmatched '${ch}' on line ${lineNo}` });
            }
            else {
                depth--;
                openers.pop();
            }
        }
        current.code += ch;
        i++;
    }
    if (depth > 0) {
        const opener = openers[openers.length - 1];
        problems.push({ line: opener.line, message: `'${opener.ch}' on line ${opener.line} is never closed` });
    }
    finish(text.endsWith('\n') ? lineNo - 1 : lineNo);
    return { lines, problems };
}
const STRING_START = /^([rRuUbB]{0,2})('''|"""|'|")/;
/** Tokens of a Python literal made of strings, None, brackets and commas; null for anything else. */
function literalTokens(code) {
    const tokens = [];
    let i = 0;
    while (i < code.length) {
        const rest = code.slice(i);
        const space = /^\s+/.exec(rest);
        if (space) {
            i += space[0].length;
            continue;
        }
        if (/^None\b/.test(rest)) {
            tokens.push({ kind: 'none' });
            i += 4;
            continue;
        }
        const start = STRING_START.exec(rest);
        if (start) {
            const prefix = start[1].toLowerCase();
            if (prefix.includes('b'))
                return null;
            const raw = prefix.includes('r');
            const quote = start[2];
            let j = start[0].length;
            let value = '';
            let closed = false;
            while (j < rest.length) {
                if (rest.startsWith(quote, j)) {
                    closed = true;
                    j += quote.length;
                    break;
                }
                const c = rest[j];
                if (c === '\\' && j + 1 < rest.length) {
                    const next = rest[j + 1];
                    if (raw)
                        value += c + next;
                    else
                        value += next === 'n' ? '\n' : next === 't' ? '\t' : next === '\n' ? '' : next;
                    j += 2;
                    continue;
                }
                value += c;
                j++;
            }
            if (!closed)
                return null;
            const last = tokens[tokens.length - 1];
            // Adjacent string literals concatenate.
            if (last?.kind === 'string')
                last.value += value;
            else
                tokens.push({ kind: 'string', value });
            i += j;
            continue;
        }
        if ('()[],'.includes(rest[0])) {
            tokens.push({ kind: 'punct', value: rest[0] });
            i++;
            continue;
        }
        return null;
    }
    return tokens;
}
/**
 * Reads a revision-list value: `None`, a string, or a tuple/list of strings (bare tuples too).
 * Returns null when the value is anything else.
 */
function readRevisionList(code) {
    const tokens = literalTokens(code);
    if (!tokens || tokens.length === 0)
        return null;
    if (tokens.length === 1) {
        const only = tokens[0];
        if (only.kind === 'none')
            return [];
        if (only.kind === 'string')
            return [only.value];
        return null;
    }
    let inner = tokens;
    const first = tokens[0];
    const last = tokens[tokens.length - 1];
    if (first.kind === 'punct' && (first.value === '(' || first.value === '[')) {
        const close = first.value === '(' ? ')' : ']';
        if (last.kind !== 'punct' || last.value !== close)
            return null;
        inner = tokens.slice(1, -1);
    }
    const values = [];
    let expectValue = true;
    for (const token of inner) {
        if (expectValue) {
            if (token.kind !== 'string')
                return null;
            values.push(token.value);
            expectValue = false;
        }
        else {
            if (token.kind !== 'punct' || token.value !== ',')
                return null;
            expectValue = true;
        }
    }
    // `('a')` is a plain string in parentheses; `('a',)` and `()` are tuples: both read the same here.
    return values;
}
/** A module-level `name = value` or `name: annotation = value`. */
const ASSIGNMENT = /^([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)([\s\S]*)$/;
const FUNCTION_DEF = /^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/;
/** The text after the colon that ends a `def …(…) -> …:` header, or null when the colon is missing. */
function afterHeaderColon(code) {
    let depth = 0;
    let i = code.indexOf('(');
    for (; i < code.length; i++) {
        const c = code[i];
        if (c === '"' || c === "'") {
            const tokens = STRING_START.exec(code.slice(i));
            const quote = tokens?.[2] ?? c;
            const close = code.indexOf(quote, i + quote.length);
            if (close < 0)
                return null;
            i = close + quote.length - 1;
            continue;
        }
        if (c === '(' || c === '[' || c === '{')
            depth++;
        else if (c === ')' || c === ']' || c === '}')
            depth--;
        else if (c === ':' && depth === 0)
            return code.slice(i + 1);
    }
    return null;
}
/** True when a statement does nothing: `pass`, `...`, a docstring, or `raise NotImplementedError(…)`. */
function isNoOpStatement(code) {
    const statement = code.trim().replace(/;$/, '').trim();
    if (statement === 'pass' || statement === '...')
        return true;
    if (/^raise\s+NotImplementedError\b\s*(?:\([\s\S]*\))?$/.test(statement))
        return true;
    const tokens = literalTokens(statement);
    return tokens !== null && tokens.length === 1 && tokens[0].kind === 'string';
}
/** The body of the top-level function starting at `lines[index]`. */
function functionBody(lines, index, physical, path, problems) {
    const header = lines[index];
    const rest = afterHeaderColon(header.code);
    if (rest === null) {
        problems.push({
            path,
            line: header.start,
            message: `cannot read the function header on line ${header.start}`,
        });
    }
    if (rest !== null && rest.trim() !== '') {
        // One-line body: `def downgrade(): pass`.
        const statements = rest.split(';').filter((s) => s.trim() !== '');
        return {
            defLine: header.start,
            part: {
                path,
                text: rest.trim(),
                startLine: header.end,
                empty: statements.every(isNoOpStatement),
            },
        };
    }
    let last = index;
    for (let k = index + 1; k < lines.length; k++) {
        const line = lines[k];
        if (!line.blank && line.indent === 0)
            break;
        if (line.indent > 0)
            last = k;
    }
    const body = lines.slice(index + 1, last + 1);
    if (!body.some((l) => !l.blank)) {
        problems.push({ path, line: header.start, message: `the function on line ${header.start} has no body` });
    }
    const first = body.find((l) => l.indent > 0);
    const startLine = first?.start ?? header.end + 1;
    const endLine = body.length > 0 ? body[body.length - 1].end : header.end;
    return {
        defLine: header.start,
        part: {
            path,
            text: physical.slice(startLine - 1, Math.max(startLine - 1, endLine)).join('\n'),
            startLine,
            empty: body.filter((l) => !l.blank).every((l) => isNoOpStatement(l.code)),
        },
    };
}
/**
 * The file's text with the module docstring's lines turned into `#` comments, so annotations written
 * inside it (`requirements: RL-101`) are read like comment lines. Line numbers are unchanged.
 */
function annotationText(physical, lines) {
    const docstring = lines.find((l) => !l.blank);
    if (!docstring || docstring.indent !== 0)
        return physical.join('\n');
    const tokens = literalTokens(docstring.code);
    if (!tokens || tokens.length !== 1 || tokens[0].kind !== 'string')
        return physical.join('\n');
    return physical
        .map((raw, index) => {
        const lineNo = index + 1;
        if (lineNo < docstring.start || lineNo > docstring.end)
            return raw;
        const text = lineNo === docstring.start ? raw.replace(/^\s*[rRuU]?("""|'''|"|')/, '') : raw;
        return /^\s*(?:--|#|\/\/)/.test(text) ? text : `# ${text}`;
    })
        .join('\n');
}
/**
 * Parses an Alembic revision file statically (no Python): `revision`, `down_revision` (None, a string,
 * or a tuple/list for merge revisions), `branch_labels`, `depends_on`, the bodies of `upgrade()` and
 * `downgrade()`, and the waiver and requirement annotations (`#` comments or lines of the module docstring).
 * A downgrade whose body only holds `pass`, a docstring, comments, `...` or `raise NotImplementedError(…)`
 * is `empty`; a file without `downgrade()` has `down: null`. Problems go to `parseProblems`.
 */
function parseAlembicFile(input, config) {
    const path = input.relPath;
    const fileName = path.slice(path.lastIndexOf('/') + 1);
    const name = fileName.replace(/\.py$/, '');
    const migration = (0,_sql_js__WEBPACK_IMPORTED_MODULE_0__/* .newMigration */ .z6)({ name, dir: input.dir, path, files: [path], format: 'alembic', dialect: null }, config);
    const text = input.text.replace(/^\uFEFF/, '');
    const physical = text.split(/\r?\n/);
    const scan = scanPython(text);
    const problems = scan.problems.map((p) => ({ path, line: p.line, message: p.message }));
    const values = new Map();
    const functions = new Map();
    scan.lines.forEach((line, index) => {
        if (line.blank || line.indent !== 0)
            return;
        const code = line.code.trim();
        const def = FUNCTION_DEF.exec(code);
        if (def) {
            functions.set(def[1], index);
            return;
        }
        const assignment = ASSIGNMENT.exec(code);
        if (assignment)
            values.set(assignment[1], { code: assignment[2], line: line.start });
    });
    const read = (key, required) => {
        const value = values.get(key);
        if (!value) {
            if (required)
                problems.push({ path, line: null, message: `no top-level '${key} = …' assignment` });
            return null;
        }
        const list = readRevisionList(value.code);
        if (list === null) {
            problems.push({
                path,
                line: value.line,
                message: `cannot read '${key}' statically: expected None, a string or a tuple of strings`,
            });
            return null;
        }
        return { list, line: value.line };
    };
    const revision = read('revision', true);
    const down = read('down_revision', true);
    const branchLabels = read('branch_labels', false);
    const dependsOn = read('depends_on', false);
    if (revision && revision.list.length !== 1) {
        problems.push({ path, line: revision.line, message: `'revision' must be one string` });
    }
    const revisionId = revision?.list.length === 1 ? revision.list[0] : null;
    if (revisionId !== null) {
        const alembic = {
            revision: revisionId,
            downRevisions: down?.list ?? [],
            branchLabels: branchLabels?.list ?? [],
            dependsOn: dependsOn?.list ?? [],
            revisionLine: revision.line,
            downRevisionLine: down?.line ?? null,
        };
        migration.alembic = alembic;
    }
    const upIndex = functions.get('upgrade');
    const downIndex = functions.get('downgrade');
    if (upIndex === undefined) {
        problems.push({ path, line: null, message: 'no top-level upgrade() function' });
    }
    else {
        migration.up = functionBody(scan.lines, upIndex, physical, path, problems).part;
    }
    if (downIndex !== undefined) {
        migration.down = functionBody(scan.lines, downIndex, physical, path, problems).part;
    }
    const annotations = (0,_annotations_js__WEBPACK_IMPORTED_MODULE_1__/* .parseAnnotations */ .K)(annotationText(physical, scan.lines), path, config.requirementPattern);
    migration.waiver = annotations.waiver;
    migration.requirements = annotations.requirements;
    migration.requirementsLine = annotations.requirementsLine;
    problems.push(...annotations.problems.map((p) => ({ path, line: p.line, message: p.message })));
    migration.parseProblems = problems;
    return migration;
}
/**
 * Orders Alembic migrations along the revision graph: parents (`down_revision`, and `depends_on`
 * naming a revision or branch label) before children, starting from the roots; among revisions ready at
 * the same time, by name. Revisions caught in a cycle follow, by name, then files whose revision could not
 * be read.
 */
function orderAlembic(migrations) {
    const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const graph = migrations.filter((m) => m.alembic !== null);
    const unreadable = migrations.filter((m) => m.alembic === null).sort(byName);
    const byRevision = new Map();
    const byLabel = new Map();
    for (const m of graph) {
        if (!byRevision.has(m.alembic.revision))
            byRevision.set(m.alembic.revision, m);
        for (const label of m.alembic.branchLabels)
            if (!byLabel.has(label))
                byLabel.set(label, m);
    }
    const parents = new Map();
    const children = new Map();
    for (const m of graph) {
        const set = new Set();
        for (const id of m.alembic.downRevisions) {
            const parent = byRevision.get(id);
            if (parent && parent !== m)
                set.add(parent);
        }
        for (const id of m.alembic.dependsOn) {
            const parent = byRevision.get(id) ?? byLabel.get(id);
            if (parent && parent !== m)
                set.add(parent);
        }
        parents.set(m, set);
        for (const parent of set)
            children.set(parent, [...(children.get(parent) ?? []), m]);
    }
    const remaining = new Map(graph.map((m) => [m, parents.get(m).size]));
    const ready = graph.filter((m) => remaining.get(m) === 0).sort(byName);
    const ordered = [];
    while (ready.length > 0) {
        const next = ready.shift();
        ordered.push(next);
        remaining.delete(next);
        for (const child of children.get(next) ?? []) {
            const left = remaining.get(child) - 1;
            remaining.set(child, left);
            if (left === 0) {
                ready.push(child);
                ready.sort(byName);
            }
        }
    }
    const cyclic = [...remaining.keys()].sort(byName);
    return [...ordered, ...cyclic, ...unreadable];
}


/***/ })

};
