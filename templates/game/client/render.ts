// Drawing: orbs from the room's latest state, other players interpolated
// between two recent states (smooth despite 20 patches a second), and you
// where your own inputs have already taken you (prediction).
import { lerp, type Sample } from "roomkit/game/client";
import { ORB_RADIUS, PLAYER_RADIUS, WORLD, type State } from "../src/game";

export function draw(ctx: CanvasRenderingContext2D, latest: State, predicted: State, sample: Sample<State> | undefined, me: string | undefined): void {
  ctx.clearRect(0, 0, WORLD.width, WORLD.height);
  ctx.fillStyle = "#0f172a";
  ctx.fillRect(0, 0, WORLD.width, WORLD.height);
  ctx.strokeStyle = "#1e293b";
  ctx.lineWidth = 1;
  for (let x = 40; x < WORLD.width; x += 40) line(ctx, x, 0, x, WORLD.height);
  for (let y = 40; y < WORLD.height; y += 40) line(ctx, 0, y, WORLD.width, y);

  ctx.fillStyle = "#fde047";
  for (const orb of Object.values(latest.orbs)) circle(ctx, orb.x, orb.y, ORB_RADIUS);

  for (const [id, p] of Object.entries(latest.players)) {
    if (id === me) continue;
    // Between the two states around "a moment ago"; a player who just appeared is drawn where they are.
    const a = sample?.from.players[id] ?? p;
    const b = sample?.to.players[id] ?? p;
    const t = sample?.t ?? 1;
    drawPlayer(ctx, lerp(a.x, b.x, t), lerp(a.y, b.y, t), p.color, p.name, false);
  }
  const mine = me ? predicted.players[me] : undefined;
  if (mine) drawPlayer(ctx, mine.x, mine.y, mine.color, mine.name, true);
}

function drawPlayer(ctx: CanvasRenderingContext2D, x: number, y: number, color: string, name: string, isMe: boolean): void {
  ctx.fillStyle = color;
  circle(ctx, x, y, PLAYER_RADIUS);
  if (isMe) {
    ctx.strokeStyle = "#f8fafc";
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.arc(x, y, PLAYER_RADIUS + 3, 0, Math.PI * 2);
    ctx.stroke();
  }
  ctx.fillStyle = "#e2e8f0";
  ctx.font = "13px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.fillText(name, x, y - PLAYER_RADIUS - 8);
}

function circle(ctx: CanvasRenderingContext2D, x: number, y: number, r: number): void {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  ctx.fill();
}

function line(ctx: CanvasRenderingContext2D, x1: number, y1: number, x2: number, y2: number): void {
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x2, y2);
  ctx.stroke();
}
