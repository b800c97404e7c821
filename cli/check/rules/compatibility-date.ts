/**
 * compatibility-date: the config's compatibility_date is newer than the installed Workers runtime supports.
 * @module
 */
import { installedRuntimeDate } from "../../runtime.js";
import type { RuleContext } from "../types.js";

/**
 * compatibility-date: the config's compatibility_date is newer than the installed Workers runtime supports.
 *
 * @example
 * ```ts
 * compatibilityDate(ctx); // warning compatibility-date: wrangler.toml: compatibility_date "2099-01-01" is newer than ...
 * ```
 */
export function compatibilityDate({ target: t, cfg, root, warning }: RuleContext): void {
  const supported = installedRuntimeDate(root);
  if (t.compatibilityDate && supported && t.compatibilityDate > supported) {
    warning(
      "compatibility-date",
      ["compatibility-date"],
      `${cfg}: compatibility_date "${t.compatibilityDate}" is newer than the installed Workers runtime supports ("${supported}"): tests will not start; set compatibility_date = "${supported}" or update wrangler`,
    );
  }
}
