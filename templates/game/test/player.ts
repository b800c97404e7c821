// A test player: a real WebSocket to an arena (through the Worker), with the
// room's view kept up to date from its welcome, state and patch frames.
import { SELF } from "cloudflare:test";
import { applyPatch } from "roomkit/game";
import { connect, type TestSocket } from "roomkit/testing";
import type { State } from "../src/game";

export class Player {
  state: State | undefined;
  ack = 0;
  id = "";
  readonly messages: any[] = [];
  #seq = 0;

  private constructor(readonly socket: TestSocket) {
    socket.ws.addEventListener("message", (e) => {
      const m = JSON.parse(e.data as string);
      this.messages.push(m);
      if (Array.isArray(m)) {
        this.ack = m[1];
        if (m.length > 2) this.state = applyPatch<State>(this.state, m[2]);
      } else if (m.type === "welcome" || m.type === "state") {
        if (m.type === "welcome") this.id = m.id;
        this.state = m.state;
        this.ack = m.ack;
      }
    });
  }

  /** Joins `room` with seat key `key` and waits for the welcome. */
  static async join(room: string, key: string, name = "Tester"): Promise<Player> {
    const p = new Player(await connect(SELF, `/parties/arena/${room}?_pk=${key}&name=${encodeURIComponent(name)}`));
    await p.until(() => p.id !== "");
    return p;
  }

  /** Polls until `done()` (messages arrive on their own; this only waits for them). */
  async until(done: () => boolean, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out; last messages: ${JSON.stringify(this.messages.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  input(dx: number, dy: number): number {
    this.socket.send(JSON.stringify([++this.#seq, { dx, dy }]));
    return this.#seq;
  }

  /** Gives up the seat (no grace period) and closes. */
  leave(): void {
    this.socket.send(JSON.stringify({ type: "leave" }));
  }

  get me() {
    return this.state!.players[this.id]!;
  }
}
