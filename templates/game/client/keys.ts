// The keyboard as a stick: WASD or the arrow keys give an input { dx, dy }.

const held = new Set<string>();
const AXES: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  KeyA: [-1, 0],
  ArrowRight: [1, 0],
  KeyD: [1, 0],
  ArrowUp: [0, -1],
  KeyW: [0, -1],
  ArrowDown: [0, 1],
  KeyS: [0, 1],
};

export function listenToKeys(target: Window): void {
  target.addEventListener("keydown", (e) => {
    if (!(e.code in AXES) || (e.target as HTMLElement | null)?.tagName === "INPUT") return;
    held.add(e.code);
    e.preventDefault();
  });
  target.addEventListener("keyup", (e) => held.delete(e.code));
  target.addEventListener("blur", () => held.clear());
}

/** The current stick position, or null when no direction key is held. */
export function currentInput(): { dx: number; dy: number } | null {
  let dx = 0;
  let dy = 0;
  for (const code of held) {
    dx += AXES[code]![0];
    dy += AXES[code]![1];
  }
  dx = Math.max(-1, Math.min(1, dx));
  dy = Math.max(-1, Math.min(1, dy));
  return dx === 0 && dy === 0 ? null : { dx, dy };
}
