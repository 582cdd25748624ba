/** @jsxImportSource react */
/**
 * The billing page for the browser proof of the billing hooks: the spec's Account component (credits,
 * subscription, an Upgrade button that goes to checkout) plus cancel and resume buttons.
 */
import { createRoot } from "react-dom/client";
import { createClient } from "../../../src/client";
import { CovaraProvider, useCheckout, useCredits, useSubscription } from "../../../src/client/react";

function Account() {
  const { balance, loading: creditsLoading } = useCredits();
  const { activeSubscription, plan, cancel, resume } = useSubscription();
  const { redirectToCheckout, loading } = useCheckout();
  return (
    <main>
      <h1>Account</h1>
      <p id="credits">{creditsLoading ? "Credits: …" : `Credits: ${balance}`}</p>
      <p id="subscription">
        {activeSubscription
          ? `Plan: ${plan} (${activeSubscription.cancelAtPeriodEnd ? "ends at period end" : "renews"})`
          : "No subscription"}
      </p>
      <button
        id="upgrade"
        type="button"
        onClick={() => void redirectToCheckout({ plan: "pro_monthly" })}
        disabled={loading}
      >
        Upgrade
      </button>
      <button id="cancel" type="button" onClick={() => void cancel({ atPeriodEnd: true })}>
        Cancel at period end
      </button>
      <button id="resume" type="button" onClick={() => void resume()}>
        Resume
      </button>
    </main>
  );
}

const client = createClient({ baseUrl: location.origin });
const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <CovaraProvider client={client}>
      <Account />
    </CovaraProvider>,
  );
