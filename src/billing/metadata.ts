/**
 * The metadata keys a checkout carries to the provider and every webhook carries back: how an
 * event finds the app's account and plan without a lookup table.
 */
export const ACCOUNT_METADATA_KEY = "covara_account";
export const PLAN_METADATA_KEY = "covara_plan";

/** The metadata object a checkout attaches. */
export function checkoutMetadata(account: string, plan: string): Record<string, string> {
  return { [ACCOUNT_METADATA_KEY]: account, [PLAN_METADATA_KEY]: plan };
}
