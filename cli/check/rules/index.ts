/**
 * Every rule of `roomkit check`, in the order their findings are printed.
 * One rule per file, named for the finding codes it reports (docs/cli.md).
 * @module
 */
import type { Rule } from "../types.js";
import { classMigrations } from "./class-migrations.js";
import { compatibilityDate } from "./compatibility-date.js";
import { duplicateBinding } from "./duplicate-binding.js";
import { kvStorage } from "./kv-storage.js";
import { missingClass } from "./missing-class.js";
import { orphanedClass } from "./orphaned-class.js";
import { partyServers } from "./party-servers.js";
import { pendingDelete } from "./pending-delete.js";
import { unboundClass } from "./unbound-class.js";
import { workerRoutes } from "./worker-routes.js";

/** The rules run on each target, after the migration history is replayed (duplicate-tag, duplicate-class, unknown-class). */
export const RULES: readonly Rule[] = [
  duplicateBinding,
  missingClass,
  unboundClass,
  partyServers,
  classMigrations,
  orphanedClass,
  pendingDelete,
  kvStorage,
  workerRoutes,
  compatibilityDate,
];
