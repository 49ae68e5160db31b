/**
 * The protocol messages other than framing: KeyPackage (RFC 9420 §10), the proposals (§12.1),
 * Commit (§12.4), GroupInfo, Welcome and GroupSecrets (§12.4.3). These sit below {@code framing}
 * because FramedContent (§6) carries a Proposal or a Commit.
 */
package dev.ampoule.mls.message;
