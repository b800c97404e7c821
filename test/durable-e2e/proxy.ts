// A loopback TCP proxy between clients and `wrangler dev`, to cut connections
// the way a network does: the server side of the client's TCP connection is
// destroyed (no close frame, the client sees 1006), and while "offline" new
// connections are refused.
import { createServer, connect, type Server, type Socket } from "node:net";

export class CuttingProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  offline = false;
  port = 0;

  private constructor(private target: number) {
    this.#server = createServer((client) => {
      if (this.offline) return void client.destroy();
      const upstream = connect(this.target, "127.0.0.1");
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      const drop = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  static async start(target: number): Promise<CuttingProxy> {
    const proxy = new CuttingProxy(target);
    await new Promise<void>((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    proxy.port = (proxy.#server.address() as { port: number }).port;
    return proxy;
  }

  /** Points new connections at another port (a restarted server). */
  retarget(port: number): void {
    this.target = port;
  }

  /** How many connections pass through now. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Cuts every connection (or the `index`-th open one): the TCP connection is reset, no close frame. */
  cut(index?: number): void {
    const pairs = [...this.#pairs];
    for (const [i, [client, upstream]] of pairs.entries()) {
      if (index !== undefined && i !== index % pairs.length) continue;
      client.resetAndDestroy();
      upstream.destroy();
    }
  }

  /** Cuts the connection opened last (a client that has just connected, e.g. in the middle of its catch-up). */
  cutNewest(): void {
    const last = [...this.#pairs].at(-1);
    if (!last) return;
    last[0].resetAndDestroy();
    last[1].destroy();
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((r) => this.#server.close(r));
  }
}
