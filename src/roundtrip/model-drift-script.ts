/** The comparison of the project's models with a migrated database, run with the project's own Python and Alembic. */
// Alembic's autogenerate comparison (what `alembic check` runs, on every Alembic version since 1.0), printed as JSON.
export const MODEL_DRIFT_SCRIPT = String.raw`
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
export const MODEL_DRIFT_MARK = 'MIGRATION_GATE_MODEL_DRIFT ';
