package dev.ampoule.mls.error;

import java.util.Objects;

/**
 * Well-formed input that breaks a rule of the protocol. Carries the {@link Rule} that was broken.
 * Whatever object raised it is left unchanged.
 */
public final class ValidationException extends MlsException {

    private final Rule rule;

    public ValidationException(Rule rule) {
        super(format(rule, null));
        this.rule = rule;
    }

    /**
     * @param detail extra context that must not contain key material, ciphertext or content, such
     *     as an index or a type number
     */
    public ValidationException(Rule rule, String detail) {
        super(format(rule, detail));
        this.rule = rule;
    }

    public Rule rule() {
        return rule;
    }

    private static String format(Rule rule, String detail) {
        Objects.requireNonNull(rule, "rule");
        String base = rule.name() + " (" + rule.section() + "): " + rule.description();
        return detail == null ? base : base + " [" + detail + "]";
    }
}
