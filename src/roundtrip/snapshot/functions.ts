import type { Inspector, ObjectKind, PropValue } from './model.js';
import { aclText, bool, commentOf, notExtensionMember, sortedArray, text, userSchema } from './sql.js';

const KINDS: Record<string, ObjectKind> = { f: 'function', w: 'function', p: 'procedure', a: 'aggregate' };
const VOLATILITY: Record<string, string> = { i: 'immutable', s: 'stable', v: 'volatile' };
const PARALLEL: Record<string, string> = { s: 'safe', r: 'restricted', u: 'unsafe' };

/**
 * Functions, procedures and aggregates, keyed by identity signature (`public.total(integer, integer)`):
 * language, arguments (with defaults), return type, body, volatility, strictness, security definer,
 * parallel safety, cost, settings, owner, privileges, comment; aggregates add their support functions.
 */
export const functions: Inspector = {
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
       ${aclText('p.proacl', 'f', 'p.proowner')} AS acl,
       ${commentOf('pg_proc', 'p.oid')} AS comment
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
LEFT JOIN pg_catalog.pg_aggregate ag ON ag.aggfnoid = p.oid
WHERE ${userSchema('n')} AND ${notExtensionMember('pg_proc', 'p.oid')}
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend own
                  WHERE own.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND own.objid = p.oid AND own.deptype = 'i')`,
  toObject: (row) => {
    const kind = KINDS[row.prokind as string] ?? 'function';
    const props: Record<string, PropValue> = {
      language: text(row.language),
      arguments: text(row.arguments),
      returns: text(row.result),
      body: kind === 'aggregate' ? null : text(row.body),
      library: text(row.library),
      volatility: VOLATILITY[row.volatility as string] ?? text(row.volatility),
      strict: bool(row.strict),
      'security definer': bool(row.security_definer),
      leakproof: bool(row.leakproof),
      parallel: PARALLEL[row.parallel as string] ?? text(row.parallel),
      cost: text(row.cost),
      rows: text(row.rows),
      settings: sortedArray(row.config),
    };
    if (kind === 'aggregate') {
      props['transition function'] = text(row.agg_transition);
      props['state type'] = text(row.agg_state_type);
      props['final function'] = text(row.agg_final);
      props['combine function'] = text(row.agg_combine);
      props['initial value'] = text(row.agg_initial);
    }
    props.owner = text(row.owner);
    props.privileges = sortedArray(row.acl);
    props.comment = text(row.comment);
    return {
      kind,
      name: `${row.schema}.${row.name}(${row.identity})`,
      schema: row.schema,
      table: null,
      props,
    };
  },
};
