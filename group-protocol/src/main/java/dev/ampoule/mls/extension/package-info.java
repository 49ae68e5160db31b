/**
 * Extensions (RFC 9420 §13) and the typed payloads of those defined by the RFC: application_id
 * (§5.3.3), required_capabilities (§11.1), external_pub (§12.4.3.2) and external_senders
 * (§12.1.8.1). The ratchet_tree extension is parsed by {@code tree.RatchetTree}.
 */
package dev.ampoule.mls.extension;
