// Bindings of test/core/fixtures/wrangler.toml, for `env` from cloudflare:test.
declare namespace Cloudflare {
  interface Env {
    MAIN: DurableObjectNamespace;
    PROBE: DurableObjectNamespace;
    PROBE_MEM: DurableObjectNamespace;
    WHERE: DurableObjectNamespace;
    ALIAS_A: DurableObjectNamespace;
    ALIAS_B: DurableObjectNamespace;
    UNDECLARED: DurableObjectNamespace;
    GUARDED: DurableObjectNamespace;
    HTTP_ONLY: DurableObjectNamespace;
    SOCKET_ONLY: DurableObjectNamespace;
    FLAKY: DurableObjectNamespace;
    Y_DOCS: DurableObjectNamespace;
    FLUSHING: DurableObjectNamespace;
    FLUSHING_STORED: DurableObjectNamespace;
    SINK: DurableObjectNamespace;
    LIMITED: DurableObjectNamespace;
    SECURE: DurableObjectNamespace;
    TIMER_LAB: DurableObjectNamespace;
    KV_ALARM: DurableObjectNamespace;
    FRAGILE_FLUSH: DurableObjectNamespace;
    FRAGILE_FLUSH_STORED: DurableObjectNamespace;
    STRICT: DurableObjectNamespace;
    OBJECT: DurableObjectNamespace;
    OBJECT_MEM: DurableObjectNamespace;
    PK_CHAT: DurableObjectNamespace;
    AUTH_SECRET: string;
  }
}
