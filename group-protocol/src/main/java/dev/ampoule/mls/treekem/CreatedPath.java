package dev.ampoule.mls.treekem;

import dev.ampoule.mls.tree.TreeMath;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of {@link TreeKem#createPath}: the UpdatePath to send, the commit secret, the
 * committer's new private state, and the path secrets of the filtered direct path, kept so that
 * the Welcome can give each new member the one of its lowest common ancestor with the committer
 * (§12.4.3.1). {@link #close()} destroys those path secrets; the commit secret and the private
 * state belong to the caller.
 */
public final class CreatedPath implements AutoCloseable {

    private final UpdatePath updatePath;
    private final CommitSecret commitSecret;
    private final TreeKemPrivate privateState;
    private final int senderLeaf;
    private final Map<Integer, PathSecret> pathSecrets;

    CreatedPath(UpdatePath updatePath, CommitSecret commitSecret, TreeKemPrivate privateState, int senderLeaf,
            Map<Integer, PathSecret> pathSecrets) {
        this.updatePath = updatePath;
        this.commitSecret = commitSecret;
        this.privateState = privateState;
        this.senderLeaf = senderLeaf;
        this.pathSecrets = pathSecrets;
    }

    public UpdatePath updatePath() {
        return updatePath;
    }

    public CommitSecret commitSecret() {
        return commitSecret;
    }

    /** The committer's private tree state after the commit. */
    public TreeKemPrivate privateState() {
        return privateState;
    }

    /**
     * A copy (owned by the caller) of the path secret for the lowest common ancestor of the
     * committer and the member at {@code joinerLeaf}, for that member's GroupSecrets.
     */
    public Optional<PathSecret> pathSecretForJoiner(int joinerLeaf) {
        int lca = TreeMath.commonAncestor(TreeMath.leafToNode(joinerLeaf), TreeMath.leafToNode(senderLeaf));
        return pathSecretAt(lca);
    }

    /** A copy (owned by the caller) of the path secret of parent node {@code node}, if on the path. */
    public Optional<PathSecret> pathSecretAt(int node) {
        PathSecret s = pathSecrets.get(node);
        return s == null ? Optional.empty() : Optional.of(new PathSecret(s.copy()));
    }

    /** Destroys the path secrets kept for Welcome messages. */
    @Override
    public void close() {
        pathSecrets.values().forEach(PathSecret::destroy);
    }

    @Override
    public String toString() {
        return "CreatedPath[leaf " + senderLeaf + ", " + updatePath.nodes().size() + " nodes]";
    }
}
