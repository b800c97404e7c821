// Bindings of test/durable/fixtures/wrangler.toml, for `env` from cloudflare:test.
declare namespace Cloudflare {
  interface Env {
    FEED: DurableObjectNamespace;
    MEMORY: DurableObjectNamespace;
    MINUTE: DurableObjectNamespace;
    BIG: DurableObjectNamespace;
    PLAIN: DurableObjectNamespace;
    COUNTER: DurableObjectNamespace;
    KV: DurableObjectNamespace;
  }
}
