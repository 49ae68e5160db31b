package dev.ampoule.mls.message;

import dev.ampoule.mls.codec.TlsEncodable;
import dev.ampoule.mls.codec.TlsReader;
import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.treekem.UpdatePath;
import java.util.List;
import java.util.Optional;

/**
 * RFC 9420 §12.4:
 * <pre>
 * struct {
 *     ProposalOrRef proposals&lt;V&gt;;
 *     optional&lt;UpdatePath&gt; path;
 * } Commit;
 * </pre>
 */
public record Commit(List<ProposalOrRef> proposals, Optional<UpdatePath> path) implements TlsEncodable {

    public Commit {
        proposals = List.copyOf(proposals);
    }

    @Override
    public void encode(TlsWriter w) {
        w.vector(proposals).optional(path);
    }

    public static Commit decode(TlsReader r) {
        return new Commit(r.vector(ProposalOrRef::decode), r.optional(UpdatePath::decode));
    }

    /**
     * Whether RFC 9420 §12.4 requires the path: the proposal list is empty or covers a proposal of
     * a "path required" type. Proposals by reference are resolved by the caller, who passes the
     * types of all covered proposals.
     */
    public static boolean pathRequired(List<Integer> coveredProposalTypes) {
        return coveredProposalTypes.isEmpty() || coveredProposalTypes.stream().anyMatch(ProposalType::requiresPath);
    }
}
