// Running a Durable Object's alarm "later": as if `aheadMs` had passed, so timers leased or
// scheduled in the future fire now. Date.now is shifted inside the isolate only while the alarm runs.
// (roomkit/testing's fake time drives whole rooms; this is for tests that move one alarm on a real clock.)
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";

/** Runs `stub`'s alarm with the clock `aheadMs` ahead; resolves to whether an alarm was set. */
export async function runAlarmLater(stub: DurableObjectStub, aheadMs: number): Promise<boolean> {
  const real = Date.now;
  await runInDurableObject(stub, () => {
    Date.now = () => real() + aheadMs;
  });
  try {
    return await runDurableObjectAlarm(stub);
  } finally {
    await runInDurableObject(stub, () => {
      Date.now = real;
    });
  }
}
