// Wiring: the party-name rule (one rule for the runtime and the CLI) and the named host class.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { partyNameProblem as cliRule } from "../../cli/names.js";
import { PartyHost, RoomkitError, createWorker, party, partyNameProblem } from "../../src/index.js";
import { Main } from "./fixtures/worker.js";

class Plain {
  onMessage() {}
}

describe("party names", () => {
  // Only checked, not registered: the deployment's party registry is shared by the isolate's tests.
  it.each(["main", "chat-room", "chatRoom", "a_1", "x".repeat(63)])("%s is accepted", (name) => {
    expect(partyNameProblem(name)).toBeUndefined();
  });

  it.each(["1chat", "-chat", "chat room", "chat/room", "", "x".repeat(64)])("%j is refused when the Worker module loads, with the rule", (name) => {
    const build = () => createWorker({ [name]: party(Plain) });
    expect(build).toThrow(RoomkitError);
    expect(build).toThrow(/use letters, digits, "-" or "_", starting with a letter, at most 63 characters/);
  });

  it("the CLI checks names with the runtime's own rule", () => {
    expect(cliRule).toBe(partyNameProblem);
  });
});

describe("the host class", () => {
  it("party(Server) is a named subclass of PartyHost, and a room's Durable Object is a PartyHost", async () => {
    expect(Object.getPrototypeOf(Main)).toBe(PartyHost);
    expect(Main.name).toBe("MainCounterParty");
    const stub = env.MAIN.get(env.MAIN.idFromName(`host-${crypto.randomUUID()}`));
    expect(await runInDurableObject(stub, (instance) => instance instanceof PartyHost)).toBe(true);
  });
});
