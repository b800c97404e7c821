/**
 * The benchmark's text protocol, the same for every implementation:
 * `b…` is broadcast verbatim to every connection of the room (the sender too),
 * `e…` is written to storage (`put("last", message)`) and then echoed to the sender.
 */
export const BROADCAST = "b".charCodeAt(0);
export const ECHO = "e".charCodeAt(0);
