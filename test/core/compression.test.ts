// Which permessage-deflate offers roomkit answers itself (src/compression.ts): the
// ones browsers and `ws` make. Anything else must be left to the runtime, whose
// answer is always valid; a wrong answer of ours would break the handshake or
// the client's decompression. test/reliability/compression.test.ts runs real clients.
import { expect, it } from "vitest";
import { acceptDeflate } from "../../src/compression.js";

const ANSWER = "permessage-deflate; client_no_context_takeover";

it("answers the offers browsers and ws make", () => {
  for (const offer of [
    "permessage-deflate; client_max_window_bits", // Chrome, Firefox, ws
    "permessage-deflate", // Safari, some libraries
    "Permessage-Deflate ;Client_Max_Window_Bits", // names are case-insensitive
    "permessage-deflate; client_max_window_bits=12",
    'permessage-deflate; client_max_window_bits="15"', // a quoted value
    "permessage-deflate; client_no_context_takeover; client_max_window_bits", // already asks for it
    "x-webkit-deflate-frame, permessage-deflate; client_max_window_bits", // first permessage-deflate offer
    "permessage-deflate; client_max_window_bits, permessage-deflate", // a fallback offer after it
  ]) {
    expect(acceptDeflate(offer), offer).toBe(ANSWER);
  }
});

it("leaves every other offer to the runtime", () => {
  for (const offer of [
    null,
    "",
    "x-webkit-deflate-frame",
    "permessage-deflate; server_no_context_takeover", // must be echoed and honoured by the compressor
    "permessage-deflate; server_max_window_bits=10",
    "permessage-deflate; server_max_window_bits=10, permessage-deflate", // the preferred offer decides
    "permessage-deflate; client_max_window_bits=7", // out of range: invalid
    "permessage-deflate; client_max_window_bits=16",
    "permessage-deflate; client_max_window_bits; client_max_window_bits", // a repeated parameter: invalid
    "permessage-deflate; client_no_context_takeover=1", // takes no value
    "permessage-deflate; mystery", // unknown parameter
    "permessage-deflatex", // another extension's name
  ]) {
    expect(acceptDeflate(offer), String(offer)).toBeUndefined();
  }
});
