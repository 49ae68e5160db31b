package dev.ampoule.mls.error;

/**
 * A protocol rule that a {@link ValidationException} says was broken. Each RFC area has its own
 * enumeration of rules implementing this interface, so the rule names the section it comes from.
 */
public interface Rule {

    /** The RFC section that states the rule, e.g. {@code "RFC 9420 §7.9.2"}. */
    String section();

    /** A short statement of the rule, without any value from the rejected input. */
    String description();

    /** A stable identifier of the rule, usable as an error code. */
    String name();
}
