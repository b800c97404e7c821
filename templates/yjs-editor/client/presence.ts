// Renders who is in the room from the awareness states.
import type { Identity } from "./identity";

export type Presence = { user?: Identity };

export function renderPresence(list: HTMLElement, states: Map<number, Presence>, myClientId: number): void {
  const items: HTMLLIElement[] = [];
  for (const [clientId, state] of states) {
    if (!state.user) continue;
    const li = document.createElement("li");
    li.dataset.clientId = String(clientId);
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.style.background = state.user.color;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = state.user.name; // textContent: names come from other people
    li.append(dot, name);
    if (clientId === myClientId) {
      const you = document.createElement("span");
      you.className = "you";
      you.textContent = "(you)";
      li.append(you);
    }
    items.push(li);
  }
  list.replaceChildren(...items);
}
