package dev.ampoule.mls.tree;

/**
 * One entry of a leaf's filtered direct path (RFC 9420 §4.1.2): the parent {@code node} on the
 * direct path and its {@code copathChild}, the child that is not on the path and whose resolution
 * receives the node's path secret (§7.5). Both are node indices.
 */
public record PathNode(int node, int copathChild) {}
