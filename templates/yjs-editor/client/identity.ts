// A name and a colour per browser, kept in localStorage.
export type Identity = { name: string; color: string; colorLight: string };

const NAMES = ["Ada", "Grace", "Alan", "Barbara", "Edsger", "Frances", "Ken", "Margaret", "Radia", "Tim"];
const COLORS = ["#e11d48", "#2563eb", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#db2777", "#65a30d"];

export function loadIdentity(): Identity {
  const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;
  const name = localStorage.getItem("roomkit:name") || `${pick(NAMES)} ${Math.floor(Math.random() * 90) + 10}`;
  const color = localStorage.getItem("roomkit:color") || pick(COLORS);
  localStorage.setItem("roomkit:name", name);
  localStorage.setItem("roomkit:color", color);
  return { name, color, colorLight: `${color}33` };
}

export function saveName(name: string): void {
  localStorage.setItem("roomkit:name", name);
}
