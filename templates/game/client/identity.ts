// Who you are: a display name (remembered in this browser) and, per room, the
// seat key you connect with. The seat key is kept in sessionStorage, so a
// reload of the tab gets your seat back (within the room's grace period) while
// a second tab is a second player.

const NAME_KEY = "roomkit-game:name";

export function loadName(): string {
  return localStorage.getItem(NAME_KEY) ?? `Player ${Math.floor(Math.random() * 900 + 100)}`;
}

export function saveName(name: string): void {
  localStorage.setItem(NAME_KEY, name);
}

export function seatKey(room: string): string {
  const key = `roomkit-game:seat:${room}`;
  let id = sessionStorage.getItem(key);
  if (!id) sessionStorage.setItem(key, (id = crypto.randomUUID()));
  return id;
}

export function forgetSeat(room: string): void {
  sessionStorage.removeItem(`roomkit-game:seat:${room}`);
}
