import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
import * as __WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_1179007e__ from "@electric-sql/pglite";
import * as __WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_btree_gist_f9bf1676__ from "@electric-sql/pglite/contrib/btree_gist";
import * as __WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_citext_68649d5c__ from "@electric-sql/pglite/contrib/citext";
import * as __WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_hstore_4730947c__ from "@electric-sql/pglite/contrib/hstore";
import * as __WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_ltree_f2424405__ from "@electric-sql/pglite/contrib/ltree";
import * as __WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_pg_trgm_2bc6b1d4__ from "@electric-sql/pglite/contrib/pg_trgm";
import * as __WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_pgcrypto_c5c9891a__ from "@electric-sql/pglite/contrib/pgcrypto";
import * as __WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_uuid_ossp_c6844774__ from "@electric-sql/pglite/contrib/uuid_ossp";
/******/ // The require scope
/******/ var __nccwpck_require__ = {};
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/************************************************************************/
var __webpack_exports__ = {};

;// CONCATENATED MODULE: external "node:worker_threads"
const external_node_worker_threads_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");
;// CONCATENATED MODULE: external "@electric-sql/pglite"
var x = (y) => {
	var x = {}; __nccwpck_require__.d(x, y); return x
} 
var y = (x) => (() => (x))
const pglite_namespaceObject = x({ ["PGlite"]: () => (__WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_1179007e__.PGlite) });
;// CONCATENATED MODULE: external "@electric-sql/pglite/contrib/btree_gist"
var btree_gist_x = (y) => {
	var x = {}; __nccwpck_require__.d(x, y); return x
} 
var btree_gist_y = (x) => (() => (x))
const btree_gist_namespaceObject = btree_gist_x({ ["btree_gist"]: () => (__WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_btree_gist_f9bf1676__.btree_gist) });
;// CONCATENATED MODULE: external "@electric-sql/pglite/contrib/citext"
var citext_x = (y) => {
	var x = {}; __nccwpck_require__.d(x, y); return x
} 
var citext_y = (x) => (() => (x))
const citext_namespaceObject = citext_x({ ["citext"]: () => (__WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_citext_68649d5c__.citext) });
;// CONCATENATED MODULE: external "@electric-sql/pglite/contrib/hstore"
var hstore_x = (y) => {
	var x = {}; __nccwpck_require__.d(x, y); return x
} 
var hstore_y = (x) => (() => (x))
const hstore_namespaceObject = hstore_x({ ["hstore"]: () => (__WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_hstore_4730947c__.hstore) });
;// CONCATENATED MODULE: external "@electric-sql/pglite/contrib/ltree"
var ltree_x = (y) => {
	var x = {}; __nccwpck_require__.d(x, y); return x
} 
var ltree_y = (x) => (() => (x))
const ltree_namespaceObject = ltree_x({ ["ltree"]: () => (__WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_ltree_f2424405__.ltree) });
;// CONCATENATED MODULE: external "@electric-sql/pglite/contrib/pg_trgm"
var pg_trgm_x = (y) => {
	var x = {}; __nccwpck_require__.d(x, y); return x
} 
var pg_trgm_y = (x) => (() => (x))
const pg_trgm_namespaceObject = pg_trgm_x({ ["pg_trgm"]: () => (__WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_pg_trgm_2bc6b1d4__.pg_trgm) });
;// CONCATENATED MODULE: external "@electric-sql/pglite/contrib/pgcrypto"
var pgcrypto_x = (y) => {
	var x = {}; __nccwpck_require__.d(x, y); return x
} 
var pgcrypto_y = (x) => (() => (x))
const pgcrypto_namespaceObject = pgcrypto_x({ ["pgcrypto"]: () => (__WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_pgcrypto_c5c9891a__.pgcrypto) });
;// CONCATENATED MODULE: external "@electric-sql/pglite/contrib/uuid_ossp"
var uuid_ossp_x = (y) => {
	var x = {}; __nccwpck_require__.d(x, y); return x
} 
var uuid_ossp_y = (x) => (() => (x))
const uuid_ossp_namespaceObject = uuid_ossp_x({ ["uuid_ossp"]: () => (__WEBPACK_EXTERNAL_MODULE__electric_sql_pglite_contrib_uuid_ossp_c6844774__.uuid_ossp) });
;// CONCATENATED MODULE: external "net"
const external_net_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");
;// CONCATENATED MODULE: ./node_modules/@electric-sql/pglite-socket/dist/chunk-4D4OME7M.js
var C=6e4,p=80877103,c=8,b=80877102,u=16,d=class{constructor(i,e=!1){this.queue=[];this.processing=!1;this.lastHandlerId=null;this.db=i,this.debug=e}log(i,...e){this.debug&&console.log(`[QueryQueueManager] ${i}`,...e)}async enqueue(i,e,s){return new Promise((t,r)=>{let n={handlerId:i,message:e,resolve:t,reject:r,timestamp:Date.now(),onData:s};this.queue.push(n),this.log(`enqueued query from handler #${i}, queue size: ${this.queue.length}`),this.processing||this.processQueue()})}async processQueue(){if(!(this.processing||this.queue.length===0)){for(this.processing=!0;this.queue.length>0;){let i;if(this.db.isInTransaction()&&this.lastHandlerId){let t=this.queue.findIndex(r=>r.handlerId===this.lastHandlerId);t===-1?(this.log("transaction started, but no query from the same handler id found in queue",this.lastHandlerId),i=null):i=this.queue.splice(t,1)[0]}else i=this.queue.shift();if(!i)break;let e=Date.now()-i.timestamp;this.log(`processing query from handler #${i.handlerId} (waited ${e}ms)`);let s=0;try{await this.db.runExclusive(async()=>await this.db.execProtocolRawStream(i.message,{onRawData:t=>{s+=t.length,i.onData(t)}}))}catch(t){this.log(`query from handler #${i.handlerId} failed:`,t),i.reject(t);return}this.log(`query from handler #${i.handlerId} completed, ${s} bytes`),this.lastHandlerId=i.handlerId,i.resolve(s)}this.processing=!1,this.log("queue processing complete, queue length is",this.queue.length)}}getQueueLength(){return this.queue.length}clearQueueForHandler(i){let e=this.queue.length;this.queue=this.queue.filter(t=>t.handlerId===i?(t.reject(new Error("Handler disconnected")),!1):!0);let s=e-this.queue.length;s>0&&this.log(`cleared ${s} queries for handler #${i}`)}async clearTransactionIfNeeded(i){this.db.isInTransaction()&&this.lastHandlerId===i&&(await this.db.exec("ROLLBACK"),this.lastHandlerId=null,await this.processQueue())}},l=class l extends EventTarget{constructor(e){super();this.socket=null;this.active=!1;this.messageBuffer=Buffer.alloc(0);this.lastActivityTime=Date.now();this.queryQueue=e.queryQueue,this.closeOnDetach=e.closeOnDetach??!1,this.inspect=e.inspect??!1,this.debug=e.debug??!1,this.idleTimeout=e.idleTimeout??0,this.id=l.nextHandlerId++,this.log("constructor: created new handler")}get handlerId(){return this.id}log(e,...s){this.debug&&console.log(`[PGLiteSocketHandler#${this.id}] ${e}`,...s)}async attach(e){if(this.log(`attach: attaching socket from ${e.remoteAddress}:${e.remotePort}`),this.socket)throw new Error("Socket already attached");return this.socket=e,this.active=!0,this.lastActivityTime=Date.now(),e.setNoDelay(!0),this.idleTimeout>0&&this.resetIdleTimer(),this.log("attach: setting up socket event handlers"),e.on("data",s=>{this.lastActivityTime=Date.now(),this.resetIdleTimer(),setImmediate(async()=>{try{await this.handleData(s)}catch(t){this.log("socket on data error: ",t),this.handleError(t)}})}),e.on("error",s=>{setImmediate(()=>this.handleError(s))}),e.on("close",()=>{setImmediate(()=>this.handleClose())}),this.log("attach: socket handler ready"),this}resetIdleTimer(){this.idleTimeout<=0||(this.idleTimer&&clearTimeout(this.idleTimer),this.idleTimer=setTimeout(()=>{let e=Date.now()-this.lastActivityTime;this.log(`idle timeout after ${e}ms`),this.handleError(new Error("Idle timeout"))},this.idleTimeout))}async detach(e){if(this.log(`detach: detaching socket, close=${e??this.closeOnDetach}`),this.idleTimer&&(clearTimeout(this.idleTimer),this.idleTimer=void 0),!this.socket)return this.log("detach: no socket attached, nothing to do"),this;if(this.queryQueue.clearQueueForHandler(this.id),await this.queryQueue.clearTransactionIfNeeded(this.id),!this.socket)return this;if(this.socket.removeAllListeners("data"),this.socket.removeAllListeners("error"),this.socket.removeAllListeners("close"),(e??this.closeOnDetach)&&this.socket.writable){this.log("detach: closing socket");try{this.socket.end(),this.socket.destroy()}catch(s){this.log("detach: error closing socket:",s)}}return this.socket=null,this.active=!1,this.messageBuffer=Buffer.alloc(0),this.log("detach: handler cleaned up"),this}get isAttached(){return this.socket!==null}handleSslRequest(){if(this.messageBuffer.length<c)return!1;let e=this.messageBuffer.readInt32BE(0),s=this.messageBuffer.readInt32BE(4);return e===c&&s===p?(this.socket?.writable&&this.socket.write(Buffer.from("N")),this.messageBuffer=this.messageBuffer.slice(c),!0):!1}handleCancelRequest(){if(this.messageBuffer.length<u)return!1;let e=this.messageBuffer.readInt32BE(0),s=this.messageBuffer.readInt32BE(4);return e===u&&s===b?(this.messageBuffer=this.messageBuffer.slice(u),this.log("handleData: CancelRequest received, ignoring (not supported)"),!0):!1}async handleData(e){if(!this.socket||!this.active)return this.log("handleData: no active socket, ignoring data"),0;this.log(`handleData: received ${e.length} bytes`),this.messageBuffer=Buffer.concat([this.messageBuffer,e]),this.inspectData("incoming",e);try{let s=0;for(;this.messageBuffer.length>0;){if(this.handleSslRequest()||this.handleCancelRequest())continue;let t=0,r=!1;if(this.messageBuffer.length>=4){let o=this.messageBuffer.readInt32BE(0);if(this.messageBuffer.length>=8){let a=this.messageBuffer.readInt32BE(4);(a===196608||a===196608)&&(t=o,r=this.messageBuffer.length>=t)}!r&&this.messageBuffer.length>=5&&(t=1+this.messageBuffer.readInt32BE(1),r=this.messageBuffer.length>=t)}if(!r||t===0){this.log(`handleData: incomplete message, buffering ${this.messageBuffer.length} bytes`);break}let n=this.messageBuffer.slice(0,t);if(this.messageBuffer=this.messageBuffer.slice(t),this.log(`handleData: processing message of ${n.length} bytes`),!this.active||!this.socket){this.log("handleData: socket no longer active, stopping processing");break}let h;if(await this.queryQueue.enqueue(this.id,new Uint8Array(n),o=>{this.log(`handleData: received ${o.length} bytes from PGlite`),this.inspectData("outgoing",o),o.length>0&&this.socket&&this.socket.writable&&this.active&&(this.log("handleData: writing response to socket"),this.socket?.writable?this.socket.write(Buffer.from(o),a=>{a?(this.log("handleData: error writing to socket:",a),h=a):this.log(`handleData: socket sent: ${o.length} bytes`)}):this.log("handleData: socket no longer writable")),s+=o.length}),h)throw h}return this.dispatchEvent(new CustomEvent("data",{detail:{incoming:e.length,outgoing:s}})),s}catch(s){throw this.log("handleData: error processing data:",s),s}}handleError(e){if(!this.active){this.log("handleError: handler not active, ignoring error");return}e.message?.includes("ECONNRESET")?this.log("handleError: client disconnected (ECONNRESET) - normal behavior"):e.message?.includes("Idle timeout")?this.log("handleError: connection idle timeout"):this.log("handleError:",e),this.active=!1,this.dispatchEvent(new CustomEvent("error",{detail:e})),this.detach(!0)}handleClose(){this.log("handleClose: socket closed"),this.active=!1,this.dispatchEvent(new CustomEvent("close")),this.detach(!1)}inspectData(e,s){if(this.inspect){console.log("-".repeat(75)),console.log(e==="incoming"?"-> incoming":"<- outgoing",s.length,"bytes");for(let t=0;t<s.length;t+=16){let r=Math.min(16,s.length-t),n="";for(let o=0;o<16;o++)if(o<r){let a=s[t+o];n+=a.toString(16).padStart(2,"0")+" "}else n+="   ";let h="";for(let o=0;o<r;o++){let a=s[t+o];h+=a>=32&&a<=126?String.fromCharCode(a):"."}console.log(`${t.toString(16).padStart(8,"0")}  ${n} ${h}`)}}}};l.nextHandlerId=1;var g=l,f=class extends EventTarget{constructor(e){super();this.server=null;this.active=!1;this.handlers=new Set;this.db=e.db,e.path?this.path=e.path:(typeof e.port=="number"?this.port=e.port??e.port:this.port=5432,this.host=e.host||"127.0.0.1"),this.inspect=e.inspect??!1,this.debug=e.debug??!1,this.idleTimeout=e.idleTimeout??0,this.maxConnections=e.maxConnections??1,this.queryQueue=new d(this.db,this.debug),this.log(`constructor: created server on ${this.getServerConn()}`),this.log(`constructor: max connections: ${this.maxConnections}`),this.idleTimeout>0&&this.log(`constructor: idle timeout: ${this.idleTimeout}ms`)}log(e,...s){this.debug&&console.log(`[PGLiteSocketServer] ${e}`,...s)}async start(){if(this.log(`start: starting server on ${this.getServerConn()}`),this.server)throw new Error("Socket server already started");return await this.db.waitReady,this.active=!0,this.server=(0,external_net_namespaceObject.createServer)(e=>{setImmediate(()=>this.handleConnection(e))}),this.server.maxConnections=this.maxConnections,new Promise((e,s)=>{if(!this.server)return s(new Error("Server not initialized"));let t=!1;if(this.server.on("error",r=>{this.log("start: server error:",r),this.dispatchEvent(new CustomEvent("error",{detail:r})),t||s(r)}),this.path)this.server.listen(this.path,()=>{t=!0,this.log(`start: server listening on ${this.getServerConn()}`),this.dispatchEvent(new CustomEvent("listening",{detail:{path:this.path}})),e()});else{let r=this.server;r.listen(this.port,this.host,()=>{t=!0;let n=r.address();if(n===null||typeof n!="object")throw Error("Expected address info");this.port=n.port,this.log(`start: server listening on ${this.getServerConn()}`),this.dispatchEvent(new CustomEvent("listening",{detail:{port:this.port,host:this.host}})),e()})}})}getServerConn(){return this.path?this.path:`${this.host}:${this.port}`}async stop(){this.log("stop: stopping server"),this.active=!1,this.log(`stop: detaching ${this.handlers.size} handlers`);for(let e of this.handlers)e.detach(!0);return this.handlers.clear(),this.server?new Promise(e=>{if(!this.server)return e();this.server.close(()=>{this.log("stop: server closed"),this.server=null,this.dispatchEvent(new CustomEvent("close")),e()})}):(this.log("stop: server not running, nothing to do"),Promise.resolve())}async handleConnection(e){let s={clientAddress:e.remoteAddress||"unknown",clientPort:e.remotePort||0};if(this.log(`handleConnection: new connection from ${s.clientAddress}:${s.clientPort}`),this.log(`handleConnection: active connections: ${this.handlers.size}, queued queries: ${this.queryQueue.getQueueLength()}`),!this.active){this.log("handleConnection: server not active, closing connection");try{e.end()}catch(r){this.log("handleConnection: error closing socket:",r)}return}if(this.handlers.size>=this.maxConnections){this.log("handleConnection: max connections reached, rejecting"),e.write(Buffer.from(`Too many connections
`)),e.end();return}let t=new g({queryQueue:this.queryQueue,closeOnDetach:!0,inspect:this.inspect,debug:this.debug,idleTimeout:this.idleTimeout});this.handlers.add(t),t.addEventListener("error",r=>{let n=r.detail;this.handlers.delete(t),n?.message?.includes("ECONNRESET")?this.log(`handler #${t.handlerId}: client disconnected (ECONNRESET)`):n?.message?.includes("Idle timeout")?this.log(`handler #${t.handlerId}: idle timeout`):this.log(`handler #${t.handlerId}: error:`,n)}),t.addEventListener("close",()=>{this.log(`handler #${t.handlerId}: closed`),this.handlers.delete(t),this.log(`handleConnection: active connections: ${this.handlers.size}`)});try{await t.attach(e),this.dispatchEvent(new CustomEvent("connection",{detail:s}))}catch(r){this.log("handleConnection: error attaching socket:",r),this.handlers.delete(t),this.dispatchEvent(new CustomEvent("error",{detail:r}));try{e.end()}catch(n){this.log("handleConnection: error closing socket:",n)}}}getStats(){return{activeConnections:this.handlers.size,queuedQueries:this.queryQueue.getQueueLength(),maxConnections:this.maxConnections}}};
//# sourceMappingURL=chunk-4D4OME7M.js.map
;// CONCATENATED MODULE: ./node_modules/@electric-sql/pglite-socket/dist/index.js

