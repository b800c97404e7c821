// Bindings of test/game/fixtures/wrangler.toml, for `env` from cloudflare:test.
declare namespace Cloudflare {
  interface Env {
    ARENA: DurableObjectNamespace;
    LOBBY: DurableObjectNamespace;
    FOG: DurableObjectNamespace;
    STRICT: DurableObjectNamespace;
    NOGRACE: DurableObjectNamespace;
    REALTIME: DurableObjectNamespace;
    RANKED: DurableObjectNamespace;
    RANKED_LOBBY: DurableObjectNamespace;
    TINY_LOBBY: DurableObjectNamespace;
  }
}
