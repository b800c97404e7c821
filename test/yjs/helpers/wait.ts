export { waitFor } from "../../support/wait-for.js";

let n = 0;
/** A fresh room id per test, so tests never share a document. */
export const freshRoom = (prefix: string) => `${prefix}-${++n}-${Math.random().toString(36).slice(2, 8)}`;