//# sourceMappingURL=index.js.map
;// CONCATENATED MODULE: ./lib/roundtrip/providers/embedded-worker.js
/**
 * Worker-thread entry of the embedded provider: one PGlite instance served over the PostgreSQL wire
 * protocol on a loopback port. Messages: `{ type: 'dump' }` → `{ type: 'dump', data }` (the data directory
 * as an uncompressed tar). The parent ends it with `worker.terminate()`.
 *
 * Self-contained on purpose (no relative imports): it runs from `src/` with type stripping, from `lib/`
 * and as its own bundle.
 */










async function main() {
    const port = external_node_worker_threads_namespaceObject.parentPort;
    if (!port)
        return;
    const input = (external_node_worker_threads_namespaceObject.workerData ?? {});
    try {
        const db = await pglite_namespaceObject.PGlite.create({
            username: 'postgres',
            database: 'postgres',
            extensions: { btree_gist: btree_gist_namespaceObject.btree_gist, citext: citext_namespaceObject.citext, hstore: hstore_namespaceObject.hstore, ltree: ltree_namespaceObject.ltree, pg_trgm: pg_trgm_namespaceObject.pg_trgm, pgcrypto: pgcrypto_namespaceObject.pgcrypto, uuid_ossp: uuid_ossp_namespaceObject.uuid_ossp },
            ...(input.dataDir ? { loadDataDir: new Blob([input.dataDir]) } : {}),
        });
        const version = await db.query("SELECT current_setting('server_version') AS v");
        const server = new f({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
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

