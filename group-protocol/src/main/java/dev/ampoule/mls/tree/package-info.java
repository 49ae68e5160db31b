/**
 * The ratchet tree: tree math (RFC 9420 §4, Appendix C), leaf and parent nodes (§7.1, §7.2),
 * evolution by adding, updating and removing leaves (§7.7), resolutions (§4.1.1), tree hashes
 * (§7.8), parent hashes (§7.9) and the integrity checks of a tree received from others (§7.9.2,
 * §12.4.3.3).
 */
package dev.ampoule.mls.tree;
