package dev.ampoule.mls.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The bad-input matrix of the group state machine: for every validation rule implemented, a
 * malformed or rule-breaking proposal, commit, Welcome, GroupInfo, KeyPackage or message is
 * refused by a member — and, where the rule belongs to the Delivery Service's view, by the relay's
 * {@link PublicGroup} — with the rule named, the states byte-identical afterwards, and the group
 * still working. The cases live in one catalog per category ({@link ProposalCases},
 * {@link KeyPackageCases}, {@link CommitCases}, {@link WelcomeCases}, {@link ExternalCases},
 * {@link FramingCases}, {@link OwnStateCases}, {@link MalformedCases}).
 */
class BadInputMatrixTest {

    /**
     * GroupRule constants no input can reach, with the reason. Each is a defensive check behind
     * another layer's rule, which the matrix covers instead.
     */
    static final Map<GroupRule, String> UNREACHABLE = Map.of(
            GroupRule.UPDATE_FROM_NON_MEMBER,
            "framing refuses an Update from a non-member sender first: an external sender's with"
                    + " FramingRule.EXTERNAL_PROPOSAL_TYPE, a new_member_proposal's with"
                    + " FramingRule.SENDER_CONTENT_MISMATCH, one inside an external commit with"
                    + " GroupRule.EXTERNAL_COMMIT_PROPOSAL_TYPE, and a member commit's by-value"
                    + " proposals have the committer (a member) as sender");

    private static final AtomicInteger PASSED = new AtomicInteger();

    static List<MatrixCase> allCases() {
        List<MatrixCase> all = new ArrayList<>();
        all.addAll(ProposalCases.cases());
        all.addAll(KeyPackageCases.cases());
        all.addAll(CommitCases.cases());
        all.addAll(WelcomeCases.cases());
        all.addAll(ExternalCases.cases());
        all.addAll(FramingCases.cases());
        all.addAll(OwnStateCases.cases());
        all.addAll(MalformedCases.cases());
        return all;
    }

    @TestFactory
    Stream<DynamicNode> matrix() {
        Map<String, List<MatrixCase>> byCategory = new LinkedHashMap<>();
        for (MatrixCase c : allCases()) {
            byCategory.computeIfAbsent(c.category(), k -> new ArrayList<>()).add(c);
        }
        return byCategory.entrySet().stream().map(e -> DynamicContainer.dynamicContainer(e.getKey(),
                e.getValue().stream().map(c -> DynamicTest.dynamicTest(
                        c.name() + " -> " + MatrixCase.ruleName(c.rule()), () -> {
                            c.run();
                            PASSED.incrementAndGet();
                        }))));
    }

    /** Every GroupRule is the expected rule of some case, or listed as unreachable with a reason. */
    @Test
    void everyGroupRuleIsCoveredOrExplained() {
        Set<GroupRule> covered = EnumSet.noneOf(GroupRule.class);
        for (MatrixCase c : allCases()) {
            if (c.rule() instanceof GroupRule g) {
                covered.add(g);
            }
            if (c.atRelay() instanceof MatrixCase.AtRelay.Refuses r && r.rule() instanceof GroupRule g) {
                covered.add(g);
            }
        }
        Set<GroupRule> missing = EnumSet.allOf(GroupRule.class);
        missing.removeAll(covered);
        missing.removeAll(UNREACHABLE.keySet());
        assertEquals(Set.of(), missing, "GroupRule constants without a case");
        Set<GroupRule> both = EnumSet.copyOf(UNREACHABLE.keySet());
        both.retainAll(covered);
        assertEquals(Set.of(), both, "rules listed as unreachable yet covered");
        assertTrue(allCases().size() >= 30);
    }

    @AfterAll
    static void summary() {
        List<MatrixCase> all = allCases();
        Set<String> rules = new LinkedHashSet<>();
        for (MatrixCase c : all) {
            if (c.rule() != MatrixCase.Malformed.DECODE) {
                rules.add(MatrixCase.ruleName(c.rule()));
            }
            if (c.atRelay() instanceof MatrixCase.AtRelay.Refuses r && r.rule() != MatrixCase.Malformed.DECODE) {
                rules.add(MatrixCase.ruleName(r.rule()));
            }
        }
        long groupRules = rules.stream().filter(r -> r.startsWith("GroupRule.")).count();
        Map<String, Long> byLayer = rules.stream().collect(Collectors.groupingBy(r -> r.substring(0, r.indexOf('.')),
                LinkedHashMap::new, Collectors.counting()));
        System.out.println("Bad-input matrix: " + all.size() + " cases (" + PASSED.get() + " passed), "
                + rules.size() + " distinct rules covered (GroupRule " + groupRules + "/" + GroupRule.values().length
                + ", " + UNREACHABLE.size() + " unreachable), by layer " + byLayer);
    }
}
