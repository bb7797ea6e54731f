// Package webhook delivers the directory's events to the webhooks accounts
// registered: it takes the deliveries the directory queued in the same
// transaction as each change, posts each one as JSON signed with its
// webhook's secret (X-Voisinage-Signature: sha256=<hex HMAC-SHA256 of the
// body>), records every attempt, retries with exponential backoff for a
// day, and disables a webhook that keeps failing, with a notice its owner
// reads.
//
// Its Guard keeps webhooks off the server's own network (SSRF): it refuses
// loopback, private, link-local and other non-public addresses when a
// webhook is registered, and again at connect time, from the address the
// connection is actually made to (a name that resolved to a public address
// at registration may resolve to a private one later: DNS rebinding).
// Operators may allow them (cmd's -webhook-allow-private), e.g. for a
// receiver on the same machine.
//
// It imports directory; cmd runs its Dispatcher and web uses its Guard.
package webhook
