/**
 * Measurement hooks for the Yjs rooms: counts the bytes each implementation
 * hands to Durable Object storage (values and SQL bindings, whatever API it
 * uses) and adds two admin requests, `stats` and `abort` (a real cold start:
 * the next request builds a new instance that must load from storage).
 */
type Counter = { bytes: number; writes: number };

const encoder = new TextEncoder();

function sizeOf(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "string") return encoder.encode(value).byteLength;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return 8;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + sizeOf(v), 0);
  try {
    return encoder.encode(JSON.stringify(value)).byteLength;
  } catch {
    return 0;
  }
}

/** Forwards everything to `target`, binding methods to it, except the overridden properties. */
function overlay<T extends object>(target: T, overrides: Record<PropertyKey, unknown>): T {
  return new Proxy(target, {
    get(t, p) {
      if (Object.prototype.hasOwnProperty.call(overrides, p)) return overrides[p];
      const v = Reflect.get(t, p, t);
      return typeof v === "function" ? v.bind(t) : v;
    },
  });
}

function countPut(counter: Counter, keyOrEntries: unknown, value?: unknown): void {
  counter.writes++;
  if (typeof keyOrEntries === "string") counter.bytes += sizeOf(keyOrEntries) + sizeOf(value);
  else for (const [k, v] of Object.entries(keyOrEntries as object)) counter.bytes += sizeOf(k) + sizeOf(v);
}

function countingTxn(txn: DurableObjectTransaction, counter: Counter): DurableObjectTransaction {
  return overlay(txn, {
    put: (k: any, v?: any, o?: any) => (countPut(counter, k, v), txn.put(k, v, o)),
  });
}

function countingStorage(storage: DurableObjectStorage, counter: Counter): DurableObjectStorage {
  const sql = overlay(storage.sql, {
    exec: (query: string, ...bindings: unknown[]) => {
      if (!/^\s*(SELECT|CREATE)/i.test(query)) {
        counter.writes++;
        counter.bytes += sizeOf(bindings);
      }
      return storage.sql.exec(query, ...bindings);
    },
  });
  return overlay(storage, {
    sql,
    put: (k: any, v?: any, o?: any) => (countPut(counter, k, v), storage.put(k, v, o)),
    transaction: (fn: (txn: DurableObjectTransaction) => Promise<unknown>) => storage.transaction((txn) => fn(countingTxn(txn, counter))),
  });
}

type DOClass = new (ctx: DurableObjectState, env: any) => { fetch?(request: Request): Promise<Response> | Response };

/** A subclass of a Durable Object class whose storage writes are counted and that answers `/__bench/stats` and `/__bench/abort`. */
export function instrumented<C extends DOClass>(Base: C): C {
  const Instrumented = class extends (Base as DOClass) {
    readonly counter: Counter;
    readonly realState: DurableObjectState;
    readonly realStorage: DurableObjectStorage;
    constructor(ctx: DurableObjectState, env: any) {
      const counter: Counter = { bytes: 0, writes: 0 };
      // The base class insists on the real state object, so the counting storage is
      // installed on it as an own property that shadows the prototype's getter.
      const storage = ctx.storage;
      Object.defineProperty(ctx, "storage", { value: countingStorage(storage, counter), configurable: true });
      super(ctx, env);
      this.counter = counter;
      this.realState = ctx;
      this.realStorage = storage;
    }
    override async fetch(request: Request): Promise<Response> {
      const { pathname } = new URL(request.url);
      if (pathname === "/__bench/stats") {
        // Rows per table: what a cold start will have to read back.
        const rows: Record<string, number> = {};
        const tables = this.realStorage.sql
          .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'")
          .toArray();
        for (const { name } of tables) rows[name] = this.realStorage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`).one().n;
        return Response.json({ bytesWritten: this.counter.bytes, writes: this.counter.writes, databaseSize: this.realStorage.sql.databaseSize, rows });
      }
      if (pathname === "/__bench/abort") {
        // Answer first: abort() resets the object and fails whatever is still running in it.
        setTimeout(() => this.realState.abort("benchmark cold start"), 0);
        return new Response("aborting");
      }
      return super.fetch!(request);
    }
  };
  Object.defineProperty(Instrumented, "name", { value: Base.name });
  return Instrumented as unknown as C;
}
