// Bindings of wrangler.toml, for `env` from cloudflare:test.
declare namespace Cloudflare {
  interface Env {
    STREAMS: DurableObjectNamespace;
  }
}
