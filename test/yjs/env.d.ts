// Bindings of test/yjs/fixtures/wrangler.toml, for `env` from cloudflare:test.
declare namespace Cloudflare {
  interface Env {
    DOC: DurableObjectNamespace;
    TIMED_DOC: DurableObjectNamespace;
    MEM_DOC: DurableObjectNamespace;
    TINY_DOC: DurableObjectNamespace;
    LAZY_DOC: DurableObjectNamespace;
    BATCHED_DOC: DurableObjectNamespace;
    BATCHED_COMPACTING_DOC: DurableObjectNamespace;
    NOGC_DOC: DurableObjectNamespace;
    HOOK_DOC: DurableObjectNamespace;
    STORE: DurableObjectNamespace;
    GUARDED_DOC: DurableObjectNamespace;
    FORGETFUL_DOC: DurableObjectNamespace;
    LIMITED_DOC: DurableObjectNamespace;
  }
}
