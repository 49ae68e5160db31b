/**
 * TreeKEM (RFC 9420 §7.4–§7.6): creating an UpdatePath from a leaf, and processing one — decrypting
 * the path secret, deriving the commit secret and merging the path into the tree — with the
 * member's private view of the tree.
 */
package dev.ampoule.mls.treekem;
