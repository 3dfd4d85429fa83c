/**
 * Worker-thread entry of the embedded provider: one PGlite instance served over the PostgreSQL wire
 * protocol on a loopback port. Messages: `{ type: 'dump' }` → `{ type: 'dump', data }` (the data directory
 * as an uncompressed tar). The parent ends it with `worker.terminate()`.
 *
 * Self-contained on purpose (no relative imports): it runs from `src/` with type stripping, from `lib/`
 * and as its own bundle.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { hstore } from '@electric-sql/pglite/contrib/hstore';
import { ltree } from '@electric-sql/pglite/contrib/ltree';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { uuid_ossp } from '@electric-sql/pglite/contrib/uuid_ossp';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
async function main() {
    const port = parentPort;
    if (!port)
        return;
    const input = (workerData ?? {});
    try {
        const db = await PGlite.create({
            username: 'postgres',
            database: 'postgres',
            extensions: { btree_gist, citext, hstore, ltree, pg_trgm, pgcrypto, uuid_ossp },
            ...(input.dataDir ? { loadDataDir: new Blob([input.dataDir]) } : {}),
        });
        const version = await db.query("SELECT current_setting('server_version') AS v");
        const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
        await server.start();
        const listening = Number(server.getServerConn().split(':').pop());
        port.on('message', (message) => {
            if (message?.type !== 'dump')
                return;
            db.dumpDataDir('none')
                .then(async (blob) => {
                const data = new Uint8Array(await blob.arrayBuffer());
                port.postMessage({ type: 'dump', data }, [data.buffer]);
            })
                .catch((error) => port.postMessage({ type: 'error', message: String(error) }));
        });
        port.postMessage({ type: 'ready', port: listening, serverVersion: version.rows[0]?.v ?? 'unknown' });
    }
    catch (error) {
        port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
}
void main();
