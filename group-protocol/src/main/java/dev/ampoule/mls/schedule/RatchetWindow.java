package dev.ampoule.mls.schedule;

import dev.ampoule.mls.error.InternalException;

/**
 * How far a receiving hash ratchet accommodates reordered messages (RFC 9420 §15.3, §9.2).
 *
 * <p>When the newest generation a ratchet has handed out is {@code g}, the unused keys of the
 * generations in {@code [g - outOfOrderTolerance, g)} are kept for late messages, so at most
 * {@code outOfOrderTolerance} skipped keys are retained per ratchet; older keys are deleted and
 * their generations refused. A generation more than {@code maxForwardDistance} beyond the next unused one is refused
 * without any derivation, so a malicious {@code generation = 0xffffffff} cannot make a member
 * compute billions of keys.
 *
 * @param outOfOrderTolerance generations behind the newest one whose unused keys are kept; 0 keeps
 *     none
 * @param maxForwardDistance most generations the ratchet moves forward for one message
 */
public record RatchetWindow(int outOfOrderTolerance, int maxForwardDistance) {

    /** Accepts messages up to 32 generations late, moves at most 1,000 generations ahead. */
    public static final RatchetWindow DEFAULT = new RatchetWindow(32, 1_000);

    public RatchetWindow {
        if (outOfOrderTolerance < 0 || maxForwardDistance < 0) {
            throw new InternalException("ratchet window sizes must not be negative");
        }
    }

    public RatchetWindow withOutOfOrderTolerance(int tolerance) {
        return new RatchetWindow(tolerance, maxForwardDistance);
    }

    public RatchetWindow withMaxForwardDistance(int distance) {
        return new RatchetWindow(outOfOrderTolerance, distance);
    }
}
