/**
 * The webhook URL rule. The URL is a secret (a Slack incoming-webhook URL is its own credential),
 * so no message here ever contains it or any part of it.
 */
import { isLocalAddress } from "../address.js";
import { InputError } from "../errors.js";

const FIX = "pass the incoming-webhook URL as a secret, e.g. --webhook env:SLACK_WEBHOOK_URL with SLACK_WEBHOOK_URL=https://hooks.slack.com/services/...";

/**
 * Check the webhook URL and return it parsed. https anywhere; plain http only to a loopback or
 * private-network IP address (a relay or test server on the same machine or private network:
 * the module's one rule for credentials over http, core/address.ts), since over any other network
 * it would hand the URL — the credential — to whoever can read the traffic. Credentials inside the URL
 * (user:password@) are refused too. InputError naming `arg`, never quoting the value.
 */
export function checkWebhookUrl(raw: string, arg = "webhook"): URL {
  const s = raw.trim();
  if (s === "") throw new InputError(arg, "is empty", FIX);
  if (/\s/.test(s)) throw new InputError(arg, "contains whitespace (the value is not shown: it is a secret)", FIX);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new InputError(arg, "is not a URL (the value is not shown: it is a secret)", FIX);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new InputError(arg, `uses the scheme ${url.protocol.replace(/:$/, "").slice(0, 16)}, not https`, FIX);
  }
  if (url.username || url.password)
    throw new InputError(
      arg,
      "carries a user name or password before the host",
      "put the credential in the URL's path or query as the chat service issues it, not as user:password@",
    );
  if (url.protocol === "http:" && !isLocalAddress(url.hostname)) {
    throw new InputError(
      arg,
      "uses plain http to a host that is not a loopback or private IP address: the URL is a credential and would cross the network unencrypted",
      "use the https URL the chat service gives (plain http is accepted only for a relay or test server at a loopback or private IP address)",
    );
  }
  return url;
}
