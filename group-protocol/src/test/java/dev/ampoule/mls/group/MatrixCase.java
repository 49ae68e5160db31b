package dev.ampoule.mls.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ampoule.mls.error.DecodeException;
import dev.ampoule.mls.error.Rule;
import dev.ampoule.mls.error.ValidationException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.function.Executable;

/**
 * One case of the bad-input matrix: a malformed or rule-breaking input, the rule that must refuse
 * it, and what the Delivery Service's {@link PublicGroup} must do with the same input.
 *
 * <p>{@link #run()} prepares the case's groups and input, snapshots every watched state with
 * {@code toBytes()}, feeds the input twice to the member and (when it applies) to the relay, checks
 * each refusal names the rule, checks every watched state is byte-identical, and finally runs the
 * case's follow-up, which shows the groups still work.
 *
 * @param rule the rule the member must name; {@link Malformed#DECODE} for a {@link DecodeException}
 */
record MatrixCase(String category, String name, Rule rule, AtRelay atRelay, Scenario scenario) {

    /** The pseudo-rule of inputs that must fail to decode. */
    enum Malformed implements Rule {
        DECODE;

        @Override
        public String section() {
            return "RFC 9420 §6";
        }

        @Override
        public String description() {
            return "the bytes do not decode: DecodeException";
        }
    }

    /** Builds a case's groups and its bad input. */
    @FunctionalInterface
    interface Scenario {
        Attempt prepare() throws Throwable;
    }

    /** What the relay's PublicGroup must do with the input. */
    sealed interface AtRelay {
        /** It refuses the input with {@code rule}. */
        record Refuses(Rule rule) implements AtRelay {}

        /** It cannot see what is wrong (no epoch secrets, no PSKs, no private keys) and accepts. */
        record Accepts() implements AtRelay {}

        /** The input is not one a Delivery Service validates (private message, Welcome, local call). */
        record NotApplicable() implements AtRelay {}
    }

    /**
     * A prepared case: the member's operation that must fail, the relay's if any, the states that
     * must not change, and the follow-up that shows the groups still work.
     */
    record Attempt(Executable atMember, Optional<Executable> atRelay, List<Group> watched,
            Optional<PublicGroup> relay, Executable afterwards) {

        Attempt {
            watched = List.copyOf(watched);
        }

        Attempt withRelayAction(Executable action) {
            return new Attempt(atMember, Optional.of(action), watched, relay, afterwards);
        }

        Attempt then(Executable next) {
            return new Attempt(atMember, atRelay, watched, relay, next);
        }

        /** Also watches {@code more}, whose state must not change either. */
        Attempt alsoWatching(Group... more) {
            List<Group> all = new ArrayList<>(watched);
            all.addAll(List.of(more));
            return new Attempt(atMember, atRelay, all, relay, afterwards);
        }
    }

    @Override
    public String toString() {
        return category + ": " + name + " -> " + ruleName(rule);
    }

    static String ruleName(Rule rule) {
        return rule.getClass().getSimpleName() + "." + rule;
    }

    /** Runs the case; fails on any deviation. */
    void run() throws Throwable {
        Attempt a = scenario.prepare();
        List<byte[]> before = new ArrayList<>();
        for (Group g : a.watched()) {
            before.add(g.toBytes());
        }
        Optional<byte[]> relayBefore = a.relay().map(PublicGroup::toBytes);

        // Twice: a refusal that consumed or cached anything would not repeat itself.
        expectRefusal(rule, a.atMember(), "member");
        expectRefusal(rule, a.atMember(), "member, again");
        switch (atRelay) {
            case AtRelay.Refuses r -> {
                Executable op = a.atRelay().orElseThrow(() -> new AssertionError("the case has no relay operation"));
                expectRefusal(r.rule(), op, "relay");
                expectRefusal(r.rule(), op, "relay, again");
            }
            case AtRelay.Accepts x -> a.atRelay()
                    .orElseThrow(() -> new AssertionError("the case has no relay operation")).execute();
            case AtRelay.NotApplicable n -> assertTrue(a.atRelay().isEmpty(), "a relay operation was given");
        }

        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i), a.watched().get(i).toBytes(),
                    "the state of watched group " + i + " changed after the refusal");
        }
        if (relayBefore.isPresent()) {
            PublicGroup relay = a.relay().orElseThrow();
            if (atRelay instanceof AtRelay.Accepts && !Arrays.equals(relayBefore.get(), relay.toBytes())) {
                // A relay that cannot see the fault accepts a proposal into its cache; nothing else changes.
                PublicGroup without = PublicGroup.restore(relayBefore.get(), relay.config());
                assertEquals(without.pendingProposals().size() + 1, relay.pendingProposals().size(),
                        "the relay changed beyond caching the proposal it accepted");
                assertArrayEquals(without.groupContext().toBytes(), relay.groupContext().toBytes());
            } else {
                assertArrayEquals(relayBefore.get(), relay.toBytes(), "the relay's state changed after the refusal");
            }
        }
        a.afterwards().execute();
    }

    private static void expectRefusal(Rule rule, Executable operation, String who) {
        if (rule == Malformed.DECODE) {
            assertThrows(DecodeException.class, operation, who + " must refuse malformed bytes");
            return;
        }
        ValidationException e = assertThrows(ValidationException.class, operation,
                who + " must refuse with " + ruleName(rule));
        assertEquals(rule, e.rule(), who + " refused with another rule: " + e.getMessage());
    }

    // ---- building catalogs ----------------------------------------------------------------------

    /** Collects the cases of one category. */
    static final class Catalog {
        private final String category;
        private final List<MatrixCase> cases = new ArrayList<>();

        Catalog(String category) {
            this.category = category;
        }

        /** Refused by the member and, with the same rule, by the relay. */
        Catalog both(String name, Rule rule, Scenario scenario) {
            cases.add(new MatrixCase(category, name, rule, new AtRelay.Refuses(rule), scenario));
            return this;
        }

        /** Refused by the member with {@code rule}, by the relay with {@code relayRule}. */
        Catalog relayRule(String name, Rule rule, Rule relayRule, Scenario scenario) {
            cases.add(new MatrixCase(category, name, rule, new AtRelay.Refuses(relayRule), scenario));
            return this;
        }

        /** Refused by the member; the relay cannot tell and accepts. */
        Catalog relayAccepts(String name, Rule rule, Scenario scenario) {
            cases.add(new MatrixCase(category, name, rule, new AtRelay.Accepts(), scenario));
            return this;
        }

        /** Refused by the member (or the joiner, or a local call); no relay involved. */
        Catalog member(String name, Rule rule, Scenario scenario) {
            cases.add(new MatrixCase(category, name, rule, new AtRelay.NotApplicable(), scenario));
            return this;
        }

        List<MatrixCase> cases() {
            return List.copyOf(cases);
        }
    }
}
