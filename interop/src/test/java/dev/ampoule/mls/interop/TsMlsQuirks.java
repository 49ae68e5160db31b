package dev.ampoule.mls.interop;

import dev.ampoule.mls.tree.ParentNode;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.tree.TreeMath;
import java.util.List;
import java.util.Optional;

/**
 * Predictions of where ts-mls 1.6.4 departs from RFC 9420, computed on group-protocol's view of a
 * group, so that a scenario can tell a known deviation from a new failure (see interop/README.md).
 */
final class TsMlsQuirks {

    private TsMlsQuirks() {}

    /**
     * Whether ts-mls 1.6.4 refuses {@code tree} when joining: for every leaf L in some parent
     * node's unmerged_leaves it requires every non-blank node on L's whole direct path to hold
     * exactly the same unmerged_leaves list, where RFC 9420 §12.4.3.1 only requires the non-blank
     * nodes between L and that parent to include L.
     */
    static boolean refusesUnmergedLeaves(RatchetTree tree) {
        int leaves = tree.leafCount();
        for (int node = 1; node < tree.nodeWidth(); node += 2) {
            Optional<ParentNode> parent = tree.parentNode(node);
            if (parent.isEmpty()) {
                continue;
            }
            List<Integer> unmerged = parent.get().unmergedLeaves();
            for (int leaf : unmerged) {
                for (int above : TreeMath.directPath(TreeMath.leafToNode(leaf), leaves)) {
                    Optional<ParentNode> p = tree.parentNode(above);
                    if (p.isPresent() && !p.get().unmergedLeaves().equals(unmerged)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
