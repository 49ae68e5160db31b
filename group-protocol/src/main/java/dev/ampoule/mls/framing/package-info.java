/**
 * Message framing (RFC 9420 §6): FramedContent and its authentication (§6.1), PublicMessage with
 * its membership tag (§6.2), PrivateMessage with content and sender-data encryption (§6.3), and
 * MLSMessage, the envelope that also carries Welcome, GroupInfo and KeyPackage.
 */
package dev.ampoule.mls.framing;
