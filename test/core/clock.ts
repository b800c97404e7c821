// Runs a room's alarm as if `aheadMs` had passed, so timers leased or scheduled
// in the future fire now. Date.now is shifted inside the isolate only for the
// duration of the alarm.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";

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
