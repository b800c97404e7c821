import PartySocket from "partysocket";

const room = new URLSearchParams(location.search).get("room") || "demo";
const $ = (id: string) => document.getElementById(id)!;
$("room").textContent = room;

const socket = new PartySocket({ host: location.host, room });

socket.addEventListener("open", () => setStatus("connected"));
socket.addEventListener("close", () => setStatus("reconnecting…"));
socket.addEventListener("message", (event) => {
  const data = JSON.parse(event.data as string) as { count?: number; online?: number; error?: string };
  if (data.count !== undefined) $("count").textContent = String(data.count);
  if (data.online !== undefined) $("online").textContent = `${data.online} online`;
  if (data.error) console.warn(data.error);
});

$("increment").addEventListener("click", () => socket.send("increment"));
$("reset").addEventListener("click", () => socket.send("reset"));

function setStatus(status: string) {
  $("status").textContent = status;
  document.body.dataset.status = status;
}
